import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Callbacks, type StatusArgs } from '../../../src/nsm/callbacks.js';
import type { MyId } from '../../../src/store/types.js';
import { FakeClock, priv } from './helpers.js';

const recA = { monName: 'Alpha', myName: 'me', prog: 100021, vers: 3, proc: 16, priv: priv(1) };

describe('Callbacks', () => {
  it('calls the record my_id with {mon_name as recorded, state, priv}', async () => {
    const clock = new FakeClock();
    const sent: Array<[MyId, StatusArgs]> = [];
    const cb = new Callbacks({ clock, send: async (t, a) => void sent.push([t, a]) });
    assert.equal(cb.deliver([recA], 5), 1);
    await clock.advance(0);
    assert.deepEqual(sent, [
      [
        { myName: 'me', prog: 100021, vers: 3, proc: 16 },
        { mon_name: 'Alpha', state: 5, priv: priv(1) },
      ],
    ]);
    assert.equal(cb.pending, 0);
    assert.equal(cb.delivered, 1);
  });

  it('retries a failing callback 5 times, 5 s apart, then gives up', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const cb = new Callbacks({
      clock,
      send: async () => {
        times.push(clock.now());
        throw Object.assign(new Error('no answer'), { code: 'ERR_RPC_TIMEOUT' });
      },
    });
    cb.deliver([recA], 5);
    await clock.advance(60_000);
    assert.equal(times.length, 5);
    for (let i = 1; i < 5; i++) assert.equal(times[i]! - times[i - 1]!, 5000);
    assert.equal(cb.failed, 1);
    assert.equal(cb.pending, 0);
  });

  it('stops retrying once delivered', async () => {
    const clock = new FakeClock();
    let n = 0;
    const cb = new Callbacks({
      clock,
      send: async () => {
        if (++n < 3) throw new Error('not yet');
      },
    });
    cb.deliver([recA], 5);
    await clock.advance(60_000);
    assert.equal(n, 3);
    assert.equal(cb.delivered, 1);
  });

  it('bounds the pending callbacks', async () => {
    const clock = new FakeClock();
    const cb = new Callbacks({ clock, maxPending: 3, send: () => new Promise(() => {}) });
    assert.equal(cb.deliver([recA, recA], 1), 2);
    assert.equal(cb.hasRoom(1), true);
    assert.equal(cb.hasRoom(2), false);
    assert.equal(cb.deliver([recA, recA], 1), 1);
    assert.equal(cb.pending, 3);
  });
});
