// The whole daemon on loopback: real sockets, a real FsStore, an embedded rpcbind on an ephemeral
// port standing in for the hosts' rpcbinds, a lock manager stand-in and a peer statd stand-in.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NsmDaemon } from '../../../src/nsm/daemon.js';
import { createLog } from '../../../src/nsm/logging.js';
import { runNotify } from '../../../src/nsm/notify.js';
import { SM_VERS_DEF, status as statusCodec } from '../../../src/proto/sm_inter.js';
import { createClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { Caller } from '../../../src/rpc/types.js';
import { RpcbindServer } from '../../../src/rpcbind/server.js';
import { formatUaddr } from '../../../src/rpcbind/uaddr.js';
import { FsStore } from '../../../src/store/fs.js';
import { xdrVoid } from '../../../src/xdr/codec.js';

const LOCKD_DEF = {
  name: 'NLM_CB',
  prog: 100021,
  vers: 4,
  procs: { NSM_NOTIFY: { name: 'NSM_NOTIFY', proc: 16, args: statusCodec, res: xdrVoid } },
} as const;

const isRoot = process.getuid?.() === 0;

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('nsmd serve on loopback', { skip: isRoot ? false : 'needs root (privileged callback port)' }, () => {
  let dir: string;
  let bootFile: string;
  let rpcbind: RpcbindServer;
  // The peer host 127.0.0.2 has its own rpcbind on the same port: a wildcard socket would answer
  // from 127.0.0.1, which a client asking 127.0.0.2 rightly ignores.
  let peerRpcbind: RpcbindServer;
  let rpcbindPort: number;
  const lockd = new RpcServer();
  const peerStatd = new RpcServer();
  const callbacks: Array<{ args: { mon_name: string; state: number; priv: Uint8Array }; caller: Caller }> =
    [];
  const notifies: Array<{ mon_name: string; state: number; from: string }> = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nsmd-daemon-'));
    bootFile = join(dir, 'boot_id');
    await writeFile(bootFile, 'boot-one\n');
    rpcbind = new RpcbindServer({ port: 0, host: '127.0.0.1' });
    rpcbindPort = (await rpcbind.start()).udpPort;
    peerRpcbind = new RpcbindServer({ port: rpcbindPort, host: '127.0.0.2' });
    await peerRpcbind.start();
    lockd.addProgram(LOCKD_DEF, {
      NSM_NOTIFY: (args, caller) => {
        callbacks.push({ args, caller });
      },
    });
    const lockdPort = await lockd.listenUdp({ host: '127.0.0.1', port: 0 });
    rpcbind.table.set({
      prog: 100021,
      vers: 4,
      netid: 'udp',
      addr: formatUaddr('127.0.0.1', lockdPort),
      owner: 'superuser',
    });
    peerStatd.addProgram(SM_VERS_DEF, {
      SM_NOTIFY: (args, caller) => {
        notifies.push({ ...args, from: caller.address });
      },
    });
    const peerPort = await peerStatd.listenUdp({ host: '127.0.0.2', port: 0 });
    peerRpcbind.table.set({
      prog: 100024,
      vers: 1,
      netid: 'udp',
      addr: formatUaddr('0.0.0.0', peerPort),
      owner: 'superuser',
    });
  });

  after(async () => {
    await lockd.close();
    await peerStatd.close();
    await rpcbind.close();
    await peerRpcbind.close();
    await rm(dir, { recursive: true, force: true });
  });

  let running: NsmDaemon | null = null;
  after(async () => {
    await running?.stop();
  });
  const start = async () =>
    (running = await NsmDaemon.start({
      port: 0,
      stateDir: dir,
      rpcbind: 'none',
      rpcbindPort,
      user: null,
      bootIdFile: bootFile,
      names: ['server.nsmd.test'],
      ...(process.env.NSMD_TEST_LOG ? { log: createLog({ format: 'json', level: 'debug' }) } : {}),
      lookup: async () => {
        throw new Error('no DNS in this test');
      },
    }));

  it('monitors over TCP like the kernel lockd, calls back on SM_NOTIFY, notifies peers after a reboot', async () => {
    let d = await start();
    assert.equal(d.state.current, 1);
    const tcp = createClient({ host: '127.0.0.1', port: d.tcpPort, transport: 'tcp', timeoutMs: 3000 });
    const sm = tcp.bind(SM_VERS_DEF);
    const priv = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const mon = await sm.SM_MON({
      mon_id: {
        mon_name: '127.0.0.2',
        my_id: { my_name: 'server', my_prog: 100021, my_vers: 4, my_proc: 16 },
      },
      priv,
    });
    assert.deepEqual(mon, { res_stat: 0, state: 1 });
    await tcp.close();

    // The store has it, durably, in the nfs-utils layout.
    const check = new FsStore({ dir, readOnly: true });
    const snap = await check.load();
    await check.close();
    assert.equal(snap.monitors.length, 1);

    // The monitored host reboots and says so, from its own address.
    const peer = createClient({
      host: '127.0.0.1',
      port: d.port,
      transport: 'udp',
      localAddress: '127.0.0.2',
    });
    await peer.call(SM_VERS_DEF, 'SM_NOTIFY', { mon_name: '127.0.0.2', state: 7 });
    await waitFor(() => callbacks.length === 1);
    const cb = callbacks[0]!.args;
    assert.deepEqual({ ...cb, priv: Uint8Array.from(cb.priv) }, { mon_name: '127.0.0.2', state: 7, priv });
    assert.equal(callbacks[0]!.caller.address, '127.0.0.1');
    assert.equal(callbacks[0]!.caller.privilegedPort, true, 'callbacks come from a reserved port');

    // A spoofed one (another source address) does nothing.
    const spoof = createClient({
      host: '127.0.0.1',
      port: d.port,
      transport: 'udp',
      localAddress: '127.0.0.9',
    });
    await spoof.call(SM_VERS_DEF, 'SM_NOTIFY', { mon_name: '127.0.0.2', state: 9 });
    await spoof.close();
    await peer.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(callbacks.length, 1);

    // A plain restart in the same boot: same state, records kept, nobody notified.
    await d.stop();
    d = await start();
    assert.equal(d.state.current, 1);
    assert.equal(d.registry.size, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(notifies.length, 0);
    await d.stop();

    // A new boot: state bumped and persisted, the monitored host notified under our name, short name too.
    await writeFile(bootFile, 'boot-two\n');
    d = await start();
    assert.equal(d.state.current, 3);
    assert.equal(d.registry.size, 0);
    await waitFor(() => notifies.length >= 2);
    assert.deepEqual(
      notifies.map((n) => [n.mon_name, n.state]),
      [
        ['server.nsmd.test', 3],
        ['server', 3],
      ],
    );
    await waitFor(() => d.service.notifyList.size === 0);
    await d.stop();
    const after2 = new FsStore({ dir, readOnly: true });
    const snap2 = await after2.load();
    await after2.close();
    assert.equal(snap2.state, 3);
    assert.equal(snap2.notify.length, 0, 'the peer answered, so it left the notify list');
  });

  it('nsmd notify: once per boot bumps, notifies and empties the notify list; --force and --no-bump', async () => {
    const sdir = await mkdtemp(join(tmpdir(), 'nsmd-notify-'));
    const boot = join(sdir, 'boot_id');
    await writeFile(boot, 'boot-a\n');
    const store = new FsStore({ dir: sdir });
    await store.load();
    await store.addMonitor({
      monName: '127.0.0.2',
      myName: 'me',
      prog: 100021,
      vers: 4,
      proc: 16,
      priv: new Uint8Array(16),
    });
    await store.setState(5, 'boot-before');
    await store.close();
    const base = {
      stateDir: sdir,
      names: ['client.nsmd.test'],
      bootIdFile: boot,
      rpcbindPort,
      maxMinutes: 1,
    };
    const seen = notifies.length;
    const r1 = await runNotify(base);
    assert.deepEqual(r1, { state: 7, announced: true, acknowledged: 1, failed: 0 });
    await waitFor(() => notifies.length >= seen + 2);
    assert.deepEqual(
      notifies.slice(seen).map((n) => [n.mon_name, n.state]),
      [
        ['client.nsmd.test', 7],
        ['client', 7],
      ],
    );
    const check = new FsStore({ dir: sdir, readOnly: true });
    const snap = await check.load();
    await check.close();
    assert.deepEqual(
      [snap.state, snap.bootId, snap.monitors.length, snap.notify.length],
      [7, 'boot-a', 0, 0],
    );

    assert.deepEqual(await runNotify(base), { state: 7, announced: false, acknowledged: 0, failed: 0 });
    assert.equal((await runNotify({ ...base, force: true })).state, 9);
    assert.equal((await runNotify({ ...base, force: true, bump: false })).state, 9);
    await rm(sdir, { recursive: true, force: true });
  });
});
