import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd demo lock-recovery [--grace S] [--keep-logs]

Shows the whole lock-recovery story on this machine. As root, it builds three
hosts as network namespaces (server, clienta, clientb, each with its own
address, name and /run), runs nsmd rpcbind and nsmd serve on each and nsmd
lockd on the server, and walks a timeline, checking every step:

  1. clienta locks a range of data.db; clientb's conflicting lock waits;
  2. the server crashes (kill -9 of nsmd serve and nsmd lockd) and restarts:
     its state number goes up, its status monitor tells both clients,
     clienta reclaims its lock within the grace period, clientb's ordinary
     request is told NLM4_DENIED_GRACE_PERIOD;
  3. clienta crashes and restarts: its status monitor tells the server,
     which frees clienta's lock and grants clientb's waiting one.

It removes every namespace and process it made, and exits 0 only if every
step held. Needs root, ip (iproute2), unshare and mount (util-linux).

Options:
  -g, --grace S     grace period of the restarted lock manager (default 10)
      --keep-logs   keep the daemons' logs (printed path) even on success

Exit status: 0 when every step held, 1 otherwise (or when it cannot run
here: the message says what is missing), 2 on bad usage.
`;

/** `nsmd demo`: self-contained shows. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'show the lock-recovery story on three network namespaces (root)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { grace: { type: 'string', short: 'g' }, 'keep-logs': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1 || positionals[0] !== 'lock-recovery') {
      throw new UsageError("expected the name of a demo: 'lock-recovery'");
    }
    if (values.grace !== undefined && !/^\d{1,4}$/.test(values.grace)) {
      throw new UsageError(`--grace: not a number of seconds: ${values.grace}`);
    }
    const { runLockRecoveryDemo, DemoUnavailable } = await import('../../nlm/demo.js');
    try {
      const ok = await runLockRecoveryDemo({
        ...(values.grace !== undefined ? { graceSeconds: Number(values.grace) } : {}),
        keepLogs: values['keep-logs'] ?? false,
      });
      return ok ? 0 : 1;
    } catch (err) {
      if (err instanceof DemoUnavailable) {
        process.stderr.write(`nsmd demo: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
