import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PMAPVERS_DEF, RPCBVERS_DEF, RPCBVERS4_DEF } from '../../../src/proto/rpcb_prot.js';
import { createClient, RpcError } from '../../../src/rpc/index.js';
import { RpcbindClient } from '../../../src/rpcbind/client.js';
import { RpcbindServer, UDP_REPLY_LIMIT } from '../../../src/rpcbind/server.js';
import { encode } from '../../../src/xdr/codec.js';

const silent = { warn() {}, error() {}, debug() {} };

describe('embedded rpcbind with our client on loopback', () => {
  let server: RpcbindServer;
  let port: number;
  const clients: RpcbindClient[] = [];
  const client = (transport: 'udp' | 'tcp' = 'udp', host = '127.0.0.1') => {
    const c = new RpcbindClient({ host, port, transport, timeoutMs: 2000 });
    clients.push(c);
    return c;
  };

  before(async () => {
    server = new RpcbindServer({ port: 0, logger: silent, now: () => 1_700_000_000_500 });
    const where = await server.start();
    assert.equal(where.udpPort, where.tcpPort, 'an ephemeral port is shared by UDP and TCP when free');
    port = where.udpPort;
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  test('it registers itself like rpcbind: v2-v4 on udp/tcp, v3-v4 on udp6/tcp6', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const c = client(transport);
      assert.deepEqual(
        (await c.dump()).map((r) => `${r.prog} ${r.vers} ${r.netid} ${r.addr} ${r.owner}`),
        [
          ['tcp6', 4],
          ['tcp6', 3],
          ['udp6', 4],
          ['udp6', 3],
          ['tcp', 4],
          ['tcp', 3],
          ['tcp', 2],
          ['udp', 4],
          ['udp', 3],
          ['udp', 2],
        ].map(
          ([n, v]) =>
            `100000 ${v} ${n} ${String(n).endsWith('6') ? '::' : '0.0.0.0'}.${port >> 8}.${port & 0xff} superuser`,
        ),
      );
      assert.deepEqual(
        (await c.pmapDump()).map((m) => [m.vers, m.prot, m.port]),
        [
          [4, 6, port],
          [3, 6, port],
          [2, 6, port],
          [4, 17, port],
          [3, 17, port],
          [2, 17, port],
        ],
      );
    }
  });

  test('NULL answers on v2, v3 and v4; other versions draw PROG_MISMATCH 2..4', async () => {
    const c = client();
    await c.ping(2);
    await c.ping(3);
    await c.ping(4);
    const raw = createClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000 });
    try {
      await assert.rejects(
        raw.call({ ...PMAPVERS_DEF, vers: 5 }, 'PMAPPROC_NULL', undefined),
        (err: unknown) =>
          err instanceof RpcError && err.code === 'ERR_RPC_PROG_MISMATCH' && err.low === 2 && err.high === 4,
      );
    } finally {
      raw.close();
    }
  });

  test('a v2 SET shows in v3/v4 DUMP as netid udp with a wildcard universal address', async () => {
    const c = client();
    assert.equal(await c.pmapSet({ prog: 300001, vers: 1, prot: 'udp', port: 1234 }), true);
    const regs = (await c.dump({ version: 3 })).filter((r) => r.prog === 300001);
    assert.deepEqual(regs, [
      { prog: 300001, vers: 1, netid: 'udp', addr: '0.0.0.0.4.210', owner: 'unknown' },
    ]);
    assert.equal(await c.pmapGetPort(300001, 1, 'udp'), 1234);
    assert.equal(await c.pmapGetPort(300001, 1, 'tcp'), 0);
    assert.equal(await c.pmapUnset(300001, 1), true);
    assert.equal(await c.pmapGetPort(300001, 1, 'udp'), 0);
  });

  test('a v4 SET on tcp shows in v2 DUMP; udp6/tcp6 entries do not', async () => {
    const c = client('tcp');
    assert.equal(await c.set({ prog: 300002, vers: 2, netid: 'tcp', addr: '127.0.0.1.8.1' }), true);
    assert.equal(await c.set({ prog: 300002, vers: 2, netid: 'udp6', addr: '::1.8.2' }), true);
    const v2 = (await c.pmapDump()).filter((m) => m.prog === 300002);
    assert.deepEqual(v2, [{ prog: 300002, vers: 2, prot: 6, port: 2049 }]);
    assert.equal(await c.unset(300002, 2), true, "UNSET with netid '' removes every netid");
    assert.equal((await c.dump()).filter((r) => r.prog === 300002).length, 0);
  });

  test('SET: same entry again true, another address false, bad netid/address/protocol false', async () => {
    const c = client();
    const e = { prog: 300003, vers: 1, netid: 'udp', addr: '0.0.0.0.4.1' };
    assert.equal(await c.set(e), true);
    assert.equal(await c.set(e), true);
    assert.equal(await c.set({ ...e, addr: '0.0.0.0.4.2' }), false);
    assert.equal(
      await c.pmapSet({ prog: 300003, vers: 1, prot: 'udp', port: 1025 }),
      true,
      'v2 SET of the same mapping',
    );
    assert.equal(await c.pmapSet({ prog: 300003, vers: 1, prot: 'udp', port: 1026 }), false);
    assert.equal(await c.pmapSet({ prog: 300003, vers: 1, prot: 99, port: 1026 }), false);
    assert.equal(await c.set({ prog: 300003, vers: 2, netid: 'udp', addr: 'garbage' }), false);
    assert.equal(await c.set({ prog: 300003, vers: 2, netid: 'udp', addr: '::1.0.1' }), false);
    assert.equal(await c.set({ prog: 300003, vers: 2, netid: 'tcp6', addr: '' }), false);
    assert.equal(await c.set({ prog: 300003, vers: 2, netid: 'x'.repeat(33), addr: '0.0.0.0.0.1' }), false);
    assert.equal(
      await c.set({ prog: 300003, vers: 2, netid: 'local', addr: '/run/x.sock' }),
      true,
      'other netids keep their address as text',
    );
    assert.equal(await c.unset(300003, 1), true);
    assert.equal(await c.unset(300003, 2), true);
  });

  test("UNSET of what is not registered answers true; rpcbind's own entries cannot be removed remotely", async () => {
    const c = client();
    assert.equal(await c.unset(399999, 1), true);
    assert.equal(await c.pmapUnset(399999, 1), true);
    assert.equal(await c.unset(100000, 4, 'tcp6'), false);
    assert.equal(await c.pmapUnset(100000, 2), false);
    assert.equal((await c.dump()).filter((r) => r.prog === 100000).length, 10);
  });

  test('GETADDR: exact version first, else another version; GETVERSADDR only the exact one', async () => {
    const c = client();
    assert.equal(await c.set({ prog: 300004, vers: 3, netid: 'udp', addr: '0.0.0.0.1.1' }), true);
    assert.deepEqual(await c.getAddr(300004, 3, 'udp'), {
      uaddr: '127.0.0.1.1.1',
      host: '127.0.0.1',
      port: 257,
      family: 4,
    });
    assert.equal((await c.getAddr(300004, 0, 'udp'))?.port, 257, 'version 0: what rpcinfo -u asks for');
    assert.equal(await c.getAddr(300004, 3, 'tcp'), null);
    assert.equal(await c.getAddr(300005, 3, 'udp'), null);
    const raw = createClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000 });
    try {
      const args = { r_prog: 300004, r_vers: 4, r_netid: 'udp', r_addr: '', r_owner: '' };
      assert.equal(await raw.call(RPCBVERS4_DEF, 'RPCBPROC_GETVERSADDR', args), '');
      assert.equal(
        await raw.call(RPCBVERS4_DEF, 'RPCBPROC_GETVERSADDR', { ...args, r_vers: 3 }),
        '127.0.0.1.1.1',
      );
      // An empty netid means the netid of the transport asked over.
      assert.equal(
        await raw.call(RPCBVERS_DEF, 'RPCBPROC_GETADDR', { ...args, r_netid: '' }),
        '127.0.0.1.1.1',
      );
    } finally {
      raw.close();
    }
    assert.equal(await c.unset(300004, 3), true);
  });

  test('GETADDR answers a wildcard IPv6 entry with ::1 to a caller on ::1', async () => {
    const c = client('udp', '::1');
    assert.equal(await c.set({ prog: 300006, vers: 1, netid: 'tcp6', addr: '::.3.8' }), true);
    assert.equal((await c.getAddr(300006, 1, 'tcp6'))?.uaddr, '::1.3.8');
    assert.equal(await c.unset(300006, 1), true);
  });

  test('GETTIME gives the server clock in seconds', async () => {
    assert.equal(await client().getTime(), 1_700_000_000);
  });

  test('remote calls (CALLIT, BCAST, INDIRECT) answer PROC_UNAVAIL: no reply amplification', async () => {
    const raw = createClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000 });
    const isProcUnavail = (err: unknown) => err instanceof RpcError && err.code === 'ERR_RPC_PROC_UNAVAIL';
    const callArgs = { prog: 100000, vers: 2, proc: 0, args: new Uint8Array(0) };
    try {
      await assert.rejects(raw.call(PMAPVERS_DEF, 'PMAPPROC_CALLIT', callArgs), isProcUnavail);
      await assert.rejects(raw.call(RPCBVERS_DEF, 'RPCBPROC_CALLIT', callArgs), isProcUnavail);
      await assert.rejects(raw.call(RPCBVERS4_DEF, 'RPCBPROC_BCAST', callArgs), isProcUnavail);
      await assert.rejects(raw.call(RPCBVERS4_DEF, 'RPCBPROC_INDIRECT', callArgs), isProcUnavail);
    } finally {
      raw.close();
    }
  });

  test('DUMP over UDP fits one UDP reply; over TCP it lists everything', async () => {
    const c = client('tcp');
    const owner = 'unknown';
    const n = 400;
    for (let i = 0; i < n; i++) {
      server.table.set({
        prog: 310000 + i,
        vers: 1,
        netid: 'udp',
        addr: `0.0.0.0.${i >> 8}.${i & 0xff}`,
        owner,
      });
    }
    try {
      const all = await c.dump();
      assert.equal(all.length, 10 + n);
      const udp = await client('udp').dump();
      assert.ok(udp.length < all.length, 'the UDP list is cut');
      assert.deepEqual(udp, all.slice(0, udp.length), 'the UDP list is a prefix of the full list');
      const { fromRegistrations } = await import('../../../src/rpcbind/wire.js');
      const { rpcblist_ptr } = await import('../../../src/proto/rpcb_prot.js');
      const bytes = encode(rpcblist_ptr, fromRegistrations(udp)).length;
      assert.ok(bytes + 24 <= UDP_REPLY_LIMIT, `UDP reply ${bytes + 24} bytes`);
      assert.ok(
        bytes + 24 + 56 > UDP_REPLY_LIMIT,
        'and it is filled up to the limit (one more entry takes 56 bytes)',
      );
      assert.equal((await c.pmapDump()).length, 6 + n);
      assert.equal((await client('udp').pmapDump()).length, 6 + n, '20 bytes an entry: 406 fit');
    } finally {
      for (let i = 0; i < n; i++) server.table.unset(310000 + i, 1, '', 'superuser');
    }
  });
});
