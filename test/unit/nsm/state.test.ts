import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nextState, readBootId, StateManager } from '../../../src/nsm/state.js';
import { priv, TestStore } from './helpers.js';

const rec = { monName: 'peer', myName: 'me', prog: 100021, vers: 3, proc: 16, priv: priv(1) };

describe('nextState', () => {
  it('is always odd and greater', () => {
    assert.equal(nextState(0), 1);
    assert.equal(nextState(1), 3);
    assert.equal(nextState(4), 5);
    assert.equal(nextState(0x7fffffff), 1);
  });
});

describe('StateManager.startUp', () => {
  it('first start ever: state 1, a new boot', async () => {
    const store = new TestStore();
    const s = new StateManager(store, { bootId: 'b1' });
    assert.deepEqual(await s.startUp(await store.load()), { state: 1, rebooted: true });
    assert.equal(store.state, 1);
    assert.equal(store.bootId, 'b1');
  });

  it('new boot id: bump, monitor list moved to the notify list before the state is written', async () => {
    const store = new TestStore();
    store.state = 7;
    store.bootId = 'old';
    store.monitors = [rec];
    const order: string[] = [];
    const move = store.moveMonitorsToNotify.bind(store);
    const set = store.setState.bind(store);
    store.moveMonitorsToNotify = async () => {
      order.push('move');
      await move();
    };
    store.setState = async (a, b) => {
      order.push('state');
      await set(a, b);
    };
    const s = new StateManager(store, { bootId: 'new' });
    assert.deepEqual(await s.startUp(await store.load()), { state: 9, rebooted: true });
    assert.deepEqual(order, ['move', 'state']);
    assert.equal(store.monitors.length, 0);
    assert.equal(store.notify.length, 1);
    assert.equal(s.current, 9);
  });

  it('same boot id: state, monitors and notify list kept', async () => {
    const store = new TestStore();
    store.state = 7;
    store.bootId = 'b';
    store.monitors = [rec];
    const s = new StateManager(store, { bootId: 'b' });
    assert.deepEqual(await s.startUp(await store.load()), { state: 7, rebooted: false });
    assert.equal(store.monitors.length, 1);
    assert.equal(store.writes, 0);
  });

  it('an even state on disk in the same boot becomes odd, without a notification', async () => {
    const store = new TestStore();
    store.state = 8;
    store.bootId = 'b';
    const s = new StateManager(store, { bootId: 'b' });
    assert.deepEqual(await s.startUp(await store.load()), { state: 9, rebooted: false });
    assert.equal(store.state, 9);
  });

  it('a state directory without a boot id (nfs-utils) is a new boot unless sm-notify ran in this boot', async () => {
    for (const ran of [false, true]) {
      const store = new TestStore();
      store.state = 3;
      const s = new StateManager(store, { bootId: 'b', smNotifyRan: async () => ran });
      const r = await s.startUp(await store.load());
      assert.equal(r.rebooted, !ran);
      assert.equal(r.state, ran ? 3 : 5);
      assert.equal(store.bootId, 'b', 'the boot id is recorded from now on');
    }
  });

  it('a failing store at start-up fails start-up', async () => {
    const store = new TestStore();
    store.failing = true;
    const s = new StateManager(store, { bootId: 'b' });
    await assert.rejects(s.startUp(await store.load()), /disk full/);
  });
});

describe('StateManager.bump', () => {
  it('persists before the new state is announced; concurrent bumps each get their own number', async () => {
    const store = new TestStore();
    store.state = 3;
    store.bootId = 'b';
    const s = new StateManager(store, { bootId: 'b' });
    await s.startUp(await store.load());
    const p = s.bump();
    assert.equal(s.current, 3, 'not announced before it is on disk');
    assert.equal(await p, 5);
    assert.deepEqual(await Promise.all([s.bump(), s.bump()]), [7, 9]);
    assert.equal(store.state, 9);
  });

  it('a failed write leaves the announced state as it was', async () => {
    const store = new TestStore();
    store.state = 3;
    store.bootId = 'b';
    const s = new StateManager(store, { bootId: 'b' });
    await s.startUp(await store.load());
    store.failing = true;
    await assert.rejects(s.bump());
    assert.equal(s.current, 3);
    store.failing = false;
    assert.equal(await s.bump(), 5);
  });
});

describe('readBootId', () => {
  it('reads and trims a boot id file, null when missing or junk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nsmd-boot-'));
    await writeFile(join(dir, 'id'), 'c0ffee-1234\n');
    assert.equal(await readBootId(join(dir, 'id')), 'c0ffee-1234');
    assert.equal(await readBootId(join(dir, 'missing')), null);
    await writeFile(join(dir, 'bad'), '../../x y\n');
    assert.equal(await readBootId(join(dir, 'bad')), null);
  });
});
