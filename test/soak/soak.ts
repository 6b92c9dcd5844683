// A bounded soak of `nsmd serve`: a server host and several client hosts (network namespaces), a
// mixed load for a fixed time, daemon restarts (SIGTERM and kill -9) in the first half, the
// daemon's resident memory sampled from /proc, latencies from every call. At the end: nothing
// acknowledged was lost, the state directory is intact, the daemon answers.
//
// Load: on the server, SM_MON / SM_UNMON from loopback (the lock manager's role) on loopback
// addresses and on the client hosts' names, plus SM_NOTIFY from monitored loopback addresses; from
// each client host, SM_STAT and SM_NOTIFY under its own name (so the server calls its lock manager
// stand-in back), paced under the daemon's per-source rate limit.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkStateDir } from '../fuzz/state-check.js';
import { createNetwork, type Host, type Network, type TrackedProcess } from '../harness/index.js';
import {
  allowedValues,
  compare,
  type LoadLog,
  percentile,
  readDisk,
  readLog,
  recordsByKey,
} from './model.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('../tools/callback-recorder.js', import.meta.url));
const PORT = 4776;

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Length of the load, in seconds. */
  seconds: number;
  /** Daemon restarts, spread over the first half (default: one per 20 s of that half, at least 2). */
  restarts?: number;
  /** Client hosts (default 3). */
  clients?: number;
  /** Calls per second from each client host (default 40; the per-source limit is 200). */
  clientRate?: number;
  /** Calls in flight from the server's loopback load (default 16). */
  concurrency?: number;
  /** RSS sampling period (default 1000 ms). */
  sampleMs?: number;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
}

/** Latency figures in ms. */
export interface Latency {
  calls: number;
  p50: number;
  p99: number;
  max: number;
}

/** What a soak found. */
export interface SoakReport {
  seconds: number;
  restarts: { sigterm: number; sigkill: number; cleanExits: number; downMs: number[] };
  changes: { acknowledged: number; unknown: number; refused: number };
  queries: Record<string, { ok: number; failed: number }>;
  failures: Record<string, number>;
  /** Every call answered; "steady" leaves out calls that overlapped a restart. */
  latencyMs: { all: Latency; steady: Latency };
  callbacks: number;
  rss: {
    samples: number;
    minKb: number;
    maxKb: number;
    /** The last daemon's life (after the last restart): mean RSS per third, and last / middle. */
    final: {
      seconds: number;
      samples: number;
      thirdsMeanKb: [number, number, number];
      growth: number;
      grew: boolean;
    };
    series: Array<[number, number, number]>; // [seconds since start, life, kB]
  };
  /** Acknowledged changes not on disk at the end (must be empty). */
  lost: string[];
  stateDirProblems: string[];
  answersAtEnd: boolean;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function latency(xs: number[]): Latency {
  return {
    calls: xs.length,
    p50: percentile(xs, 50),
    p99: percentile(xs, 99),
    max: maxOf(xs),
  };
}

// Not Math.max(...xs): a long soak has more values than a call may take arguments.
const maxOf = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Runs the soak (needs root: network namespaces) and returns its report. */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const say = o.progress ?? (() => {});
  const clients = o.clients ?? 3;
  const restarts = o.restarts ?? Math.max(2, Math.round(o.seconds / 2 / 20));
  const sampleMs = o.sampleMs ?? 1000;
  const net: Network = await createNetwork({
    hosts: [{ name: 'server' }, ...Array.from({ length: clients }, (_, i) => ({ name: `client${i + 1}` }))],
  });
  try {
    const server = net.host('server');
    const clientHosts = net.hosts.filter((h) => h !== server);
    const stateDir = join(server.dir, 'state');
    await mkdir(stateDir);
    const bootIdFile = join(server.dir, 'boot_id');
    writeFileSync(bootIdFile, 'soak-boot\n');
    const rpcbind = server.spawnNsmd(['rpcbind', '--port', '111', '--host', '127.0.0.1']);
    await rpcbind.waitForOutput(/listening/);
    // Its output goes to a file: the harness keeps only the last MiB of a process's output.
    const callbackLog = join(server.dir, 'callbacks.log');
    const recorder = server.spawnNode(RECORDER, [], { logFile: callbackLog });
    await recorder.waitForOutput(/ready \d+/);

    const spawnServe = (): TrackedProcess =>
      server.spawnNsmd(
        [
          'serve',
          '--port',
          String(PORT),
          '--state-dir',
          stateDir,
          '--rpcbind',
          'system',
          '--no-notify',
          '--user',
          'root',
          '--name',
          'server',
          '--log-format',
          'json',
        ],
        { env: { NSMD_BOOT_ID_FILE: bootIdFile } },
      );
    const serving = (p: TrackedProcess) => p.waitForOutput(/"msg":"serving"/, { timeoutMs: 30_000 });

    let daemon = spawnServe();
    await serving(daemon);
    let life = 0;
    const t0 = Date.now();
    const end = t0 + o.seconds * 1000;
    const logs = {
      local: join(server.dir, 'load-local.log'),
      remote: clientHosts.map((h) => join(h.dir, `load-${h.name}.log`)),
    };
    const names = clientHosts.map((h) => h.name);
    const loads: Array<{ host: Host; p: TrackedProcess }> = [
      {
        host: server,
        p: server.spawnNode(LOADGEN, [
          'monitor',
          '--port',
          String(PORT),
          '--log',
          logs.local,
          '--hosts',
          '60',
          '--names',
          names.join(','),
          '--concurrency',
          String(o.concurrency ?? 16),
          '--notify-share',
          '0.1',
          '--seconds',
          String(o.seconds),
        ]),
      },
      ...clientHosts.map((h, i) => ({
        host: h,
        p: h.spawnNode(LOADGEN, [
          'remote',
          '--server',
          server.ipv4,
          '--port',
          String(PORT),
          '--log',
          logs.remote[i]!,
          '--name',
          h.name,
          '--names',
          [...names.filter((n) => n !== h.name), 'server'].join(','),
          '--rate',
          String(o.clientRate ?? 40),
          '--concurrency',
          '8',
          '--seconds',
          String(o.seconds),
        ]),
      })),
    ];

    // RSS sampler.
    const series: Array<[number, number, number]> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const kb = daemon.running ? rssKb(daemon.pid) : null;
        if (kb !== null) series.push([(Date.now() - t0) / 1000, life, kb]);
        await sleep(sampleMs);
      }
    })();

    // Restarts, evenly spread over the first half.
    const windows: Array<[number, number]> = [];
    const rs = { sigterm: 0, sigkill: 0, cleanExits: 0, downMs: [] as number[] };
    for (let i = 0; i < restarts; i++) {
      const at = t0 + ((i + 1) * (o.seconds * 500)) / (restarts + 1);
      await sleep(Math.max(0, at - Date.now()));
      const signal = i % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      const down = Date.now();
      daemon.kill(signal);
      const st = await daemon.exited;
      if (signal === 'SIGTERM') {
        rs.sigterm++;
        if (st.code === 0) rs.cleanExits++;
      } else rs.sigkill++;
      daemon = spawnServe();
      life++;
      await serving(daemon);
      const upAt = Date.now();
      windows.push([down, upAt]);
      rs.downMs.push(upAt - down);
      say(`soak: restart ${i + 1}/${restarts} (${signal}) down for ${upAt - down} ms`);
    }
    const finalLifeStart = Date.now();
    while (Date.now() < end) {
      await sleep(Math.min(5000, end - Date.now()));
      say(`soak: ${Math.round((Date.now() - t0) / 1000)} s of ${o.seconds}`);
    }
    // The load stops by itself at the end; give in-flight calls their time limit.
    await Promise.race([Promise.all(loads.map((l) => l.p.exited)), sleep(15_000)]);
    for (const l of loads) if (l.p.running) await l.p.stop(2000);
    sampling = false;
    await sampler;

    // Still answering at the end?
    let answersAtEnd = true;
    try {
      await server.waitForRpc('status', 1, 'udp', { timeoutMs: 5000 });
      await server.waitForRpc('status', 1, 'tcp', { timeoutMs: 5000 });
    } catch {
      answersAtEnd = false;
    }
    const stopped = await daemon.stop(10_000);
    if (stopped.code === 0) rs.cleanExits++;

    const local = readLog(logs.local);
    const remote = logs.remote.map((f) => readLog(f));
    const all: LoadLog[] = [local, ...remote];
    const disk = await readDisk(stateDir);
    const seen = recordsByKey(disk.monitors);
    const lost = [...seen.problems, ...compare(allowedValues(new Map(), local.changes), seen.values)];
    const dirCheck = await checkStateDir(stateDir);

    const lat: number[] = [];
    const steady: number[] = [];
    const queries: Record<string, { ok: number; failed: number }> = {};
    const failures: Record<string, number> = {};
    const overlaps = (s: number, ms: number) => windows.some(([a, b]) => s <= b + 200 && s + ms >= a);
    for (const l of all) {
      for (const c of l.changes) {
        if (c.outcome !== 'acked' || c.latencyMs === undefined) continue;
        lat.push(c.latencyMs);
        if (!overlaps(c.startedAt, c.latencyMs)) steady.push(c.latencyMs);
      }
      for (const q of l.queries) {
        const e = queries[q.proc] ?? { ok: 0, failed: 0 };
        queries[q.proc] = e;
        if (q.ok) {
          e.ok++;
          lat.push(q.latencyMs);
          if (!overlaps(q.startedAt, q.latencyMs)) steady.push(q.latencyMs);
        } else {
          e.failed++;
          failures[q.code] = (failures[q.code] ?? 0) + 1;
        }
      }
      for (const [code, n] of l.failures) failures[code] = (failures[code] ?? 0) + n;
    }
    const count = (k: 'acked' | 'unknown' | 'refused') => local.changes.filter((c) => c.outcome === k).length;

    const finalSamples = series.filter(([, lf]) => lf === life).map(([, , kb]) => kb);
    const third = Math.floor(finalSamples.length / 3);
    const thirds: [number, number, number] = [
      Math.round(mean(finalSamples.slice(0, third))),
      Math.round(mean(finalSamples.slice(third, 2 * third))),
      Math.round(mean(finalSamples.slice(2 * third))),
    ];
    const growth = thirds[1] > 0 ? Number((thirds[2] / thirds[1]).toFixed(3)) : 0;
    const kbs = series.map(([, , kb]) => kb);
    await recorder.stop();
    await sleep(200); // the harness's log stream flushes after the exit
    const callbacks = readFileSync(callbackLog, 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('{"callback"')).length;
    const report: SoakReport = {
      seconds: o.seconds,
      restarts: rs,
      changes: { acknowledged: count('acked'), unknown: count('unknown'), refused: count('refused') },
      queries,
      failures,
      latencyMs: { all: latency(lat), steady: latency(steady) },
      callbacks,
      rss: {
        samples: series.length,
        minKb: kbs.length ? kbs.reduce((a, b) => Math.min(a, b)) : 0,
        maxKb: maxOf(kbs),
        final: {
          seconds: Math.round((end - finalLifeStart) / 1000),
          samples: finalSamples.length,
          thirdsMeanKb: thirds,
          growth,
          // Noise allowance: a warm V8 heap moves by a few percent between collections.
          grew: growth > 1.1,
        },
        series,
      },
      lost,
      stateDirProblems: dirCheck.problems,
      answersAtEnd,
      ok: false,
    };
    report.ok = lost.length === 0 && dirCheck.ok && answersAtEnd && count('refused') === 0;
    return report;
  } finally {
    await net.close();
  }
}
