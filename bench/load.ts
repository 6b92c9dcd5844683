/**
 * Runs the load generator (loadgen.ts) against NSM on this host and prints its JSON result: NULL
 * (procedure 0) or SM_STAT (procedure 1, with --stat-name). Started by bench/run.ts inside a
 * daemon's network namespace.
 *
 *   node dist/bench/load.js --port 4000 --transport udp [--stat-name peer.nsmd.test] --duration 5000
 */
import { parseArgs } from 'node:util';
import { sm_name } from '../src/proto/sm_inter.js';
import { encode } from '../src/xdr/codec.js';
import { runLoad } from './loadgen.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      transport: { type: 'string', default: 'udp' },
      'stat-name': { type: 'string' },
      window: { type: 'string', default: '64' },
      duration: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '1000' },
    },
    strict: true,
  });
  if (values.port === undefined) throw new Error('--port is required');
  const statName = values['stat-name'];
  const result = await runLoad({
    host: values.host,
    port: Number(values.port),
    transport: values.transport === 'tcp' ? 'tcp' : 'udp',
    prog: 100024,
    vers: 1,
    proc: statName === undefined ? 0 : 1,
    args: statName === undefined ? undefined : encode(sm_name, { mon_name: statName }),
    window: Number(values.window),
    durationMs: Number(values.duration),
    warmupMs: Number(values.warmup),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
