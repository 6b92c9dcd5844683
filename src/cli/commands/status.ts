import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd status [--state-dir DIR] [--json]

What a state directory holds (read only; works while 'nsmd serve' or rpc.statd
runs): the state number (odd = up), whether it was written in this boot, the
monitored hosts with the callback each one asked for, and the peers still to be
told of our reboot.

Options:
  -P, --state-dir DIR   state directory (default /var/lib/nfs)
      --json            print it as JSON

Exit status: 0 ok, 1 when the state directory cannot be read, 2 on bad usage.
`;

/** `nsmd status`: the state directory at a glance. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'state number, monitored hosts and pending notifications of a state directory',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { 'state-dir': { type: 'string', short: 'P' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const { readStatus, formatStatus } = await import('../../nsm/status.js');
    const status = await readStatus(values['state-dir'] ?? '/var/lib/nfs');
    process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return 0;
  },
};
