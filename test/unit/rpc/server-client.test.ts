import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as dc from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { AuthFlavor, AuthStat } from '../../../src/rpc/auth.js';
import { createClient, type RpcClient } from '../../../src/rpc/client.js';
import { RpcError } from '../../../src/rpc/errors.js';
import type { RpcLogger } from '../../../src/rpc/logger.js';
import { decodeReplyHeader, type ReplyHeader } from '../../../src/rpc/message.js';
import { frameRecord, RecordReader } from '../../../src/rpc/record.js';
import { type RpcCallMessage, RpcServer, type RpcServerOptions } from '../../../src/rpc/server.js';
import { type Caller, NO_REPLY } from '../../../src/rpc/types.js';
import {
  callBytes,
  closedWithin,
  OTHER_PROG,
  sleep,
  TEST_PROG,
  TEST_V1,
  TEST_V1_WRONG,
  TEST_V3,
  TEST_V5,
  tcpConnect,
  u32be,
  udpExchange,
} from './fixtures.js';

const isRoot = process.getuid?.() === 0;

interface Fixture {
  server: RpcServer;
  udpPort: number;
  tcpPort: number;
  errors: unknown[];
  counts: { COUNT: number; FLAKY: Map<number, number> };
}

async function startServer(
  opts: RpcServerOptions = {},
  listen: { host?: string; port?: number } = {},
): Promise<Fixture> {
  const errors: unknown[] = [];
  const logger: RpcLogger = { warn() {}, debug() {}, error: (_m, err) => errors.push(err) };
  const counts = { COUNT: 0, FLAKY: new Map<number, number>() };
  const server = new RpcServer({ logger, ...opts });
  server.addProgram(TEST_V1, {
    ADD1: (x) => x + 1,
    ECHO: async (s) => s,
    WHO: (_args, caller) => JSON.stringify(caller),
    FAIL: (mode) => {
      if (mode === 0) throw new Error('boom');
      return Promise.reject(new Error('async boom'));
    },
    SLOW: async (ms) => {
      await sleep(ms);
      return ms;
    },
    FLAKY: (key) => {
      const n = (counts.FLAKY.get(key) ?? 0) + 1;
      counts.FLAKY.set(key, n);
      return n === 1 ? NO_REPLY : n;
    },
    COUNT: () => ++counts.COUNT,
  });
  server.addProgram(TEST_V3, {});
  const udpPort = await server.listenUdp(listen);
  const tcpPort = await server.listenTcp(listen);
  return { server, udpPort, tcpPort, errors, counts };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RpcError, `expected an RpcError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

/** A raw UDP socket that keeps every reply, for byte-level tests. */
class RawUdp {
  readonly replies: Buffer[] = [];
  private readonly socket: dgram.Socket;
  private waiting: (() => void) | null = null;
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (m) => {
      this.replies.push(m);
      this.waiting?.();
    });
  }
  send(b: Uint8Array): void {
    this.socket.send(b, this.port, this.host);
  }
  /** Waits until n replies arrived or ms passed. */
  async wait(n: number, ms = 1000): Promise<Buffer[]> {
    const deadline = Date.now() + ms;
    while (this.replies.length < n && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, deadline - Date.now());
      });
    }
    return this.replies;
  }
  close(): void {
    this.socket.close();
  }
}

function replyOf(b: Buffer): ReplyHeader {
  return decodeReplyHeader(b).header;
}

describe('RpcServer and RpcClient over loopback', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startServer();
  });
  after(async () => {
    await fx.server.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    for (const host of ['127.0.0.1', '::1']) {
      describe(`${transport} ${host}`, () => {
        let client: RpcClient;
        before(() => {
          client = createClient({ host, port: transport === 'udp' ? fx.udpPort : fx.tcpPort, transport });
        });
        after(() => client.close());

        it('answers calls, many in flight at once', async () => {
          const t = client.bind(TEST_V1);
          assert.equal(await t.NULL(), undefined);
          assert.equal(await t.ADD1(41), 42);
          assert.equal(await t.ECHO('\u00ff\u0000bytes\u00e9'), '\u00ff\u0000bytes\u00e9');
          const many = await Promise.all(Array.from({ length: 200 }, (_, i) => t.ADD1(i)));
          assert.deepEqual(
            many,
            Array.from({ length: 200 }, (_, i) => i + 1),
          );
          assert.equal(client.inFlight, 0);
        });

        it('answers an undeclared NULL procedure 0 of a version without handlers', async () => {
          assert.equal(await client.call(TEST_V3, 'NULL', undefined), undefined);
        });

        it('PROG_UNAVAIL for a program it does not serve', async () => {
          await rejectsWith(client.call(OTHER_PROG, 'NULL', undefined), 'ERR_RPC_PROG_UNAVAIL');
        });

        it('PROG_MISMATCH with the lowest and highest version served', async () => {
          const err = await rejectsWith(client.call(TEST_V5, 'NULL', undefined), 'ERR_RPC_PROG_MISMATCH');
          assert.equal(err.low, 1);
          assert.equal(err.high, 3);
        });

        it('PROC_UNAVAIL for a procedure it does not have', async () => {
          await rejectsWith(client.call(TEST_V1_WRONG, 'MISSING', undefined), 'ERR_RPC_PROC_UNAVAIL');
        });

        it('GARBAGE_ARGS for arguments it cannot decode (trailing bytes)', async () => {
          await rejectsWith(client.call(TEST_V1_WRONG, 'ADD1', 'abc'), 'ERR_RPC_GARBAGE_ARGS');
        });

        it('SYSTEM_ERR when a handler throws or rejects, logged, and serving goes on', async () => {
          const before = fx.errors.length;
          await rejectsWith(client.call(TEST_V1, 'FAIL', 0), 'ERR_RPC_SYSTEM_ERR');
          await rejectsWith(client.call(TEST_V1, 'FAIL', 1), 'ERR_RPC_SYSTEM_ERR');
          assert.deepEqual(
            fx.errors.slice(before).map((e) => (e as Error).message),
            ['boom', 'async boom'],
          );
          assert.equal(await client.call(TEST_V1, 'ADD1', 1), 2);
        });

        it('tells the handler who called', async () => {
          const caller = JSON.parse(await client.call(TEST_V1, 'WHO', undefined)) as Caller;
          assert.equal(caller.address, host, 'v4-mapped addresses are given as IPv4');
          assert.equal(caller.family, host.includes(':') ? 6 : 4);
          assert.equal(caller.transport, transport);
          assert.equal(caller.loopback, true);
          assert.equal(caller.port, client.localPort);
          assert.equal(caller.privilegedPort, caller.port < 1024);
          assert.equal(caller.localPort, transport === 'udp' ? fx.udpPort : fx.tcpPort);
          assert.equal(caller.authFlavor, AuthFlavor.AUTH_NONE);
          assert.equal(caller.authSys, undefined);
          assert.equal(typeof caller.xid, 'number');
        });

        it('hands AUTH_SYS credentials to the handler', async () => {
          const authSys = { stamp: 7, machinename: 'client.example', uid: 1000, gid: 100, gids: [100, 27] };
          const caller = JSON.parse(await client.call(TEST_V1, 'WHO', undefined, { authSys })) as Caller;
          assert.equal(caller.authFlavor, AuthFlavor.AUTH_SYS);
          assert.deepEqual(caller.authSys, authSys);
        });
      });
    }
  }

  it('gives every caller a privileged port when asked (needs root)', {
    skip: !isRoot && 'not root',
  }, async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const port = transport === 'udp' ? fx.udpPort : fx.tcpPort;
      const c = createClient({ host: '127.0.0.1', port, transport, privileged: true });
      const caller = JSON.parse(await c.call(TEST_V1, 'WHO', undefined)) as Caller;
      assert.equal(caller.privilegedPort, true, transport);
      assert.ok(caller.port >= 600 && caller.port <= 1023, `${caller.port}`);
      await c.close();
      // A port chooser decides which reserved ports are tried, in order; busy ones are skipped.
      const blocker = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => blocker.bind(1021, '0.0.0.0', resolve));
      const c2 = createClient({
        host: '127.0.0.1',
        port,
        transport,
        privileged: true,
        choosePort: () => [1021, 1019, 1017],
      });
      const who = JSON.parse(await c2.call(TEST_V1, 'WHO', undefined)) as Caller;
      assert.ok(
        transport === 'tcp' ? [1021, 1019, 1017].includes(who.port) : [1019, 1017].includes(who.port),
        `${who.port}`,
      );
      assert.equal(who.privilegedPort, true);
      blocker.close();
      await c2.close();
    }
  });

  it('UDP: a call the handler drops (NO_REPLY) is retransmitted with the same xid and answered', async () => {
    const c = createClient({ host: '127.0.0.1', port: fx.udpPort, retransmitMs: 30 });
    assert.equal(await c.call(TEST_V1, 'FLAKY', 1), 2);
    assert.equal(fx.counts.FLAKY.get(1), 2);
    await c.close();
  });

  it('UDP: CallOptions.to sends one call elsewhere', async () => {
    const c = createClient({ host: '127.0.0.1', port: 9, timeoutMs: 2000 });
    assert.equal(await c.call(TEST_V1, 'ADD1', 5, { to: { host: '::1', port: fx.udpPort } }), 6);
    await c.close();
  });

  it('TCP: NO_REPLY means no reply at all (the call times out)', async () => {
    const c = createClient({ host: '127.0.0.1', port: fx.tcpPort, transport: 'tcp' });
    await rejectsWith(c.call(TEST_V1, 'FLAKY', 2, { timeoutMs: 150 }), 'ERR_RPC_TIMEOUT');
    assert.equal(await c.call(TEST_V1, 'FLAKY', 2), 2);
    await c.close();
  });

  it('TCP: replies to pipelined calls go out as they are ready, not in call order', async () => {
    const c = createClient({ host: '::1', port: fx.tcpPort, transport: 'tcp' });
    const order: string[] = [];
    const slow = c.call(TEST_V1, 'SLOW', 150).then(() => order.push('slow'));
    const fast = c.call(TEST_V1, 'ADD1', 1).then(() => order.push('fast'));
    await Promise.all([slow, fast]);
    assert.deepEqual(order, ['fast', 'slow']);
    await c.close();
  });

  it('publishes each call on the nsmd:rpc:call diagnostics channel', async () => {
    const seen: RpcCallMessage[] = [];
    const onMessage = (m: unknown) => seen.push(m as RpcCallMessage);
    dc.subscribe('nsmd:rpc:call', onMessage);
    const c = createClient({ host: '127.0.0.1', port: fx.udpPort });
    await c.call(TEST_V1, 'ADD1', 1);
    dc.unsubscribe('nsmd:rpc:call', onMessage);
    await c.close();
    const m = seen.find((x) => x.procName === 'ADD1');
    assert.ok(m);
    assert.equal(m.prog, TEST_PROG);
    assert.equal(m.proc, 1);
    assert.equal(m.caller.transport, 'udp');
  });
});

describe('raw UDP input', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startServer({}, { host: '127.0.0.1' });
  });
  after(() => fx.server.close());

  it('GARBAGE_ARGS for short, trailing or unexpected argument bytes', async () => {
    const replies = await udpExchange('127.0.0.1', fx.udpPort, [
      callBytes(1, TEST_PROG, 1, 1, Buffer.from([1, 2])), // ADD1, 2 of 4 bytes
      callBytes(2, TEST_PROG, 1, 1, Buffer.alloc(8)), // ADD1, 4 trailing bytes
      callBytes(3, TEST_PROG, 1, 0, Buffer.alloc(4)), // NULL takes nothing
      callBytes(4, TEST_PROG, 1, 2, Buffer.from('00000003616263ff', 'hex')), // ECHO, non-zero padding
    ]);
    const byXid = new Map(replies.map((r) => [r.readUInt32BE(0), replyOf(r)]));
    for (const xid of [1, 2, 3, 4]) {
      const h = byXid.get(xid);
      assert.ok(h !== undefined && h.replyStat === 0, `reply to ${xid}`);
      assert.equal(h.acceptStat, 4, `xid ${xid} answered GARBAGE_ARGS`);
    }
  });

  it('RPC_MISMATCH (2-2) for rpcvers other than 2', async () => {
    const [r] = await udpExchange('127.0.0.1', fx.udpPort, [
      callBytes(9, TEST_PROG, 1, 0, undefined, undefined, 3),
    ]);
    assert.deepEqual(replyOf(r!), { xid: 9, replyStat: 1, rejectStat: 0, low: 2, high: 2 });
  });

  it('AUTH_ERROR AUTH_BADCRED for a malformed AUTH_SYS body, an unknown flavour or an oversize credential', async () => {
    const badSys = { flavor: AuthFlavor.AUTH_SYS, body: Buffer.alloc(4) };
    const unknown = { flavor: 390004, body: Buffer.alloc(8) };
    const oversize = Buffer.concat([
      callBytes(12, TEST_PROG, 1, 0).subarray(0, 24),
      u32be(1),
      u32be(401),
      Buffer.alloc(412),
    ]);
    const replies = await udpExchange('127.0.0.1', fx.udpPort, [
      callBytes(10, TEST_PROG, 1, 0, undefined, badSys),
      callBytes(11, TEST_PROG, 1, 0, undefined, unknown),
      oversize,
    ]);
    const headers = replies.map(replyOf).sort((a, b) => a.xid - b.xid);
    assert.deepEqual(
      headers,
      [10, 11, 12].map((xid) => ({ xid, replyStat: 1, rejectStat: 1, authStat: AuthStat.AUTH_BADCRED })),
    );
  });

  it('drops what is not a call and keeps serving', async () => {
    const replyMsg = Buffer.from('0000000500000001000000000000000000000000', 'hex');
    const replies = await udpExchange('127.0.0.1', fx.udpPort, [
      Buffer.from([1, 2, 3]),
      Buffer.alloc(0),
      replyMsg,
      Buffer.from('00000006000000000000000200000001', 'hex'), // call cut short after rpcvers/prog
    ]);
    assert.equal(replies.length, 0);
    const [ok] = await udpExchange('127.0.0.1', fx.udpPort, [callBytes(7, TEST_PROG, 1, 1, u32be(1))]);
    assert.equal(ok!.readUInt32BE(24), 2);
  });

  it('survives random datagrams', async () => {
    const junk = Array.from({ length: 200 }, (_, i) => {
      const b = Buffer.alloc(i % 90);
      for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7) & 0xff;
      if (b.length >= 12 && i % 2 === 0) b.writeUInt32BE(0, 4); // often looks like a CALL
      if (b.length >= 12 && i % 4 === 0) b.writeUInt32BE(2, 8);
      return b;
    });
    await udpExchange('127.0.0.1', fx.udpPort, junk, 200);
    const [ok] = await udpExchange('127.0.0.1', fx.udpPort, [callBytes(8, TEST_PROG, 1, 1, u32be(8))]);
    assert.equal(ok!.readUInt32BE(24), 9);
  });

  it('duplicate request cache: a retransmission gets the identical reply, the procedure runs once', async () => {
    const raw = new RawUdp('127.0.0.1', fx.udpPort);
    const call = callBytes(0xabcd0001, TEST_PROG, 1, 7, u32be(0)); // COUNT
    const before = fx.counts.COUNT;
    raw.send(call);
    await raw.wait(1);
    raw.send(call);
    raw.send(call);
    const replies = await raw.wait(3);
    raw.close();
    assert.equal(replies.length, 3);
    assert.deepEqual(replies[1], replies[0]);
    assert.deepEqual(replies[2], replies[0]);
    assert.equal(fx.counts.COUNT, before + 1);
    // The same xid with other arguments is a new call.
    const [other] = await udpExchange('127.0.0.1', fx.udpPort, [
      callBytes(0xabcd0001, TEST_PROG, 1, 7, u32be(1)),
    ]);
    assert.equal(other!.readUInt32BE(24), before + 2);
  });

  it('duplicate request cache: a retransmission of a call still running is dropped', async () => {
    const raw = new RawUdp('127.0.0.1', fx.udpPort);
    const call = callBytes(0xabcd0002, TEST_PROG, 1, 5, u32be(150)); // SLOW 150 ms
    raw.send(call);
    await sleep(30);
    raw.send(call);
    const replies = await raw.wait(2, 400);
    assert.equal(replies.length, 1);
    raw.send(call);
    await raw.wait(2, 400);
    raw.close();
    assert.deepEqual(raw.replies[1], raw.replies[0]);
  });

  it('counts what it saw', () => {
    const s = fx.server.stats;
    assert.ok(s.calls > 10);
    assert.ok(s.garbage >= 4);
    assert.ok(s.dropped >= 4);
    assert.ok(s.drcHits >= 3);
  });
});

describe('UDP client behaviour', () => {
  it('times out against a silent peer, retransmitting the same bytes with backoff', async () => {
    const sink = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    sink.on('message', (m) => got.push(m));
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    const c = createClient({ host: '127.0.0.1', port: sink.address().port, retransmitMs: 40 });
    const t0 = Date.now();
    await rejectsWith(c.call(TEST_V1, 'ADD1', 1, { timeoutMs: 300 }), 'ERR_RPC_TIMEOUT');
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 290 && elapsed < 1000, `${elapsed} ms`);
    // Sent at 0, 40, 120, 280 ms (interval doubling): 4 copies, all identical.
    assert.ok(got.length >= 3 && got.length <= 5, `${got.length} datagrams`);
    for (const g of got) assert.deepEqual(g, got[0]);
    await c.close();
    sink.close();
  });

  it('ignores a reply from another address or port than the destination', async () => {
    const fake = dgram.createSocket('udp4');
    const other = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => fake.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
    let honest = false;
    fake.on('message', (m, rinfo) => {
      // SUCCESS reply carrying the uint 99, with the call's xid.
      const reply = Buffer.concat([
        m.subarray(0, 4),
        Buffer.from('000000010000000000000000000000000000000000000063', 'hex'),
      ]);
      (honest ? fake : other).send(reply, rinfo.port, rinfo.address);
    });
    const c = createClient({ host: '127.0.0.1', port: fake.address().port, retransmitMs: 1000 });
    await rejectsWith(c.call(TEST_V1, 'ADD1', 1, { timeoutMs: 200 }), 'ERR_RPC_TIMEOUT');
    honest = true;
    assert.equal(await c.call(TEST_V1, 'ADD1', 1, { timeoutMs: 1000 }), 99);
    await c.close();
    fake.close();
    other.close();
  });

  it('aborts a call through its AbortSignal', async () => {
    const fx = await startServer({}, { host: '127.0.0.1' });
    const c = createClient({ host: '127.0.0.1', port: fx.udpPort });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user gave up')), 30);
    const t0 = Date.now();
    const err = await rejectsWith(c.call(TEST_V1, 'SLOW', 1000, { signal: ac.signal }), 'ERR_RPC_ABORTED');
    assert.ok(Date.now() - t0 < 500);
    assert.equal((err.cause as Error).message, 'user gave up');
    await rejectsWith(c.call(TEST_V1, 'ADD1', 1, { signal: ac.signal }), 'ERR_RPC_ABORTED');
    await rejectsWith(c.call(TEST_V1, 'SLOW', 1000, { signal: AbortSignal.timeout(20) }), 'ERR_RPC_ABORTED');
    assert.equal(c.inFlight, 0);
    await c.close();
    await fx.server.close();
  });

  it('close() rejects pending calls and later calls', async () => {
    const fx = await startServer({}, { host: '127.0.0.1' });
    for (const transport of ['udp', 'tcp'] as const) {
      const c = createClient({
        host: '127.0.0.1',
        port: transport === 'udp' ? fx.udpPort : fx.tcpPort,
        transport,
      });
      const pending = rejectsWith(c.call(TEST_V1, 'SLOW', 1000), 'ERR_RPC_CONNECTION');
      await sleep(30);
      await c.close();
      await pending;
      await rejectsWith(c.call(TEST_V1, 'ADD1', 1), 'ERR_RPC_CONNECTION');
    }
    await fx.server.close();
  });

  it('refuses a procedure name the program does not have', async () => {
    const c = createClient({ host: '127.0.0.1', port: 9 });
    await assert.rejects(c.call(TEST_V1, 'NOPE' as 'NULL', undefined), TypeError);
    await c.close();
  });
});

describe('TCP streams', () => {
  it('reads a call split into many fragments and fed in pieces', async () => {
    const fx = await startServer({}, { host: '127.0.0.1' });
    const s = await tcpConnect('127.0.0.1', fx.tcpPort);
    const replies: Uint8Array[] = [];
    const reader = new RecordReader((r) => replies.push(Buffer.from(r)));
    s.on('data', (d) => reader.push(d));
    const stream = Buffer.concat([
      frameRecord(callBytes(1, TEST_PROG, 1, 1, u32be(41)), 3),
      frameRecord(callBytes(2, TEST_PROG, 1, 2, Buffer.from('0000000568656c6c6f000000', 'hex')), 5),
    ]);
    for (let i = 0; i < stream.length; i += 7) {
      s.write(stream.subarray(i, i + 7));
      await sleep(1);
    }
    const deadline = Date.now() + 1000;
    while (replies.length < 2 && Date.now() < deadline) await sleep(10);
    assert.equal(replies.length, 2);
    const byXid = new Map(replies.map((r) => [Buffer.from(r).readUInt32BE(0), Buffer.from(r)]));
    assert.equal(byXid.get(1)!.readUInt32BE(24), 42);
    assert.equal(byXid.get(2)!.subarray(24).toString('hex'), '0000000568656c6c6f000000');
    s.destroy();
    await fx.server.close();
  });

  it('closes a connection sending garbage, and only that one', async () => {
    const fx = await startServer({ maxRecordSize: 1024 }, { host: '127.0.0.1' });
    const c = createClient({ host: '127.0.0.1', port: fx.tcpPort, transport: 'tcp' });
    assert.equal(await c.call(TEST_V1, 'ADD1', 1), 2);
    const bad = await tcpConnect('127.0.0.1', fx.tcpPort);
    bad.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(await closedWithin(bad, 1000), true);
    const tooBig = await tcpConnect('127.0.0.1', fx.tcpPort);
    tooBig.write(u32be(0x80000000 | 1025));
    assert.equal(await closedWithin(tooBig, 1000), true);
    assert.equal(await c.call(TEST_V1, 'ADD1', 2), 3);
    // A record that is not a call is dropped but the stream itself is fine.
    const odd = await tcpConnect('127.0.0.1', fx.tcpPort);
    odd.write(frameRecord(Buffer.from([1, 2, 3])));
    assert.equal(await closedWithin(odd, 200), false);
    odd.destroy();
    await c.close();
    await fx.server.close();
  });

  it('refuses connections beyond maxConnections', async () => {
    const fx = await startServer({ maxConnections: 2 }, { host: '127.0.0.1' });
    const a = await tcpConnect('127.0.0.1', fx.tcpPort);
    const b = await tcpConnect('127.0.0.1', fx.tcpPort);
    await sleep(50);
    const c = await tcpConnect('127.0.0.1', fx.tcpPort);
    assert.equal(await closedWithin(c, 1000), true);
    assert.equal(await closedWithin(a, 100), false);
    assert.equal(fx.server.stats.connectionsRefused, 1);
    a.destroy();
    await sleep(50);
    const client = createClient({ host: '127.0.0.1', port: fx.tcpPort, transport: 'tcp' });
    assert.equal(await client.call(TEST_V1, 'ADD1', 1), 2);
    await client.close();
    b.destroy();
    await fx.server.close();
  });

  it('closes idle connections and connections stalled inside a record', async () => {
    const fx = await startServer({ idleTimeoutMs: 150, recordTimeoutMs: 150 }, { host: '127.0.0.1' });
    const idle = await tcpConnect('127.0.0.1', fx.tcpPort);
    const stalled = await tcpConnect('127.0.0.1', fx.tcpPort);
    stalled.write(Buffer.from([0x80, 0, 0, 40, 1, 2]));
    const t0 = Date.now();
    assert.deepEqual(await Promise.all([closedWithin(idle, 2000), closedWithin(stalled, 2000)]), [
      true,
      true,
    ]);
    assert.ok(Date.now() - t0 >= 100);
    // A connection waiting for a running call is not idle.
    const c = createClient({ host: '127.0.0.1', port: fx.tcpPort, transport: 'tcp' });
    assert.equal(await c.call(TEST_V1, 'SLOW', 400), 400);
    await c.close();
    await fx.server.close();
  });

  it('client: fails calls in flight when the connection drops, reconnects on the next call', async () => {
    let fx = await startServer({}, { host: '127.0.0.1' });
    const port = fx.tcpPort;
    const c = createClient({ host: '127.0.0.1', port, transport: 'tcp' });
    assert.equal(await c.call(TEST_V1, 'ADD1', 1), 2);
    const inFlight = rejectsWith(c.call(TEST_V1, 'SLOW', 2000), 'ERR_RPC_CONNECTION');
    await sleep(30);
    await fx.server.close();
    await inFlight;
    await rejectsWith(c.call(TEST_V1, 'ADD1', 1), 'ERR_RPC_CONNECTION');
    fx = await startServer({}, { host: '127.0.0.1', port });
    assert.equal(await c.call(TEST_V1, 'ADD1', 3), 4);
    await c.close();
    await fx.server.close();
  });

  it('listens on explicit IPv4 and IPv6 addresses, several listeners at once', async () => {
    const server = new RpcServer();
    server.addProgram(TEST_V1, { ADD1: (x) => x + 1 });
    const ports = {
      u4: await server.listenUdp({ host: '127.0.0.1' }),
      u6: await server.listenUdp({ host: '::1' }),
      t4: await server.listenTcp({ host: '127.0.0.1' }),
      t6: await server.listenTcp({ host: '::1' }),
    };
    const cases: [string, number, 'udp' | 'tcp'][] = [
      ['127.0.0.1', ports.u4, 'udp'],
      ['::1', ports.u6, 'udp'],
      ['127.0.0.1', ports.t4, 'tcp'],
      ['::1', ports.t6, 'tcp'],
    ];
    for (const [host, port, transport] of cases) {
      const c = createClient({ host, port, transport });
      assert.equal(await c.call(TEST_V1, 'ADD1', 10), 11, `${transport} ${host}`);
      await c.close();
    }
    await server.close();
  });
});

describe('bounded work', () => {
  it('drops UDP calls and stops reading TCP beyond maxRunningCalls, then carries on', async () => {
    const fx = await startServer({ maxRunningCalls: 2 }, { host: '127.0.0.1' });
    const replies = await udpExchange(
      '127.0.0.1',
      fx.udpPort,
      [1, 2, 3].map((xid) => callBytes(xid, TEST_PROG, 1, 5, u32be(100))),
      400,
    );
    assert.equal(replies.length, 2);
    assert.ok(fx.server.stats.dropped >= 1);
    const c = createClient({ host: '127.0.0.1', port: fx.tcpPort, transport: 'tcp' });
    const t0 = Date.now();
    const results = await Promise.all([100, 100, 100, 100].map((ms) => c.call(TEST_V1, 'SLOW', ms)));
    assert.deepEqual(results, [100, 100, 100, 100]);
    assert.ok(Date.now() - t0 >= 190, 'two at a time');
    await c.close();
    await fx.server.close();
  });
});

describe('RpcServer.addProgram', () => {
  it('runs a NULL handler when one is given, with its caller', async () => {
    const server = new RpcServer();
    const seen: Caller[] = [];
    server.addProgram(TEST_V1, { NULL: (_a, caller) => void seen.push(caller) });
    const port = await server.listenUdp({ host: '127.0.0.1' });
    const c = createClient({ host: '127.0.0.1', port });
    await c.call(TEST_V1, 'NULL', undefined);
    await c.close();
    await server.close();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.transport, 'udp');
  });

  it('refuses a version twice and handlers for procedures the program lacks', () => {
    const server = new RpcServer();
    server.addProgram(TEST_V3, {});
    assert.throws(() => server.addProgram(TEST_V3, {}), /already served/);
    assert.throws(() => server.addProgram(TEST_V1, { NOPE: () => 1 } as never), /no procedure named NOPE/);
  });
});
