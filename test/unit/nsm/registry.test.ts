import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MonitorRegistry } from '../../../src/nsm/registry.js';
import type { MonitorRecord } from '../../../src/store/types.js';
import { priv } from './helpers.js';

const LOCKD = { myName: 'client', prog: 100021, vers: 3, proc: 16 };
const OTHER = { myName: 'client', prog: 100021, vers: 4, proc: 24 };

function rec(monName: string, p = 1, id = LOCKD): MonitorRecord {
  return { monName, ...id, priv: priv(p) };
}

describe('MonitorRegistry', () => {
  it('adds, finds and updates priv of a duplicate without a second record', () => {
    const r = new MonitorRegistry();
    assert.equal(r.add(rec('alpha', 1)), 'added');
    assert.equal(r.add(rec('ALPHA', 2)), 'updated');
    assert.equal(r.size, 1);
    const found = r.find('alpha.', LOCKD)!;
    assert.equal(found.monName, 'alpha', 'keeps the spelling first recorded');
    assert.deepEqual(found.priv, priv(2));
  });

  it('keeps one record per my_id for the same host', () => {
    const r = new MonitorRegistry();
    r.add(rec('alpha', 1));
    r.add(rec('alpha', 2, OTHER));
    assert.equal(r.size, 2);
    assert.equal(r.hostCount, 1);
    assert.deepEqual(r.remove('alpha', LOCKD)?.priv, priv(1));
    assert.deepEqual(r.find('alpha', OTHER)?.priv, priv(2));
    assert.equal(r.find('alpha', LOCKD), null);
    assert.equal(r.remove('alpha', LOCKD), null);
    r.remove('alpha', OTHER);
    assert.equal(r.size, 0);
    assert.equal(r.hostCount, 0);
  });

  it('removes every record of one my_id', () => {
    const r = new MonitorRegistry();
    for (let i = 0; i < 10; i++) r.add(rec(`h${i}`, i));
    r.add(rec('h0', 99, OTHER));
    assert.equal(r.removeAll(LOCKD).length, 10);
    assert.equal(r.size, 1);
    assert.deepEqual(r.find('h0', OTHER)?.priv, priv(99));
  });

  it('reuses priv slots: no data of a removed record leaks into a new one', () => {
    const r = new MonitorRegistry();
    r.add(rec('a', 7));
    r.remove('a', LOCKD);
    r.add({ ...rec('b'), priv: new Uint8Array([1, 2]) });
    assert.deepEqual(
      r.find('b', LOCKD)?.priv,
      new Uint8Array([1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
  });

  describe('match', () => {
    const r = new MonitorRegistry();
    r.add(rec('alpha.example.com'));
    r.setAddresses('alpha.example.com', ['10.0.0.1', '2001:db8::1']);
    r.add(rec('10.0.0.2'));
    r.add(rec('2001:DB8::2'));
    r.add(rec('Beta'));
    r.setAddresses('beta', ['::ffff:10.0.0.3']);
    const names = (name: string, addrs: string[] = []) => r.match(name, addrs).map((h) => h.monName);
    const table: Array<[string, string[], string[]]> = [
      ['alpha.example.com', [], ['alpha.example.com']],
      ['ALPHA.EXAMPLE.COM.', [], ['alpha.example.com']],
      ['alpha', ['10.0.0.1'], ['alpha.example.com']], // short name, same address
      ['alpha', [], []], // short name that resolves to nothing: no guess
      ['10.0.0.1', ['10.0.0.1'], ['alpha.example.com']],
      ['2001:db8::1', ['2001:db8::1'], ['alpha.example.com']],
      ['10.0.0.2', ['10.0.0.2'], ['10.0.0.2']],
      ['::ffff:10.0.0.2', ['10.0.0.2'], ['10.0.0.2']],
      ['2001:db8:0::2', ['2001:db8::2'], ['2001:DB8::2']],
      ['beta', [], ['Beta']],
      ['beta.example.com', ['10.0.0.3'], ['Beta']],
      ['gamma', ['10.9.9.9'], []],
    ];
    for (const [name, addrs, want] of table) {
      it(`${name} ${JSON.stringify(addrs)} -> ${JSON.stringify(want)}`, () =>
        assert.deepEqual(names(name, addrs), want));
    }
    it('drops the address index with the host', () => {
      const r2 = new MonitorRegistry();
      r2.add(rec('x'));
      r2.setAddresses('x', ['10.1.1.1']);
      r2.remove('x', LOCKD);
      assert.deepEqual(r2.match('y', ['10.1.1.1']), []);
    });
    it('finds two hosts sharing an address', () => {
      const r2 = new MonitorRegistry();
      r2.add(rec('x'));
      r2.add(rec('y'));
      r2.setAddresses('x', ['10.1.1.1']);
      r2.setAddresses('y', ['10.1.1.1']);
      assert.deepEqual(
        r2.match('z', ['10.1.1.1']).map((h) => h.monName),
        ['x', 'y'],
      );
      r2.remove('x', LOCKD);
      assert.deepEqual(
        r2.match('z', ['10.1.1.1']).map((h) => h.monName),
        ['y'],
      );
    });
  });

  it('clear empties and returns every record', () => {
    const r = new MonitorRegistry();
    for (let i = 0; i < 5; i++) r.add(rec(`10.0.0.${i}`, i));
    const all = r.clear();
    assert.equal(all.length, 5);
    assert.equal(r.size, 0);
    assert.deepEqual([...r.entries()], []);
  });
});
