import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { LOCKD, plain, rec, runStoreConformance } from './conformance.js';

runStoreConformance('MemoryStore', {
  create: async () => new MemoryStore(),
  reopen: async (s) => new MemoryStore((s as MemoryStore).disk),
});

describe('MemoryStore', () => {
  it('an injected fault rejects calls and changes nothing until healed', async () => {
    const s = new MemoryStore();
    await s.load();
    await s.addMonitor(rec('a', 1));
    s.injectFault('ERR_STORE_IO');
    await assert.rejects(
      s.addMonitor(rec('b', 1)),
      (e) => e instanceof StoreError && e.code === 'ERR_STORE_IO',
    );
    await assert.rejects(s.removeMonitor('a', LOCKD));
    await assert.rejects(s.setState(3, 'x'));
    s.injectFault(null);
    const snap = await new MemoryStore(s.disk).load();
    assert.deepEqual(plain(snap.monitors), plain([rec('a', 1)]));
    assert.equal(snap.state, 0);
    await s.addMonitor(rec('b', 1));
    assert.equal(s.disk.monitors.size, 2);
  });
});
