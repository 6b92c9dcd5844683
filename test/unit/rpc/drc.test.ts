import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateRequestCache } from '../../../src/rpc/drc.js';

const ARGS = Buffer.from('args');

describe('DuplicateRequestCache', () => {
  it('drops a retransmission in progress and replays a completed one', () => {
    const drc = new DuplicateRequestCache();
    const first = drc.lookup(1, '127.0.0.1', 700, 100024, 1, 2, ARGS);
    assert.equal(first.state, 'new');
    assert.equal(drc.lookup(1, '127.0.0.1', 700, 100024, 1, 2, ARGS).state, 'in-progress');
    drc.complete((first as { key: string }).key, Buffer.from('reply'));
    assert.deepEqual(drc.lookup(1, '127.0.0.1', 700, 100024, 1, 2, ARGS), {
      state: 'done',
      reply: Buffer.from('reply'),
    });
  });

  it('tells apart other callers, procedures and arguments with the same xid', () => {
    const drc = new DuplicateRequestCache();
    const k = drc.lookup(1, '127.0.0.1', 700, 100024, 1, 2, ARGS);
    drc.complete((k as { key: string }).key, Buffer.from('reply'));
    assert.equal(drc.lookup(1, '127.0.0.2', 700, 100024, 1, 2, ARGS).state, 'new');
    assert.equal(drc.lookup(1, '127.0.0.1', 701, 100024, 1, 2, ARGS).state, 'new');
    assert.equal(drc.lookup(1, '127.0.0.1', 700, 100024, 1, 3, ARGS).state, 'new');
    assert.equal(drc.lookup(1, '127.0.0.1', 700, 100024, 1, 2, Buffer.from('argz')).state, 'new');
  });

  it('forgets a call that sent no reply', () => {
    const drc = new DuplicateRequestCache();
    const k = drc.lookup(1, '::1', 700, 1, 1, 1, ARGS) as { key: string };
    drc.forget(k.key);
    assert.equal(drc.lookup(1, '::1', 700, 1, 1, 1, ARGS).state, 'new');
  });

  it('is bounded in size (oldest out) and in age', () => {
    let now = 1000;
    const drc = new DuplicateRequestCache({ maxEntries: 3, maxAgeMs: 50 }, () => now);
    for (let xid = 1; xid <= 4; xid++) {
      const k = drc.lookup(xid, 'a', 1, 1, 1, 1, ARGS) as { key: string };
      drc.complete(k.key, Buffer.from([xid]));
    }
    assert.equal(drc.size, 3);
    assert.equal(drc.lookup(1, 'a', 1, 1, 1, 1, ARGS).state, 'new', 'xid 1 was evicted');
    assert.equal(drc.lookup(4, 'a', 1, 1, 1, 1, ARGS).state, 'done');
    now += 51;
    assert.equal(drc.lookup(4, 'a', 1, 1, 1, 1, ARGS).state, 'new', 'too old to replay');
  });
});
