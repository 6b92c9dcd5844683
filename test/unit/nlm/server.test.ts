import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  NLM_VERSX_DEF,
  NLM4_VERS_DEF,
  type nlm4_lockargs,
  nlm4_res,
} from '../../../src/nlm/../proto/nlm_prot.js';
import { LockClient } from '../../../src/nlm/client.js';
import { NLM4_NSMD_DEF } from '../../../src/nlm/listing.js';
import { LockServer, NLM4 } from '../../../src/nlm/server.js';
import { createClient, type RpcClient, type RpcError, RpcServer } from '../../../src/rpc/index.js';
import type { XdrCodec } from '../../../src/xdr/codec.js';
import { FakeStatd, until } from './fixtures.js';

const isRoot = process.getuid?.() === 0;
const enc = (s: string) => new TextEncoder().encode(s);

interface World {
  server: LockServer;
  statd: FakeStatd;
  port: number;
  clock: { t: number };
  callbackPorts: Map<string, number>;
  clients: LockClient[];
}

async function world(opts: { grace?: number; transport?: 'udp' | 'tcp' } = {}): Promise<World> {
  const statd = new FakeStatd();
  const clock = { t: 1_000_000 };
  const callbackPorts = new Map<string, number>();
  const server = new LockServer({
    statd,
    register: false,
    host: '127.0.0.1',
    graceSeconds: opts.grace ?? 0,
    now: () => clock.t,
    nlmPort: async (address) => callbackPorts.get(address) ?? 0,
    unmonitorDelayMs: 20,
    grantedRetryMs: 50,
  });
  const { udp } = await server.start();
  return { server, statd, port: udp, clock, callbackPorts, clients: [] };
}

async function client(
  w: World,
  name: string,
  address: string,
  transport: 'udp' | 'tcp' = 'udp',
  statd: FakeStatd | null = null,
): Promise<LockClient> {
  const c = new LockClient({
    name,
    svid: 100,
    statd,
    callbackHost: address,
    localAddress: address,
    nlmPort: async () => w.port,
    transport,
    timeoutMs: 2000,
    blockedRetryMs: 60_000,
    graceRetryMs: 50,
  });
  const { udp } = await c.start();
  w.callbackPorts.set(address, udp);
  w.clients.push(c);
  return c;
}

async function close(w: World): Promise<void> {
  for (const c of w.clients) await c.close();
  await w.server.close();
}

function rpc(w: World, transport: 'udp' | 'tcp' = 'udp', privileged = false): RpcClient {
  return createClient({ host: '127.0.0.1', port: w.port, transport, timeoutMs: 1500, privileged });
}

function lockArgs(caller: string, file: string, o: Partial<nlm4_lockargs> = {}): nlm4_lockargs {
  return {
    cookie: enc('c1'),
    block: false,
    exclusive: true,
    alock: { caller_name: caller, fh: enc(file), oh: enc(`o@${caller}`), svid: 1, l_offset: 0n, l_len: 0n },
    reclaim: false,
    state: 3,
    ...o,
  };
}

/** Sends raw argument bytes to a procedure, to see what the server makes of them. */
const raw: XdrCodec<Uint8Array> = { encode: (wr, v) => wr.raw(v), decode: () => new Uint8Array() };
const RAW_DEF = {
  name: 'RAW',
  prog: 100021,
  vers: 4,
  procs: {
    LOCK: { name: 'LOCK', proc: 2, args: raw, res: nlm4_res },
  },
} as const;

function xdrString(s: Uint8Array): Buffer {
  const pad = (4 - (s.length % 4)) % 4;
  const b = Buffer.alloc(4 + s.length + pad);
  b.writeUInt32BE(s.length, 0);
  Buffer.from(s).copy(b, 4);
  return b;
}

describe('LockServer and LockClient over loopback', () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => close(w));

  it('grants, denies with the holder, and grants again after the unlock (UDP)', async () => {
    const a = await client(w, 'alpha', '127.0.0.2');
    const b = await client(w, 'beta', '127.0.0.3');
    const r1 = await a.lock('127.0.0.1', 'f-basic', { offset: 0n, length: 100n });
    assert.equal(r1.status, 'granted');
    const r2 = await b.lock('127.0.0.1', 'f-basic', { offset: 50n, length: 1n });
    assert.equal(r2.status, 'denied');
    assert.deepEqual(r2.status === 'denied' && r2.holder, {
      exclusive: true,
      svid: 100,
      offset: 0n,
      length: 100n,
    });
    assert.equal(await b.test('127.0.0.1', 'f-basic', { offset: 200n, length: 1n }), null);
    assert.ok(await b.test('127.0.0.1', 'f-basic', { offset: 10n, length: 1n, shared: true }));
    await a.unlock('127.0.0.1', 'f-basic');
    assert.equal((await b.lock('127.0.0.1', 'f-basic', { offset: 50n, length: 1n })).status, 'granted');
    await b.unlock('127.0.0.1', 'f-basic');
  });

  it('keeps its own record of held ranges in step with the server', async () => {
    const a = await client(w, 'alpha-h', '127.0.0.15');
    await a.lock('127.0.0.1', 'f-held', { offset: 0n, length: 100n });
    await a.unlock('127.0.0.1', 'f-held', { offset: 40n, length: 20n });
    await a.lock('127.0.0.1', 'f-held', { offset: 10n, length: 1n, shared: true });
    const mine = a
      .held()
      .map((l) => `${l.exclusive ? 'X' : 'S'} ${l.offset}+${l.length}`)
      .sort();
    assert.deepEqual(mine, ['S 10+1', 'X 0+10', 'X 11+29', 'X 60+40']);
    const theirs = (await a.listing('127.0.0.1')).entries
      .filter((e) => e.caller_name === 'alpha-h')
      .map((e) => `${e.exclusive ? 'X' : 'S'} ${e.l_offset}+${e.l_len}`)
      .sort();
    assert.deepEqual(theirs, mine);
    await a.unlock('127.0.0.1', 'f-held');
    assert.deepEqual(a.held(), []);
  });

  it('serves TCP as well', async () => {
    const a = await client(w, 'alpha-tcp', '127.0.0.4', 'tcp');
    assert.equal((await a.lock('127.0.0.1', 'f-tcp', { shared: true })).status, 'granted');
    const list = await a.listing('127.0.0.1');
    assert.equal(list.entries.filter((e) => e.caller_name === 'alpha-tcp').length, 1);
    await a.unlock('127.0.0.1', 'f-tcp');
  });

  it('queues a blocking lock and grants it with a GRANTED callback', async () => {
    const a = await client(w, 'alpha-b', '127.0.0.5');
    const b = await client(w, 'beta-b', '127.0.0.6');
    await a.lock('127.0.0.1', 'f-block');
    const events: string[] = [];
    b.on('blocked', () => events.push('blocked'));
    b.on('granted', (_l, how) => events.push(`granted by ${how}`));
    const pending = b.lock('127.0.0.1', 'f-block', { wait: true });
    await until(() => events.includes('blocked'), 3000, 'blocked');
    const list = await a.listing('127.0.0.1');
    assert.ok(list.entries.some((e) => e.caller_name === 'beta-b' && e.queued));
    await a.unlock('127.0.0.1', 'f-block');
    const r = await pending;
    assert.equal(r.status, 'granted');
    assert.deepEqual(events, ['blocked', 'granted by callback']);
    assert.ok((await a.listing('127.0.0.1')).entries.some((e) => e.caller_name === 'beta-b' && !e.queued));
    await b.unlock('127.0.0.1', 'f-block');
  });

  it('takes the asynchronous GRANTED_MSG as Linux lock managers send it', async () => {
    const a = await client(w, 'alpha-g', '127.0.0.13');
    const b = await client(w, 'beta-g', '127.0.0.14');
    await a.lock('127.0.0.1', 'f-gmsg');
    const blocked = new Promise((r) => b.once('blocked', r));
    const pending = b.lock('127.0.0.1', 'f-gmsg', { wait: true });
    await blocked;
    const c = createClient({ host: '127.0.0.14', port: b.ports!.udp, timeoutMs: 1500 });
    const alock = {
      caller_name: 'beta-g',
      fh: enc('f-gmsg'),
      oh: enc('100@beta-g'),
      svid: 100,
      l_offset: 0n,
      l_len: 0n,
    };
    // Not our lock (other svid): nothing happens; then ours.
    await c.call(NLM4_VERS_DEF, 'NLMPROC4_GRANTED_MSG', {
      cookie: enc('g'),
      exclusive: true,
      alock: { ...alock, svid: 7 },
    });
    await c.call(NLM4_VERS_DEF, 'NLMPROC4_GRANTED_MSG', { cookie: enc('g'), exclusive: true, alock });
    c.close();
    assert.equal((await pending).status, 'granted');
    await a.unlock('127.0.0.1', 'f-gmsg');
    await b.unlock('127.0.0.1', 'f-gmsg');
  });

  it('cancels a waiting lock when its wait is aborted', async () => {
    const a = await client(w, 'alpha-c', '127.0.0.7');
    const b = await client(w, 'beta-c', '127.0.0.8');
    await a.lock('127.0.0.1', 'f-cancel');
    const ac = new AbortController();
    const blocked = new Promise((r) => b.once('blocked', r));
    const pending = b.lock('127.0.0.1', 'f-cancel', { wait: true, signal: ac.signal });
    await blocked;
    ac.abort(new Error('gave up'));
    await assert.rejects(pending, /gave up/);
    await until(
      async () => !(await a.listing('127.0.0.1')).entries.some((e) => e.caller_name === 'beta-c'),
      2000,
      'cancel',
    );
    await a.unlock('127.0.0.1', 'f-cancel');
  });

  it('monitors a client while it holds locks and stops after', async () => {
    const a = await client(w, 'alpha-m', '127.0.0.9');
    await a.lock('127.0.0.1', 'f-mon');
    assert.ok(w.statd.calls.includes('mon alpha-m'));
    await a.unlock('127.0.0.1', 'f-mon');
    await until(() => w.statd.calls.includes('unmon alpha-m'), 2000, 'SM_UNMON');
    assert.equal(w.statd.calls[0], 'crash', 'SM_SIMU_CRASH first');
  });

  it('refuses a lock it cannot have monitored', async () => {
    const c = rpc(w);
    w.statd.failMon = true;
    try {
      const r = await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', lockArgs('nomon', 'f-nomon'));
      assert.equal(r.stat.stat, NLM4.DENIED_NOLOCKS);
      // NM_LOCK does not monitor.
      const r2 = await c.call(NLM4_VERS_DEF, 'NLMPROC4_NM_LOCK', lockArgs('nomon', 'f-nomon'));
      assert.equal(r2.stat.stat, NLM4.GRANTED);
      await c.call(NLM4_VERS_DEF, 'NLMPROC4_FREE_ALL', { name: 'nomon', state: 5 });
      assert.equal(w.server.table.heldCount('nomon'), 0);
    } finally {
      w.statd.failMon = false;
      c.close();
    }
  });

  it('frees a rebooted client, grants the waiter, and ignores duplicate and late callbacks', async (t) => {
    if (!isRoot) return t.skip('the reboot callback must come from a privileged port');
    const a = await client(w, 'alpha-r', '127.0.0.10');
    const b = await client(w, 'beta-r', '127.0.0.11');
    await a.lock('127.0.0.1', 'f-reboot');
    const waiting = b.lock('127.0.0.1', 'f-reboot', { wait: true });
    await new Promise((r) => b.once('blocked', r));
    const cb = rpc(w, 'udp', true);
    try {
      const priv = w.statd.privs.get('alpha-r')!;
      // From an unprivileged port: refused (no reply) and nothing freed.
      const unpriv = rpc(w);
      await assert.rejects(
        unpriv.call(
          NLM4_VERS_DEF,
          'NLMPROC4_NSM_NOTIFY',
          { mon_name: 'alpha-r', state: 5, priv },
          { timeoutMs: 300 },
        ),
        (e: RpcError) => e.code === 'ERR_RPC_TIMEOUT',
      );
      unpriv.close();
      assert.equal(w.server.table.heldCount('alpha-r'), 1);
      // An unknown priv: ignored.
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', {
        mon_name: 'alpha-r',
        state: 5,
        priv: new Uint8Array(16),
      });
      assert.equal(w.server.table.heldCount('alpha-r'), 1);
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', { mon_name: 'alpha-r', state: 5, priv });
      assert.equal(w.server.table.heldCount('alpha-r'), 0);
      assert.equal((await waiting).status, 'granted');
      // The client (back with state 5) locks again; the same callback once more, and an older one, change nothing.
      const c = rpc(w);
      const relock = lockArgs('alpha-r', 'f-reboot2', { state: 5 });
      assert.equal((await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', relock)).stat.stat, NLM4.GRANTED);
      const priv2 = w.statd.privs.get('alpha-r')!;
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', { mon_name: 'alpha-r', state: 5, priv: priv2 });
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', { mon_name: 'alpha-r', state: 3, priv: priv2 });
      assert.equal(w.server.table.heldCount('alpha-r'), 1, 'duplicate and late callbacks ignored');
      // Two reboots in quick succession: both count.
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', { mon_name: 'alpha-r', state: 7, priv: priv2 });
      assert.equal(w.server.table.heldCount('alpha-r'), 0);
      assert.equal(
        (await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', { ...relock, state: 7 })).stat.stat,
        NLM4.GRANTED,
      );
      const priv3 = w.statd.privs.get('alpha-r')!;
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', { mon_name: 'alpha-r', state: 9, priv: priv3 });
      assert.equal(w.server.table.heldCount('alpha-r'), 0);
      c.close();
    } finally {
      cb.close();
    }
    await b.unlock('127.0.0.1', 'f-reboot');
  });

  it('answers GARBAGE_ARGS to malformed and over-long arguments and keeps serving', async () => {
    const c = rpc(w);
    try {
      await assert.rejects(
        c.call(RAW_DEF, 'LOCK', Uint8Array.of(1, 2, 3)),
        (e: RpcError) => e.code === 'ERR_RPC_GARBAGE_ARGS',
      );
      // cookie, then block = 7 (not a bool)
      const badBool = Buffer.concat([xdrString(enc('c')), Buffer.from([0, 0, 0, 7])]);
      await assert.rejects(
        c.call(RAW_DEF, 'LOCK', badBool),
        (e: RpcError) => e.code === 'ERR_RPC_GARBAGE_ARGS',
      );
      // A 1025-byte file handle: over netobj's 1024.
      const args = (fh: Uint8Array, oh: Uint8Array) =>
        Buffer.concat([
          xdrString(enc('c')),
          Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]),
          xdrString(enc('host')),
          xdrString(fh),
          xdrString(oh),
          Buffer.alloc(4 + 16),
          Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]),
        ]);
      const long = new Uint8Array(1025).fill(65);
      await assert.rejects(
        c.call(RAW_DEF, 'LOCK', args(long, enc('o'))),
        (e: RpcError) => e.code === 'ERR_RPC_GARBAGE_ARGS',
      );
      await assert.rejects(
        c.call(RAW_DEF, 'LOCK', args(enc('f'), long)),
        (e: RpcError) => e.code === 'ERR_RPC_GARBAGE_ARGS',
      );
      // The same, well-formed: granted.
      assert.equal((await c.call(RAW_DEF, 'LOCK', args(enc('f-raw'), enc('o')))).stat.stat, NLM4.GRANTED);
      // A caller_name that cannot be a host name: refused.
      const r = await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', lockArgs('x'.repeat(300), 'f-long'));
      assert.equal(r.stat.stat, NLM4.FAILED);
      const r2 = await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', lockArgs('../etc', 'f-long'));
      assert.equal(r2.stat.stat, NLM4.FAILED);
      await c.call(NLM4_VERS_DEF, 'NLMPROC4_NULL', undefined);
      await c.call(NLM4_VERS_DEF, 'NLMPROC4_UNLOCK', {
        cookie: enc('u'),
        alock: lockArgs('host', 'f-raw').alock,
      });
    } finally {
      c.close();
    }
  });

  it('serves version 3 with 32-bit offsets and shares', async () => {
    const c = rpc(w);
    try {
      const alock = {
        caller_name: 'v3host',
        fh: enc('f-v3'),
        oh: enc('o'),
        svid: 9,
        l_offset: 10,
        l_len: 10,
      };
      const r = await c.call(NLM_VERSX_DEF, 'NLM_LOCK', {
        cookie: enc('3'),
        block: false,
        exclusive: true,
        alock,
        reclaim: false,
        state: 1,
      });
      assert.equal(r.stat.stat, 0);
      const t = await c.call(NLM4_VERS_DEF, 'NLMPROC4_TEST', {
        cookie: enc('t'),
        exclusive: false,
        alock: lockArgs('other', 'f-v3').alock,
      });
      assert.deepEqual(t.stat.stat === 1 && [t.stat.holder.l_offset, t.stat.holder.l_len], [10n, 10n]);
      await c.call(NLM_VERSX_DEF, 'NLM_UNLOCK', { cookie: enc('u'), alock });
      const share = (caller: string, mode: 0 | 1 | 2 | 3, access: 0 | 1 | 2 | 3) => ({
        cookie: enc('s'),
        share: { caller_name: caller, fh: enc('f-share'), oh: enc('o'), mode, access },
        reclaim: false,
      });
      assert.equal((await c.call(NLM_VERSX_DEF, 'NLM_SHARE', share('s1', 2, 1))).stat, 0);
      assert.equal(
        (await c.call(NLM_VERSX_DEF, 'NLM_SHARE', share('s2', 0, 2))).stat,
        1,
        'write access vs deny write',
      );
      assert.equal(
        (await c.call(NLM_VERSX_DEF, 'NLM_SHARE', share('s2', 0, 1))).stat,
        0,
        'read access is fine',
      );
      await c.call(NLM_VERSX_DEF, 'NLM_UNSHARE', share('s1', 2, 1));
      assert.equal((await c.call(NLM_VERSX_DEF, 'NLM_SHARE', share('s3', 0, 2))).stat, 0);
    } finally {
      c.close();
    }
  });

  it('answers the _MSG forms with a call to the client _RES procedure', async () => {
    const results: number[] = [];
    const cbServer = new RpcServer();
    cbServer.addProgram(NLM4_VERS_DEF, {
      NLMPROC4_LOCK_RES: (r) => {
        results.push(r.stat.stat);
      },
      NLMPROC4_TEST_RES: (r) => {
        results.push(100 + r.stat.stat);
      },
    });
    const port = await cbServer.listenUdp({ host: '127.0.0.12', port: 0 });
    w.callbackPorts.set('127.0.0.12', port);
    const c = createClient({ host: '127.0.0.1', port: w.port, localAddress: '127.0.0.12', timeoutMs: 1500 });
    try {
      await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK_MSG', lockArgs('msghost', 'f-msg'));
      await until(() => results.length === 1, 2000, 'LOCK_RES');
      await c.call(NLM4_VERS_DEF, 'NLMPROC4_TEST_MSG', {
        cookie: enc('t'),
        exclusive: true,
        alock: lockArgs('other', 'f-msg').alock,
      });
      await until(() => results.length === 2, 2000, 'TEST_RES');
      assert.deepEqual(results, [NLM4.GRANTED, 100 + NLM4.DENIED]);
    } finally {
      c.close();
      await cbServer.close();
    }
  });

  it('lists held and queued locks through the private procedure', async () => {
    const c = createClient({ host: '127.0.0.1', port: w.port, transport: 'tcp', timeoutMs: 1500 });
    try {
      const l = await c.call(NLM4_NSMD_DEF, 'NSMD_LOCKS', undefined);
      assert.equal(l.in_grace, false);
      assert.equal(l.total, l.entries.length);
      assert.ok(
        l.entries.some((e) => e.caller_name === 'msghost' && new TextDecoder().decode(e.fh) === 'f-msg'),
      );
    } finally {
      c.close();
    }
  });
});

describe('grace period', () => {
  it('serves only reclaims in grace and refuses reclaims after it', async () => {
    const w = await world({ grace: 90 });
    const c = rpc(w);
    try {
      assert.ok(w.server.inGrace());
      assert.equal(
        (await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', lockArgs('g1', 'f-g'))).stat.stat,
        NLM4.DENIED_GRACE_PERIOD,
      );
      const t = await c.call(NLM4_VERS_DEF, 'NLMPROC4_TEST', {
        cookie: enc('t'),
        exclusive: true,
        alock: lockArgs('g1', 'f-g').alock,
      });
      assert.equal(t.stat.stat, NLM4.DENIED_GRACE_PERIOD);
      const reclaim = lockArgs('g1', 'f-g', { reclaim: true });
      assert.equal((await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', reclaim)).stat.stat, NLM4.GRANTED);
      const cl = await client(w, 'g2', '127.0.0.20');
      const events: string[] = [];
      cl.on('grace', () => events.push('grace'));
      assert.deepEqual(await cl.lock('127.0.0.1', 'f-other'), { status: 'grace' });
      w.clock.t += 91_000;
      assert.equal(w.server.inGrace(), false);
      const late = lockArgs('g3', 'f-late', { reclaim: true });
      assert.equal((await c.call(NLM4_VERS_DEF, 'NLMPROC4_LOCK', late)).stat.stat, NLM4.DENIED_GRACE_PERIOD);
      assert.equal(w.server.table.heldCount('g3'), 0);
      assert.equal((await cl.lock('127.0.0.1', 'f-other')).status, 'granted');
      assert.equal((await cl.lock('127.0.0.1', 'f-g')).status, 'denied', 'the reclaimed lock is held');
      assert.deepEqual(events, ['grace']);
    } finally {
      c.close();
      await close(w);
    }
  });

  it('lets a waiting client through once grace ends', async () => {
    const w = await world({ grace: 90 });
    try {
      const cl = await client(w, 'g4', '127.0.0.21');
      let graces = 0;
      cl.on('grace', () => {
        graces++;
        if (graces === 2) w.clock.t += 91_000;
      });
      assert.equal((await cl.lock('127.0.0.1', 'f-wait', { wait: true })).status, 'granted');
      assert.equal(graces, 2);
    } finally {
      await close(w);
    }
  });
});

describe('LockClient reclaims after a server reboot', () => {
  it('reclaims every lock it holds, and re-sends a blocked request', async (t) => {
    if (!isRoot) return t.skip('the reboot callback must come from a privileged port');
    const w = await world();
    const statdA = new FakeStatd(11);
    const events: string[] = [];
    const a = new LockClient({
      name: 'ra',
      statd: statdA,
      callbackHost: '127.0.0.30',
      localAddress: '127.0.0.30',
      nlmPort: async () => w.port,
      timeoutMs: 1000,
      graceRetryMs: 50,
    });
    const ap = await a.start();
    w.callbackPorts.set('127.0.0.30', ap.udp);
    const statdB = new FakeStatd(21);
    const b = await client(w, 'rb', '127.0.0.31', 'udp', statdB);
    try {
      await a.lock('127.0.0.1', 'f-r1', { offset: 0n, length: 10n });
      await a.lock('127.0.0.1', 'f-r2', { shared: true });
      assert.ok(statdA.calls.includes('mon 127.0.0.1'));
      b.on('grace', () => events.push('b grace'));
      const waiting = b.lock('127.0.0.1', 'f-r1', { wait: true });
      await new Promise((r) => b.once('blocked', r));
      // The server host crashes: a new lock manager with an empty table and a grace period.
      await w.server.close();
      const w2 = await world({ grace: 90 });
      w.port = w2.port;
      w2.callbackPorts = w.callbackPorts;
      (w2.server as unknown as { opts: { nlmPort: unknown } }).opts.nlmPort = async (addr: string) =>
        w.callbackPorts.get(addr) ?? 0;
      a.on('reclaimed', (l) => events.push(`reclaimed ${l.file}`));
      a.on('reboot', (s, st) => events.push(`reboot ${s} ${st}`));
      const cb = createClient({ host: '127.0.0.30', port: ap.udp, privileged: true, timeoutMs: 1000 });
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', {
        mon_name: 'srv',
        state: 13,
        priv: statdA.privs.get('127.0.0.1')!,
      });
      await until(() => events.filter((e) => e.startsWith('reclaimed')).length === 2, 3000, 'reclaims');
      await cb.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', {
        mon_name: 'srv',
        state: 13,
        priv: statdA.privs.get('127.0.0.1')!,
      });
      cb.close();
      assert.deepEqual(events.filter((e) => !e.startsWith('b ')).sort(), [
        'reboot 127.0.0.1 13',
        'reclaimed f-r1',
        'reclaimed f-r2',
      ]);
      assert.equal(w2.server.table.heldCount('ra'), 2);
      // B's statd tells B too: its waiting request is sent again, and told to wait for the grace period.
      const cbB = createClient({ host: '127.0.0.31', port: b.ports!.udp, privileged: true, timeoutMs: 1000 });
      await cbB.call(NLM4_VERS_DEF, 'NLMPROC4_NSM_NOTIFY', {
        mon_name: 'srv',
        state: 13,
        priv: statdB.privs.get('127.0.0.1')!,
      });
      cbB.close();
      await until(() => events.includes('b grace'), 3000, 'B told DENIED_GRACE_PERIOD');
      w2.clock.t += 91_000;
      await a.unlock('127.0.0.1', 'f-r1');
      assert.equal((await waiting).status, 'granted');
      await close(w2);
    } finally {
      await a.close();
      await close(w);
    }
  });
});
