/**
 * Drives SM_MON or SM_UNMON at a statd with a distinct mon_name per call (names from..from+count-1,
 * see names.ts), keeping a window of calls in flight, bounded by count and time. Runs on the
 * daemon's host: statds accept these procedures from loopback only. Prints one JSON line.
 *
 *   node dist/bench/monload.js --port 776 --op mon --from 0 --count 1000 --window 16 --duration 20000
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SM_VERS_DEF } from '../src/proto/sm_inter.js';
import { createClient } from '../src/rpc/client.js';
import { Histogram } from './loadgen.js';
import { MY_ID, monName, privOf } from './names.js';

/** What one SM_MON / SM_UNMON run measured. */
export interface MonLoadResult {
  op: 'mon' | 'unmon';
  transport: 'udp' | 'tcp';
  from: number;
  requested: number;
  /** Calls answered stat_succ (SM_MON) or answered at all (SM_UNMON). */
  completed: number;
  /** SM_MON answered stat_fail. */
  failed: number;
  /** Calls that got no answer in time or an RPC error. */
  errors: number;
  firstError?: string;
  elapsedMs: number;
  callsPerSec: number;
  /** Why it stopped: "count" (all done) or "time" (the bound hit first). */
  stoppedBy: 'count' | 'time';
  latencyUs: ReturnType<Histogram['summary']>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      transport: { type: 'string', default: 'udp' },
      op: { type: 'string', default: 'mon' },
      from: { type: 'string', default: '0' },
      count: { type: 'string', default: '1000' },
      window: { type: 'string', default: '16' },
      duration: { type: 'string', default: '20000' },
      'call-timeout': { type: 'string', default: '30000' },
      // A statd that takes long per call must not see the same call again and again.
      retransmit: { type: 'string', default: '5000' },
    },
    strict: true,
  });
  if (values.port === undefined) throw new Error('--port is required');
  const op = values.op === 'unmon' ? 'unmon' : 'mon';
  const transport = values.transport === 'tcp' ? 'tcp' : 'udp';
  const from = Number(values.from);
  const count = Number(values.count);
  const window = Math.max(1, Number(values.window));
  const durationMs = Number(values.duration);
  const client = createClient({
    host: values.host,
    port: Number(values.port),
    transport,
    timeoutMs: Number(values['call-timeout']),
    retransmitMs: Number(values.retransmit),
    maxRetransmitMs: Number(values.retransmit),
  });
  const sm = client.bind(SM_VERS_DEF);
  const hist = new Histogram();
  let next = from;
  let completed = 0;
  let failed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let stoppedBy: 'count' | 'time' = 'count';

  const worker = async () => {
    while (next < from + count) {
      if (performance.now() >= deadline) {
        stoppedBy = 'time';
        return;
      }
      const i = next++;
      const started = performance.now();
      try {
        if (op === 'mon') {
          const r = await sm.SM_MON({ mon_id: { mon_name: monName(i), my_id: MY_ID }, priv: privOf(i) });
          if (r.res_stat === 0) completed++;
          else failed++;
        } else {
          await sm.SM_UNMON({ mon_name: monName(i), my_id: MY_ID });
          completed++;
        }
        hist.record((performance.now() - started) * 1000);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  const elapsedMs = performance.now() - t0;
  client.close();
  const result: MonLoadResult = {
    op,
    transport,
    from,
    requested: count,
    completed,
    failed,
    errors,
    ...(firstError ? { firstError } : {}),
    elapsedMs: Math.round(elapsedMs),
    callsPerSec: elapsedMs > 0 ? Math.round(((completed + failed) / elapsedMs) * 1000 * 10) / 10 : 0,
    stoppedBy,
    latencyUs: hist.summary(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`monload: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
