// The store's in-memory index holds the usual one-line host file compactly and any other file as its
// text. Whatever the form, what is read and what is written back must be the exact bytes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FsStore, MONITOR_DIR, NOTIFY_DIR } from '../../../src/store/fs.js';
import { formatRecordLine, LOOPBACK_FIELD, parseRecordFile } from '../../../src/store/record.js';
import type { MonitorRecord } from '../../../src/store/types.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function stateDir(files: Record<string, string>): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'nsmd-index-'));
  dirs.push(d);
  fs.mkdirSync(join(d, 'sm'));
  fs.mkdirSync(join(d, 'sm.bak'));
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(join(d, 'sm', name), content, 'latin1');
  return d;
}

const quiet = { warn: () => {}, debug: () => {} };

function record(monName: string, myName: string, prog: number, proc: number, fill: number): MonitorRecord {
  const priv = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) priv[i] = (fill + i * 17) & 0xff;
  return { monName, myName, prog, vers: 4, proc, priv };
}

const plain = (r: MonitorRecord) => ({ ...r, priv: Buffer.from(r.priv) });

/** Host file names in a directory (not the spare files' directory nor temp files). */
const hostNames = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();

describe('FsStore index forms', () => {
  const usual = record('alpha', 'client', 100021, 16, 0xf0);
  const second = record('beta', 'client', 100021, 16, 0x01);
  // Same fields, written by another writer in uppercase hex and a different address field.
  const upper = `0A00000B ${formatRecordLine(record('gamma', 'client', 100021, 16, 0xab))
    .slice(9)
    .toUpperCase()
    .replace('GAMMA CLIENT', 'gamma client')}`;
  // A negative (as signed 32-bit) program number and a second my_id in one file.
  const twoLines =
    formatRecordLine(record('delta', 'client', 0x80000001, 24, 7)) +
    formatRecordLine(record('delta', 'other', 100021, 16, 9));

  it('reads every form as parseRecordFile does, and writes back only what changed', async () => {
    const files = {
      alpha: formatRecordLine(usual),
      beta: formatRecordLine(second),
      gamma: upper,
      delta: twoLines,
    };
    const dir = stateDir(files);
    const s = new FsStore({ dir, logger: quiet });
    const snap = await s.load();
    const expected = Object.values(files).flatMap((c) => parseRecordFile(c)!);
    const key = (r: MonitorRecord) => `${r.monName} ${r.myName}`;
    assert.deepEqual(
      snap.monitors.map(plain).sort((a, b) => key(a).localeCompare(key(b))),
      expected.map(plain).sort((a, b) => key(a).localeCompare(key(b))),
    );
    assert.deepEqual(
      [...s.records(MONITOR_DIR)].map(plain).sort((a, b) => key(a).localeCompare(key(b))),
      expected.map(plain).sort((a, b) => key(a).localeCompare(key(b))),
    );
    assert.equal(upper.startsWith(LOOPBACK_FIELD), false);

    // A second my_id on a compact host: the old line is kept byte for byte, the new one appended.
    const added = record('alpha', 'client', 100021, 24, 0x33);
    await s.addMonitor(added);
    assert.equal(fs.readFileSync(join(dir, 'sm', 'alpha'), 'latin1'), files.alpha + formatRecordLine(added));
    // priv updated on a host kept as text: the other writer's line is replaced, nothing else.
    const newer = record('gamma', 'client', 100021, 16, 0x44);
    await s.addMonitor(newer);
    assert.equal(fs.readFileSync(join(dir, 'sm', 'gamma'), 'latin1'), formatRecordLine(newer));
    // Removing the only record of a compact host removes its file.
    assert.equal(await s.removeMonitor('beta', second), true);
    assert.equal(fs.existsSync(join(dir, 'sm', 'beta')), false);
    // Removing one line of a two-line file keeps the other exactly.
    assert.equal(await s.removeMonitor('delta', { myName: 'other', prog: 100021, vers: 4, proc: 16 }), true);
    assert.equal(
      fs.readFileSync(join(dir, 'sm', 'delta'), 'latin1'),
      formatRecordLine(record('delta', 'client', 0x80000001, 24, 7)),
    );
    assert.equal(await s.removeAllMonitors({ myName: 'client', prog: 100021, vers: 4, proc: 16 }), 2);
    assert.deepEqual(hostNames(join(dir, 'sm')), ['alpha', 'delta']);
    assert.equal(fs.readFileSync(join(dir, 'sm', 'alpha'), 'latin1'), formatRecordLine(added));

    // The move to sm.bak keeps the bytes of every form.
    const before = Object.fromEntries(
      hostNames(join(dir, 'sm')).map((n) => [n, fs.readFileSync(join(dir, 'sm', n), 'latin1')]),
    );
    await s.moveMonitorsToNotify();
    for (const [n, c] of Object.entries(before))
      assert.equal(fs.readFileSync(join(dir, 'sm.bak', n), 'latin1'), c);
    assert.deepEqual([...s.records(MONITOR_DIR)], []);
    assert.equal([...s.records(NOTIFY_DIR)].length, 2);
    await s.close();

    // What a restart reads equals what the running store held.
    const again = new FsStore({ dir, logger: quiet });
    const sum = await again.loadIndex();
    assert.equal(sum.monitorFiles, 0);
    assert.equal(sum.notifyFiles, 2);
    assert.deepEqual(
      [...again.records(NOTIFY_DIR)].map(plain).sort((a, b) => key(a).localeCompare(key(b))),
      Object.values(before)
        .flatMap((c) => parseRecordFile(c)!)
        .map(plain)
        .sort((a, b) => key(a).localeCompare(key(b))),
    );
    await again.close();
  });

  it('keeps a my_id the last line named once its files are gone (slot and id reuse)', async () => {
    const dir = stateDir({});
    const s = new FsStore({ dir, logger: quiet });
    await s.load();
    for (let round = 0; round < 3; round++) {
      const myName = `caller${round}`;
      const recs = ['h1', 'h2', 'h3'].map((h, i) => record(h, myName, 100021, 16, round * 3 + i));
      await Promise.all(recs.map((r) => s.addMonitor(r)));
      for (const r of recs)
        assert.equal(fs.readFileSync(join(dir, 'sm', r.monName), 'latin1'), formatRecordLine(r));
      assert.deepEqual(
        (await s.load()).monitors.map(plain).sort((a, b) => a.monName.localeCompare(b.monName)),
        recs.map(plain),
      );
      assert.equal(await s.removeAllMonitors({ myName, prog: 100021, vers: 4, proc: 16 }), 3);
    }
    assert.deepEqual((await s.load()).monitors, []);
    await s.close();
  });
});
