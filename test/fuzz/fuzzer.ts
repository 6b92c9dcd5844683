import dgram from 'node:dgram';
import net from 'node:net';
import { createClient, decodeReplyHeader, frameRecord } from '../../src/rpc/index.js';
import type { ProgramDef } from '../../src/xdr/index.js';
import { mutate, prng } from './mutate.js';
import type { Seed } from './seeds.js';

/** One daemon endpoint under fuzz. */
export interface FuzzTarget {
  name: string;
  host: string;
  port: number;
  /** A program the endpoint serves; its NULL procedure is the liveness probe. */
  def: ProgramDef;
  seeds: Seed[];
}

export interface FuzzOptions {
  targets: FuzzTarget[];
  /** Packets to send in all (bounded). */
  count: number;
  /** Stop after this long even when count is not reached. */
  maxMs: number;
  seed: number;
  /** Probe liveness every this many packets. */
  probeEvery?: number;
  /** Datagrams in flight before waiting a tick (keeps the sender from flooding its own buffers). */
  burst?: number;
  /** Share of inputs sent as UDP datagrams; the rest go in short TCP sessions. */
  udpShare?: number;
}

/** An input that made a daemon answer SYSTEM_ERR (a handler bug) or stop answering. */
export interface Finding {
  target: string;
  transport: 'udp' | 'tcp';
  kind: 'system-err' | 'unresponsive';
  /** The input as hex (UDP: the datagram; TCP: the stream bytes). */
  hex: string;
}

export interface FuzzReport {
  sent: number;
  udp: number;
  tcp: number;
  replies: number;
  garbageArgs: number;
  systemErr: number;
  probes: number;
  ms: number;
  findings: Finding[];
}

const SYSTEM_ERR = 5;
const GARBAGE_ARGS = 4;

/** Answers whether the target still answers a NULL call over UDP and TCP. */
export async function probe(t: FuzzTarget, timeoutMs = 3000): Promise<boolean> {
  const nullProc = Object.keys(t.def.procs).find((k) => t.def.procs[k]!.proc === 0)!;
  for (const transport of ['udp', 'tcp'] as const) {
    const c = createClient({ host: t.host, port: t.port, transport, timeoutMs });
    try {
      await c.call(t.def, nullProc, undefined);
    } catch {
      return false;
    } finally {
      c.close();
    }
  }
  return true;
}

/**
 * Sends mutated calls and random bytes to live daemons over UDP and TCP, watching the replies
 * for SYSTEM_ERR and probing with NULL calls that each daemon keeps serving. Bounded in count
 * and time; deterministic for a given seed.
 */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const rand = prng(opts.seed);
  const probeEvery = opts.probeEvery ?? 2000;
  const burst = opts.burst ?? 64;
  const udpShare = opts.udpShare ?? 0.85;
  const started = Date.now();
  const report: FuzzReport = {
    sent: 0,
    udp: 0,
    tcp: 0,
    replies: 0,
    garbageArgs: 0,
    systemErr: 0,
    probes: 0,
    ms: 0,
    findings: [],
  };
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  // Remember what was sent under each xid so that a SYSTEM_ERR reply names its input.
  const sentByXid = new Map<number, { target: string; hex: string }>();
  sock.on('message', (msg) => {
    report.replies++;
    try {
      const { header } = decodeReplyHeader(msg);
      if (header.replyStat === 0 && header.acceptStat === GARBAGE_ARGS) report.garbageArgs++;
      if (header.replyStat === 0 && header.acceptStat === SYSTEM_ERR) {
        report.systemErr++;
        const input = sentByXid.get(header.xid);
        if (input && report.findings.length < 100) {
          report.findings.push({
            target: input.target,
            transport: 'udp',
            kind: 'system-err',
            hex: input.hex,
          });
        }
      }
    } catch {
      // a reply we cannot parse is the daemon's bug too, but only SYSTEM_ERR is counted
    }
  });

  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let nextProbeAt = probeEvery;
  let nextYieldAt = burst;
  try {
    while (report.sent < opts.count && Date.now() - started < opts.maxMs) {
      const target = pick(opts.targets);
      const seed = pick(target.seeds);
      const input = rand() < 0.9 ? mutate(seed.message, rand) : mutate(mutate(seed.message, rand), rand);
      if (rand() < udpShare) {
        if (input.length >= 4) {
          const xid = input.readUInt32BE(0);
          sentByXid.set(xid, { target: target.name, hex: input.toString('hex') });
          if (sentByXid.size > 10_000) sentByXid.delete(sentByXid.keys().next().value!);
        }
        sock.send(input, target.port, target.host);
        report.udp++;
        report.sent++;
      } else {
        // A short TCP session: some mutated records, sometimes a broken or stalled one.
        const n = 1 + Math.floor(rand() * 8);
        const chunks: Buffer[] = [];
        for (let i = 0; i < n; i++) {
          const m = mutate(seed.message, rand);
          chunks.push(rand() < 0.8 ? frameRecord(m, 1 + Math.floor(rand() * 64)) : m);
        }
        await tcpSession(target, Buffer.concat(chunks));
        report.tcp += n;
        report.sent += n;
      }
      if (report.sent >= nextYieldAt) {
        nextYieldAt = report.sent + burst;
        await new Promise((r) => setImmediate(r));
      }
      if (report.sent >= nextProbeAt) {
        nextProbeAt = report.sent + probeEvery;
        for (const t of opts.targets) {
          report.probes++;
          if (!(await probe(t))) {
            report.findings.push({
              target: t.name,
              transport: 'udp',
              kind: 'unresponsive',
              hex: input.toString('hex'),
            });
            return report;
          }
        }
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const t of opts.targets) {
      report.probes++;
      if (!(await probe(t))) {
        report.findings.push({ target: t.name, transport: 'udp', kind: 'unresponsive', hex: '' });
      }
    }
    return report;
  } finally {
    report.ms = Date.now() - started;
    sock.close();
  }
}

/** Opens a connection, writes the bytes, reads whatever comes back for a moment, closes. */
function tcpSession(t: FuzzTarget, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: t.host, port: t.port });
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, 20);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {});
    s.on('connect', () => s.write(bytes));
  });
}

/** Replays saved inputs (UDP datagrams) against a target, then probes it. */
export async function replay(target: FuzzTarget, inputs: Buffer[]): Promise<boolean> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  try {
    for (const input of inputs) {
      await new Promise<void>((resolve) => sock.send(input, target.port, target.host, () => resolve()));
      await tcpSession(target, frameRecord(input));
    }
  } finally {
    sock.close();
  }
  await new Promise((r) => setTimeout(r, 100));
  return probe(target);
}
