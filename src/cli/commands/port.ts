import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

/** Parses a port argument: a decimal integer 0-65535. */
export function parsePortArg(text: string | undefined): number {
  if (text === undefined) throw new UsageError('missing port number (0-65535)');
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`not a port number (0-65535): ${text}`);
  return Number(text);
}

/** Parses a --proto value. */
export function parseProtoArg(text: string | undefined): 'tcp' | 'udp' | undefined {
  if (text === undefined) return undefined;
  if (text !== 'tcp' && text !== 'udp') throw new UsageError(`--proto must be tcp or udp, not '${text}'`);
  return text;
}

const HELP = `Usage: nsmd port N [--proto tcp|udp] [--json]

What the registry says about port N beside what really listens on it, in this
network namespace:
  registry   IANA's entries for N (service, description, assignee, contact,
             reference, dates, known unauthorized uses); an assignment that
             cites no reference is marked: nothing documents its protocol
  range      well-known (0-1023), registered (1024-49151) or dynamic
             (49152-65535), and what that means
  listening  TCP sockets in LISTEN and bound UDP sockets, IPv4 and IPv6: local
             address, pid, command and user (from /proc)
  rpc        the RPC program rpcbind (127.0.0.1:111) has registered on N
  verdict    assigned-service-present, squatter, assigned-idle,
             unassigned-in-use, unexpected-listener, unidentified-listener or
             unassigned-idle, with a sentence

Options:
  --proto tcp|udp   only this transport (default: both)
  --json            print the report as JSON (documented in docs/PORTS.md)

Without root, the processes of other users cannot be seen; a last line says so.

Example, with rpc.statd listening on 776:
  $ nsmd port 776
  Port 776: well-known (0-1023), system ports: IANA assigns them to services; ...

  776/tcp
    registry   wpages
                 assignee Josyula R Rao
                 no reference: nothing documents this protocol
    listening  0.0.0.0:776  pid 812 rpc.statd, user statd
    rpc        100024 status v1
    verdict    squatter: assigned to wpages, used by the Network Status
               Monitor (RPC 100024 status)
  ...

Exit status: 0 when the report was made, 1 on failure, 2 on bad usage.
`;

/** `nsmd port N`: registry vs reality for one port. */
export const portCommand: Command = {
  name: 'port',
  summary: 'what IANA assigns to a port beside what really listens on it (e.g. 776)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { proto: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError(`one port at a time, got: ${positionals.join(' ')}`);
    const port = parsePortArg(positionals[0]);
    const proto = parseProtoArg(values.proto);
    // Loaded here, not at start-up: the registry is 3 MB of JSON that only these commands need.
    const { inspectPort, rpcbindProgramLookup } = await import('../../ports/index.js');
    const { formatPortReport } = await import('../../ports/format.js');
    const report = await inspectPort(port, {
      ...(proto ? { proto } : {}),
      rpcLookup: rpcbindProgramLookup(),
    });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatPortReport(report));
    return 0;
  },
};
