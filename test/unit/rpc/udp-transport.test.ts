import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { decodeReplyHeader } from '../../../src/rpc/message.js';
import { RpcServer, type RpcServerOptions } from '../../../src/rpc/server.js';
import { nativeUdpStatus } from '../../../src/rpc/udp-native.js';
import type { UdpTransportKind } from '../../../src/rpc/udp-transport.js';
import { type XdrCodec, xdrVoid } from '../../../src/xdr/codec.js';
import type { ProgramDef } from '../../../src/xdr/program.js';
import { XdrReader } from '../../../src/xdr/reader.js';
import { XdrWriter } from '../../../src/xdr/writer.js';
import { callBytes, sleep, str, TEST_PROG, u32, u32be } from './fixtures.js';

const blob: XdrCodec<Uint8Array> = {
  encode: (w, v) => w.varOpaque(v, 65000),
  decode: (r) => r.varOpaque(65000),
};

const UDP_TEST = {
  name: 'UDP_TEST',
  prog: TEST_PROG,
  vers: 1,
  procs: {
    NULL: { name: 'NULL', proc: 0, args: xdrVoid, res: xdrVoid },
    ECHO: { name: 'ECHO', proc: 1, args: blob, res: blob },
    WHO: { name: 'WHO', proc: 2, args: xdrVoid, res: str },
    LATER: { name: 'LATER', proc: 3, args: u32, res: u32 },
    /** A reply much bigger than its call, for the amplification bound. */
    BIG: { name: 'BIG', proc: 4, args: xdrVoid, res: blob },
    /** Keeps its argument (a view of the call's bytes) across later datagrams. */
    KEEP: { name: 'KEEP', proc: 5, args: blob, res: blob },
  },
} as const satisfies ProgramDef;

const native = nativeUdpStatus();
const kinds: UdpTransportKind[] = native.available ? ['native', 'dgram'] : ['dgram'];

async function startServer(
  kind: UdpTransportKind,
  host: string,
  opts: RpcServerOptions = {},
): Promise<{ server: RpcServer; port: number }> {
  const server = new RpcServer({
    udpRecvBufferSize: 2 << 20,
    logger: { warn() {}, debug() {}, error() {} },
    ...opts,
  });
  server.addProgram(UDP_TEST, {
    ECHO: (b) => b,
    WHO: (_args, c) => JSON.stringify(c),
    LATER: async (n) => {
      await sleep(n % 7);
      return n;
    },
    BIG: () => new Uint8Array(2000),
    KEEP: async (b) => {
      await sleep(20);
      return b;
    },
  });
  const port = await server.listenUdp({ host, udpTransport: kind });
  assert.equal(server.udpListeners()[0]!.transport, kind);
  return { server, port };
}

function echoCall(xid: number, payload: Uint8Array): Buffer {
  const w = new XdrWriter();
  blob.encode(w, payload);
  return callBytes(xid, TEST_PROG, 1, 1, w.toBuffer());
}

/** A client socket that keeps every reply by xid. */
class Peer {
  readonly replies = new Map<number, Buffer>();
  readonly socket: dgram.Socket;
  constructor(readonly type: 'udp4' | 'udp6') {
    this.socket = dgram.createSocket(type);
    this.socket.on('message', (m) => this.replies.set(m.readUInt32BE(0), m));
  }
  bind(address?: string): Promise<void> {
    return new Promise((resolve) => this.socket.bind({ port: 0, address }, () => resolve()));
  }
  get port(): number {
    return this.socket.address().port;
  }
  async waitFor(n: number, ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.replies.size < n && Date.now() < deadline) await sleep(5);
  }
  close(): void {
    this.socket.close();
  }
}

function resultOf(reply: Buffer): Uint8Array {
  const { header, bodyOffset } = decodeReplyHeader(reply);
  assert.equal(header.replyStat, 0);
  const r = new XdrReader(reply, bodyOffset);
  return blob.decode(r);
}

function callerOf(reply: Buffer): Record<string, unknown> {
  const { bodyOffset } = decodeReplyHeader(reply);
  return JSON.parse(str.decode(new XdrReader(reply, bodyOffset)));
}

function linkLocal(): { address: string; iface: string } | undefined {
  for (const [iface, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv6' && a.address.startsWith('fe80:') && !a.internal)
        return { address: a.address, iface };
    }
  }
  return undefined;
}

function nonLoopbackV4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('native UDP addon', () => {
  it('is loaded and carries UDP listeners when it was built', async (t) => {
    const required = process.env.NSMD_NATIVE_REQUIRED === '1' || existsSync(native.path);
    if (!required) {
      t.skip(`not built (${native.reason}): node:dgram only`);
      return;
    }
    assert.ok(native.available, `native UDP addon not loaded: ${native.reason}`);
    const server = new RpcServer();
    try {
      await server.listenUdp({ host: '127.0.0.1', udpTransport: 'auto' });
      assert.equal(server.udpListeners()[0]!.transport, 'native');
    } finally {
      await server.close();
    }
  });

  it('NSMD_UDP=dgram forces node:dgram unless a listener asks for a transport', async () => {
    const saved = process.env.NSMD_UDP;
    process.env.NSMD_UDP = 'dgram';
    const server = new RpcServer();
    try {
      await server.listenUdp({ host: '127.0.0.1' });
      await server.listenUdp({ host: '127.0.0.1', udpTransport: 'dgram' });
      if (native.available) await server.listenUdp({ host: '127.0.0.1', udpTransport: 'native' });
      assert.deepEqual(
        server.udpListeners().map((l) => l.transport),
        native.available ? ['dgram', 'dgram', 'native'] : ['dgram', 'dgram'],
      );
    } finally {
      if (saved === undefined) delete process.env.NSMD_UDP;
      else process.env.NSMD_UDP = saved;
      await server.close();
    }
  });

  it('refuses bad arguments with errors, not crashes', (t) => {
    if (!native.available) {
      t.skip('not built');
      return;
    }
    const { UdpSocket } = createRequire(import.meta.url)(native.path);
    const s = new UdpSocket();
    assert.ok(s.bind(4, 'not an address', 0) < 0);
    assert.ok(s.bind(4, '::1', 0) < 0);
    assert.ok(s.bind(4, '127.0.0.1', 70000) < 0);
    assert.throws(() => s.bind(), TypeError);
    assert.throws(() => s.bind(6, 'x'.repeat(500), 0), TypeError);
    assert.ok(s.sendTo(new Uint8Array(1), '127.0.0.1', 9) < 0); // not bound
    assert.throws(() => s.start(), TypeError);
    assert.ok(s.bind(4, '127.0.0.1', 0) > 0);
    assert.ok(s.sendTo(new Uint8Array(1), 'nowhere', 9) < 0);
    assert.ok(s.sendTo(new Uint8Array(1), '127.0.0.1', -1) < 0);
    assert.throws(() => s.sendTo('text', '127.0.0.1', 9), TypeError);
    assert.throws(() => s.start(new Uint8Array(1), 1, 2, 3, 4, 5, 6), TypeError);
    assert.throws(() => UdpSocket.prototype.close.call({}));
    assert.equal(s.close(), false); // never started: closed at once
    assert.equal(s.close(), false);
    assert.ok(s.sendTo(new Uint8Array(1), '127.0.0.1', 9) < 0);
  });

  it('asking for it when it is not there fails clearly', async (t) => {
    if (native.available) {
      t.skip('the addon is built here');
      return;
    }
    await assert.rejects(
      new RpcServer().listenUdp({ udpTransport: 'native' }),
      /native UDP transport unavailable/,
    );
  });
});

for (const kind of kinds) {
  describe(`UDP transport ${kind}`, () => {
    let server: RpcServer;
    let port: number;
    before(async () => {
      ({ server, port } = await startServer(kind, '::'));
    });
    after(async () => {
      await server.close();
    });

    it('answers a burst from several sources, each reply to its own source', async () => {
      // Sent in one tick, so they wait together in the socket buffer and are read in batches.
      const peers = [new Peer('udp4'), new Peer('udp4'), new Peer('udp6'), new Peer('udp6')];
      await Promise.all(peers.map((p) => p.bind()));
      const perPeer = 40;
      peers.forEach((p, k) => {
        const host = p.type === 'udp4' ? '127.0.0.1' : '::1';
        for (let i = 0; i < perPeer; i++) {
          const xid = (k << 16) | i;
          p.socket.send(echoCall(xid, u32be(xid)), port, host);
        }
      });
      await Promise.all(peers.map((p) => p.waitFor(perPeer)));
      peers.forEach((p, k) => {
        assert.equal(p.replies.size, perPeer, `peer ${k}`);
        for (const [xid, reply] of p.replies) {
          assert.equal(xid >>> 16, k, 'a reply reached the wrong source');
          assert.deepEqual(Buffer.from(resultOf(reply)), u32be(xid));
        }
        p.close();
      });
    });

    it('sends replies bigger than a batch can queue', async () => {
      const peer = new Peer('udp4');
      await peer.bind();
      const n = 24;
      const payload = (i: number) => Buffer.alloc(4000, i);
      for (let i = 0; i < n; i++) peer.socket.send(echoCall(i, payload(i)), port, '127.0.0.1');
      await peer.waitFor(n);
      assert.equal(peer.replies.size, n);
      for (const [xid, reply] of peer.replies) assert.deepEqual(Buffer.from(resultOf(reply)), payload(xid));
      peer.close();
    });

    it('lets asynchronous handlers keep their arguments while later datagrams arrive', async () => {
      const peer = new Peer('udp4');
      await peer.bind();
      const n = 60;
      const payload = (i: number) => Buffer.alloc(100 + i, i);
      for (let i = 0; i < n; i++) {
        const w = new XdrWriter();
        blob.encode(w, payload(i));
        peer.socket.send(callBytes(i, TEST_PROG, 1, 5, w.toBuffer()), port, '127.0.0.1');
        // Unrelated datagrams in between, read into the same buffers.
        peer.socket.send(echoCall(1000 + i, Buffer.alloc(200, 0xee)), port, '127.0.0.1');
      }
      await peer.waitFor(2 * n);
      for (let i = 0; i < n; i++) assert.deepEqual(Buffer.from(resultOf(peer.replies.get(i)!)), payload(i));
      peer.close();
    });

    it('answers asynchronous handlers at the right source', async () => {
      const peers = [new Peer('udp4'), new Peer('udp6')];
      await Promise.all(peers.map((p) => p.bind()));
      peers.forEach((p, k) => {
        for (let i = 0; i < 20; i++) {
          const xid = (k << 16) | i;
          p.socket.send(callBytes(xid, TEST_PROG, 1, 3, u32be(xid)), port, k === 0 ? '127.0.0.1' : '::1');
        }
      });
      await Promise.all(peers.map((p) => p.waitFor(20)));
      peers.forEach((p, k) => {
        assert.equal(p.replies.size, 20);
        for (const [xid, reply] of p.replies) {
          assert.equal(xid >>> 16, k);
          const { bodyOffset } = decodeReplyHeader(reply);
          assert.equal(u32.decode(new XdrReader(reply, bodyOffset)), xid);
        }
        p.close();
      });
    });

    it('names IPv4 callers of a dual-stack socket as IPv4, IPv6 callers as IPv6', async () => {
      for (const [type, host, family] of [
        ['udp4', '127.0.0.1', 4],
        ['udp6', '::1', 6],
      ] as const) {
        const peer = new Peer(type);
        await peer.bind();
        peer.socket.send(callBytes(7, TEST_PROG, 1, 2), port, host);
        await peer.waitFor(1);
        const c = callerOf(peer.replies.get(7)!);
        assert.equal(c.address, host);
        assert.equal(c.family, family);
        assert.equal(c.port, peer.port);
        assert.equal(c.loopback, true);
        assert.equal(c.privilegedPort, false);
        assert.equal(c.localPort, port);
        assert.equal(c.localAddress, '::');
        peer.close();
      }
    });

    it('gives a link-local caller its %scope, as node:dgram does', async (t) => {
      const ll = linkLocal();
      if (ll === undefined) {
        t.skip('no link-local IPv6 address');
        return;
      }
      // Not loopback: the caller's JSON is many times the call's size.
      const wide = await startServer(kind, '::', { maxUdpAmplification: 0 });
      const peer = new Peer('udp6');
      const scoped = `${ll.address}%${ll.iface}`;
      await peer.bind(scoped);
      peer.socket.send(callBytes(8, TEST_PROG, 1, 2), wide.port, scoped);
      await peer.waitFor(1);
      peer.close();
      await wide.server.close();
      const c = callerOf(peer.replies.get(8)!);
      assert.equal(c.address, scoped);
      assert.equal(c.family, 6);
      assert.equal(c.loopback, false);
    });

    it('drops malformed datagrams, answers GARBAGE_ARGS, and keeps serving', async () => {
      const peer = new Peer('udp4');
      await peer.bind();
      const before = { ...server.stats };
      const junk = [
        new Uint8Array(0),
        new Uint8Array([1]),
        Buffer.from('not an rpc call at all, just text'),
        Buffer.alloc(60000, 0xff),
        callBytes(9, TEST_PROG, 1, 1, u32be(1000)), // opaque length past the end
      ];
      for (const j of junk) peer.socket.send(j, port, '127.0.0.1');
      peer.socket.send(callBytes(10, TEST_PROG, 1, 0), port, '127.0.0.1');
      await peer.waitFor(2);
      assert.deepEqual(
        [...peer.replies.keys()].sort((a, b) => a - b),
        [9, 10],
      );
      const garbage = decodeReplyHeader(peer.replies.get(9)!).header as { acceptStat?: number };
      assert.equal(garbage.acceptStat, 4); // GARBAGE_ARGS
      assert.equal(server.stats.garbage - before.garbage, 5);
      peer.close();
    });

    it('keeps replies to other callers within maxUdpAmplification', async (t) => {
      const v4 = nonLoopbackV4();
      if (v4 === undefined) {
        t.skip('no non-loopback IPv4 address');
        return;
      }
      const peer = new Peer('udp4');
      await peer.bind(v4);
      const before = server.stats.amplificationDropped;
      peer.socket.send(callBytes(11, TEST_PROG, 1, 4), port, v4);
      peer.socket.send(callBytes(12, TEST_PROG, 1, 0), port, v4);
      await peer.waitFor(1);
      await sleep(50);
      assert.deepEqual([...peer.replies.keys()], [12]);
      assert.equal(server.stats.amplificationDropped - before, 1);
      peer.close();
    });

    it('reports a port in use as EADDRINUSE', async () => {
      const other = new RpcServer();
      await assert.rejects(other.listenUdp({ host: '::', port, udpTransport: kind }), { code: 'EADDRINUSE' });
      await other.close();
    });
  });

  describe(`UDP transport ${kind}, closing`, () => {
    it('closes while traffic flows, and frees its port', async () => {
      const { server, port } = await startServer(kind, '127.0.0.1');
      const peer = new Peer('udp4');
      await peer.bind();
      let sending = true;
      let xid = 0;
      const blast = (async () => {
        while (sending) {
          for (let i = 0; i < 50; i++)
            peer.socket.send(callBytes(xid++, TEST_PROG, 1, 3, u32be(xid)), port, '127.0.0.1');
          await sleep(1);
        }
      })();
      try {
        await peer.waitFor(100, 5000);
        assert.ok(peer.replies.size > 0);
        await server.close();
        const seen = peer.replies.size;
        await sleep(50);
        // Nothing after close but what was in flight; the port is free again.
        assert.ok(peer.replies.size - seen < 200);
        const again = new RpcServer();
        assert.equal(await again.listenUdp({ host: '127.0.0.1', port, udpTransport: kind }), port);
        await again.close();
      } finally {
        sending = false;
        await blast;
        peer.close();
        await server.close();
      }
    });

    it('closes a listener that never saw a datagram, twice', async () => {
      const { server } = await startServer(kind, '::1');
      await Promise.all([server.close(), server.close()]);
    });
  });
}
