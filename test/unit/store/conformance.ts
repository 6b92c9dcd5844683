// The behaviour every Store must have (memory, fs, later etcd): run it with a factory per backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import type { MonitorRecord, MyId, Store } from '../../../src/store/types.js';

/** Makes stores for the conformance suite. */
export interface StoreFactory {
  /** A new, empty store (not loaded yet). */
  create(): Promise<Store>;
  /** A second instance over the same data, as after a daemon restart (not loaded yet). */
  reopen(store: Store): Promise<Store>;
}

export const LOCKD: MyId = { myName: 'client.example', prog: 100021, vers: 4, proc: 16 };

/** A record with a priv filled with one byte. */
export function rec(monName: string, privByte = 0, id: MyId = LOCKD): MonitorRecord {
  return { monName, ...id, priv: new Uint8Array(16).fill(privByte) };
}

/** Records as sorted, comparable plain values. */
export function plain(recs: MonitorRecord[]): string[] {
  return recs
    .map(
      (r) => `${r.monName}|${r.myName}|${r.prog}|${r.vers}|${r.proc}|${Buffer.from(r.priv).toString('hex')}`,
    )
    .sort();
}

/** Loads a fresh instance over the same data (what a restarted daemon sees). */
export async function reload(f: StoreFactory, s: Store) {
  await s.close();
  const again = await f.reopen(s);
  const snap = await again.load();
  await again.close();
  return snap;
}

function isCode(code: string) {
  return (err: unknown) => err instanceof StoreError && err.code === code;
}

/** Defines the conformance tests of one Store backend. */
export function runStoreConformance(name: string, f: StoreFactory): void {
  const fresh = async (): Promise<Store> => {
    const s = await f.create();
    await s.load();
    return s;
  };

  describe(`Store conformance: ${name}`, () => {
    it('starts empty with state 0 and no boot id', async () => {
      const s = await f.create();
      assert.deepEqual(await s.load(), { state: 0, bootId: null, monitors: [], notify: [] });
      await s.close();
    });

    it('keeps a monitor record, priv included, across a restart', async () => {
      const s = await fresh();
      const r = rec('server.example', 0);
      r.priv = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
      await s.addMonitor(r);
      r.priv[0] = 99; // the store holds its own copy
      const snap = await reload(f, s);
      assert.deepEqual(plain(snap.monitors), [
        `server.example|client.example|100021|4|16|00112233445566778899aabbccddeeff`,
      ]);
      assert.deepEqual(snap.notify, []);
    });

    it('SM_MON of the same (mon_name, my_id) replaces priv without a second record', async () => {
      const s = await fresh();
      await s.addMonitor(rec('a', 1));
      await s.addMonitor(rec('a', 2));
      assert.deepEqual(plain((await reload(f, s)).monitors), [plain([rec('a', 2)])[0]]);
    });

    it('keeps records of one host for different callers apart', async () => {
      const s = await fresh();
      const other: MyId = { ...LOCKD, myName: 'other' };
      const proc24: MyId = { ...LOCKD, proc: 24 };
      await s.addMonitor(rec('a', 1));
      await s.addMonitor(rec('a', 2, other));
      await s.addMonitor(rec('a', 3, proc24));
      assert.deepEqual(
        plain((await reload(f, s)).monitors),
        plain([rec('a', 1), rec('a', 2, other), rec('a', 3, proc24)]),
      );
    });

    it('removeMonitor removes only that record and says whether there was one', async () => {
      const s = await fresh();
      const other: MyId = { ...LOCKD, myName: 'other' };
      await s.addMonitor(rec('a', 1));
      await s.addMonitor(rec('a', 2, other));
      await s.addMonitor(rec('b', 3));
      assert.equal(await s.removeMonitor('a', LOCKD), true);
      assert.equal(await s.removeMonitor('a', LOCKD), false);
      assert.equal(await s.removeMonitor('zzz', LOCKD), false);
      assert.equal(await s.removeMonitor('b', { ...LOCKD, vers: 3 }), false);
      assert.deepEqual(plain((await reload(f, s)).monitors), plain([rec('a', 2, other), rec('b', 3)]));
    });

    it('removeAllMonitors removes every record of one caller and counts them', async () => {
      const s = await fresh();
      const other: MyId = { ...LOCKD, myName: 'other' };
      for (const h of ['a', 'b', 'c']) await s.addMonitor(rec(h, 1));
      await s.addMonitor(rec('a', 2, other));
      await s.addMonitor(rec('d', 2, other));
      assert.equal(await s.removeAllMonitors(LOCKD), 3);
      assert.equal(await s.removeAllMonitors(LOCKD), 0);
      assert.deepEqual(plain((await reload(f, s)).monitors), plain([rec('a', 2, other), rec('d', 2, other)]));
    });

    it('moveMonitorsToNotify moves every record and merges with hosts still pending', async () => {
      const s = await fresh();
      const other: MyId = { ...LOCKD, myName: 'other' };
      await s.addMonitor(rec('a', 1));
      await s.addMonitor(rec('b', 1));
      await s.moveMonitorsToNotify(); // a and b pending
      await s.addMonitor(rec('a', 7)); // same key as pending a: replaces it when moved
      await s.addMonitor(rec('a', 8, other)); // another caller: joins it
      await s.addMonitor(rec('c', 1));
      await s.moveMonitorsToNotify();
      const snap = await reload(f, s);
      assert.deepEqual(snap.monitors, []);
      assert.deepEqual(
        plain(snap.notify),
        plain([rec('a', 7), rec('a', 8, other), rec('b', 1), rec('c', 1)]),
      );
    });

    it('moveMonitorsToNotify of nothing is fine', async () => {
      const s = await fresh();
      await s.moveMonitorsToNotify();
      assert.deepEqual((await reload(f, s)).notify, []);
    });

    it('removeNotify drops every record of a host from the notify list', async () => {
      const s = await fresh();
      await s.addMonitor(rec('a', 1));
      await s.addMonitor(rec('a', 2, { ...LOCKD, myName: 'other' }));
      await s.addMonitor(rec('b', 1));
      await s.moveMonitorsToNotify();
      await s.removeNotify('a');
      await s.removeNotify('never-there');
      assert.deepEqual(plain((await reload(f, s)).notify), plain([rec('b', 1)]));
    });

    it('keeps the state number and boot id across a restart', async () => {
      const s = await fresh();
      await s.setState(3, 'boot-1');
      await s.setState(5, 'boot-2');
      let snap = await reload(f, s);
      assert.equal(snap.state, 5);
      assert.equal(snap.bootId, 'boot-2');
      const s2 = await f.reopen(s);
      await s2.load();
      await s2.setState(0x7fffffff, null);
      snap = await reload(f, s2);
      assert.equal(snap.state, 0x7fffffff);
      assert.equal(snap.bootId, null);
    });

    it('returns prog, vers and proc as signed 32-bit values and matches either form', async () => {
      const s = await fresh();
      const odd: MyId = { myName: 'x', prog: 0xffffffff, vers: 0x80000000, proc: 1 };
      await s.addMonitor(rec('a', 1, odd));
      const snap = await reload(f, s);
      assert.equal(snap.monitors[0]!.prog, -1);
      assert.equal(snap.monitors[0]!.vers, -0x80000000);
      const s2 = await f.reopen(s);
      await s2.load();
      assert.equal(await s2.removeMonitor('a', { myName: 'x', prog: -1, vers: -0x80000000, proc: 1 }), true);
      await s2.close();
    });

    it('refuses names that would escape the directory, hide a file or break a line', async () => {
      const s = await fresh();
      const bad = [
        '',
        '.',
        '..',
        '../etc',
        'a/b',
        '/abs',
        'a\0b',
        '.hidden',
        'a b',
        'a\nb',
        'a\tb',
        'é€',
        'x'.repeat(256),
      ];
      for (const name of bad) {
        await assert.rejects(s.addMonitor(rec(name)), isCode('ERR_STORE_NAME'), JSON.stringify(name));
        await assert.rejects(s.removeMonitor(name, LOCKD), isCode('ERR_STORE_NAME'), JSON.stringify(name));
        await assert.rejects(s.removeNotify(name), isCode('ERR_STORE_NAME'), JSON.stringify(name));
      }
      for (const myName of ['a b', 'a\0', 'l\n']) {
        await assert.rejects(s.addMonitor(rec('ok', 0, { ...LOCKD, myName })), isCode('ERR_STORE_NAME'));
        await assert.rejects(s.removeAllMonitors({ ...LOCKD, myName }), isCode('ERR_STORE_NAME'));
      }
      await assert.rejects(
        s.addMonitor({ ...rec('ok'), priv: new Uint8Array(15) }),
        isCode('ERR_STORE_VALUE'),
      );
      await assert.rejects(
        s.addMonitor(rec('ok', 0, { ...LOCKD, prog: 2 ** 32 })),
        isCode('ERR_STORE_VALUE'),
      );
      await assert.rejects(s.setState(1.5, null), isCode('ERR_STORE_VALUE'));
      await assert.rejects(s.setState(1, 'two\nlines'), isCode('ERR_STORE_VALUE'));
      assert.deepEqual((await reload(f, s)).monitors, []);
    });

    it('keeps names with any other byte, non-UTF-8 included', async () => {
      const s = await fresh();
      const names = [
        '\u00e9\u00ff\u0080',
        'x\u0085y\u00a0z',
        'a.b-c_d:e',
        '::ffff:10.0.0.1',
        'x'.repeat(255),
        '\u0001ctl',
      ];
      for (const [i, n] of names.entries())
        await s.addMonitor(rec(n, i, { ...LOCKD, myName: `\u00fe${n.slice(0, 5)}` }));
      const snap = await reload(f, s);
      assert.deepEqual(
        plain(snap.monitors),
        plain(names.map((n, i) => rec(n, i, { ...LOCKD, myName: `\u00fe${n.slice(0, 5)}` }))),
      );
    });

    it('applies concurrent calls in call order and makes all of them durable', async () => {
      const s = await fresh();
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 300; i++) calls.push(s.addMonitor(rec(`h${i % 100}`, i % 256)));
      for (let i = 0; i < 100; i += 3) calls.push(s.removeMonitor(`h${i}`, LOCKD));
      calls.push(s.addMonitor(rec('h0', 42)));
      const results = await Promise.all(calls);
      assert.deepEqual(results.slice(300, 334), Array(34).fill(true));
      const expected = [];
      for (let i = 0; i < 100; i++)
        if (i === 0 || i % 3 !== 0) expected.push(rec(`h${i}`, i === 0 ? 42 : 200 + i));
      assert.deepEqual(plain((await reload(f, s)).monitors), plain(expected));
    });

    it('rejects calls before load() and after close()', async () => {
      const s = await f.create();
      await assert.rejects(s.addMonitor(rec('a')), isCode('ERR_STORE_STATE'));
      await s.load();
      await s.close();
      await assert.rejects(s.addMonitor(rec('a')), isCode('ERR_STORE_STATE'));
      await assert.rejects(s.setState(1, null), isCode('ERR_STORE_STATE'));
    });

    it('close() waits for calls already made', async () => {
      const s = await fresh();
      const pending = Array.from({ length: 50 }, (_, i) => s.addMonitor(rec(`w${i}`)));
      await s.close();
      await Promise.all(pending);
      const again = await f.reopen(s);
      assert.equal((await again.load()).monitors.length, 50);
      await again.close();
    });
  });
}
