import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { ownerOptions, printer, rangeOption, svidOf } from './lock.js';

const HELP = `Usage: nsmd unlock SERVER FILE [OPTIONS]

Releases a range of FILE at the NLM lock manager on SERVER, for the owner
(--name, --svid) that 'nsmd lock' used.

Options:
  -r, --range START-END  bytes START to END inclusive; START- or START-eof
                         = to end of file (default: the whole file)
  -n, --name NAME        our caller name (default: host name)
      --svid N           owner process id (default 1)
      --tcp              talk to SERVER over TCP (default UDP)
      --json             print the result as JSON

Exit status: 0 when released, 1 on failure, 2 on bad usage.
`;

/** `nsmd unlock`: releases a lock taken with `nsmd lock`. */
export const unlockCommand: Command = {
  name: 'unlock',
  summary: 'release a byte-range lock at an NLM server',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: ownerOptions,
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 2) throw new UsageError('expected SERVER and FILE');
    const [server, file] = positionals as [string, string];
    const { LockClient, parseRange, describeRange } = await import('../../nlm/index.js');
    const range = rangeOption(values.range, parseRange);
    const client = new LockClient({
      ...(values.name ? { name: values.name } : {}),
      svid: svidOf(values.svid),
      statd: null,
      transport: values.tcp ? 'tcp' : 'udp',
    });
    try {
      await client.unlock(server, file, range);
      printer(values.json ?? false)('unlocked', `unlocked ${file} ${describeRange(range)} at ${server}`, {
        server,
        file,
        ...range,
      });
      return 0;
    } finally {
      await client.close();
    }
  },
};
