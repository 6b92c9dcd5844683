// Disk faults: a full file system and a read-only one. A change that cannot be made durable is
// refused and leaves the store as it was; once the fault is gone, changes work again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errnoOf, StoreError } from '../../../src/store/errors.js';
import { FsStore } from '../../../src/store/fs.js';
import { SPARE_DIR } from '../../../src/store/spares.js';
import { LOCKD, plain, rec } from './conformance.js';

const isRoot = process.getuid?.() === 0;
const noMount = isRoot ? false : 'needs root to mount a small tmpfs';

function ioError(errno: string) {
  return (e: unknown) => e instanceof StoreError && e.code === 'ERR_STORE_IO' && errnoOf(e.cause) === errno;
}

async function onDisk(dir: string) {
  const s = new FsStore({ dir, readOnly: true });
  try {
    return await s.load();
  } finally {
    await s.close();
  }
}

describe('FsStore on a full disk', { skip: noMount }, () => {
  let mnt = '';
  before(() => {
    mnt = fs.mkdtempSync(join(tmpdir(), 'nsmd-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', mnt]);
  });
  after(() => {
    if (mnt) execFileSync('umount', ['-l', mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });

  it('refuses what it cannot sync, changes nothing, and works again once space returns', async () => {
    const dir = join(mnt, 'state');
    const s = new FsStore({ dir });
    await s.load();
    // Fill the 64 KiB: every host file takes a page.
    let added = 0;
    let refusal: unknown;
    for (; added < 200; added++) {
      try {
        await s.addMonitor(rec(`h${added}`, 1));
      } catch (err) {
        refusal = err;
        break;
      }
    }
    assert.ok(added > 2 && added < 200, `filled after ${added}`);
    assert.ok(ioError('ENOSPC')(refusal), String(refusal));
    assert.match((refusal as Error).message, /could not make the change durable in .*sm\/h\d+: ENOSPC/);
    const full = (await s.load()).monitors;
    assert.equal(full.length, added);

    // Concurrent calls while full: all refused, nothing changed in memory or on disk.
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => s.addMonitor(rec(`late${i}`))),
    );
    assert.ok(results.every((r) => r.status === 'rejected' && ioError('ENOSPC')(r.reason)));
    // Replacing a line needs a new file too: refused, the old one stays whole.
    await assert.rejects(s.addMonitor(rec('h0', 9)), ioError('ENOSPC'));
    assert.deepEqual(plain((await s.load()).monitors), plain(full));
    assert.deepEqual(plain((await onDisk(dir)).monitors), plain(full));
    assert.deepEqual(
      fs.readdirSync(join(dir, 'sm')).filter((n) => n.startsWith('.') && n !== SPARE_DIR),
      [],
      'temp files were cleaned up',
    );

    // Removing a host's last record frees space without needing any.
    for (let i = 1; i <= 4; i++) assert.equal(await s.removeMonitor(`h${i}`, LOCKD), true);
    await s.addMonitor(rec('h0', 9));
    await s.addMonitor(rec('late0'));
    const now = (await s.load()).monitors;
    assert.equal(now.length, added - 4 + 1);
    assert.deepEqual(plain((await onDisk(dir)).monitors), plain(now));
    await s.close();
  });
});

describe('FsStore on a read-only file system', { skip: noMount }, () => {
  let mnt = '';
  before(() => {
    mnt = fs.mkdtempSync(join(tmpdir(), 'nsmd-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mnt]);
  });
  after(() => {
    if (mnt) execFileSync('umount', ['-l', mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });

  it('opening fails with one clear line; a store already open refuses changes until writable again', async () => {
    const dir = join(mnt, 'state');
    // No spare files: the kernel refuses a remount to read-only while one being made is open.
    const s = new FsStore({ dir, spareFiles: 0 });
    await s.load();
    await s.addMonitor(rec('a', 1));
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const err = await new FsStore({ dir }).load().catch((e) => e);
      assert.ok(err instanceof StoreError && err.code === 'ERR_STORE_OPEN', String(err));
      assert.equal(err.message, `state directory ${dir}: the directory is not writable (EROFS)`);
      // Reading still works (nsmd status).
      assert.equal((await onDisk(dir)).monitors.length, 1);

      await assert.rejects(s.addMonitor(rec('b', 1)), ioError('EROFS'));
      await assert.rejects(s.removeMonitor('a', LOCKD), ioError('EROFS'));
      await assert.rejects(s.setState(3, 'x'), ioError('EROFS'));
      const snap = await s.load();
      assert.deepEqual(plain(snap.monitors), plain([rec('a', 1)]));
      assert.equal(snap.state, 0);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
    await s.addMonitor(rec('b', 1));
    assert.equal(await s.removeMonitor('a', LOCKD), true);
    assert.deepEqual(plain((await onDisk(dir)).monitors), plain([rec('b', 1)]));
    await s.close();
  });
});

describe('FsStore on a directory without write permission', {
  skip: isRoot ? 'root ignores permissions (the read-only mount test covers this as root)' : false,
}, () => {
  it('opening fails with one clear line', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'nsmd-perm-'));
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    fs.chmodSync(join(dir, 'sm'), 0o555);
    try {
      const err = await new FsStore({ dir }).load().catch((e) => e);
      assert.ok(err instanceof StoreError && err.code === 'ERR_STORE_OPEN');
      assert.equal(err.message, `state directory ${dir}: sm/ is not writable (EACCES)`);
    } finally {
      fs.chmodSync(join(dir, 'sm'), 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
