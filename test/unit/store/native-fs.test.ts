// The native file-commit addon (native/fs) on its own, and FsStore's choice between it and node:fs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { FsStore } from '../../../src/store/fs.js';
import { commitFiles, type NativeFsJob, nativeFsStatus } from '../../../src/store/native-fs.js';
import { LOCKD, rec } from './conformance.js';

const native = nativeFsStatus();
const noAddon = native.available ? false : `native file commit not built: ${native.reason}`;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'nsmd-nfs-'));
  dirs.push(d);
  return d;
}

const b = (s: string) => Buffer.from(s, 'latin1');

/** A directory and its descriptor, as commitFiles takes them; close with closeSync(fd). */
function openDir(path: string): { fd: number; path: string } {
  return { fd: fs.openSync(path, 'r'), path };
}

describe('native file commit', { skip: noAddon }, () => {
  for (const syncFs of [false, true]) {
    it(`writes temp and spare files, renames them into place, owner-only, and syncs only the directories touched (${syncFs ? 'syncfs' : 'fdatasync each'})`, async () => {
      const root = tempDir();
      const sm = join(root, 'sm');
      const bak = join(root, 'sm.bak');
      const spares = join(sm, '.spares');
      for (const d of [sm, bak, spares]) fs.mkdirSync(d);
      fs.writeFileSync(join(spares, 's1'), 'old content that must go away entirely\n', { mode: 0o644 });
      const d = [openDir(sm), openDir(bak)];
      try {
        const jobs: NativeFsJob[] = [
          { kind: 'temp', dir: 0, from: b(`${sm}/.t1`), to: b(`${sm}/alpha`), data: b('line a\n') },
          { kind: 'spare', dir: 0, from: b(`${spares}/s1`), to: b(`${sm}/beta`), data: b('line b\n') },
        ];
        const r = await commitFiles(jobs, d, { mode: 0o600, syncFs });
        assert.deepEqual(
          r.jobs.map((j) => j.outcome),
          ['done', 'done'],
        );
        assert.deepEqual(r.dirs, [null, undefined]);
        assert.equal(fs.readFileSync(join(sm, 'alpha'), 'latin1'), 'line a\n');
        assert.equal(fs.readFileSync(join(sm, 'beta'), 'latin1'), 'line b\n');
        assert.equal(fs.statSync(join(sm, 'alpha')).mode & 0o777, 0o600);
        assert.equal(
          fs.statSync(join(sm, 'beta')).mode & 0o777,
          0o600,
          'a spare with group/other bits is made owner-only',
        );
        assert.deepEqual(fs.readdirSync(sm).sort(), ['.spares', 'alpha', 'beta']);
        assert.deepEqual(fs.readdirSync(spares), []);
      } finally {
        for (const x of d) fs.closeSync(x.fd);
      }
    });
  }

  it('writes a batch of more files than the descriptor limit allows open at once', async () => {
    const root = tempDir();
    const script = `
      import { commitFiles } from ${JSON.stringify(new URL('../../../src/store/native-fs.js', import.meta.url).href)};
      import { openSync } from 'node:fs';
      const root = ${JSON.stringify(root)};
      const dirs = [{ fd: openSync(root, 'r'), path: root }];
      const out = [];
      for (const syncFs of [false, true]) {
        const jobs = Array.from({ length: 1000 }, (_, i) => ({
          kind: 'temp', dir: 0, from: Buffer.from(root + '/.t' + i), to: Buffer.from(root + '/h' + syncFs + i), data: Buffer.from('x' + i),
        }));
        const r = await commitFiles(jobs, dirs, { mode: 0o600, syncFs });
        out.push(r.jobs.filter((j) => j.outcome === 'done').length, r.jobs.find((j) => j.error)?.error?.code ?? '');
      }
      console.log(JSON.stringify(out));
    `;
    // 512 descriptors: node's own take a few dozen, so 1000 files open at once would fail (EMFILE).
    const out = execFileSync(
      'prlimit',
      ['--nofile=512:512', process.execPath, '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    assert.deepEqual(JSON.parse(out), [1000, '', 1000, '']);
    assert.equal(fs.readdirSync(root).length, 2000);
  });

  it('never writes through a spare that is a hard link, a FIFO or missing, and says it is unusable', async () => {
    const root = tempDir();
    const spares = join(root, '.spares');
    fs.mkdirSync(spares);
    const precious = join(root, 'precious');
    fs.writeFileSync(precious, 'keep me\n');
    fs.linkSync(precious, join(spares, 'linked'));
    execFileSync('mkfifo', [join(spares, 'fifo')]);
    fs.symlinkSync(precious, join(spares, 'symlink'));
    const d = [openDir(root)];
    try {
      const names = ['linked', 'fifo', 'symlink', 'missing'];
      const r = await commitFiles(
        names.map((n) => ({
          kind: 'spare',
          dir: 0,
          from: b(`${spares}/${n}`),
          to: b(`${root}/host-${n}`),
          data: b('x\n'),
        })),
        d,
        { mode: 0o600 },
      );
      assert.deepEqual(
        r.jobs.map((j) => j.outcome),
        ['unusable', 'unusable', 'unusable', 'unusable'],
      );
      assert.equal(fs.readFileSync(precious, 'latin1'), 'keep me\n');
      for (const n of names) assert.equal(fs.existsSync(join(root, `host-${n}`)), false);
      assert.deepEqual(r.dirs, [undefined], 'nothing renamed: nothing to sync');
    } finally {
      for (const x of d) fs.closeSync(x.fd);
    }
  });

  it('recycles a removed host file into an empty spare, unlinks when it cannot, and takes a missing file as removed', async () => {
    const root = tempDir();
    const spares = join(root, '.spares');
    fs.mkdirSync(spares);
    fs.writeFileSync(join(root, 'gone1'), 'a record\n');
    fs.writeFileSync(join(root, 'gone2'), 'a record\n');
    const d = [openDir(root)];
    try {
      const r = await commitFiles(
        [
          { kind: 'recycle', dir: 0, from: b(`${root}/gone1`), to: b(`${spares}/n1`) },
          { kind: 'recycle', dir: 0, from: b(`${root}/gone2`), to: b(`${root}/no-such-dir/n2`) },
          { kind: 'unlink', dir: 0, from: b(`${root}/never-there`) },
        ],
        d,
        { mode: 0o600 },
      );
      assert.deepEqual(
        r.jobs.map((j) => j.outcome),
        ['done', 'unlinked', 'done'],
      );
      assert.equal(fs.statSync(join(spares, 'n1')).size, 0);
      assert.deepEqual(fs.readdirSync(root).sort(), ['.spares']);
      assert.deepEqual(r.dirs, [null]);
    } finally {
      for (const x of d) fs.closeSync(x.fd);
    }
  });

  for (const syncFs of [false, true])
    it(`reports a failed write as node:fs would and leaves no temp file behind (${syncFs ? 'syncfs' : 'fdatasync each'})`, async () => {
      const root = tempDir();
      const d = [openDir(root)];
      try {
        fs.writeFileSync(join(root, 'taken'), 'x');
        const r = await commitFiles(
          [
            { kind: 'temp', dir: 0, from: b(`${root}/missing/.t`), to: b(`${root}/a`), data: b('a\n') },
            { kind: 'temp', dir: 0, from: b(`${root}/taken`), to: b(`${root}/b`), data: b('b\n') },
            { kind: 'temp', dir: 0, from: b(`${root}/.t3`), to: b(`${root}/no-such-dir/c`), data: b('c\n') },
          ],
          d,
          { mode: 0o600, syncFs },
        );
        const [missing, taken, badTarget] = r.jobs;
        assert.equal(missing!.outcome, 'failed');
        assert.equal(missing!.error?.code, 'ENOENT');
        assert.equal(missing!.error?.syscall, 'open');
        assert.match(missing!.error!.message, /^ENOENT: no such file or directory, open '.*\/missing\/\.t'$/);
        assert.equal(taken!.error?.code, 'EEXIST', 'a temp file is created exclusively');
        assert.equal(fs.readFileSync(join(root, 'taken'), 'latin1'), 'x');
        assert.equal(badTarget!.error?.syscall, 'rename');
        assert.deepEqual(fs.readdirSync(root), ['taken'], 'the temp file of the failed rename is gone');
        assert.deepEqual(r.dirs, [undefined]);
      } finally {
        for (const x of d) fs.closeSync(x.fd);
      }
    });

  it('rejects a malformed batch before touching anything', async () => {
    const root = tempDir();
    const d = [openDir(root)];
    try {
      await assert.rejects(
        commitFiles([{ kind: 'temp', dir: 5, from: b(`${root}/.t`), to: b(`${root}/a`), data: b('a') }], d, {
          mode: 0o600,
        }),
        /out of range/,
      );
      assert.deepEqual(fs.readdirSync(root), []);
    } finally {
      for (const x of d) fs.closeSync(x.fd);
    }
  });
});

describe('FsStore io choice', () => {
  it('uses the addon when it is built (always under CI as root), node:fs when told', async () => {
    const required = process.env.NSMD_NATIVE_REQUIRED === '1' || fs.existsSync(native.path);
    const saved = process.env.NSMD_STORE_IO;
    try {
      delete process.env.NSMD_STORE_IO;
      const auto = new FsStore({ dir: tempDir() });
      assert.equal(auto.io, required ? 'native' : 'node');
      assert.equal(new FsStore({ dir: tempDir(), io: 'node' }).io, 'node');
      process.env.NSMD_STORE_IO = 'node';
      assert.equal(new FsStore({ dir: tempDir() }).io, 'node');
      if (required) assert.equal(new FsStore({ dir: tempDir(), io: 'native' }).io, 'native');
      else
        assert.throws(
          () => new FsStore({ dir: tempDir(), io: 'native' }),
          (e: unknown) => e instanceof StoreError && e.code === 'ERR_STORE_OPEN',
        );
    } finally {
      if (saved === undefined) delete process.env.NSMD_STORE_IO;
      else process.env.NSMD_STORE_IO = saved;
    }
  });

  it('a batch of calls through the addon shares one directory sync and survives a reload', {
    skip: noAddon,
  }, async () => {
    const dir = tempDir();
    const s = new FsStore({ dir, io: 'native', spareFiles: 4 });
    await s.load();
    const n = 40;
    await Promise.all(Array.from({ length: n }, (_, i) => s.addMonitor(rec(`host${i}.example`, i))));
    const st = s.stats();
    assert.equal(st.batches, 1);
    assert.equal(st.fileWrites, n);
    assert.equal(st.dirSyncs, 1);
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.removeMonitor(`host${i}.example`, LOCKD)));
    assert.equal(s.stats().fileUnlinks, 10);
    await s.close();
    const again = new FsStore({ dir, io: 'node' });
    const snap = await again.load();
    await again.close();
    assert.deepEqual(
      snap.monitors.map((m) => m.monName).sort(),
      Array.from({ length: 30 }, (_, i) => `host${i + 10}.example`).sort(),
    );
  });

  it('syncs a batch of two files or more with one syncfs under auto, file by file when told', {
    skip: noAddon,
  }, async () => {
    const saved = process.env.NSMD_STORE_SYNC;
    try {
      delete process.env.NSMD_STORE_SYNC;
      const auto = new FsStore({ dir: tempDir(), io: 'native' });
      assert.equal(auto.sync, 'auto');
      await auto.load();
      await auto.addMonitor(rec('alone.example', 1));
      assert.equal(auto.stats().syncfsBatches, 0, 'one file: its own fdatasync');
      await Promise.all([auto.addMonitor(rec('a.example', 1)), auto.addMonitor(rec('b.example', 2))]);
      assert.equal(auto.stats().syncfsBatches, 1);
      await auto.close();

      process.env.NSMD_STORE_SYNC = 'file';
      const file = new FsStore({ dir: tempDir(), io: 'native' });
      assert.equal(file.sync, 'file');
      await file.load();
      await Promise.all([file.addMonitor(rec('a.example', 1)), file.addMonitor(rec('b.example', 2))]);
      assert.equal(file.stats().syncfsBatches, 0);
      assert.equal(file.stats().fileWrites, 2);
      await file.close();
      assert.equal(
        new FsStore({ dir: tempDir(), io: 'native', sync: 'fs' }).sync,
        'fs',
        'the option wins over the environment',
      );
    } finally {
      if (saved === undefined) delete process.env.NSMD_STORE_SYNC;
      else process.env.NSMD_STORE_SYNC = saved;
    }
  });

  it('auto syncs file by file for a while after a slow syncfs; fs keeps using syncfs', {
    skip: noAddon,
  }, async () => {
    // Every syncfs counts as slow (0 ms): what a busy file system would make of them.
    const auto = new FsStore({
      dir: tempDir(),
      io: 'native',
      sync: 'auto',
      syncfsSlowMs: 0,
      syncfsBackoffMs: 300,
    });
    await auto.load();
    const pair = (i: number) =>
      Promise.all([auto.addMonitor(rec(`a${i}.example`, 1)), auto.addMonitor(rec(`b${i}.example`, 2))]);
    await pair(1);
    assert.deepEqual([auto.stats().syncfsBatches, auto.stats().syncfsSlow], [1, 1]);
    await pair(2);
    assert.equal(auto.stats().syncfsBatches, 1, 'backed off: file by file');
    assert.equal(auto.stats().fileWrites, 4);
    await new Promise((r) => setTimeout(r, 400));
    await pair(3);
    assert.equal(auto.stats().syncfsBatches, 2, 'syncfs again once the back-off is over');
    await auto.close();

    const fsOnly = new FsStore({ dir: tempDir(), io: 'native', sync: 'fs', syncfsSlowMs: 0 });
    await fsOnly.load();
    await fsOnly.addMonitor(rec('one.example', 1));
    await Promise.all([fsOnly.addMonitor(rec('a.example', 1)), fsOnly.addMonitor(rec('b.example', 2))]);
    assert.deepEqual([fsOnly.stats().syncfsBatches, fsOnly.stats().syncfsSlow], [2, 2]);
    await fsOnly.close();
  });

  it('refuses sync by syncfs without the native io, and auto then syncs file by file', () => {
    assert.equal(new FsStore({ dir: tempDir(), io: 'node', sync: 'auto' }).sync, 'file');
    assert.throws(
      () => new FsStore({ dir: tempDir(), io: 'node', sync: 'fs' }),
      (e: unknown) =>
        e instanceof StoreError && e.code === 'ERR_STORE_OPEN' && /native store io/.test(e.message),
    );
  });
});
