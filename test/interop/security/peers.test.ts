// Peers that vanish, answer slowly or answer garbage, on real sockets on loopback (each peer host is
// an address of its own in 127.0.0.0/8, its "rpcbind" on one shared port as on real hosts):
// - the notifier tells the good peers at once, whatever the bad ones do, and keeps each bad peer on
//   its own retry schedule (delays doubling) until it answers or is given up;
// - the daemon's callbacks to a lock manager that is down (not registered, then registered but
//   silent) are retried on schedule and delivered once it is back, while SM_NULL and SM_STAT keep
//   answering at once.
// No wall-clock race is asserted: counts, order, and lower bounds of retry gaps (which a slow
// machine can only widen), plus generous upper bounds.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { after, describe, test } from 'node:test';
import { NsmDaemon } from '../../../src/nsm/daemon.js';
import { Notifier } from '../../../src/nsm/notifier.js';
import { UdpNotifyTransport } from '../../../src/nsm/transport.js';
import { SM_VERS_DEF, status as statusCodec } from '../../../src/proto/sm_inter.js';
import { createClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { PMAP_DEF } from '../../../src/rpcbind/wire.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { xdrVoid } from '../../../src/xdr/codec.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A UDP socket bound to address:port that records each distinct call (by xid) and answers with `reply`. */
async function rawPeer(
  address: string,
  port: number,
  reply: (msg: Buffer) => Buffer | null,
): Promise<{ socket: dgram.Socket; port: number; calls: number[] }> {
  const socket = dgram.createSocket('udp4');
  const calls: number[] = [];
  const seen = new Set<number>();
  socket.on('message', (msg, from) => {
    if (msg.length >= 4) {
      const xid = msg.readUInt32BE(0);
      if (!seen.has(xid)) {
        seen.add(xid);
        calls.push(Date.now());
      }
    }
    const out = reply(msg);
    if (out) socket.send(out, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  return { socket, port: socket.address().port, calls };
}

/** A port on `address` where nothing listens (bound once, then released). */
async function deadPort(address: string): Promise<number> {
  const s = await rawPeer(address, 0, () => null);
  const port = s.port;
  await new Promise<void>((r) => s.socket.close(() => r()));
  return port;
}

const LOCKD_DEF = {
  name: 'NLM_CB',
  prog: 100021,
  vers: 4,
  procs: { NSM_NOTIFY: { name: 'NSM_NOTIFY', proc: 16, args: statusCodec, res: xdrVoid } },
} as const;

describe('peers that vanish, answer slowly or answer garbage', () => {
  const servers: RpcServer[] = [];
  const sockets: dgram.Socket[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const s of sockets) s.close();
  });

  /** A peer host's rpcbind at address:port that answers GETPORT for statd with `statdPort()`. */
  async function peerRpcbind(
    address: string,
    port: number,
    statdPort: () => number | Promise<number>,
  ): Promise<{ port: number; calls: number[] }> {
    const calls: number[] = [];
    const s = new RpcServer();
    s.addProgram(PMAP_DEF, {
      PMAPPROC_NULL: () => undefined,
      PMAPPROC_GETPORT: async () => {
        calls.push(Date.now());
        return statdPort();
      },
    });
    servers.push(s);
    return { port: await s.listenUdp({ host: address, port }), calls };
  }

  /** A peer host's statd that records every SM_NOTIFY. */
  async function peerStatd(
    address: string,
    got: Array<{ peer: string; mon_name: string; state: number; at: number }>,
  ) {
    const s = new RpcServer();
    s.addProgram(SM_VERS_DEF, {
      SM_NOTIFY: (args) => {
        got.push({ peer: address, mon_name: args.mon_name, state: args.state, at: Date.now() });
      },
    });
    servers.push(s);
    return s.listenUdp({ host: address, port: 0 });
  }

  test('the notifier reaches good peers at once and keeps each bad peer on its own schedule', async () => {
    const GOOD = ['127.0.0.20', '127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25'];
    const SILENT = '127.0.0.30'; // rpcbind never answers: the host vanished
    const SLOW = '127.0.0.31'; // rpcbind answers after 1.5 s: only a longer attempt gets through
    const GARBAGE = '127.0.0.32'; // answers random bytes
    const BAD_REPLY = '127.0.0.33'; // answers with the call's xid, then junk
    const NO_STATD = '127.0.0.34'; // rpcbind names a port where nothing listens
    const notifies: Array<{ peer: string; mon_name: string; state: number; at: number }> = [];

    // Every peer's rpcbind listens on one port, as on real hosts.
    const goodPorts = new Map<string, number>();
    const first = await peerRpcbind(GOOD[0]!, 0, () => goodPorts.get(GOOD[0]!)!);
    const port = first.port;
    for (const g of GOOD) {
      goodPorts.set(g, await peerStatd(g, notifies));
      if (g !== GOOD[0]) await peerRpcbind(g, port, () => goodPorts.get(g)!);
    }
    const silent = await rawPeer(SILENT, port, () => null);
    const slowStatd = await peerStatd(SLOW, notifies);
    const slow = await peerRpcbind(SLOW, port, () => sleep(1500).then(() => slowStatd));
    const garbage = await rawPeer(GARBAGE, port, () =>
      Buffer.from(Array.from({ length: 40 }, () => Math.floor(Math.random() * 256))),
    );
    const badReply = await rawPeer(BAD_REPLY, port, (m) =>
      Buffer.concat([m.subarray(0, 4), Buffer.from([0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef])]),
    );
    const noStatdPort = await deadPort(NO_STATD);
    const noStatd = await peerRpcbind(NO_STATD, port, () => noStatdPort);
    sockets.push(silent.socket, garbage.socket, badReply.socket);

    const transport = new UdpNotifyTransport({ rpcbindPort: port });
    const acked: Array<{ peer: string; at: number }> = [];
    const notifier = new Notifier({
      transport,
      resolve: async (n) => [n],
      acknowledged: async (peer) => {
        acked.push({ peer, at: Date.now() });
      },
      initialDelayMs: 1000,
      maxDelayMs: 4000,
      maxMinutes: 0.15,
    });
    // The bad peers come first: a queue that waited on them would hold the good ones back.
    const bad = [SILENT, GARBAGE, BAD_REPLY, NO_STATD];
    const t0 = Date.now();
    try {
      const result = await notifier.run([...bad, SLOW, ...GOOD], ['server'], 7);
      assert.deepEqual(result, { acknowledged: GOOD.length + 1, failed: bad.length });
    } finally {
      await transport.close();
    }

    // Each good peer: told once, with our name and state, on the first attempt.
    for (const g of GOOD) {
      assert.deepEqual(
        notifies.filter((n) => n.peer === g).map((n) => [n.mon_name, n.state]),
        [['server', 7]],
        g,
      );
    }
    assert.deepEqual(acked.map((a) => a.peer).sort(), [...GOOD, SLOW].sort());
    // The good peers were done before any bad peer's first attempt had even timed out.
    const lastGood = Math.max(...acked.filter((a) => GOOD.includes(a.peer)).map((a) => a.at));
    const secondTries = [silent.calls, garbage.calls, badReply.calls, noStatd.calls].map(
      (c) => c[1] ?? Infinity,
    );
    assert.ok(
      lastGood < Math.min(...secondTries),
      `good peers done ${lastGood - t0} ms after the start, a bad peer was retried after ${Math.min(...secondTries) - t0} ms`,
    );

    // The slow peer: the first attempt (1 s) timed out, a longer one got through; told once.
    assert.ok(slow.calls.length >= 2, `slow peer asked ${slow.calls.length} times`);
    assert.deepEqual(
      notifies.filter((n) => n.peer === SLOW).map((n) => n.state),
      [7],
    );

    // Each bad peer: retried with gaps of at least 1 s, then 2 s (doubling), given up after the
    // 9 s limit: 3 attempts on schedule (2 to 4 on a machine that stalls).
    for (const [name, calls] of [
      ['silent', silent.calls],
      ['garbage', garbage.calls],
      ['bad reply', badReply.calls],
      ['no statd', noStatd.calls],
    ] as const) {
      assert.ok(calls.length >= 2 && calls.length <= 4, `${name}: ${calls.length} attempts`);
      for (let i = 1; i < calls.length; i++) {
        const gap = calls[i]! - calls[i - 1]!;
        const planned = Math.min(1000 * 2 ** (i - 1), 4000);
        assert.ok(
          gap >= planned - 50,
          `${name}: attempt ${i + 1} came ${gap} ms after the one before (schedule ${planned} ms)`,
        );
      }
    }
  });

  test('callbacks to a lock manager that is down are retried on schedule; NULL and SM_STAT answer meanwhile', async () => {
    // This host's rpcbind: the lock manager is not registered for two attempts (down), then
    // registered on a port where it does not answer (hung), then up.
    let up = 0;
    const lockdCalls: Array<{ mon_name: string; state: number; priv: string; from: string }> = [];
    const lockd = new RpcServer();
    lockd.addProgram(LOCKD_DEF, {
      NSM_NOTIFY: (a, caller) => {
        lockdCalls.push({
          mon_name: a.mon_name,
          state: a.state,
          priv: Buffer.from(a.priv).toString('hex'),
          from: caller.address,
        });
      },
    });
    servers.push(lockd);
    const hung = await rawPeer('127.0.0.1', 0, () => null);
    sockets.push(hung.socket);
    const lockdPort = await lockd.listenUdp({ host: '127.0.0.1', port: 0 });
    const lookups: number[] = [];
    const rpcbind = new RpcServer();
    rpcbind.addProgram(PMAP_DEF, {
      PMAPPROC_NULL: () => undefined,
      PMAPPROC_GETPORT: (a) => {
        if (a.prog !== 100021) return 0;
        lookups.push(Date.now());
        const n = lookups.length;
        return n <= 2 ? 0 : n === 3 ? hung.port : lockdPort;
      },
    });
    servers.push(rpcbind);
    const rpcbindPort = await rpcbind.listenUdp({ host: '127.0.0.1', port: 0 });

    const daemon = await NsmDaemon.start({
      port: 0,
      host: '127.0.0.1',
      rpcbind: 'none',
      rpcbindPort,
      store: new MemoryStore(),
      user: null,
      notify: false,
      names: ['server'],
      callbackTries: 5,
      callbackIntervalMs: 400,
    });
    const c = createClient({ host: '127.0.0.1', port: daemon.port, transport: 'tcp', timeoutMs: 5000 });
    const sm = c.bind(SM_VERS_DEF);
    const peer = createClient({
      host: '127.0.0.1',
      port: daemon.port,
      transport: 'udp',
      localAddress: '127.0.0.40',
      timeoutMs: 5000,
    });
    const pinger = createClient({
      host: '127.0.0.1',
      port: daemon.port,
      transport: 'udp',
      timeoutMs: 5000,
      retransmitMs: 1000,
    });
    const latencies: number[] = [];
    let pinging = true;
    const pings = (async () => {
      for (let i = 0; pinging; i++) {
        const t = Date.now();
        if (i % 2 === 0) await pinger.call(SM_VERS_DEF, 'SM_NULL', undefined);
        else assert.equal((await sm.SM_STAT({ mon_name: '127.0.0.9' })).res_stat, 0);
        latencies.push(Date.now() - t);
        await sleep(50);
      }
    })();
    try {
      const priv = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
      const mon = await sm.SM_MON({
        mon_id: {
          mon_name: '127.0.0.40',
          my_id: { my_name: 'localhost', my_prog: 100021, my_vers: 4, my_proc: 16 },
        },
        priv,
      });
      assert.equal(mon.res_stat, 0);
      const t0 = Date.now();
      await peer.call(SM_VERS_DEF, 'SM_NOTIFY', { mon_name: '127.0.0.40', state: 5 });
      await waitFor(() => lockdCalls.length > 0, 30_000, 'the callback');
      up = Date.now() - t0;
      await sleep(1000); // no second delivery
      assert.deepEqual(lockdCalls, [
        { mon_name: '127.0.0.40', state: 5, priv: priv.toString('hex'), from: '127.0.0.1' },
      ]);
      // Attempts: down, down (fail at once), hung (5 s time limit), up.
      assert.equal(lookups.length, 4, `${lookups.length} lookups of the lock manager`);
      const gaps = lookups.slice(1).map((t, i) => t - lookups[i]!);
      assert.ok(gaps[0]! >= 350 && gaps[1]! >= 350, `retries ${gaps.join(', ')} ms apart (planned 400)`);
      assert.ok(gaps[2]! >= 5000 + 350, `after the hung attempt: ${gaps[2]} ms (planned 5 s + 400 ms)`);
      assert.ok(hung.calls.length === 1, 'the hung lock manager got the third attempt');
      assert.ok(up < 20_000, `delivered after ${up} ms`);
    } finally {
      pinging = false;
      await pings;
      c.close();
      peer.close();
      pinger.close();
      await daemon.stop();
    }
    // NULL and SM_STAT kept answering the whole time (about 6 s), each well within the 5 s the hung
    // lock manager took.
    assert.ok(latencies.length >= 40, `${latencies.length} calls answered`);
    assert.ok(Math.max(...latencies) < 2000, `slowest NULL/SM_STAT: ${Math.max(...latencies)} ms`);
  });
});
