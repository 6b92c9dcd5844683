/**
 * A reusable ONC RPC load generator: keeps a window of calls in flight over UDP or TCP,
 * retransmits lost UDP calls with the same xid, and records per-call latency.
 * Bounded by a call count and a duration, whichever comes first.
 *
 *   node dist/bench/loadgen.js --host 127.0.0.1 --port 776 --transport udp \
 *     --prog 100024 --vers 1 --proc 0 --window 64 --duration 5000
 */
import * as dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { encodeCallHeader } from '../src/rpc/message.js';
import { beginRecord, endRecord, RecordReader } from '../src/rpc/record.js';
import { bindNativeUdp, nativeUdpStatus } from '../src/rpc/udp-native.js';
import type { UdpTransport } from '../src/rpc/udp-transport.js';
import { XdrWriter } from '../src/xdr/writer.js';

/** What to load and how hard. */
export interface LoadOptions {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  prog: number;
  vers: number;
  proc: number;
  /** Pre-encoded XDR arguments; empty for void. */
  args?: Uint8Array;
  /** Calls in flight at once. Default 64. */
  window?: number;
  /** Stop after this many completed calls. Default unbounded (then durationMs bounds the run). */
  count?: number;
  /** Stop after this long, in ms. Default 5000; always bounded. */
  durationMs?: number;
  /** Run this long first without counting, in ms. Default 0. */
  warmupMs?: number;
  /** UDP: resend a call not answered after this long (same xid), in ms. Default 200. */
  retransmitMs?: number;
  /** Give up on a call after this long and count it lost, in ms. Default 5000. */
  timeoutMs?: number;
  /** TCP connections, the window split across them. Default 1. */
  connections?: number;
  /** Worker threads generating load, the window split across them (so the generator is not the bottleneck). Default 1. */
  threads?: number;
  /**
   * UDP: the generator's own socket. 'native' is the batched addon of the RPC server
   * (src/rpc/udp-native.ts: replies read with recvmmsg, the next calls sent with one sendmmsg);
   * 'auto', the default, takes it when it is built and falls back to node:dgram.
   */
  generator?: 'auto' | 'native' | 'dgram';
}

/** Latency percentiles in microseconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** What a run measured. */
export interface LoadResult {
  transport: 'udp' | 'tcp';
  /** What carried the generator's side: the native UDP addon, node:dgram, or node:net (TCP). */
  generator: 'native' | 'dgram' | 'net';
  window: number;
  /** Calls answered with SUCCESS. */
  completed: number;
  /** Calls answered with anything but SUCCESS. */
  errors: number;
  /** Calls given up after timeoutMs. */
  lost: number;
  retransmits: number;
  elapsedMs: number;
  callsPerSec: number;
  latencyUs: LatencySummary;
}

/** A log-linear latency histogram: exact below 1024 µs, then 512 buckets per power of two (~0.2%). */
export class Histogram {
  private readonly counts = new Float64Array(1024 + 23 * 512);
  private total = 0;
  private sum = 0;
  private maxSeen = 0;

  record(us: number): void {
    const v = us < 0 ? 0 : Math.min(Math.round(us), 0x7fffffff);
    this.counts[Histogram.index(v)]!++;
    this.total++;
    this.sum += v;
    if (v > this.maxSeen) this.maxSeen = v;
  }

  private static index(v: number): number {
    if (v < 1024) return v;
    const shift = 31 - Math.clz32(v) - 9;
    return 1024 + (shift - 1) * 512 + ((v >> shift) - 512);
  }

  private static lowerBound(i: number): number {
    if (i < 1024) return i;
    const k = i - 1024;
    return ((k % 512) + 512) * 2 ** (Math.floor(k / 512) + 1);
  }

  /** The value at percentile q (0-100). */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const want = Math.ceil((q / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= want) return Histogram.lowerBound(i);
    }
    return this.maxSeen;
  }

  /** Raw state, to merge histograms across threads. */
  dump(): { counts: Float64Array; total: number; sum: number; max: number } {
    return { counts: this.counts, total: this.total, sum: this.sum, max: this.maxSeen };
  }

  /** Adds the counts of another histogram (from dump()). */
  merge(d: { counts: Float64Array; total: number; sum: number; max: number }): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += d.counts[i]!;
    this.total += d.total;
    this.sum += d.sum;
    if (d.max > this.maxSeen) this.maxSeen = d.max;
  }

  summary(): LatencySummary {
    return {
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.maxSeen,
      mean: this.total === 0 ? 0 : Math.round((this.sum / this.total) * 10) / 10,
    };
  }
}

interface Slot {
  xid: number;
  msg: Buffer;
  /** Offset of the xid in msg (4 on TCP, after the record mark). */
  xidAt: number;
  sentAt: number;
  firstSentAt: number;
  busy: boolean;
  send: (s: Slot) => void;
}

/** Runs one load and resolves with what it measured. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const threads = Math.max(1, Math.min(o.threads ?? 1, o.window ?? 64));
  if (threads === 1) return (await runOne(o)).result;
  const window = o.window ?? 64;
  const runs = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const share = Math.floor(window / threads) + (t < window % threads ? 1 : 0);
      const count = o.count === undefined ? undefined : Math.ceil(o.count / threads);
      return new Promise<{ result: LoadResult; hist: ReturnType<Histogram['dump']> }>((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), {
          workerData: { loadgen: { ...o, window: share, count, threads: 1 } },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`load worker exited with ${code}`)));
      });
    }),
  );
  const hist = new Histogram();
  for (const r of runs) hist.merge(r.hist);
  const sum = (f: (r: LoadResult) => number) => runs.reduce((a, r) => a + f(r.result), 0);
  return {
    transport: o.transport,
    generator: runs[0]!.result.generator,
    window,
    completed: sum((r) => r.completed),
    errors: sum((r) => r.errors),
    lost: sum((r) => r.lost),
    retransmits: sum((r) => r.retransmits),
    elapsedMs: Math.max(...runs.map((r) => r.result.elapsedMs)),
    callsPerSec: sum((r) => r.callsPerSec),
    latencyUs: hist.summary(),
  };
}

async function runOne(o: LoadOptions): Promise<{ result: LoadResult; hist: Histogram }> {
  const window = Math.max(1, Math.min(o.window ?? 64, 0xffff));
  const durationMs = o.durationMs ?? 5000;
  const count = o.count ?? Number.POSITIVE_INFINITY;
  const warmupMs = o.warmupMs ?? 0;
  const retransmitMs = o.retransmitMs ?? 200;
  const timeoutMs = o.timeoutMs ?? 5000;
  const tcp = o.transport === 'tcp';

  // One encoded call per slot; only the xid changes between calls.
  const w = new XdrWriter(256);
  const mark = tcp ? beginRecord(w) : 0;
  encodeCallHeader(w, { xid: 0, prog: o.prog, vers: o.vers, proc: o.proc });
  w.raw(o.args ?? new Uint8Array(0));
  if (tcp) endRecord(w, mark);
  const template = w.toBuffer();
  const xidAt = tcp ? 4 : 0;

  const hist = new Histogram();
  let completed = 0;
  let errors = 0;
  let lost = 0;
  let retransmits = 0;
  let seq = (Math.random() * 0xffff) | 0;
  let running = true;
  let counting = warmupMs === 0;
  let start = performance.now();
  let end = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const stop = () => {
    if (!running) return;
    running = false;
    end = performance.now();
    finish();
  };

  // xid = (sequence << 16) | slot index, so a reply finds its slot without a map.
  const prepare = (s: Slot, i: number) => {
    seq = (seq + 1) & 0xffff;
    s.xid = ((seq << 16) | i) >>> 0;
    s.msg.writeUInt32BE(s.xid, s.xidAt);
    s.busy = true;
    s.firstSentAt = s.sentAt = performance.now();
  };
  const issue = (s: Slot, i: number) => {
    prepare(s, i);
    s.send(s);
  };

  /**
   * Takes a reply; when it frees a slot and the run goes on, the slot's next call is prepared
   * (new xid, times) and returned for the caller to send.
   */
  const onReply = (msg: Uint8Array, slots: Slot[], base: number): Slot | null => {
    if (msg.length < 24) return null;
    const xid = ((msg[0]! << 24) | (msg[1]! << 16) | (msg[2]! << 8) | msg[3]!) >>> 0;
    const i = (xid & 0xffff) - base;
    const s = slots[i];
    if (s === undefined || !s.busy || s.xid !== xid) return null;
    s.busy = false;
    if (!running) return null;
    if (counting) {
      // reply_stat MSG_ACCEPTED, then verifier, then accept_stat SUCCESS (RFC 5531 §9).
      const verfLen = ((msg[16]! << 24) | (msg[17]! << 16) | (msg[18]! << 8) | msg[19]!) >>> 0;
      const at = 20 + ((verfLen + 3) & ~3);
      const ok =
        msg[8]! + msg[9]! + msg[10]! + msg[11]! === 0 &&
        msg.length >= at + 4 &&
        msg[at]! + msg[at + 1]! + msg[at + 2]! + msg[at + 3]! === 0;
      if (ok) {
        completed++;
        hist.record((performance.now() - s.firstSentAt) * 1000);
      } else {
        errors++;
      }
      if (completed + errors >= count) stop();
    }
    if (!running) return null;
    prepare(s, i + base);
    return s;
  };

  const cleanups: (() => void)[] = [];
  const allSlots: Slot[] = [];
  let generator: LoadResult['generator'] = tcp ? 'net' : 'dgram';
  const native = tcp ? null : await bindNativeGenerator(o);

  if (native !== null) {
    // Replies come a batch per callback; the call that follows each one is returned as that
    // datagram's "reply" (it goes to its source, the server), so a batch's next calls leave in one
    // sendmmsg. The first window, retransmissions and calls after a timeout go with send().
    generator = 'native';
    const { transport, address, port } = native;
    const send = (s: Slot) => transport.send(s.msg, address, port);
    const slots: Slot[] = [];
    for (let i = 0; i < window; i++) {
      slots.push({ xid: 0, msg: Buffer.from(template), xidAt, sentAt: 0, firstSentAt: 0, busy: false, send });
    }
    native.onReply = (msg) => onReply(msg, slots, 0)?.msg ?? null;
    allSlots.push(...slots);
    cleanups.push(() => void transport.close());
  } else if (!tcp) {
    const type = net.isIP(o.host) === 6 ? 'udp6' : 'udp4';
    const sock = dgram.createSocket(type);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(o.port, o.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    try {
      sock.setRecvBufferSize(4 << 20);
      sock.setSendBufferSize(4 << 20);
    } catch {
      // best effort
    }
    sock.on('error', () => {}); // ICMP unreachable and the like: the call is retransmitted or lost
    const send = (s: Slot) => sock.send(s.msg);
    const slots: Slot[] = [];
    for (let i = 0; i < window; i++) {
      slots.push({ xid: 0, msg: Buffer.from(template), xidAt, sentAt: 0, firstSentAt: 0, busy: false, send });
    }
    sock.on('message', (msg) => {
      const next = onReply(msg, slots, 0);
      if (next !== null) send(next);
    });
    allSlots.push(...slots);
    cleanups.push(() => sock.close());
  } else {
    const conns = Math.max(1, Math.min(o.connections ?? 1, window));
    let base = 0;
    for (let c = 0; c < conns; c++) {
      const n = Math.floor(window / conns) + (c < window % conns ? 1 : 0);
      const sock = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: o.host, port: o.port, noDelay: true }, () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
      sock.on('error', () => {});
      let corked = false;
      const uncork = () => {
        corked = false;
        sock.uncork();
      };
      const send = (s: Slot) => {
        if (!corked) {
          corked = true;
          sock.cork();
          process.nextTick(uncork);
        }
        sock.write(s.msg);
      };
      const slots: Slot[] = [];
      for (let i = 0; i < n; i++) {
        slots.push({
          xid: 0,
          msg: Buffer.from(template),
          xidAt,
          sentAt: 0,
          firstSentAt: 0,
          busy: false,
          send,
        });
      }
      const myBase = base;
      const reader = new RecordReader((rec) => {
        const next = onReply(rec, slots, myBase);
        if (next !== null) send(next);
      }, 1 << 20);
      sock.on('data', (chunk) => {
        try {
          reader.push(chunk);
        } catch {
          sock.destroy();
        }
      });
      sock.on('close', () => stop());
      allSlots.push(...slots);
      base += n;
      cleanups.push(() => sock.destroy());
    }
  }

  // Retransmissions and give-ups, checked a few times per retransmission interval.
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (let i = 0; i < allSlots.length; i++) {
        const s = allSlots[i]!;
        if (!s.busy) continue;
        if (now - s.firstSentAt >= timeoutMs) {
          if (counting) lost++;
          s.busy = false;
          if (running) issue(s, i);
        } else if (!tcp && now - s.sentAt >= retransmitMs) {
          s.sentAt = now;
          retransmits++;
          s.send(s);
        }
      }
    },
    Math.max(5, Math.min(retransmitMs, timeoutMs) / 4),
  );

  const limit = setTimeout(stop, warmupMs + durationMs);
  let warm: NodeJS.Timeout | null = null;
  if (warmupMs > 0) {
    warm = setTimeout(() => {
      counting = true;
      start = performance.now();
    }, warmupMs);
  }
  for (let i = 0; i < allSlots.length; i++) issue(allSlots[i]!, i);
  await finished;
  clearInterval(sweep);
  clearTimeout(limit);
  if (warm !== null) clearTimeout(warm);
  for (const c of cleanups) c();
  const elapsedMs = end - start;
  const result: LoadResult = {
    transport: o.transport,
    generator,
    window,
    completed,
    errors,
    lost,
    retransmits,
    elapsedMs: Math.round(elapsedMs),
    callsPerSec: elapsedMs > 0 ? Math.round((completed / elapsedMs) * 1000) : 0,
    latencyUs: hist.summary(),
  };
  return { result, hist };
}

/** The generator's socket on the native UDP addon, and where its calls go. */
interface NativeGenerator {
  transport: UdpTransport;
  /** The target, an IP literal. */
  address: string;
  port: number;
  /** Set by runOne: takes a reply, returns the next call to send back to the target, or null. */
  onReply: (msg: Uint8Array) => Uint8Array | null;
}

/**
 * The generator's socket on the native UDP addon, or null for node:dgram: when the addon is not
 * built ('auto'), or when asked for. Bound to the target's family on an ephemeral port (dual-stack
 * '::' for IPv6); only datagrams from the target's port are taken as replies.
 */
async function bindNativeGenerator(o: LoadOptions): Promise<NativeGenerator | null> {
  const choice = o.generator ?? 'auto';
  if (choice === 'dgram') return null;
  if (!nativeUdpStatus().available) {
    if (choice === 'native') throw new Error(`native UDP generator unavailable: ${nativeUdpStatus().reason}`);
    return null;
  }
  // The addon takes IP literals only; node:dgram's connect() resolves names the same way.
  const address = net.isIP(o.host) !== 0 ? o.host : (await lookup(o.host)).address;
  const v6 = net.isIP(address) === 6;
  const target = o.port;
  const state: NativeGenerator = {
    transport: undefined as unknown as UdpTransport,
    address,
    port: target,
    onReply: () => null,
  };
  state.transport = await bindNativeUdp({
    type: v6 ? 'udp6' : 'udp4',
    host: v6 ? '::' : '0.0.0.0',
    port: 0,
    // The source port is checked; the xid and slot checks of onReply do the rest (as a
    // connected node:dgram socket, which filters by address too, would).
    receive: (msg, _from, port) => (port === target ? state.onReply(msg) : null),
    onSendErrors: () => {}, // a call the kernel refused is retransmitted, or lost
    onError: () => {},
  });
  try {
    state.transport.setRecvBufferSize(4 << 20);
  } catch {
    // best effort
  }
  return state;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      transport: { type: 'string', default: 'udp' },
      prog: { type: 'string', default: '100024' },
      vers: { type: 'string', default: '1' },
      proc: { type: 'string', default: '0' },
      window: { type: 'string', default: '64' },
      count: { type: 'string' },
      duration: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '0' },
      connections: { type: 'string', default: '1' },
      threads: { type: 'string', default: '1' },
      generator: { type: 'string', default: 'auto' },
    },
    strict: true,
  });
  if (values.port === undefined) throw new Error('--port is required');
  if (values.transport !== 'udp' && values.transport !== 'tcp') throw new Error('--transport is udp or tcp');
  const generator = values.generator;
  if (generator !== 'auto' && generator !== 'native' && generator !== 'dgram') {
    throw new Error('--generator is auto, native or dgram');
  }
  const result = await runLoad({
    host: values.host,
    port: Number(values.port),
    transport: values.transport,
    prog: Number(values.prog),
    vers: Number(values.vers),
    proc: Number(values.proc),
    window: Number(values.window),
    count: values.count === undefined ? undefined : Number(values.count),
    durationMs: Number(values.duration),
    warmupMs: Number(values.warmup),
    connections: Number(values.connections),
    threads: Number(values.threads),
    generator,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (!isMainThread && workerData?.loadgen !== undefined) {
  runOne(workerData.loadgen as LoadOptions).then(({ result, hist }) => {
    parentPort!.postMessage({ result, hist: hist.dump() });
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
