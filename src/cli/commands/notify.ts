import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { minutesOf } from './serve.js';

const HELP = `Usage: nsmd notify [OPTIONS]

Tells every peer that this host rebooted, like nfs-utils' sm-notify: moves the
monitor list (sm/) to the notify list (sm.bak/), bumps the state number
(persisted first), then sends SM_NOTIFY {our name, state} to each peer's statd,
found through the peer's rpcbind (portmap GETPORT for IPv4, rpcbind GETADDR for
IPv6), retrying with delays from 2 s doubling to 120 s. A peer leaves the notify
list only once it answered. Runs once per boot: in the same boot, without
--force, it only retries peers still in the notify list, with the same state.

Options:
  -P, --state-dir DIR      state directory (default /var/lib/nfs)
  -v, --name NAME          name to announce (default: host name); repeatable
  -m, --max-minutes M      give up on a peer after M minutes (default 15;
                           0 = until it answers)
  -f, --force              run even if this boot was already announced (bumps
                           the state again)
  -n, --no-bump            keep the state number as it is
  -p, --outgoing-port N    source port of the notifications
      --log-format FORMAT  json | pretty (default: pretty on a terminal)

Do not run it against the state directory of a running 'nsmd serve': send that
daemon SIGUSR1 instead.

Exit status: 0 when every peer answered, 1 when some did not (they stay in the
notify list) or on failure, 2 on bad usage.
`;

/** `nsmd notify`: sm-notify. */
export const notifyCommand: Command = {
  name: 'notify',
  summary: 'tell every peer of the notify list that this host rebooted (sm-notify)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        'state-dir': { type: 'string', short: 'P' },
        name: { type: 'string', short: 'v', multiple: true },
        'max-minutes': { type: 'string', short: 'm' },
        force: { type: 'boolean', short: 'f' },
        'no-bump': { type: 'boolean', short: 'n' },
        'outgoing-port': { type: 'string', short: 'p' },
        'log-format': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const format = values['log-format'];
    if (format !== undefined && format !== 'json' && format !== 'pretty') {
      throw new UsageError(`--log-format must be json or pretty, not '${format}'`);
    }
    const op = values['outgoing-port'];
    if (op !== undefined && (!/^\d{1,5}$/.test(op) || Number(op) > 65535)) {
      throw new UsageError(`--outgoing-port: not a port number: ${op}`);
    }
    const maxMinutes = minutesOf(values['max-minutes']) ?? 15;
    const { runNotify } = await import('../../nsm/notify.js');
    const { createLog } = await import('../../nsm/logging.js');
    const log = createLog(format ? { format } : {});
    const { reservedPortCandidates } = await import('../../ports/choose.js');
    const r = await runNotify({
      reservedPorts: () => reservedPortCandidates(),
      stateDir: values['state-dir'] ?? '/var/lib/nfs',
      ...(values.name?.length ? { names: values.name } : {}),
      maxMinutes,
      force: values.force ?? false,
      bump: !(values['no-bump'] ?? false),
      ...(op !== undefined ? { outgoingPort: Number(op) } : {}),
      log,
    });
    if (r.failed > 0) {
      process.stderr.write(`nsmd notify: ${r.failed} peer(s) did not answer; they stay in the notify list\n`);
      return 1;
    }
    return 0;
  },
};
