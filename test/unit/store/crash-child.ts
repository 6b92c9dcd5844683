// Child of crash.test.ts: a storm of addMonitor/removeMonitor/removeAllMonitors/setState against
// an FsStore until it is killed. Every call is logged on stdout before it is made (`I`) and once
// it resolved (`K`), with a synchronous write so that a line printed is a line the parent gets.
// Usage: node crash-child.js DIR SEED
import { writeSync } from 'node:fs';
import { FsStore } from '../../../src/store/fs.js';
import type { MyId } from '../../../src/store/types.js';

export const HOSTS = 40;
export const IDS: MyId[] = [
  { myName: 'lockd-a', prog: 100021, vers: 4, proc: 16 },
  { myName: 'lockd-a', prog: 100021, vers: 3, proc: 16 },
  { myName: 'lockd-b', prog: 100021, vers: 4, proc: 16 },
];
const IN_FLIGHT = 64;

const pause = new Int32Array(new SharedArrayBuffer(4));

function say(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      // stdout is a non-blocking pipe: when it is full, wait for the parent to read.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

async function main(): Promise<void> {
  const [dir, seedArg] = process.argv.slice(2);
  if (!dir) throw new Error('usage: crash-child DIR SEED');
  let seed = Number(seedArg ?? 1) >>> 0 || 1;
  const rand = (n: number): number => {
    // xorshift32: reproducible per seed
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed % n;
  };
  const store = new FsStore({ dir });
  const snap = await store.load();
  let state = snap.state;
  say('READY');
  // Never outlive a lost parent.
  setTimeout(() => process.exit(3), 20_000).unref();
  let seq = 0;
  let inFlight = 0;
  const issue = (): void => {
    const n = ++seq;
    const r = rand(100);
    const h = rand(HOSTS);
    const i = rand(IDS.length);
    let p: Promise<unknown>;
    if (r < 60) {
      const priv = Buffer.alloc(16, rand(256));
      priv.writeUInt32BE(n, 0);
      say(`I ${n} A h${h} ${i} ${priv.toString('hex')}`);
      p = store.addMonitor({ monName: `h${h}`, ...IDS[i]!, priv });
    } else if (r < 95) {
      say(`I ${n} R h${h} ${i}`);
      p = store.removeMonitor(`h${h}`, IDS[i]!);
    } else if (r < 97) {
      say(`I ${n} X ${i}`);
      p = store.removeAllMonitors(IDS[i]!);
    } else {
      state += 2;
      say(`I ${n} S ${state}`);
      p = store.setState(state, `boot-${state}`);
    }
    inFlight++;
    p.then(
      () => say(`K ${n}`),
      (err: Error) => say(`F ${n} ${err.message}`),
    ).finally(() => {
      inFlight--;
      top();
    });
  };
  const top = (): void => {
    while (inFlight < IN_FLIGHT) issue();
  };
  top();
}

if (process.argv[1]?.endsWith('crash-child.js')) {
  main().catch((err) => {
    process.stderr.write(`crash-child: ${err?.stack ?? err}\n`);
    process.exit(2);
  });
}
