// Spare files: a new host file is written into a spare made beforehand, a removed one becomes a
// spare, spares survive a restart, and nothing in the spares' directory is ever taken for a host
// or followed out of it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FsStore } from '../../../src/store/fs.js';
import { formatRecordLine } from '../../../src/store/record.js';
import { SPARE_DIR } from '../../../src/store/spares.js';
import { LOCKD, plain, rec } from './conformance.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'nsmd-spares-'));
  dirs.push(d);
  return d;
}

/** Waits until the store has `n` spares ready (an idle store fills them in the background). */
async function sparesReady(s: FsStore, n: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (s.stats().sparesReady < n) {
    if (Date.now() > until) assert.fail(`only ${s.stats().sparesReady} of ${n} spares after 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const spareNames = (dir: string) => fs.readdirSync(join(dir, 'sm', SPARE_DIR));

describe('FsStore spare files', () => {
  it('an idle store makes its spares; new host files take them, removed ones become spares', async () => {
    const dir = tempDir();
    const s = new FsStore({ dir, spareFiles: 8 });
    await s.load();
    await sparesReady(s, 8);
    assert.equal(spareNames(dir).length, 8);
    const st = fs.statSync(join(dir, 'sm', SPARE_DIR));
    assert.equal(st.mode & 0o777, 0o700);

    // Five new hosts at once: five spares used, each renamed to its host's name with its line.
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((h) => s.addMonitor(rec(h, 1))));
    assert.equal(s.stats().sparesUsed, 5);
    for (const h of ['a', 'b', 'c', 'd', 'e']) {
      const path = join(dir, 'sm', h);
      assert.equal(fs.readFileSync(path, 'latin1'), formatRecordLine(rec(h, 1)));
      assert.equal(fs.statSync(path).mode & 0o777, 0o600);
    }
    // Removing a host keeps its file as an empty spare: the name is gone, the space freed.
    assert.equal(await s.removeMonitor('a', LOCKD), true);
    assert.equal(fs.existsSync(join(dir, 'sm', 'a')), false);
    assert.equal(s.stats().sparesRecycled, 1);
    for (const n of spareNames(dir)) assert.equal(fs.statSync(join(dir, 'sm', SPARE_DIR, n)).size, 0);
    await sparesReady(s, 8);
    await s.close();

    // A restart takes the spares left; they are never read as hosts.
    const again = new FsStore({ dir, spareFiles: 8 });
    const snap = await again.load();
    assert.deepEqual(plain(snap.monitors), plain(['b', 'c', 'd', 'e'].map((h) => rec(h, 1))));
    assert.equal(again.stats().sparesReady, spareNames(dir).length);
    await again.addMonitor(rec('f', 2));
    assert.equal(again.stats().sparesUsed, 1);
    await again.close();
  });

  it('a spare that is not a plain file of ours is never written through, and the write still lands', async () => {
    const dir = tempDir();
    const s = new FsStore({ dir, spareFiles: 4 });
    await s.load();
    await sparesReady(s, 4);
    await s.close();
    // Replace every spare: a symlink to a file outside, a FIFO, a hard link, a directory.
    const outside = join(dir, 'outside');
    fs.writeFileSync(outside, 'untouched\n');
    const names = spareNames(dir).sort();
    const at = (n: string) => join(dir, 'sm', SPARE_DIR, n);
    for (const n of names) fs.rmSync(at(n));
    fs.symlinkSync(outside, at(names[0]!));
    execFileSync('mkfifo', [at(names[1]!)]);
    fs.linkSync(outside, at(names[2]!));
    fs.mkdirSync(at(names[3]!));

    // Target 4: the four found are all it keeps, so the writes below try each of them.
    const t = new FsStore({ dir, spareFiles: 4 });
    await t.load();
    await Promise.all(['p', 'q', 'r', 's', 't'].map((h) => t.addMonitor(rec(h, 3))));
    assert.equal(t.stats().sparesUsed, 0);
    for (const h of ['p', 'q', 'r', 's', 't'])
      assert.equal(fs.readFileSync(join(dir, 'sm', h), 'latin1'), formatRecordLine(rec(h, 3)));
    assert.equal(fs.readFileSync(outside, 'latin1'), 'untouched\n');
    assert.equal(fs.lstatSync(at(names[0]!)).isSymbolicLink(), true);
    assert.equal(fs.lstatSync(at(names[1]!)).isFIFO(), true);
    assert.equal(fs.statSync(at(names[3]!)).isDirectory(), true);
    await t.close();
  });

  it('spareFiles: 0 makes no spares and unlinks removed host files', async () => {
    const dir = tempDir();
    const s = new FsStore({ dir, spareFiles: 0 });
    await s.load();
    await s.addMonitor(rec('a', 1));
    assert.equal(await s.removeMonitor('a', LOCKD), true);
    await s.close();
    assert.equal(fs.existsSync(join(dir, 'sm', SPARE_DIR)), false);
    assert.deepEqual(fs.readdirSync(join(dir, 'sm')), []);
    assert.deepEqual(s.stats().sparesUsed + s.stats().sparesRecycled, 0);
  });

  it('a spare written when a crash came is never read as a host', async () => {
    const dir = tempDir();
    const s = new FsStore({ dir, spareFiles: 2 });
    await s.load();
    await sparesReady(s, 2);
    await s.close();
    const [n] = spareNames(dir);
    fs.writeFileSync(join(dir, 'sm', SPARE_DIR, n!), formatRecordLine(rec('ghost', 1)));
    const t = new FsStore({ dir, spareFiles: 2 });
    assert.deepEqual((await t.load()).monitors, []);
    await t.addMonitor(rec('real', 1));
    await t.close();
    assert.deepEqual(
      plain((await new FsStore({ dir, readOnly: true }).load()).monitors),
      plain([rec('real', 1)]),
    );
  });
});
