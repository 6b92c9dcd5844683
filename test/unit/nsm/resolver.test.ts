import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LookupAddress, Resolver } from '../../../src/nsm/resolver.js';
import { FakeClock, settle } from './helpers.js';

function table(map: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (name: string): Promise<LookupAddress[]> => {
    calls.push(name);
    const a = map[name];
    if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { calls, lookup };
}

describe('Resolver', () => {
  it('answers literals without a lookup, canonically', async () => {
    const t = table({});
    const r = new Resolver({ lookup: t.lookup, clock: new FakeClock() });
    assert.deepEqual(await r.resolve('::ffff:10.1.2.3'), ['10.1.2.3']);
    assert.deepEqual(t.calls, []);
  });

  it('returns every address, canonical and deduplicated, and caches for the TTL', async () => {
    const clock = new FakeClock();
    const t = table({ alpha: ['10.0.0.1', '::ffff:10.0.0.1', '2001:DB8::1'] });
    const r = new Resolver({ lookup: t.lookup, clock, positiveTtlMs: 1000 });
    assert.deepEqual(await r.resolve('ALPHA.'), ['10.0.0.1', '2001:db8::1']);
    assert.deepEqual(await r.resolve('alpha'), ['10.0.0.1', '2001:db8::1']);
    assert.equal(t.calls.length, 1);
    await clock.advance(1001);
    await r.resolve('alpha');
    assert.equal(t.calls.length, 2);
  });

  it('caches failures for the negative TTL', async () => {
    const clock = new FakeClock();
    const t = table({});
    const r = new Resolver({ lookup: t.lookup, clock, negativeTtlMs: 500 });
    assert.deepEqual(await r.resolve('nowhere'), []);
    assert.deepEqual(await r.resolve('nowhere'), []);
    assert.equal(t.calls.length, 1);
    await clock.advance(501);
    await r.resolve('nowhere');
    assert.equal(t.calls.length, 2);
  });

  it('coalesces concurrent lookups of one name', async () => {
    let calls = 0;
    let release!: () => void;
    const r = new Resolver({
      clock: new FakeClock(),
      lookup: (name) => {
        calls++;
        return new Promise((res) => {
          release = () => res([{ address: name === 'a' ? '10.0.0.9' : '10.0.0.8', family: 4 }]);
        });
      },
    });
    const all = Promise.all([r.resolve('a'), r.resolve('A'), r.resolve('a.')]);
    await settle();
    release();
    assert.deepEqual(await all, [['10.0.0.9'], ['10.0.0.9'], ['10.0.0.9']]);
    assert.equal(calls, 1);
  });

  it('fails a lookup that never answers at the time limit, without blocking other names', async () => {
    const clock = new FakeClock();
    const r = new Resolver({
      clock,
      timeoutMs: 3000,
      maxConcurrent: 2,
      lookup: (name) =>
        name.startsWith('dead')
          ? new Promise<LookupAddress[]>(() => {})
          : Promise.resolve([{ address: '10.0.0.2', family: 4 }]),
    });
    let deadDone = false;
    const dead = r.resolve('dead.example').then((a) => {
      deadDone = true;
      return a;
    });
    // A literal and a live name answer while the dead one hangs.
    assert.deepEqual(await r.resolve('10.9.9.9'), ['10.9.9.9']);
    assert.deepEqual(await r.resolve('live'), ['10.0.0.2']);
    assert.equal(deadDone, false);
    await clock.advance(3000);
    assert.deepEqual(await dead, []);
  });

  it('queued lookups behind hung ones time out instead of waiting forever', async () => {
    const clock = new FakeClock();
    const r = new Resolver({
      clock,
      timeoutMs: 1000,
      maxConcurrent: 1,
      lookup: () => new Promise<LookupAddress[]>(() => {}),
    });
    const a = r.resolve('dead1');
    const b = r.resolve('dead2');
    await clock.advance(1000);
    assert.deepEqual(await Promise.all([a, b]), [[], []]);
    // The slot is still held by the hung getaddrinfo, but new names still get an answer in time.
    const c = r.resolve('dead3');
    await clock.advance(1000);
    assert.deepEqual(await c, []);
  });

  it('bounds the cache', async () => {
    const r = new Resolver({
      clock: new FakeClock(),
      maxEntries: 3,
      lookup: async () => [{ address: '10.0.0.1', family: 4 }],
    });
    for (const n of ['a', 'b', 'c', 'd']) await r.resolve(n);
    assert.equal(r.cached('a'), undefined);
    assert.deepEqual(r.cached('d'), ['10.0.0.1']);
  });
});
