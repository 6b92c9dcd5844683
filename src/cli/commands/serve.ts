import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd serve [OPTIONS]

Runs the Network Status Monitor (RPC program 100024 "status", version 1): a
drop-in for nfs-utils' rpc.statd. Listens on UDP and TCP, IPv4 and IPv6,
registers with rpcbind, keeps the monitor list in an nfs-utils state
directory, calls the local lock manager back when a monitored host reboots,
and after a reboot of this host tells every peer (like sm-notify).

Options:
  -p, --port N             listen port (default: 776 when it can be bound,
                           else an ephemeral port; the log says which)
  -o, --outgoing-port N    source port of outgoing SM_NOTIFY
  -P, --state-dir DIR      state directory (default /var/lib/nfs); one written
                           by rpc.statd works as is
  -n, --name NAME          name announced in SM_NOTIFY (default: host name);
                           repeat for several (multi-homed or HA hosts)
      --rpcbind MODE       system | embedded | none (default: system when an
                           rpcbind answers on 127.0.0.1:111, else embedded)
  -L, --no-notify          do not notify peers after a reboot
  -H, --ha-callout PROG    run PROG add-client|del-client MON_NAME MY_NAME and
                           PROG sm-notify MON_NAME ADDRESS STATE (nfs-utils)
      --config FILE        read the [statd] section of an nfs.conf-style file
                           (port, outgoing-port, name, state-directory-path,
                           ha-callout, no-notify); options given here win
      --user USER          user to run as once ports are bound (default: the
                           owner of DIR/sm, as rpc.statd does); 'root' keeps root
      --max-minutes M      give up notifying a peer after M minutes (default 15;
                           0 = until it answers)
      --notify-trust-any-sender
                           accept SM_NOTIFY from any address (peers behind NAT).
                           Risk: anyone who reaches the port can make the lock
                           manager drop a client's locks by naming that client
      --any-callback-program
                           accept SM_MON for callback programs other than NLM
                           (100021, procedure 16 or 24); callbacks still go
                           only to 127.0.0.1
      --log-format FORMAT  json | pretty (default: pretty on a terminal, else json)
      --sync MODE          how a group commit makes new host files durable before
                           renaming them into place: file (an fdatasync each, as
                           rpc.statd does), fs (one syncfs of the state
                           directory's file system, which also writes out other
                           dirty data there), auto (default: fs for two files or
                           more, file for 30 s after a syncfs slower than 50 ms;
                           file without the native addon or before Linux 5.8)

Signals: SIGTERM and SIGINT stop it cleanly (finish syncs, unregister from
rpcbind, exit 0); SIGUSR1 sends the pending notifications again.

Environment: NSMD_UDP=dgram answers UDP through node:dgram instead of the
native batched addon (native|auto); NSMD_STORE_IO=node writes host files with
node:fs instead of the native addon (native|auto); NSMD_STORE_SYNC sets the
default of --sync. The 'serving' log line says which are used.
UV_THREADPOOL_SIZE (set before node starts) bounds the node:fs syncs in flight.
See docs/NSM.md, docs/RPC.md and docs/STATE.md.

Exit status: 0 after a clean stop, 1 when it cannot start (among other reasons:
a status monitor, such as rpc.statd, is registered with rpcbind and answers),
2 on bad usage.
`;

function portOf(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
    throw new UsageError(`${what}: not a port number (0-65535): ${v}`);
  return Number(v);
}

/** Parses --max-minutes. */
export function minutesOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--max-minutes: not a number of minutes: ${v}`);
  return Number(v);
}

/** `nsmd serve`: the statd daemon. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the Network Status Monitor (rpc.statd drop-in)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        'outgoing-port': { type: 'string', short: 'o' },
        'state-dir': { type: 'string', short: 'P' },
        name: { type: 'string', short: 'n', multiple: true },
        rpcbind: { type: 'string' },
        'no-notify': { type: 'boolean', short: 'L' },
        'ha-callout': { type: 'string', short: 'H' },
        config: { type: 'string' },
        user: { type: 'string' },
        'max-minutes': { type: 'string' },
        'notify-trust-any-sender': { type: 'boolean' },
        'any-callback-program': { type: 'boolean' },
        'log-format': { type: 'string' },
        sync: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const sync = values.sync;
    if (sync !== undefined && !['auto', 'file', 'fs'].includes(sync)) {
      throw new UsageError(`--sync must be auto, file or fs, not '${sync}'`);
    }
    const rpcbind = values.rpcbind;
    if (rpcbind !== undefined && !['system', 'embedded', 'none'].includes(rpcbind)) {
      throw new UsageError(`--rpcbind must be system, embedded or none, not '${rpcbind}'`);
    }
    const format = values['log-format'];
    if (format !== undefined && format !== 'json' && format !== 'pretty') {
      throw new UsageError(`--log-format must be json or pretty, not '${format}'`);
    }
    const port = portOf(values.port, '--port');
    const outgoingPort = portOf(values['outgoing-port'], '--outgoing-port');
    const maxMinutes = minutesOf(values['max-minutes']);

    const { loadStatdConfig } = await import('../../nsm/config.js');
    const { NsmDaemon } = await import('../../nsm/daemon.js');
    const { createLog } = await import('../../nsm/logging.js');
    const conf = values.config ? await loadStatdConfig(values.config) : {};
    const log = createLog(format ? { format } : {});

    const names = values.name?.length ? values.name : conf.names;
    const { chooseListenPort, reservedPortCandidates } = await import('../../ports/choose.js');
    // Handlers go in before start-up: a SIGTERM that arrives while starting (or just after the
    // "serving" line) must still stop cleanly, not kill the process mid-way.
    let stop: ((signal: string) => void) | null = null;
    let early: string | null = null;
    const onSignal = (signal: string) => {
      if (stop) stop(signal);
      else early ??= signal;
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
    const daemon = await NsmDaemon.start({
      ports: { listenPort: () => chooseListenPort(), reservedPorts: () => reservedPortCandidates() },
      ...((port ?? conf.port) !== undefined ? { port: port ?? conf.port } : {}),
      ...((outgoingPort ?? conf.outgoingPort) ? { outgoingPort: outgoingPort ?? conf.outgoingPort } : {}),
      stateDir: values['state-dir'] ?? conf.stateDir ?? '/var/lib/nfs',
      ...(sync ? { storeSync: sync as 'auto' | 'file' | 'fs' } : {}),
      ...(names ? { names } : {}),
      rpcbind: (rpcbind as 'system' | 'embedded' | 'none' | undefined) ?? 'auto',
      notify: !(values['no-notify'] ?? conf.noNotify ?? false),
      ...((values['ha-callout'] ?? conf.haCallout)
        ? { haCallout: values['ha-callout'] ?? conf.haCallout }
        : {}),
      ...(values.user !== undefined ? { user: values.user } : {}),
      ...(maxMinutes !== undefined ? { maxMinutes } : {}),
      policy: {
        trustAnySender: values['notify-trust-any-sender'] ?? false,
        anyCallbackProgram: values['any-callback-program'] ?? false,
      },
      log,
    });

    return await new Promise<number>((resolve) => {
      stop = (signal: string) => {
        log.info({ signal }, 'stopping');
        process.off('SIGUSR1', again);
        daemon.stop().then(
          () => resolve(0),
          (err) => {
            log.error({ err: String(err) }, 'stop failed');
            resolve(1);
          },
        );
      };
      const again = () => {
        log.info({ signal: 'SIGUSR1' }, 'notifying again');
        void daemon.notifyAgain();
      };
      process.on('SIGUSR1', again);
      if (early) stop(early);
    });
  },
};
