// The lock-recovery story on three hosts (a server, two clients), each with rpcbind and nsmd serve:
// a lock survives the server's crash by reclaim, and a client's crash frees its lock for a waiter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createNetwork,
  type Host,
  interopSkip,
  type Network,
  type TrackedProcess,
} from '../../harness/index.js';
import {
  baseStack,
  events,
  listLocks,
  newBoot,
  startHolder,
  startLockd,
  startNsmd,
  waitEvent,
} from './stack.js';

const skip = interopSkip();
const GRACE = 10;

describe('lock recovery with nsmd on every host', { skip }, () => {
  let net: Network;
  let server: Host;
  let a: Host;
  let b: Host;
  let statds: Map<string, TrackedProcess>;
  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'server' }, { name: 'clienta' }, { name: 'clientb' }] });
    [server, a, b] = [net.host('server'), net.host('clienta'), net.host('clientb')];
    statds = await baseStack(net.hosts, startNsmd);
  });
  after(async () => {
    await net?.close();
  });

  test('A reclaims after the server crashes; B gets the lock when A crashes', async () => {
    let lockd = await startLockd(server, GRACE);
    // Let the first grace period pass.
    await new Promise((r) => setTimeout(r, GRACE * 1000 + 200));
    const holderA = startHolder(a, 'server', 'data.db', ['--range', '0-99']);
    await waitEvent(holderA, 'holding');
    const holderB = startHolder(b, 'server', 'data.db', ['--range', '50-59', '--wait']);
    await waitEvent(holderB, 'blocked');
    let list = await listLocks(server, 'server');
    assert.deepEqual(
      list.locks.map((l) => `${l.state} ${l.caller} ${l.offset}+${l.length}`),
      ['held clienta 0+100', 'queued clientb 50+10'],
    );
    const stateBefore = list.nsmState;

    // The server host crashes and comes back.
    statds.get('server')!.kill('SIGKILL');
    lockd.kill('SIGKILL');
    await statds.get('server')!.exited;
    await lockd.exited;
    newBoot(server, 2);
    statds.set('server', await startNsmd(server));
    lockd = await startLockd(server, GRACE);
    await waitEvent(holderA, 'reclaimed');
    await waitEvent(holderB, 'grace');
    list = await listLocks(server, 'server');
    assert.ok(list.inGrace);
    assert.ok(list.nsmState > stateBefore, `state ${list.nsmState} > ${stateBefore}`);
    assert.equal(list.nsmState % 2, 1, 'odd: up');
    assert.deepEqual(
      list.locks.map((l) => `${l.state} ${l.caller}`),
      ['held clienta'],
    );

    // After grace, B waits again behind A.
    await waitEvent(holderB, 'blocked', GRACE * 1000 + 15_000, 2);

    // Client A crashes and comes back: the server frees its lock and grants B's.
    holderA.kill('SIGKILL');
    statds.get('clienta')!.kill('SIGKILL');
    await statds.get('clienta')!.exited;
    newBoot(a, 2);
    statds.set('clienta', await startNsmd(a));
    await waitEvent(holderB, 'granted', 30_000);
    list = await listLocks(server, 'server');
    assert.deepEqual(
      list.locks.map((l) => `${l.state} ${l.caller} ${l.offset}+${l.length}`),
      ['held clientb 50+10'],
    );
    assert.ok(events(holderB).some((e) => e.event === 'granted'));

    // Client B crashes and reboots twice in quick succession: its lock goes, the server goes on.
    holderB.kill('SIGKILL');
    await holderB.exited;
    for (const boot of [2, 3]) {
      statds.get('clientb')!.kill('SIGKILL');
      await statds.get('clientb')!.exited;
      newBoot(b, boot);
      statds.set('clientb', await startNsmd(b));
    }
    const deadline = Date.now() + 20_000;
    while ((await listLocks(server, 'server')).locks.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual((await listLocks(server, 'server')).locks, []);
    const again = startHolder(a, 'server', 'data.db', ['--range', '0-99']);
    await waitEvent(again, 'holding');
    again.kill('SIGTERM');
    assert.equal((await again.exited).code, 0);
    assert.deepEqual((await listLocks(server, 'server')).locks, [], 'SIGTERM unlocks');
    assert.ok(lockd.running);
  });
});
