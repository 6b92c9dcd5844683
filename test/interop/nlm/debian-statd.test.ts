// The lock-recovery story with Debian's rpc.statd as the status monitor of the server and of one
// client: it accepts the lock manager's SM_MON (my_prog 100021, my_proc 16) and its reboot
// callbacks (from 127.0.0.1, a privileged port) reach nsmd's lock manager and client.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createNetwork,
  type Host,
  hostFiles,
  interopSkip,
  type Network,
  runSmNotify,
  type TrackedProcess,
} from '../../harness/index.js';
import {
  baseStack,
  listLocks,
  newBoot,
  startDebianStatd,
  startHolder,
  startLockd,
  startNsmd,
  waitEvent,
} from './stack.js';

const skip = interopSkip();
const GRACE = 10;

describe('lock recovery with Debian rpc.statd', { skip }, () => {
  let net: Network;
  let server: Host;
  let a: Host;
  let b: Host;
  let statds: Map<string, TrackedProcess>;
  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'server' }, { name: 'clienta' }, { name: 'clientb' }] });
    [server, a, b] = [net.host('server'), net.host('clienta'), net.host('clientb')];
    // Debian's statd on the server and on client B, nsmd on client A.
    statds = await baseStack(net.hosts, (h) => (h.name === 'clienta' ? startNsmd(h) : startDebianStatd(h)));
  });
  after(async () => {
    await net?.close();
  });

  // rpc.statd 2.6.2 stops answering after SM_SIMU_CRASH once it monitors hosts: the lock manager runs
  // with --no-simu-crash and sm-notify tells the peers of the server's reboot, as on a Debian system.
  test('SM_MON accepted and reboot callbacks honoured on both sides', async () => {
    const stateDir = join(server.dir, 'statd');
    let lockd = await startLockd(server, GRACE, ['--no-simu-crash']);
    await new Promise((r) => setTimeout(r, GRACE * 1000 + 200));
    const holderA = startHolder(a, 'server', 'shared.db', ['--range', '0-9']);
    await waitEvent(holderA, 'holding');
    const holderB = startHolder(b, 'server', 'shared.db', ['--range', '5-5', '--wait']);
    await waitEvent(holderB, 'blocked');
    // The server's statd recorded both clients for the lock manager; B's statd recorded the server.
    const monitored = (dir: string) => hostFiles(dir);
    // (rpc.statd names its records by the canonical name the mon_name resolves to.)
    assert.deepEqual(monitored(stateDir), [a.fqdn, b.fqdn], 'server statd monitors both clients');
    assert.deepEqual(monitored(join(b.dir, 'statd')), [server.fqdn], 'client B statd monitors the server');

    // The server reboots: lock manager and statd die; sm-notify tells the clients.
    lockd.kill('SIGKILL');
    await lockd.exited;
    await statds.get('server')!.stop();
    await statds.get('server')!.exited;
    statds.set('server', await startDebianStatd(server));
    lockd = await startLockd(server, GRACE, ['--no-simu-crash']);
    const notified = await runSmNotify(server, { stateDir, name: 'server' });
    assert.equal(notified.code, 0, notified.stderr);
    await waitEvent(holderA, 'reclaimed');
    await waitEvent(holderB, 'grace');
    let list = await listLocks(server, 'server');
    assert.deepEqual(
      list.locks.map((l) => `${l.state} ${l.caller}`),
      ['held clienta'],
    );
    await waitEvent(holderB, 'blocked', GRACE * 1000 + 15_000, 2);

    // Client A reboots: its nsmd notifies the server's Debian statd, which calls the lock manager back.
    holderA.kill('SIGKILL');
    statds.get('clienta')!.kill('SIGKILL');
    await statds.get('clienta')!.exited;
    newBoot(a, 2);
    statds.set('clienta', await startNsmd(a));
    await waitEvent(holderB, 'granted', 30_000);
    list = await listLocks(server, 'server');
    assert.deepEqual(
      list.locks.map((l) => `${l.state} ${l.caller} ${l.offset}+${l.length}`),
      ['held clientb 5+1'],
    );
    holderB.kill('SIGTERM');
    await holderB.exited;
  });
});
