// FsStore figures: load time of N host files (warm and, as root, cold cache), memory per record
// of the in-memory index, durable addMonitor/removeMonitor rates at several concurrencies.
// Usage: node --expose-gc dist/bench/store.js [--hosts 100000] [--calls 20000] [--dir DIR] [--json]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FsStore } from '../src/store/fs.js';
import { formatRecordLine } from '../src/store/record.js';
import type { MyId } from '../src/store/types.js';

const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100000' },
    calls: { type: 'string', default: '20000' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const HOSTS = Number(opts.hosts);
const CALLS = Number(opts.calls);
const ID: MyId = { myName: 'client.example.com', prog: 100021, vers: 4, proc: 16 };
const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function dropCaches(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

async function timedLoad(dir: string): Promise<{ ms: number; store: FsStore; records: number }> {
  const store = new FsStore({ dir });
  const t = performance.now();
  const snap = await store.load();
  return { ms: performance.now() - t, store, records: snap.monitors.length };
}

async function rate(
  store: FsStore,
  concurrency: number,
  calls: number,
  make: (i: number) => Promise<unknown>,
) {
  const before = store.stats();
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) await make(next++);
    }),
  );
  const ms = performance.now() - t;
  const after = store.stats();
  return {
    concurrency,
    callsPerSec: Math.round((calls / ms) * 1000),
    callsPerDirSync: +(calls / Math.max(1, after.dirSyncs - before.dirSyncs)).toFixed(1),
  };
}

async function main(): Promise<void> {
  const base = opts.dir ?? fs.mkdtempSync(join(tmpdir(), 'nsmd-bench-store-'));
  const dir = join(base, 'state');
  fs.mkdirSync(join(dir, 'sm'), { recursive: true });
  fs.mkdirSync(join(dir, 'sm.bak'), { recursive: true });
  const priv = new Uint8Array(16);
  for (let i = 0; i < HOSTS; i++) {
    const monName = `host-${String(i).padStart(6, '0')}.example.com`;
    priv.fill(i & 0xff);
    fs.writeFileSync(join(dir, 'sm', monName), formatRecordLine({ monName, ...ID, priv }), 'latin1');
  }
  const out: Record<string, unknown> = { hosts: HOSTS, threadpool: process.env.UV_THREADPOOL_SIZE ?? '4' };

  const cold = dropCaches();
  const h0 = heap();
  const first = await timedLoad(dir);
  out[cold ? 'loadColdMs' : 'loadMs'] = Math.round(first.ms);
  out.bytesPerRecord = Math.round((heap() - h0) / first.records); // index only: the snapshot is garbage
  await first.store.close();
  const warm = await timedLoad(dir);
  out.loadWarmMs = Math.round(warm.ms);

  const store = warm.store;
  const rates = [];
  let n = 0;
  for (const c of [1, 16, 64, 256, 1024]) {
    const calls = c === 1 ? Math.min(CALLS, 500) : CALLS;
    const start = n;
    rates.push({
      op: 'addMonitor',
      ...(await rate(store, c, calls, (i) =>
        store.addMonitor({ monName: `new-${start + i}.example.com`, ...ID, priv: new Uint8Array(16) }),
      )),
    });
    rates.push({
      op: 'removeMonitor',
      ...(await rate(store, c, calls, (i) => store.removeMonitor(`new-${start + i}.example.com`, ID))),
    });
    n += calls;
  }
  out.rates = rates;
  await store.close();
  if (!opts.dir) fs.rmSync(base, { recursive: true, force: true });
  if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    const { rates: _r, ...rest } = out;
    console.log(rest);
    console.table(rates);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
