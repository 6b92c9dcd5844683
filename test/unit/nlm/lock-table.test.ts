import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LockOwner, LockTable, lengthOf, OFFSET_MAX, rangeOf } from '../../../src/nlm/lock-table.js';

const owner = (caller: string, svid = 1, oh = caller): LockOwner => ({
  caller,
  svid,
  oh: new TextEncoder().encode(oh),
});
const A = owner('alpha');
const A2 = owner('alpha', 2, 'alpha-2');
const B = owner('beta');
const C = owner('gamma');

function req(o: LockOwner, start: number | bigint, end: number | bigint, exclusive = true, file = 'f1') {
  return { file, owner: o, exclusive, start: BigInt(start), end: BigInt(end) };
}

function held(t: LockTable<unknown>) {
  return t
    .list()
    .filter((l) => l.state === 'held')
    .map(
      (l) =>
        `${l.owner.caller}/${l.owner.svid} ${l.exclusive ? 'X' : 'S'} ${l.start}-${l.end === OFFSET_MAX ? 'eof' : l.end}`,
    )
    .sort();
}

describe('rangeOf / lengthOf', () => {
  it('treats length 0 as to end of file', () => {
    assert.deepEqual(rangeOf(10n, 0n), { start: 10n, end: OFFSET_MAX });
    assert.equal(lengthOf(10n, OFFSET_MAX), 0n);
  });
  it('converts offset and length to an inclusive end', () => {
    assert.deepEqual(rangeOf(10n, 5n), { start: 10n, end: 14n });
    assert.equal(lengthOf(10n, 14n), 5n);
  });
  it('takes a range running past 2^64-1 as to end of file', () => {
    assert.deepEqual(rangeOf(OFFSET_MAX - 1n, 10n), { start: OFFSET_MAX - 1n, end: OFFSET_MAX });
    assert.deepEqual(rangeOf(OFFSET_MAX, 1n), { start: OFFSET_MAX, end: OFFSET_MAX });
  });
  it('refuses values outside 64 bits', () => {
    assert.throws(() => rangeOf(-1n, 0n), RangeError);
    assert.throws(() => rangeOf(0n, OFFSET_MAX + 1n), RangeError);
  });
});

describe('LockTable', () => {
  it('grants shared locks to several owners and refuses an exclusive one', () => {
    const t = new LockTable();
    assert.equal(t.lock(req(A, 0, 9, false), false).status, 'granted');
    assert.equal(t.lock(req(B, 5, 14, false), false).status, 'granted');
    const r = t.lock(req(C, 8, 8, true), false);
    assert.equal(r.status, 'denied');
    assert.ok(r.status === 'denied' && ['alpha', 'beta'].includes(r.holder.owner.caller));
  });

  it('returns the conflicting holder from test() and null when free', () => {
    const t = new LockTable();
    t.lock(req(A, 100, 199), false);
    const h = t.test(req(B, 150, 150, false));
    assert.equal(h?.owner.caller, 'alpha');
    assert.equal(h?.start, 100n);
    assert.equal(h?.end, 199n);
    assert.equal(t.test(req(B, 200, 300)), null);
    assert.equal(t.test(req(A, 0, 1000)), null, 'own locks never conflict');
  });

  it('separates owners of one caller by svid and oh', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 9), false);
    assert.equal(t.lock(req(A2, 0, 9), false).status, 'denied');
  });

  it('keeps files apart', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 9, true, 'f1'), false);
    assert.equal(t.lock(req(B, 0, 9, true, 'f2'), false).status, 'granted');
  });

  it('merges overlapping and adjacent locks of one owner and mode', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 9), false);
    t.lock(req(A, 10, 19), false);
    t.lock(req(A, 15, 30), false);
    assert.deepEqual(held(t), ['alpha/1 X 0-30']);
    assert.equal(t.heldCount('alpha'), 1);
  });

  it('splits on unlock in the middle', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 99), false);
    t.unlock(req(A, 40, 59));
    assert.deepEqual(held(t), ['alpha/1 X 0-39', 'alpha/1 X 60-99']);
    assert.equal(t.heldCount('alpha'), 2);
  });

  it('downgrades part of an exclusive lock to shared and upgrades it back', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 99, true), false);
    t.lock(req(A, 20, 29, false), false);
    assert.deepEqual(held(t), ['alpha/1 S 20-29', 'alpha/1 X 0-19', 'alpha/1 X 30-99']);
    assert.equal(t.lock(req(B, 25, 25, false), false).status, 'granted');
    assert.equal(t.lock(req(B, 30, 30, false), false).status, 'denied');
    t.unlock(req(B, 0, OFFSET_MAX));
    t.lock(req(A, 0, 99, true), false);
    assert.deepEqual(held(t), ['alpha/1 X 0-99']);
  });

  it('refuses an upgrade that conflicts with another shared holder', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 9, false), false);
    t.lock(req(B, 0, 9, false), false);
    const r = t.lock(req(A, 0, 9, true), false);
    assert.equal(r.status, 'denied');
    assert.deepEqual(held(t), ['alpha/1 S 0-9', 'beta/1 S 0-9']);
  });

  it('handles locks to end of file and the largest offsets', () => {
    const t = new LockTable();
    const { start, end } = rangeOf(1000n, 0n);
    t.lock(req(A, start, end), false);
    assert.equal(t.test(req(B, OFFSET_MAX, OFFSET_MAX))?.owner.caller, 'alpha');
    assert.equal(t.test(req(B, 0, 999)), null);
    t.unlock(req(A, OFFSET_MAX, OFFSET_MAX));
    assert.deepEqual(held(t), [`alpha/1 X 1000-${OFFSET_MAX - 1n}`]);
    assert.throws(() => t.lock(req(A, 5, 4), false), RangeError);
  });

  it('queues a blocking request and grants it after the unlock, with its data', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    const q = t.lock({ ...req(B, 5, 5), data: 'cookie-b' }, true);
    assert.equal(q.status, 'queued');
    assert.equal(t.queuedCount('beta'), 1);
    const granted = t.unlock(req(A, 0, 9));
    assert.deepEqual(
      granted.map((g) => [g.owner.caller, g.data]),
      [['beta', 'cookie-b']],
    );
    assert.deepEqual(held(t), ['beta/1 X 5-5']);
    assert.equal(t.queuedCount('beta'), 0);
  });

  it('does not queue the same request twice and refreshes its data', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock({ ...req(B, 0, 9), data: 'one' }, true);
    t.lock({ ...req(B, 0, 9), data: 'two' }, true);
    assert.equal(t.queuedCount('beta'), 1);
    assert.equal(t.unlock(req(A, 0, 9))[0]?.data, 'two');
  });

  it('grants waiters in FIFO order when both fit only one at a time', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock({ ...req(B, 0, 9), data: 'b' }, true);
    t.lock({ ...req(C, 0, 9), data: 'c' }, true);
    assert.deepEqual(
      t.unlock(req(A, 0, 9)).map((g) => g.data),
      ['b'],
    );
    assert.deepEqual(
      t.unlock(req(B, 0, 9)).map((g) => g.data),
      ['c'],
    );
  });

  it('lets several shared waiters in at once', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock({ ...req(B, 0, 9, false), data: 'b' }, true);
    t.lock({ ...req(C, 0, 9, false), data: 'c' }, true);
    assert.deepEqual(
      t.unlock(req(A, 0, 9)).map((g) => g.data),
      ['b', 'c'],
    );
  });

  it('grants shared waiters when the holder downgrades', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock({ ...req(B, 0, 9, false), data: 'b' }, true);
    const r = t.lock(req(A, 0, 9, false), false);
    assert.ok(r.status === 'granted');
    assert.deepEqual(
      r.granted.map((g) => g.data),
      ['b'],
    );
  });

  it('grants an earlier waiter freed by a later waiter that downgrades its own lock', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock(req(C, 20, 29), false);
    t.lock({ ...req(B, 20, 20, false), data: 'b' }, true);
    t.lock({ ...req(C, 0, 29, false), data: 'c' }, true);
    assert.deepEqual(
      t.unlock(req(A, 0, 9)).map((g) => g.data),
      ['c', 'b'],
    );
    assert.deepEqual(held(t), ['beta/1 S 20-20', 'gamma/1 S 0-29']);
  });

  it('cancels a queued request, which then is never granted', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock({ ...req(B, 0, 9), data: 'b' }, true);
    assert.equal(t.cancel(req(B, 0, 9, false)), null, 'mode must match');
    assert.equal(t.cancel(req(B, 0, 9))?.data, 'b');
    assert.equal(t.cancel(req(B, 0, 9)), null);
    assert.deepEqual(t.unlock(req(A, 0, 9)), []);
  });

  it('drops an owner queued request when that owner unlocks the range', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock({ ...req(B, 0, 9), data: 'b' }, true);
    t.unlock(req(B, 5, 5));
    assert.equal(t.queuedCount('beta'), 0);
  });

  it('frees every lock of a rebooted caller and grants what now fits', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9, true, 'f1'), false);
    t.lock(req(A2, 20, 29, true, 'f1'), false);
    t.lock(req(A, 0, 9, true, 'f2'), false);
    t.lock({ ...req(B, 0, 29, true, 'f1'), data: 'b1' }, true);
    t.lock({ ...req(C, 5, 5, false, 'f2'), data: 'c2' }, true);
    t.lock(req(C, 100, 100, true, 'f3'), false);
    t.lock({ ...req(A, 100, 100, true, 'f3'), data: 'a3' }, true);
    assert.equal(t.heldCount('alpha'), 3);
    assert.equal(t.queuedCount('alpha'), 1);
    const granted = t.freeAll('alpha');
    assert.deepEqual(granted.map((g) => g.data).sort(), ['b1', 'c2']);
    assert.equal(t.heldCount('alpha'), 0);
    assert.equal(t.queuedCount('alpha'), 0);
    assert.deepEqual(t.callers().sort(), ['beta', 'gamma']);
    assert.deepEqual(t.freeAll('nobody'), []);
  });

  it('keeps the locks of owners picked by freeAll keep()', () => {
    const t = new LockTable<string>();
    t.lock(req(A, 0, 9), false);
    t.lock(req(A2, 20, 29), false);
    t.lock({ ...req(B, 0, 29), data: 'b' }, true);
    assert.deepEqual(
      t.freeAll('alpha', (o) => o.svid === 2),
      [],
    );
    assert.deepEqual(held(t), ['alpha/2 X 20-29']);
    assert.equal(t.heldCount('alpha'), 1);
    assert.deepEqual(
      t.freeAll('alpha').map((g) => g.data),
      ['b'],
    );
    assert.deepEqual(t.callers(), ['beta']);
  });

  it('counts per caller and lists held locks of one caller', () => {
    const t = new LockTable();
    t.lock(req(A, 0, 9, true, 'f1'), false);
    t.lock(req(A, 0, 9, true, 'f2'), false);
    t.lock(req(B, 20, 29, true, 'f1'), false);
    assert.equal(t.heldCount('alpha'), 2);
    assert.equal(t.heldBy('alpha').length, 2);
    t.unlock(req(A, 0, OFFSET_MAX, true, 'f1'));
    t.unlock(req(A, 0, OFFSET_MAX, true, 'f2'));
    assert.equal(t.heldCount('alpha'), 0);
    assert.deepEqual(t.callers(), ['beta']);
    assert.equal(t.size, 1);
  });

  it('keeps its own copy of the owner handle', () => {
    const t = new LockTable();
    const oh = new Uint8Array([1, 2, 3]);
    t.lock(req({ caller: 'x', svid: 1, oh }, 0, 0), false);
    oh[0] = 9;
    assert.deepEqual([...t.list()[0]!.owner.oh], [1, 2, 3]);
  });

  it('handles thousands of locks', () => {
    const t = new LockTable();
    for (let i = 0; i < 5000; i++) t.lock(req(owner(`c${i % 50}`), i * 2, i * 2, true, `f${i % 7}`), false);
    assert.equal(t.size, 5000);
    for (let i = 0; i < 50; i++) t.freeAll(`c${i}`);
    assert.equal(t.size, 0);
  });
});
