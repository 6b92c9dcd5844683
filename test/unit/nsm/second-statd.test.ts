// nsmd serve refuses to start beside a status monitor that is registered with the system rpcbind
// and answering (rpc.statd from the distribution's service, or another nsmd serve), before it
// touches the state directory; a registration whose statd is gone does not stop it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DaemonError, NsmDaemon } from '../../../src/nsm/daemon.js';
import { SM_VERS_DEF } from '../../../src/proto/sm_inter.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { RpcbindServer } from '../../../src/rpcbind/server.js';
import { formatUaddr, parseUaddr } from '../../../src/rpcbind/uaddr.js';

const isRoot = process.getuid?.() === 0;

describe('a second status monitor on one host', {
  skip: isRoot ? false : 'needs root (privileged callback port)',
}, () => {
  let root: string;
  let rpcbind: RpcbindServer;
  let rpcbindPort: number;
  const other = new RpcServer();
  let otherPort: number;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nsmd-second-'));
    rpcbind = new RpcbindServer({ port: 0, host: '127.0.0.1' });
    rpcbindPort = (await rpcbind.start()).udpPort;
    other.addProgram(SM_VERS_DEF, {});
    otherPort = await other.listenTcp({ host: '127.0.0.1', port: 0 });
    for (const netid of ['udp', 'tcp'])
      rpcbind.table.set({
        prog: 100024,
        vers: 1,
        netid,
        addr: formatUaddr('127.0.0.1', otherPort),
        owner: 'unknown', // as registered over UDP or TCP, like nsmd itself does
      });
  });
  after(async () => {
    await other.close();
    await rpcbind.close();
    await rm(root, { recursive: true, force: true });
  });

  const start = (stateDir: string) =>
    NsmDaemon.start({
      port: 0,
      stateDir,
      rpcbind: 'system',
      rpcbindPort,
      user: null,
      names: ['server.nsmd.test'],
      notify: false,
      lookup: async () => {
        throw new Error('no DNS in this test');
      },
    });

  it('refuses while the registered one answers, and leaves the state directory alone', async () => {
    const stateDir = join(root, 'refused');
    await assert.rejects(
      start(stateDir),
      (e: unknown) =>
        e instanceof DaemonError &&
        e.code === 'ERR_NSM_START' &&
        e.message.includes(`already running here: rpcbind lists program 100024 at port ${otherPort}`),
    );
    assert.equal(existsSync(stateDir), false, 'nothing created');
    assert.ok(
      rpcbind.table.list().some((e) => e.prog === 100024 && e.addr === formatUaddr('127.0.0.1', otherPort)),
    );
  });

  it('starts once that statd is gone, over its stale registration', async () => {
    await other.close();
    const d = await start(join(root, 'taken-over'));
    try {
      const tcp = rpcbind.table.lookup(100024, 1, 'tcp');
      assert.ok(tcp, 'registered');
      assert.equal(parseUaddr(tcp.addr, 'tcp').port, d.tcpPort);
    } finally {
      await d.stop();
    }
  });
});
