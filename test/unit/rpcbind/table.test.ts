import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  portOf,
  type Registration,
  RegistrationTable,
  reachableUaddr,
} from '../../../src/rpcbind/table.js';

const reg = (prog: number, vers: number, netid: string, addr: string, owner = 'unknown'): Registration => ({
  prog,
  vers,
  netid,
  addr,
  owner,
});

describe('registration table', () => {
  test('SET adds; the same entry again is accepted without a duplicate; another address is refused', () => {
    const t = new RegistrationTable();
    assert.equal(t.set(reg(100024, 1, 'udp', '0.0.0.0.3.8')), 'added');
    assert.equal(t.set(reg(100024, 1, 'udp', '0.0.0.0.3.8')), 'unchanged');
    assert.equal(t.set(reg(100024, 1, 'udp', '0.0.0.0.3.9')), 'exists');
    assert.equal(t.set(reg(100024, 1, 'tcp', '0.0.0.0.3.8')), 'added');
    assert.equal(t.set(reg(100024, 2, 'udp', '0.0.0.0.3.8')), 'added');
    assert.equal(t.size, 3);
  });

  test('the table is bounded', () => {
    const t = new RegistrationTable(2);
    assert.equal(t.set(reg(1, 1, 'udp', '0.0.0.0.0.1')), 'added');
    assert.equal(t.set(reg(2, 1, 'udp', '0.0.0.0.0.1')), 'added');
    assert.equal(t.set(reg(3, 1, 'udp', '0.0.0.0.0.1')), 'full');
    t.unset(1, 1, '', 'unknown');
    assert.equal(t.set(reg(3, 1, 'udp', '0.0.0.0.0.1')), 'added');
  });

  test('DUMP order is registration order', () => {
    const t = new RegistrationTable();
    t.set(reg(3, 1, 'udp', '0.0.0.0.0.3'));
    t.set(reg(1, 1, 'udp', '0.0.0.0.0.1'));
    t.set(reg(2, 1, 'udp6', '::.0.2'));
    assert.deepEqual(
      t.list().map((e) => e.prog),
      [3, 1, 2],
    );
  });

  test("UNSET with netid '' removes every netid of prog/vers, only that version", () => {
    const t = new RegistrationTable();
    for (const n of ['udp', 'tcp', 'udp6', 'tcp6'])
      t.set(reg(7, 1, n, n.endsWith('6') ? '::.0.7' : '0.0.0.0.0.7'));
    t.set(reg(7, 2, 'udp', '0.0.0.0.0.8'));
    assert.deepEqual(t.unset(7, 1, '', 'unknown'), { removed: 4 });
    assert.deepEqual(
      t.list().map((e) => [e.vers, e.netid]),
      [[2, 'udp']],
    );
  });

  test('UNSET of something not registered succeeds and removes nothing (rpcbind answers true)', () => {
    const t = new RegistrationTable();
    t.set(reg(7, 1, 'udp', '0.0.0.0.0.7'));
    assert.deepEqual(t.unset(8, 1, '', 'unknown'), { removed: 0 });
    assert.deepEqual(t.unset(7, 1, 'tcp', 'unknown'), { removed: 0 });
    assert.equal(t.size, 1);
  });

  test("a caller may not remove another owner's entries; superuser may remove any", () => {
    const t = new RegistrationTable();
    t.set(reg(100000, 2, 'udp', '0.0.0.0.0.111', 'superuser'));
    t.set(reg(100000, 2, 'tcp', '0.0.0.0.0.111', 'unknown'));
    assert.equal(t.unset(100000, 2, '', 'unknown'), 'denied');
    assert.equal(t.size, 2, 'a denied UNSET removes nothing, not even the caller-owned entries');
    assert.deepEqual(t.unset(100000, 2, 'tcp', 'unknown'), { removed: 1 });
    assert.deepEqual(t.unset(100000, 2, '', 'superuser'), { removed: 1 });
    assert.equal(t.size, 0);
  });

  test('lookup prefers the exact version, else the last entry of any version on that netid', () => {
    const t = new RegistrationTable();
    t.set(reg(9, 1, 'udp', '0.0.0.0.0.1'));
    t.set(reg(9, 3, 'udp', '0.0.0.0.0.3'));
    t.set(reg(9, 2, 'udp', '0.0.0.0.0.2'));
    t.set(reg(9, 4, 'tcp', '0.0.0.0.0.4'));
    assert.equal(t.lookup(9, 3, 'udp')?.addr, '0.0.0.0.0.3');
    assert.equal(t.lookup(9, 7, 'udp')?.addr, '0.0.0.0.0.2');
    assert.equal(t.lookup(9, 0, 'tcp')?.addr, '0.0.0.0.0.4');
    assert.equal(t.lookup(9, 7, 'udp', true), undefined);
    assert.equal(t.lookup(9, 1, 'udp6'), undefined);
    assert.equal(t.lookup(10, 1, 'udp'), undefined);
    assert.equal(t.lookup(9, 1, 'UDP')?.addr, '0.0.0.0.0.1', 'netids compare without case, as rpcbind does');
  });

  test('the portmap v2 view lists udp and tcp entries of every version, with ports from the address', () => {
    const t = new RegistrationTable();
    t.set(reg(100000, 4, 'tcp6', '::.0.111'));
    t.set(reg(100000, 4, 'tcp', '0.0.0.0.0.111'));
    t.set(reg(100024, 1, 'udp', '127.0.0.1.3.8'));
    t.set(reg(100024, 1, 'local', '/run/rpcbind.sock'));
    t.set(reg(200002, 1, 'udp', 'garbage'));
    assert.deepEqual(t.pmapList(), [
      { prog: 100000, vers: 4, prot: IPPROTO_TCP, port: 111 },
      { prog: 100024, vers: 1, prot: IPPROTO_UDP, port: 776 },
    ]);
    assert.equal(portOf(reg(1, 1, 'udp6', '::.0.1')), undefined);
  });

  test('a wildcard address is answered with a local address the caller can reach', () => {
    const local = (family: 4 | 6) => (family === 4 ? '10.199.0.1' : 'fd00:199::1');
    assert.equal(reachableUaddr(reg(1, 1, 'udp', '0.0.0.0.3.8'), local), '10.199.0.1.3.8');
    assert.equal(reachableUaddr(reg(1, 1, 'tcp6', '::.3.8'), local), 'fd00:199::1.3.8');
    assert.equal(reachableUaddr(reg(1, 1, 'udp', '10.0.0.5.3.8'), local), '10.0.0.5.3.8');
    assert.equal(
      reachableUaddr(reg(1, 1, 'udp', '0.0.0.0.3.8'), () => undefined),
      '0.0.0.0.3.8',
    );
    assert.equal(reachableUaddr(reg(1, 1, 'local', '/run/x.sock'), local), '/run/x.sock');
    assert.equal(reachableUaddr(reg(1, 1, 'udp', 'garbage'), local), 'garbage');
  });
});

describe('registration table model', () => {
  test('property: any sequence of SET and UNSET matches a simple model', async () => {
    const fc = (await import('fast-check')).default;
    const key = fc.record({
      prog: fc.integer({ min: 1, max: 3 }),
      vers: fc.integer({ min: 1, max: 2 }),
      netid: fc.constantFrom('udp', 'tcp', 'udp6'),
    });
    const action = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key,
        port: fc.integer({ min: 1, max: 3 }),
        owner: fc.constantFrom('a', 'b'),
      }),
      fc.record({
        kind: fc.constant('unset' as const),
        key,
        all: fc.boolean(),
        owner: fc.constantFrom('a', 'b', 'superuser'),
      }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const t = new RegistrationTable(5);
        let model: Registration[] = [];
        for (const a of actions) {
          const addr =
            a.key.netid === 'udp6'
              ? `::.0.${'port' in a ? a.port : 0}`
              : `0.0.0.0.0.${'port' in a ? a.port : 0}`;
          if (a.kind === 'set') {
            const same = model.find(
              (e) => e.prog === a.key.prog && e.vers === a.key.vers && e.netid === a.key.netid,
            );
            const expected = same
              ? same.addr === addr
                ? 'unchanged'
                : 'exists'
              : model.length >= 5
                ? 'full'
                : 'added';
            assert.equal(t.set({ ...a.key, addr, owner: a.owner }), expected);
            if (expected === 'added') model.push({ ...a.key, addr, owner: a.owner });
          } else {
            const netid = a.all ? '' : a.key.netid;
            const hit = (e: Registration) =>
              e.prog === a.key.prog && e.vers === a.key.vers && (netid === '' || e.netid === netid);
            const denied = a.owner !== 'superuser' && model.some((e) => hit(e) && e.owner !== a.owner);
            const out = t.unset(a.key.prog, a.key.vers, netid, a.owner);
            if (denied) assert.equal(out, 'denied');
            else {
              assert.deepEqual(out, { removed: model.filter(hit).length });
              model = model.filter((e) => !hit(e));
            }
          }
          assert.deepEqual(t.list(), model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
