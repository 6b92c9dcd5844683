import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd lockd [OPTIONS]

Runs the NLM lock manager (RPC program 100021, versions 1, 3 and 4) over UDP
and TCP: byte-range locks and share reservations on opaque file handles, kept
in memory. Before serving it tells the local status monitor (nsmd serve or
rpc.statd) that its lock table is new (SM_SIMU_CRASH), so clients learn that
their locks here are gone and reclaim them during the grace period. It asks the
status monitor to watch every client holding locks, and frees a client's locks
when the monitor reports that client's reboot.

Options:
  -g, --grace S            grace period after start, in seconds (default 90):
                           only reclaims are served, other requests are told
                           NLM4_DENIED_GRACE_PERIOD; reclaims after it are too
  -p, --port N             port for UDP and TCP (default: ephemeral)
      --host ADDR          address to listen on (default :: dual-stack)
  -n, --name NAME          our name in SM_MON's my_id (default: host name)
      --rpcbind MODE       system | auto | embedded | none (default system)
      --no-simu-crash      do not send SM_SIMU_CRASH at start
      --no-statd           run without a status monitor (no monitoring, no
                           SM_SIMU_CRASH): locks of rebooted clients stay
      --log-format FORMAT  json | pretty (default: pretty on a terminal)

Signals: SIGTERM and SIGINT stop it (unregister from rpcbind, exit 0).
See docs/NLM.md.

Exit status: 0 after a clean stop, 1 when it cannot start, 2 on bad usage.
`;

/** Parses a port option. */
export function portOption(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`${what}: not a port number: ${v}`);
  return Number(v);
}

/** `nsmd lockd`: the NLM lock manager daemon. */
export const lockdCommand: Command = {
  name: 'lockd',
  summary: 'run the NLM lock manager (grace period, reclaims, frees locks of rebooted clients)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        grace: { type: 'string', short: 'g' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        name: { type: 'string', short: 'n' },
        rpcbind: { type: 'string' },
        'no-simu-crash': { type: 'boolean' },
        'no-statd': { type: 'boolean' },
        'log-format': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const grace = values.grace === undefined ? undefined : Number(values.grace);
    if (grace !== undefined && (!/^\d+(\.\d+)?$/.test(values.grace!) || !Number.isFinite(grace))) {
      throw new UsageError(`--grace: not a number of seconds: ${values.grace}`);
    }
    const rpcbind = values.rpcbind ?? 'system';
    if (!['system', 'auto', 'embedded', 'none'].includes(rpcbind)) {
      throw new UsageError(`--rpcbind must be system, auto, embedded or none, not '${rpcbind}'`);
    }
    const format = values['log-format'];
    if (format !== undefined && format !== 'json' && format !== 'pretty') {
      throw new UsageError(`--log-format must be json or pretty, not '${format}'`);
    }
    const port = portOption(values.port, '--port');
    const { LockServer } = await import('../../nlm/server.js');
    const { reservedPortCandidates } = await import('../../ports/choose.js');
    // Reserved source ports with no live IANA service on them, never 776 (see nsmd ports).
    const reserved = await reservedPortCandidates().catch(() => [] as number[]);
    const { createLog } = await import('../../nsm/logging.js');
    const log = createLog({ name: 'nsmd-lockd', ...(format ? { format } : {}) });
    const server = new LockServer({
      ...(grace !== undefined ? { graceSeconds: grace } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(values.host ? { host: values.host } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values['no-statd'] ? { statd: null } : {}),
      simulateCrash: !values['no-simu-crash'],
      ...(reserved.length ? { choosePort: () => reserved } : {}),
      register: rpcbind as 'system' | 'auto' | 'embedded' | 'none',
      log,
    });
    await server.start();
    return await new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'stopping');
        server.close().then(
          () => resolve(0),
          (err) => {
            log.error({ err: String(err) }, 'stop failed');
            resolve(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
