import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createNetwork,
  type Host,
  interopSkip,
  type Network,
  rpcinfo,
  type StatdPeer,
  startRpcbind,
  startStatd,
  type TrackedProcess,
} from '../../harness/index.js';

const skip = interopSkip();
const OP_SCRIPT = fileURLToPath(new URL('./rpcbind-op.js', import.meta.url));

/** Runs one operation of our library inside a host (see rpcbind-op.ts) and returns its JSON result. */
async function op(host: Host, o: Record<string, unknown>): Promise<any> {
  const r = await host.exec(process.execPath, [OP_SCRIPT, JSON.stringify(o)], { timeoutMs: 15_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`rpcbind-op gave no JSON (code ${r.code}): ${r.stdout} ${r.stderr}`);
  }
}

async function ok(p: Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The rows of `rpcinfo -p` output as "prog vers proto port" strings. */
function rows(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/).slice(0, 4).join(' '))
    .filter(Boolean);
}

/** The NSM state number in an nfs-utils state directory (4 bytes, host order). */
function stateNumber(dir: string): number {
  return readFileSync(join(dir, 'state')).readInt32LE(0);
}

describe('rpcbind interop with Debian peers', { skip }, () => {
  let net: Network;
  let deb: Host; // Debian rpcbind + Debian rpc.statd
  let emb: Host; // nsmd rpcbind + Debian rpc.statd
  let cli: Host; // a remote client
  let debStatd: StatdPeer;

  before(async () => {
    net = await createNetwork({
      hosts: [
        { name: 'deb', ipv6: true },
        { name: 'emb', ipv6: true },
        { name: 'cli', ipv6: true },
      ],
    });
    deb = net.host('deb');
    emb = net.host('emb');
    cli = net.host('cli');
    await startRpcbind(deb);
    debStatd = await startStatd(deb);
  });
  after(async () => {
    await net?.close();
  });

  describe('Debian rpcbind', () => {
    test('our v2 SET shows in rpcinfo -p, and goes away with our UNSET', async () => {
      const set = await op(deb, {
        op: 'client',
        host: '127.0.0.1',
        method: 'pmapSet',
        args: [{ prog: 300300, vers: 1, prot: 'udp', port: 4242 }],
      });
      assert.equal(set, true);
      assert.ok(rows(await ok(rpcinfo(deb, ['-p', '127.0.0.1']))).includes('300300 1 udp 4242'));
      assert.equal(
        await op(deb, { op: 'client', host: '127.0.0.1', method: 'pmapUnset', args: [300300, 1] }),
        true,
      );
      assert.ok(!rows(await ok(rpcinfo(deb, ['-p', '127.0.0.1']))).some((r) => r.startsWith('300300 ')));
    });

    test('our v4 SET on tcp6 shows in rpcinfo (v3 dump) and goes with v4 UNSET, over TCP', async () => {
      const base = { op: 'client', host: '::1', transport: 'tcp' };
      const reg = { prog: 300301, vers: 2, netid: 'tcp6', addr: '::.16.146' };
      assert.equal(await op(deb, { ...base, method: 'set', args: [reg] }), true);
      const listed = await ok(rpcinfo(deb, ['127.0.0.1']));
      assert.match(listed, /^\s+300301\s+2\s+tcp6\s+::\.16\.146\s+-\s+unknown$/m);
      assert.equal(await op(deb, { ...base, method: 'unset', args: [300301, 2, ''] }), true);
      assert.doesNotMatch(await ok(rpcinfo(deb, ['127.0.0.1'])), /300301/);
    });

    test('nsmd rpcinfo -p prints exactly what Debian rpcinfo -p prints, locally and remotely', async () => {
      const local = await ok(rpcinfo(deb, ['-p', '127.0.0.1']));
      assert.match(local, /100024\s+1\s+udp\s+32765\s+status/);
      assert.equal(await ok(deb.execNsmd(['rpcinfo', '-p', '127.0.0.1'])), local);
      const remote = await ok(rpcinfo(cli, ['-p', deb.ipv4]));
      assert.equal(remote, local);
      assert.equal(await ok(cli.execNsmd(['rpcinfo', '-p', deb.ipv4])), remote);
      const json = JSON.parse(await ok(cli.execNsmd(['rpcinfo', '-p', deb.ipv4, '--json'])));
      assert.deepEqual(
        json.map((r: { program: number; version: number; protocol: string; port: number }) =>
          [r.program, r.version, r.protocol, r.port].join(' '),
        ),
        rows(local),
      );
    });

    test('nsmd rpcinfo -u/-t print what Debian rpcinfo prints', async () => {
      for (const args of [
        ['-u', deb.ipv4, 'status'],
        ['-t', deb.ipv4, 'status', '1'],
        ['-u', deb.ipv4, 'portmapper'],
        ['-t', deb.ipv6!, '100000', '4'],
      ]) {
        const theirs = await ok(rpcinfo(cli, args));
        assert.equal(await ok(cli.execNsmd(['rpcinfo', ...args])), theirs, args.join(' '));
      }
      const bad = await cli.execNsmd(['rpcinfo', '-u', deb.ipv4, 'status', '7']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stdout, 'program 100024 version 7 is not available\n');
      assert.match(bad.stderr, /low version = 1, high version = 1/);
      const missing = await cli.execNsmd(['rpcinfo', '-u', deb.ipv4, 'nlockmgr', '4']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /not registered/);
    });

    test('SET from another host is refused: Debian rejects the call with AUTH_ERROR (AUTH_TOOWEAK)', async () => {
      const r = await op(cli, {
        op: 'client',
        host: deb.ipv4,
        method: 'pmapSet',
        args: [{ prog: 300302, vers: 1, prot: 'udp', port: 4243 }],
      });
      // Not a false result as one might expect: rpcbind denies the call itself (auth_stat 5).
      assert.equal(r.error, 'ERR_RPC_AUTH');
      assert.match(r.message, /auth_stat 5/);
      assert.ok(!rows(await ok(rpcinfo(deb, ['-p', '127.0.0.1']))).some((row) => row.startsWith('300302 ')));
    });

    test('getPort finds rpc.statd through portmap v2 (IPv4) and rpcbind v3 GETADDR (IPv6)', async () => {
      for (const host of [deb.ipv4, deb.ipv6!]) {
        for (const proto of ['udp', 'tcp']) {
          assert.equal(
            await op(cli, { op: 'getPort', host, prog: 100024, vers: 1, proto }),
            32765,
            `${host} ${proto}`,
          );
        }
        assert.equal(await op(cli, { op: 'getPort', host, prog: 100021, vers: 4, proto: 'udp' }), 0);
      }
    });
  });

  describe('Debian rpc.statd as a server', () => {
    for (const transport of ['udp', 'tcp']) {
      test(`NULL and SM_STAT over ${transport}, from another host`, async () => {
        const base = { op: 'sm', host: deb.ipv4, port: debStatd.port, transport };
        assert.equal(await op(cli, { ...base, proc: 'SM_NULL' }), null);
        const res = await op(cli, { ...base, proc: 'SM_STAT', args: { mon_name: 'deb' } });
        // rpc.statd answers stat_succ and its state number, which is odd while it runs.
        assert.deepEqual(res, { res_stat: 0, state: stateNumber(debStatd.stateDir) });
        assert.equal(res.state % 2, 1);
      });
    }
  });

  describe('our embedded rpcbind', () => {
    let rpcbind: TrackedProcess;
    let embStatd: StatdPeer;

    before(async () => {
      rpcbind = emb.spawnNsmd(['rpcbind']);
      await rpcbind.waitForOutput(/listening on/);
      await emb.waitForRpc(100000, 2, 'udp');
    });

    test('Debian rpcinfo -p and rpcinfo -u HOST portmapper work against it', async () => {
      const expected = [
        '   program vers proto   port  service',
        ...['tcp', 'udp'].flatMap((p) =>
          [4, 3, 2].map((v) => `    100000    ${v}   ${p}    111  portmapper`),
        ),
        '',
      ].join('\n');
      assert.equal(await ok(rpcinfo(emb, ['-p', '127.0.0.1'])), expected);
      assert.equal(await ok(rpcinfo(cli, ['-p', emb.ipv4])), expected);
      const ready = [2, 3, 4].map((v) => `program 100000 version ${v} ready and waiting\n`).join('');
      assert.equal(await ok(rpcinfo(emb, ['-u', '127.0.0.1', 'portmapper'])), ready);
      assert.equal(await ok(rpcinfo(cli, ['-u', emb.ipv4, 'portmapper'])), ready);
      assert.equal(await ok(rpcinfo(cli, ['-t', emb.ipv6!, 'portmapper'])), ready);
      // rpcinfo without -p asks for the v3/v4 list: IPv6 entries and the owner column.
      assert.match(
        await ok(rpcinfo(cli, [emb.ipv4])),
        /100000\s+4\s+tcp6\s+::\.0\.111\s+portmapper\s+superuser/,
      );
    });

    test('Debian rpc.statd started next to it registers with it and is reachable through it', async () => {
      assert.ok(
        !existsSync(join(emb.runDir, 'rpcbind.sock')),
        'no rpcbind socket: libtirpc must use 127.0.0.1:111',
      );
      embStatd = await startStatd(emb, { port: 32767, outgoingPort: 32768 });
      const listed = rows(await ok(rpcinfo(emb, ['-p', '127.0.0.1'])));
      assert.ok(listed.includes('100024 1 udp 32767'));
      assert.ok(listed.includes('100024 1 tcp 32767'));
      assert.equal(
        await ok(rpcinfo(cli, ['-u', emb.ipv4, 'status'])),
        'program 100024 version 1 ready and waiting\n',
      );
      assert.equal(
        await ok(rpcinfo(cli, ['-t', emb.ipv6!, 'status', '1'])),
        'program 100024 version 1 ready and waiting\n',
      );
      const v4 = await ok(rpcinfo(emb, ['127.0.0.1']));
      for (const netid of ['udp', 'tcp', 'udp6', 'tcp6']) {
        assert.match(v4, new RegExp(`100024\\s+1\\s+${netid}\\s+\\S+\\.127\\.255\\s+status`), netid);
      }
      assert.equal(
        await op(cli, { op: 'getPort', host: emb.ipv6, prog: 100024, vers: 1, proto: 'tcp' }),
        32767,
      );
      assert.equal(
        await ok(emb.execNsmd(['rpcinfo', '-p', '127.0.0.1'])),
        await ok(rpcinfo(emb, ['-p', '127.0.0.1'])),
      );
    });

    test('GETADDR from another host gives the address on the network it came from', async () => {
      assert.deepEqual(
        await op(cli, { op: 'client', host: emb.ipv4, method: 'getAddr', args: [100000, 2, 'udp'] }),
        { uaddr: `${emb.ipv4}.0.111`, host: emb.ipv4, port: 111, family: 4 },
      );
      const v6 = await op(cli, {
        op: 'client',
        host: emb.ipv6,
        transport: 'tcp',
        method: 'getAddr',
        args: [100000, 4, 'tcp6'],
      });
      assert.equal(v6.uaddr, `${emb.ipv6}.0.111`);
    });

    test('SET and UNSET from another host are refused and logged; loopback ones work', async () => {
      const reg = { prog: 300400, vers: 1, prot: 'udp', port: 5000 };
      assert.equal(await op(cli, { op: 'client', host: emb.ipv4, method: 'pmapSet', args: [reg] }), false);
      assert.equal(
        await op(cli, {
          op: 'client',
          host: emb.ipv6,
          method: 'set',
          args: [{ prog: 300400, vers: 1, netid: 'udp6', addr: '::.19.136' }],
        }),
        false,
      );
      assert.equal(
        await op(cli, { op: 'client', host: emb.ipv4, method: 'unset', args: [100024, 1, ''] }),
        false,
      );
      await rpcbind.waitForOutput(/refused SET of program 300400 version 1 from 10\.199\.0\.3/);
      assert.ok(
        rows(await ok(rpcinfo(emb, ['-p', '127.0.0.1']))).includes('100024 1 udp 32767'),
        'statd still there',
      );
      assert.equal(await op(emb, { op: 'client', host: '127.0.0.1', method: 'pmapSet', args: [reg] }), true);
      assert.ok(rows(await ok(rpcinfo(cli, ['-p', emb.ipv4]))).includes('300400 1 udp 5000'));
      assert.equal(
        await op(emb, { op: 'client', host: '::1', method: 'pmapUnset', args: [300400, 1] }),
        true,
      );
    });

    test('rpc.statd unregisters from it on SIGTERM; nsmd rpcbind exits 0 on SIGTERM', async () => {
      await embStatd.stop();
      assert.ok(!rows(await ok(rpcinfo(emb, ['-p', '127.0.0.1']))).some((r) => r.startsWith('100024 ')));
      rpcbind.kill('SIGTERM');
      const status = await rpcbind.exited;
      assert.equal(status.code, 0);
    });
  });
});
