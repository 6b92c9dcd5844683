import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { RpcbindClient } from '../../../src/rpcbind/client.js';
import { registerService, systemRpcbindAnswers } from '../../../src/rpcbind/register.js';
import { RpcbindServer } from '../../../src/rpcbind/server.js';

const silent = { warn() {}, error() {}, debug() {} };

async function startSystem(): Promise<{ server: RpcbindServer; port: number }> {
  const server = new RpcbindServer({ port: 0, logger: silent });
  const { udpPort } = await server.start();
  return { server, port: udpPort };
}

/** A UDP port where nothing answers (bound, silent), so 'auto' has to wait for its probe to time out. */
async function silentPort(): Promise<{ port: number; close: () => void }> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return { port: s.address().port, close: () => s.close() };
}

const ours = <T extends { prog: number }>(regs: T[], prog: number): T[] =>
  regs.filter((r) => r.prog === prog);

describe('registerService', () => {
  test('system: v4 SET on udp, tcp, udp6, tcp6 for each version; unregister removes them all', async () => {
    const { server, port } = await startSystem();
    const c = new RpcbindClient({ port, timeoutMs: 2000 });
    try {
      const reg = await registerService({
        prog: 300100,
        vers: [1, 2],
        udpPort: 4000,
        tcpPort: 4001,
        mode: 'system',
        rpcbindPort: port,
        logger: silent,
      });
      assert.equal(reg.mode, 'system');
      assert.deepEqual(
        ours(await c.dump(), 300100).map((r) => `${r.vers} ${r.netid} ${r.addr}`),
        [
          '1 udp 0.0.0.0.15.160',
          '1 tcp 0.0.0.0.15.161',
          '1 udp6 ::.15.160',
          '1 tcp6 ::.15.161',
          '2 udp 0.0.0.0.15.160',
          '2 tcp 0.0.0.0.15.161',
          '2 udp6 ::.15.160',
          '2 tcp6 ::.15.161',
        ],
      );
      assert.equal(await c.pmapGetPort(300100, 2, 'tcp'), 4001);
      assert.equal(reg.entries.length, 8);
      await reg.unregister();
      assert.deepEqual(ours(await c.dump(), 300100), []);
      await reg.unregister(); // idempotent
    } finally {
      c.close();
      await server.close();
    }
  });

  test('system: stale entries of the same program (a crashed run) are replaced', async () => {
    const { server, port } = await startSystem();
    const c = new RpcbindClient({ port, timeoutMs: 2000 });
    try {
      assert.equal(await c.pmapSet({ prog: 300101, vers: 1, prot: 'udp', port: 999 }), true);
      assert.equal(await c.set({ prog: 300101, vers: 1, netid: 'tcp6', addr: '::.3.231' }), true);
      const reg = await registerService({
        prog: 300101,
        vers: [1],
        udpPort: 5000,
        mode: 'system',
        rpcbindPort: port,
        ipv6: false,
      });
      assert.deepEqual(
        ours(await c.dump(), 300101).map((r) => `${r.netid} ${r.addr}`),
        ['udp 0.0.0.0.19.136'],
      );
      await reg.unregister();
    } finally {
      c.close();
      await server.close();
    }
  });

  test('embedded: starts an rpcbind in-process, entries owned by superuser; unregister stops it', async () => {
    const reg = await registerService({
      prog: 300102,
      vers: [1],
      udpPort: 6000,
      tcpPort: 6001,
      mode: 'embedded',
      embedded: { port: 0, logger: silent },
    });
    assert.equal(reg.mode, 'embedded');
    const port = reg.server!.listening!.udpPort;
    const c = new RpcbindClient({ port, timeoutMs: 1000 });
    try {
      const regs = ours(await c.dump(), 300102);
      assert.equal(regs.length, 4);
      assert.ok(regs.every((r) => r.owner === 'superuser'));
      assert.equal(await c.unset(300102, 1), false, 'a network caller cannot remove them');
      assert.equal(await c.pmapGetPort(300102, 1, 'udp'), 6000);
      await reg.unregister();
      c.close();
      assert.equal(await systemRpcbindAnswers(port, 300), false, 'the embedded server is gone');
    } finally {
      c.close();
      await reg.unregister();
    }
  });

  test('auto: the system rpcbind when one answers NULL', async () => {
    const { server, port } = await startSystem();
    try {
      const reg = await registerService({
        prog: 300103,
        vers: [1],
        udpPort: 7000,
        rpcbindPort: port,
        probeTimeoutMs: 1000,
      });
      assert.equal(reg.mode, 'system');
      assert.equal(reg.server, undefined);
      assert.equal(server.table.lookup(300103, 1, 'udp')?.addr, '0.0.0.0.27.88');
      await reg.unregister();
      assert.equal(server.table.lookup(300103, 1, 'udp'), undefined);
    } finally {
      await server.close();
    }
  });

  test('auto: the embedded one when nothing answers within the probe timeout', async () => {
    const quiet = await silentPort();
    try {
      const t0 = Date.now();
      const reg = await registerService({
        prog: 300104,
        vers: [1],
        udpPort: 7001,
        rpcbindPort: quiet.port,
        probeTimeoutMs: 200,
        embedded: { port: 0, logger: silent },
      });
      assert.ok(Date.now() - t0 < 2000);
      assert.equal(reg.mode, 'embedded');
      assert.equal(reg.server!.table.lookup(300104, 1, 'udp')?.addr, '0.0.0.0.27.89');
      await reg.unregister();
    } finally {
      quiet.close();
    }
  });

  test('none: registers nothing', async () => {
    const reg = await registerService({ prog: 300105, vers: [1], udpPort: 1, mode: 'none' });
    assert.equal(reg.mode, 'none');
    assert.deepEqual(reg.entries, []);
    await reg.unregister();
  });

  test('system with no rpcbind: a clear error with a stable code', async () => {
    const quiet = await silentPort();
    try {
      await assert.rejects(
        registerService({
          prog: 300106,
          vers: [1],
          udpPort: 1,
          mode: 'system',
          rpcbindPort: quiet.port,
          timeoutMs: 300,
        }),
        (err: Error & { code?: string }) =>
          err.code === 'ERR_RPCBIND_UNAVAILABLE' && /300106/.test(err.message),
      );
    } finally {
      quiet.close();
    }
  });
});

describe('getPort and call options', () => {
  test('getPort: 0 when not registered, the port when it is, over IPv4 and IPv6', async () => {
    const { getPort } = await import('../../../src/rpcbind/client.js');
    const { server, port } = await startSystem();
    try {
      server.table.set({ prog: 300110, vers: 1, netid: 'udp', addr: '0.0.0.0.3.8', owner: 'superuser' });
      server.table.set({ prog: 300110, vers: 1, netid: 'tcp6', addr: '::.3.9', owner: 'superuser' });
      assert.equal(await getPort('127.0.0.1', 300110, 1, 'udp', { rpcbindPort: port }), 776);
      assert.equal(await getPort('127.0.0.1', 300110, 1, 'tcp', { rpcbindPort: port }), 0);
      assert.equal(await getPort('::1', 300110, 1, 'tcp', { rpcbindPort: port }), 777);
      assert.equal(await getPort('::1', 300110, 1, 'udp', { rpcbindPort: port }), 0);
    } finally {
      await server.close();
    }
  });

  test('getPort: no rpcbind -> ERR_RPCBIND_UNAVAILABLE; an AbortSignal ends the wait at once', async () => {
    const { getPort } = await import('../../../src/rpcbind/client.js');
    const quiet = await silentPort();
    try {
      await assert.rejects(
        getPort('127.0.0.1', 100024, 1, 'udp', { rpcbindPort: quiet.port, timeoutMs: 200 }),
        {
          code: 'ERR_RPCBIND_UNAVAILABLE',
        },
      );
      const ac = new AbortController();
      const t0 = Date.now();
      const pending = getPort('127.0.0.1', 100024, 1, 'udp', {
        rpcbindPort: quiet.port,
        timeoutMs: 10_000,
        signal: ac.signal,
      });
      setTimeout(() => ac.abort(), 50);
      await assert.rejects(pending, { code: 'ERR_RPC_ABORTED' });
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      quiet.close();
    }
  });

  test('a server bound to one address registers itself with that address only', async () => {
    const server = new RpcbindServer({ port: 0, host: '127.0.0.1', logger: silent });
    const { udpPort, tcpPort } = await server.start();
    try {
      const u = (p: number) => `127.0.0.1.${p >> 8}.${p & 0xff}`;
      assert.deepEqual(
        server.table.list().map((r) => `${r.vers} ${r.netid} ${r.addr}`),
        [
          ...['4 tcp', '3 tcp', '2 tcp'].map((s) => `${s} ${u(tcpPort)}`),
          ...['4 udp', '3 udp', '2 udp'].map((s) => `${s} ${u(udpPort)}`),
        ],
      );
    } finally {
      await server.close();
    }
  });
});

describe('getPort with a host name', () => {
  test('the name is resolved first; its family picks GETPORT or GETADDR', async () => {
    const { getPort } = await import('../../../src/rpcbind/client.js');
    const { server, port } = await startSystem();
    try {
      server.table.set({ prog: 300120, vers: 1, netid: 'tcp', addr: '0.0.0.0.3.10', owner: 'superuser' });
      server.table.set({ prog: 300120, vers: 1, netid: 'tcp6', addr: '::.3.11', owner: 'superuser' });
      const v4 = async () => ({ address: '127.0.0.1', family: 4 });
      const v6 = async () => ({ address: '::1', family: 6 });
      assert.equal(await getPort('peer.nsmd.test', 300120, 1, 'tcp', { rpcbindPort: port, lookup: v4 }), 778);
      assert.equal(await getPort('peer.nsmd.test', 300120, 1, 'tcp', { rpcbindPort: port, lookup: v6 }), 779);
      const nowhere = async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      };
      await assert.rejects(
        getPort('nowhere.nsmd.test', 300120, 1, 'tcp', { rpcbindPort: port, lookup: nowhere }),
        {
          code: 'ERR_RPCBIND_UNAVAILABLE',
          message: /cannot resolve nowhere\.nsmd\.test/,
        },
      );
    } finally {
      await server.close();
    }
  });
});

describe('registerService with a portmapper that speaks only version 2', () => {
  test('v4 draws PROG_MISMATCH: the v2 SETs are made and undone', async () => {
    const { RpcServer } = await import('../../../src/rpc/index.js');
    const { PMAPVERS_DEF } = await import('../../../src/proto/rpcb_prot.js');
    const maps = new Map<string, number>();
    const server = new RpcServer({ logger: silent });
    server.addProgram(PMAPVERS_DEF, {
      PMAPPROC_NULL: () => undefined,
      PMAPPROC_SET: (m) => {
        maps.set(`${m.prog}/${m.vers}/${m.prot}`, m.port);
        return true;
      },
      PMAPPROC_UNSET: (m) => {
        for (const k of maps.keys()) if (k.startsWith(`${m.prog}/${m.vers}/`)) maps.delete(k);
        return true;
      },
    });
    const port = await server.listenUdp({ host: '127.0.0.1', port: 0 });
    try {
      const reg = await registerService({
        prog: 300130,
        vers: [1],
        udpPort: 4100,
        tcpPort: 4101,
        mode: 'system',
        rpcbindPort: port,
      });
      assert.deepEqual(Object.fromEntries(maps), { '300130/1/17': 4100, '300130/1/6': 4101 });
      assert.deepEqual(
        reg.entries.map((e) => e.netid),
        ['udp', 'tcp'],
      );
      await reg.unregister();
      assert.equal(maps.size, 0);
    } finally {
      await server.close();
    }
  });
});
