import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd ports [--audit] [--json]

Every listening socket of this network namespace (TCP in LISTEN, bound UDP;
IPv4 and IPv6) with the same columns and verdicts as 'nsmd port N': address,
port, range, pid, command, user, the IANA service assigned to the port, the RPC
program rpcbind has there, and the verdict.

Options:
  --audit   print only what needs a look: unexpected listeners, listeners whose
            process cannot be seen, and RPC services on a port assigned to a
            service that exists (a squatter on a ghost such as 776 wpages is
            fine). Exit status 1 when an unexpected listener sits on a
            well-known port (0-1023).
  --json    print the report as JSON (documented in docs/PORTS.md); with
            --audit, only the entries that need a look

Without root, the processes of other users cannot be seen; a last line says so.

Example:
  $ nsmd ports --audit
  PROTO  ADDRESS  PORT  RANGE       PID  COMMAND  USER  SERVICE  RPC  VERDICT
  tcp    ::       993   well-known  901  node     root  imaps    -    unexpected-listener

  Needs a look:
    993/tcp  unexpected-listener: assigned to imaps, but node (pid 901) listens: ...

  ('nsmd port 776' explains a single port.)

Exit status: 0 ok, 1 on failure or (--audit) an unexpected listener on a
well-known port, 2 on bad usage.
`;

/** `nsmd ports`: registry vs reality for every listening socket. */
export const portsCommand: Command = {
  name: 'ports',
  summary: 'every listening socket with its IANA assignment and a verdict (--audit)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { audit: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument: ${positionals[0]} (for one port: nsmd port N)`);
    const { inspectAll, rpcbindProgramLookup } = await import('../../ports/index.js');
    const { formatPortsReport } = await import('../../ports/format.js');
    const report = await inspectAll({ rpcLookup: rpcbindProgramLookup() });
    if (values.json) {
      const shown = values.audit
        ? { ...report, entries: report.entries.filter((e) => e.verdict.needsLook) }
        : report;
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    } else {
      process.stdout.write(formatPortsReport(report, values.audit));
    }
    return values.audit && report.unexpectedWellKnown > 0 ? 1 : 0;
  },
};
