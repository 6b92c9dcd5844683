// A load generator against one `nsmd serve`, run as its own process (inside a test host's network
// namespace when the daemon runs there). Every call is written to a log file with a synchronous
// write before it is sent and once it is answered, so a line written is a line the checker reads,
// even when this process or the daemon is killed.
//
//   node loadgen.js monitor --port P --log FILE [--hosts N] [--names a,b] [--notify-share 0.15]
//                           [--concurrency C] [--seconds S] [--seed S]
//   node loadgen.js remote  --server ADDR --port P --log FILE --name NAME [--rate R] [--seconds S]
//
// monitor: SM_MON / SM_UNMON from loopback on (host, my_id) keys, never two calls in flight on one
//   key, so per key the daemon sees the calls in the order they were made; plus SM_NOTIFY sent from
//   the monitored loopback address itself (127.0.0.N), which passes the sender check and makes the
//   daemon call the local lock manager back.
// remote: SM_STAT and SM_NOTIFY (under NAME, the host's own name) from another host, rate-bounded.
//
// Log lines (fields separated by one space, times in epoch ms):
//   I seq key value t      a change is sent: key = monName|idIndex, value = priv hex or '-'
//   K seq ms                it was acknowledged after ms
//   R seq reason ms         it was answered but refused (stat_fail)
//   F seq code ms           it failed (timeout, connection): it may or may not have happened
//   L proc ok|code ms t     a call that changes nothing on disk (SM_STAT, SM_NOTIFY, SM_NULL)
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SM_VERS_DEF } from '../../src/proto/index.js';
import { createClient, type RpcClient } from '../../src/rpc/index.js';
import { IDS, keyOf, loopbackHost } from './model.js';

interface Opts {
  mode: 'monitor' | 'remote';
  server: string;
  port: number;
  log: string;
  hosts: number;
  names: string[];
  notifyShare: number;
  concurrency: number;
  seconds: number;
  seed: number;
  name: string;
  rate: number;
  timeoutMs: number;
}

let fd = -1;
function say(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}

function errCode(err: unknown): string {
  const c = (err as { code?: string }).code;
  return typeof c === 'string' && /^[\w-]+$/.test(c) ? c : 'ERR';
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    // xorshift32: reproducible per seed
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runMonitor(o: Opts): Promise<void> {
  const rand = rng(o.seed);
  const monNames = [...Array.from({ length: o.hosts }, (_, i) => loopbackHost(i)), ...o.names];
  const keys: string[] = [];
  for (const m of monNames) for (let i = 0; i < IDS.length; i++) keys.push(keyOf(m, i));
  const busy = new Set<string>();
  const common = { host: o.server, port: o.port, timeoutMs: o.timeoutMs };
  const tcp = createClient({ ...common, transport: 'tcp' });
  const udp = createClient({ ...common, transport: 'udp', retransmitMs: 500 });
  const notifiers = new Map<string, RpcClient>();
  const peerState = new Map<string, number>();
  let seq = 0;
  const deadline = o.seconds > 0 ? Date.now() + o.seconds * 1000 : Number.POSITIVE_INFINITY;

  const notifyOnce = async (): Promise<void> => {
    // From the monitored address itself: the sender check passes and callbacks run.
    const host = loopbackHost(rand(o.hosts));
    let c = notifiers.get(host);
    if (!c) {
      c = createClient({ ...common, transport: 'udp', localAddress: host, retransmitMs: 500 });
      notifiers.set(host, c);
    }
    const state = (peerState.get(host) ?? 1) + 2;
    peerState.set(host, state);
    const t0 = Date.now();
    try {
      await c.call(SM_VERS_DEF, 'SM_NOTIFY', { mon_name: host, state });
      say(`L SM_NOTIFY ok ${Date.now() - t0} ${t0}`);
    } catch (err) {
      say(`L SM_NOTIFY ${errCode(err)} ${Date.now() - t0} ${t0}`);
      await sleep(20);
    }
  };

  const changeOnce = async (): Promise<void> => {
    let key = keys[rand(keys.length)]!;
    for (let i = 0; i < 8 && busy.has(key); i++) key = keys[rand(keys.length)]!;
    if (busy.has(key)) {
      await sleep(1);
      return;
    }
    busy.add(key);
    const n = ++seq;
    const [monName, idx] = key.split('|') as [string, string];
    const id = IDS[Number(idx)]!;
    const my_id = { my_name: id.myName, my_prog: id.prog, my_vers: id.vers, my_proc: id.proc };
    const client = rand(2) === 0 ? tcp : udp;
    const t0 = Date.now();
    try {
      if (rand(100) < 60) {
        const priv = Buffer.alloc(16);
        priv.writeUInt32BE(n, 0);
        priv.writeUInt32BE(o.seed >>> 0, 4);
        priv.writeUInt32BE(rand(0xffffffff), 8);
        say(`I ${n} ${key} ${priv.toString('hex')} ${t0}`);
        const r = await client.call(SM_VERS_DEF, 'SM_MON', { mon_id: { mon_name: monName, my_id }, priv });
        if (r.res_stat === 0) say(`K ${n} ${Date.now() - t0}`);
        else say(`R ${n} stat_fail ${Date.now() - t0}`);
      } else {
        say(`I ${n} ${key} - ${t0}`);
        await client.call(SM_VERS_DEF, 'SM_UNMON', { mon_name: monName, my_id });
        say(`K ${n} ${Date.now() - t0}`);
      }
    } catch (err) {
      say(`F ${n} ${errCode(err)} ${Date.now() - t0}`);
      await sleep(20);
    } finally {
      busy.delete(key);
    }
  };

  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      if (o.hosts > 0 && rand(1000) < o.notifyShare * 1000) await notifyOnce();
      else await changeOnce();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  tcp.close();
  udp.close();
  for (const c of notifiers.values()) c.close();
}

async function runRemote(o: Opts): Promise<void> {
  const rand = rng(o.seed);
  const common = { host: o.server, port: o.port, timeoutMs: o.timeoutMs };
  const udp = createClient({ ...common, transport: 'udp', retransmitMs: 500 });
  const tcp = createClient({ ...common, transport: 'tcp' });
  const deadline = o.seconds > 0 ? Date.now() + o.seconds * 1000 : Number.POSITIVE_INFINITY;
  const statNames = [o.name, ...o.names, 'no-such-host', '127.0.0.1'];
  let state = 1;
  // Paced below the daemon's per-source rate limit: every call is expected to be answered.
  const gapMs = 1000 / Math.max(1, o.rate);
  let next = Date.now();
  const inFlight = new Set<Promise<void>>();
  while (Date.now() < deadline) {
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    next += gapMs;
    if (Date.now() - next > 1000) next = Date.now(); // never burst to catch up after a stall
    if (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    const client = rand(4) === 0 ? tcp : udp;
    const t0 = Date.now();
    let p: Promise<unknown>;
    let proc: string;
    if (rand(100) < 70) {
      proc = 'SM_STAT';
      p = client.call(SM_VERS_DEF, 'SM_STAT', { mon_name: statNames[rand(statNames.length)]! });
    } else {
      proc = 'SM_NOTIFY';
      state += 2;
      p = client.call(SM_VERS_DEF, 'SM_NOTIFY', { mon_name: o.name, state });
    }
    const done: Promise<void> = p.then(
      () => say(`L ${proc} ok ${Date.now() - t0} ${t0}`),
      (err) => say(`L ${proc} ${errCode(err)} ${Date.now() - t0} ${t0}`),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }
  await Promise.all(inFlight);
  udp.close();
  tcp.close();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      server: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      log: { type: 'string' },
      hosts: { type: 'string', default: '40' },
      names: { type: 'string', default: '' },
      'notify-share': { type: 'string', default: '0.15' },
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '0' },
      seed: { type: 'string' },
      name: { type: 'string', default: '' },
      rate: { type: 'string', default: '50' },
      'timeout-ms': { type: 'string', default: '3000' },
    },
  });
  const mode = positionals[0];
  if ((mode !== 'monitor' && mode !== 'remote') || !values.port || !values.log) {
    process.stderr.write('usage: loadgen monitor|remote --port P --log FILE [options]\n');
    process.exit(2);
  }
  const o: Opts = {
    mode,
    server: values.server,
    port: Number(values.port),
    log: values.log,
    hosts: Number(values.hosts),
    names: values.names ? values.names.split(',') : [],
    notifyShare: Number(values['notify-share']),
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
    seed: Number(values.seed ?? Math.floor(Math.random() * 0x7fffffff)),
    name: values.name,
    rate: Number(values.rate),
    timeoutMs: Number(values['timeout-ms']),
  };
  fd = openSync(o.log, 'a');
  // Never outlive a test that lost track of us.
  const cap = o.seconds > 0 ? o.seconds + 30 : 3600;
  setTimeout(() => process.exit(3), cap * 1000).unref();
  process.on('SIGTERM', () => {
    closeSync(fd);
    process.exit(0);
  });
  say(`S ${mode} ${o.seed} ${Date.now()}`);
  if (mode === 'monitor') await runMonitor(o);
  else await runRemote(o);
  say(`E ${Date.now()}`);
  closeSync(fd);
}

await main();
