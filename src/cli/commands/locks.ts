import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd locks SERVER [--json] [--udp]

Lists the locks held and queued at the nsmd lock manager on SERVER, with its
grace period and status monitor state. It uses nsmd's private, read-only
listing procedure (100 of program 100021 version 4); other lock managers do
not have it.

Options:
      --json   print it as JSON (offsets and lengths as decimal strings)
      --udp    ask over UDP (default TCP: a long list needs it)

Exit status: 0 ok, 1 when the server cannot be asked, 2 on bad usage.
`;

/** `nsmd locks`: the lock table of an nsmd lock manager. */
export const locksCommand: Command = {
  name: 'locks',
  summary: 'list held and queued locks at an nsmd lock manager',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, udp: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('expected SERVER');
    const server = positionals[0]!;
    const { LockClient, describeHandle, describeRange } = await import('../../nlm/index.js');
    const client = new LockClient({ statd: null, transport: values.udp ? 'udp' : 'tcp' });
    try {
      const l = await client.listing(server);
      const rows = l.entries.map((e) => ({
        state: e.queued ? 'queued' : 'held',
        mode: e.exclusive ? 'exclusive' : 'shared',
        caller: e.caller_name,
        svid: e.svid,
        owner: Buffer.from(e.oh).toString('hex'),
        file: describeHandle(e.fh),
        offset: e.l_offset.toString(),
        length: e.l_len.toString(),
      }));
      if (values.json) {
        const out = {
          server,
          inGrace: l.in_grace,
          graceLeftMs: l.grace_left_ms,
          nsmState: l.nsm_state,
          total: l.total,
          truncated: l.truncated,
          locks: rows,
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return 0;
      }
      const lines = [
        `${server}: ${l.total} lock(s)${l.in_grace ? `, in grace for ${Math.ceil(l.grace_left_ms / 1000)} s more` : ''}, status monitor state ${l.nsm_state}`,
      ];
      if (rows.length > 0) {
        const table = [['STATE', 'MODE', 'RANGE', 'CALLER', 'SVID', 'FILE']].concat(
          l.entries.map((e, i) => [
            rows[i]!.state,
            rows[i]!.mode,
            describeRange({ offset: e.l_offset, length: e.l_len }),
            e.caller_name,
            String(e.svid),
            rows[i]!.file,
          ]),
        );
        const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
        for (const r of table)
          lines.push(r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  '));
      }
      if (l.truncated) lines.push(`(${l.total - rows.length} more not shown)`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await client.close();
    }
  },
};
