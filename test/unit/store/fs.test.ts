import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError } from '../../../src/store/errors.js';
import { BOOT_ID_FILE, FsStore } from '../../../src/store/fs.js';
import type { StoreLogger } from '../../../src/store/logger.js';
import { LOOPBACK_FIELD } from '../../../src/store/record.js';
import { SPARE_DIR } from '../../../src/store/spares.js';
import { LOCKD, plain, rec, runStoreConformance } from './conformance.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'nsmd-store-'));
  dirs.push(d);
  return d;
}

/** A logger that keeps warnings. */
function recorder(): StoreLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => warnings.push(m), debug: () => {} };
}

/** Loads a directory once, as a restarted daemon would, and closes the store. */
async function loadOnce(dir: string, logger?: StoreLogger) {
  const s = new FsStore(logger ? { dir, logger } : { dir });
  try {
    return await s.load();
  } finally {
    await s.close();
  }
}

async function open(dir: string, logger: StoreLogger = recorder()): Promise<FsStore> {
  const s = new FsStore({ dir, logger });
  await s.load();
  return s;
}

/** File names of a directory as byte strings (exact bytes on disk), but for the spare files' directory. */
function names(dir: string): string[] {
  return fs
    .readdirSync(dir, { encoding: 'buffer' })
    .map((b) => b.toString('latin1'))
    .filter((n) => n !== SPARE_DIR)
    .sort();
}

const isLE = endianness() === 'LE';
const line = (mon: string, my = 'client.example', privHex = '0'.repeat(32), vers = 4) =>
  `${LOOPBACK_FIELD} 000186b5 ${vers.toString(16).padStart(8, '0')} 00000010 ${privHex} ${mon} ${my}\n`;

runStoreConformance('FsStore', {
  create: async () => new FsStore({ dir: tempDir() }),
  reopen: async (s) => new FsStore({ dir: (s as FsStore).dir }),
});

describe('FsStore: nfs-utils layout', () => {
  it('reads a directory as rpc.statd writes it, and writes the same bytes', {
    skip: !isLE && 'x86 fixture',
  }, async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    // Lines as Debian's rpc.statd 2.6.2 wrote them for SM_MON from the kernel's lockd.
    const first =
      '0100007f 000186b5 00000004 00000010 00000000000000000000000000000000 127.0.0.10 127.0.0.1\n';
    const second =
      '0100007f 000186b5 00000004 00000010 abababababababababababababababab 127.0.0.10 otherlockd\n';
    fs.writeFileSync(join(dir, 'sm', '127.0.0.10'), first + second);
    fs.writeFileSync(join(dir, 'sm.bak', 'peer'), line('peer', 'me'));
    fs.writeFileSync(join(dir, 'state'), Buffer.from([0x07, 0, 0, 0]));
    const s = new FsStore({ dir });
    const snap = await s.load();
    assert.equal(snap.state, 7);
    assert.deepEqual(plain(snap.monitors), [
      '127.0.0.10|127.0.0.1|100021|4|16|00000000000000000000000000000000',
      '127.0.0.10|otherlockd|100021|4|16|abababababababababababababababab',
    ]);
    assert.deepEqual(plain(snap.notify), ['peer|me|100021|4|16|00000000000000000000000000000000']);

    const me = { myName: '127.0.0.1', prog: 100021, vers: 4, proc: 16 };
    // A new caller for the same host: one more line, the others untouched.
    await s.addMonitor({ monName: '127.0.0.10', ...me, vers: 3, priv: new Uint8Array(16).fill(1) });
    const third =
      '0100007f 000186b5 00000003 00000010 01010101010101010101010101010101 127.0.0.10 127.0.0.1\n';
    assert.equal(fs.readFileSync(join(dir, 'sm', '127.0.0.10'), 'latin1'), first + second + third);
    // SM_MON again with a new priv: the line is replaced in place.
    await s.addMonitor({ monName: '127.0.0.10', ...me, priv: new Uint8Array(16).fill(0xcd) });
    assert.equal(
      fs.readFileSync(join(dir, 'sm', '127.0.0.10'), 'latin1'),
      first.replace('0'.repeat(32), 'cd'.repeat(16)) + second + third,
    );
    assert.equal(await s.removeMonitor('127.0.0.10', { ...me, myName: 'otherlockd' }), true);
    assert.equal(
      fs.readFileSync(join(dir, 'sm', '127.0.0.10'), 'latin1'),
      first.replace('0'.repeat(32), 'cd'.repeat(16)) + third,
    );
    // A new host: a new file named after mon_name holding exactly its line.
    await s.addMonitor({ monName: 'new.example', ...me, priv: new Uint8Array(16) });
    assert.equal(
      fs.readFileSync(join(dir, 'sm', 'new.example'), 'latin1'),
      '0100007f 000186b5 00000004 00000010 00000000000000000000000000000000 new.example 127.0.0.1\n',
    );
    await s.close();
  });

  it('state is 4 bytes in native byte order; the boot id has its own file', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.setState(0x01020305, 'f00d-boot');
    const expected = isLE ? [0x05, 0x03, 0x02, 0x01] : [0x01, 0x02, 0x03, 0x05];
    assert.deepEqual([...fs.readFileSync(join(dir, 'state'))], expected);
    assert.equal(fs.readFileSync(join(dir, BOOT_ID_FILE), 'latin1'), 'f00d-boot\n');
    assert.equal(BOOT_ID_FILE, 'nsmd-boot-id');
    await s.setState(-3, null);
    assert.deepEqual([...fs.readFileSync(join(dir, 'state'))], [0xfd, 0xff, 0xff, 0xff]);
    assert.equal(fs.existsSync(join(dir, BOOT_ID_FILE)), false);
    await s.close();
    fs.writeFileSync(join(dir, 'state'), Buffer.from(isLE ? [0x0b, 0, 0, 0] : [0, 0, 0, 0x0b]));
    assert.equal((await loadOnce(dir)).state, 11);
  });

  it('an empty or short state file (a fresh Debian install) reads as 0', async () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, 'state'), '');
    assert.equal((await loadOnce(dir)).state, 0);
    fs.writeFileSync(join(dir, 'state'), Buffer.from([1, 2]));
    const log = recorder();
    assert.equal((await loadOnce(dir, log)).state, 0);
    assert.equal(log.warnings.length, 1);
  });

  it('file names are exactly the bytes of mon_name', async () => {
    const dir = tempDir();
    const s = await open(dir);
    const odd = 'h\u00e9\u00ff\u0085'; // not UTF-8
    await s.addMonitor(rec(odd));
    assert.deepEqual(names(join(dir, 'sm')), [odd]);
    assert.ok(fs.existsSync(Buffer.from(join(dir, 'sm', odd), 'latin1')));
    await s.close();
  });

  it('host files are 0600 like rpc.statd makes them, state 0644', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.addMonitor(rec('a'));
    await s.setState(1, null);
    assert.equal(fs.statSync(join(dir, 'sm', 'a')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(join(dir, 'state')).mode & 0o777, 0o644 & ~process.umask());
    await s.close();
  });

  it('removing the last record of a host removes its file', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.addMonitor(rec('a'));
    await s.addMonitor(rec('a', 0, { ...LOCKD, myName: 'x' }));
    await s.removeMonitor('a', LOCKD);
    assert.deepEqual(names(join(dir, 'sm')), ['a']);
    await s.removeMonitor('a', { ...LOCKD, myName: 'x' });
    assert.deepEqual(names(join(dir, 'sm')), []);
    await s.moveMonitorsToNotify();
    await s.addMonitor(rec('b'));
    await s.moveMonitorsToNotify();
    await s.removeNotify('b');
    assert.deepEqual(names(join(dir, 'sm.bak')), []);
    await s.close();
  });

  it('moves sm/ to sm.bak/ merging with a pending file of the same host', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    fs.writeFileSync(
      join(dir, 'sm.bak', 'a'),
      line('a', 'old') + line('a', 'client.example', '11'.repeat(16)),
    );
    const s = await open(dir);
    await s.addMonitor(rec('a', 0x22));
    await s.addMonitor(rec('b', 0x33));
    await s.moveMonitorsToNotify();
    assert.deepEqual(names(join(dir, 'sm')), []);
    assert.deepEqual(names(join(dir, 'sm.bak')), ['a', 'b']);
    assert.equal(
      fs.readFileSync(join(dir, 'sm.bak', 'a'), 'latin1'),
      line('a', 'old') + line('a', 'client.example', '22'.repeat(16)),
    );
    await s.close();
  });

  it('never takes a stray, temp, hidden, broken or non-regular file for a host', async () => {
    const dir = tempDir();
    const sm = join(dir, 'sm');
    fs.mkdirSync(sm);
    fs.mkdirSync(join(dir, 'sm.bak'));
    fs.writeFileSync(join(sm, 'good'), line('good'));
    fs.writeFileSync(join(sm, '.good.new'), line('tempname')); // nfs-utils temp file
    fs.writeFileSync(join(sm, '.nsmd.1.2.tmp'), line('ourtemp')); // ours, left by a kill
    fs.writeFileSync(join(sm, 'garbage'), 'hello world\n');
    fs.writeFileSync(join(sm, 'half'), line('half') + 'junk\n');
    fs.writeFileSync(join(sm, 'empty'), '');
    fs.writeFileSync(join(sm, 'torn'), line('torn').slice(0, 50));
    fs.writeFileSync(join(sm, 'bad name'), line('spaced'));
    fs.writeFileSync(join(dir, 'elsewhere'), line('viasymlink'));
    fs.symlinkSync(join(dir, 'elsewhere'), join(sm, 'link'));
    fs.mkdirSync(join(sm, 'subdir'));
    fs.writeFileSync(join(sm, 'subdir', 'inner'), line('inner'));
    execFileSync('mkfifo', [join(sm, 'fifo')]);
    const log = recorder();
    const snap = await loadOnce(dir, log);
    assert.deepEqual(plain(snap.monitors), plain([rec('good')]));
    for (const n of ['.good.new', 'garbage', 'half', 'empty', 'torn', 'bad name', 'link', 'subdir', 'fifo']) {
      assert.ok(
        log.warnings.some((w) => w.includes(n.includes(' ') ? JSON.stringify(n) : n)),
        `no warning for ${n}: ${log.warnings.join('; ')}`,
      );
    }
    // Our own leftover temp file is removed, nfs-utils' is left alone.
    assert.equal(fs.existsSync(join(sm, '.nsmd.1.2.tmp')), false);
    assert.equal(fs.existsSync(join(sm, '.good.new')), true);
  });

  it('a file named after the canonical name (rpc.statd does that) serves its mon_names', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    fs.writeFileSync(join(dir, 'sm', 'server.example.com'), line('server') + line('10.0.0.5'));
    const s = await open(dir);
    assert.deepEqual(plain((await s.load()).monitors), plain([rec('server'), rec('10.0.0.5')]));
    await s.addMonitor(rec('server', 9)); // replaced where it is, no second file
    assert.deepEqual(names(join(dir, 'sm')), ['server.example.com']);
    assert.equal(await s.removeMonitor('10.0.0.5', LOCKD), true);
    assert.equal(
      fs.readFileSync(join(dir, 'sm', 'server.example.com'), 'latin1'),
      line('server', undefined, '09'.repeat(16)),
    );
    assert.equal(await s.removeMonitor('server', LOCKD), true);
    assert.deepEqual(names(join(dir, 'sm')), []);
    await s.close();
  });

  it('a repeated record in a file counts once, the last line winning', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'), { recursive: true });
    fs.writeFileSync(
      join(dir, 'sm', 'a'),
      line('a', undefined, '01'.repeat(16)) + line('a', undefined, '02'.repeat(16)),
    );
    const snap = await loadOnce(dir);
    assert.deepEqual(plain(snap.monitors), plain([rec('a', 2)]));
  });

  it('group commit: callers that call again right after their answer share the next sync', async () => {
    // 32 callers, each calling again soon after its answer (as a lock manager does with a window
    // of calls over the network): batches stay whole instead of splitting into parts that alternate.
    const dir = tempDir();
    const s = await open(dir);
    const before = s.stats();
    const rounds = 20;
    await Promise.all(
      Array.from({ length: 32 }, async (_, c) => {
        for (let i = 0; i < rounds; i++) {
          await s.addMonitor(rec(`c${c}-${i}`, i));
          // Answers reach callers spread over a few turns, as datagrams do.
          for (let h = 0; h < c % 6; h++) await new Promise((r) => setImmediate(r));
        }
      }),
    );
    const syncs = s.stats().dirSyncs - before.dirSyncs;
    assert.ok(syncs <= rounds + 4, `${syncs} directory syncs for ${rounds} rounds of 32 callers`);
    await s.close();
  });

  it('group commit: concurrent calls share directory syncs, changes to one file are one write', async () => {
    const dir = tempDir();
    const s = await open(dir);
    const before = s.stats();
    await Promise.all(Array.from({ length: 500 }, (_, i) => s.addMonitor(rec(`host${i}`, i))));
    let st = s.stats();
    assert.equal(st.calls - before.calls, 500);
    assert.equal(st.fileWrites - before.fileWrites, 500);
    assert.ok(st.dirSyncs - before.dirSyncs < 50, `dir syncs ${st.dirSyncs - before.dirSyncs} for 500 calls`);
    // 200 callers of one host in one turn: far fewer writes than calls.
    const b2 = s.stats();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => s.addMonitor(rec('shared', 1, { ...LOCKD, myName: `c${i}` }))),
    );
    st = s.stats();
    assert.ok(st.fileWrites - b2.fileWrites <= 5, `${st.fileWrites - b2.fileWrites} writes`);
    await s.close();
    const snap = await loadOnce(dir);
    assert.equal(snap.monitors.length, 700);
    assert.equal(fs.readFileSync(join(dir, 'sm', 'shared'), 'latin1').split('\n').length, 201);
  });

  it('a call that reads a file another call of its batch wrote shares its fate', async () => {
    const dir = tempDir();
    const s = await open(dir);
    const [added, removed, again] = await Promise.all([
      s.addMonitor(rec('x', 1)),
      s.removeMonitor('x', LOCKD),
      s.removeMonitor('x', LOCKD),
    ]);
    assert.deepEqual([added, removed, again], [undefined, true, false]);
    assert.deepEqual(names(join(dir, 'sm')), []);
    await s.close();
  });
});

describe('FsStore: loading many hosts', () => {
  it('reads directories bigger than one reader chunk, with one reader or several', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    const n = 9000; // more than two chunks of 4096
    for (let i = 0; i < n; i++) fs.writeFileSync(join(dir, 'sm', `h${i}`), line(`h${i}`));
    fs.writeFileSync(join(dir, 'sm', 'zz bad'), 'x\n');
    for (const readers of [1, 2, 3]) {
      const log = recorder();
      const s = new FsStore({ dir, logger: log, readers });
      const snap = await s.load();
      assert.equal(snap.monitors.length, n, `readers ${readers}`);
      assert.equal(new Set(snap.monitors.map((r) => r.monName)).size, n);
      assert.equal(log.warnings.length, 1);
      assert.equal(await s.removeMonitor('h8999', LOCKD), true);
      await s.addMonitor(rec('h8999'));
      await s.close();
    }
  });
});

describe('FsStore: loading leaves the files as they were', () => {
  it('reads host files without updating their access time (no inode dirtied at start-up)', async (t) => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    const host = join(dir, 'sm', 'h1');
    const control = join(dir, 'control');
    for (const f of [host, control]) {
      fs.writeFileSync(f, line('h1'));
      // Read last long before it was written: relatime updates such an atime on the next read.
      const { mtime } = fs.statSync(f);
      fs.utimesSync(f, new Date(mtime.getTime() - 3_600_000), mtime);
    }
    const before = fs.statSync(control).atimeMs;
    fs.readFileSync(control);
    if (fs.statSync(control).atimeMs === before) {
      t.skip('this file system does not update access times (noatime)');
      return;
    }
    const hostBefore = fs.statSync(host).atimeMs;
    const s = new FsStore({ dir });
    assert.equal((await s.load()).monitors.length, 1);
    await s.close();
    assert.equal(fs.statSync(host).atimeMs, hostBefore);
  });
});

describe('FsStore: opening', () => {
  it('creates the directory, sm/ and sm.bak/ when missing', async () => {
    const dir = join(tempDir(), 'a', 'b');
    const s = await open(dir);
    assert.deepEqual(names(dir), ['sm', 'sm.bak']);
    await s.close();
  });

  it('a path that is not a directory fails with one clear error', async () => {
    const base = tempDir();
    fs.writeFileSync(join(base, 'file'), 'x');
    const err = await new FsStore({ dir: join(base, 'file') }).load().catch((e) => e);
    assert.ok(err instanceof StoreError && err.code === 'ERR_STORE_OPEN');
    assert.match(err.message, /^state directory .*\/file: the directory is not a directory$/);
    const err2 = await new FsStore({ dir: join(base, 'file', 'sub') }).load().catch((e) => e);
    assert.equal(err2.code, 'ERR_STORE_OPEN');
    assert.match(err2.message, /\(ENOTDIR\)$/);
    fs.mkdirSync(join(base, 'd'));
    fs.writeFileSync(join(base, 'd', 'sm'), 'x');
    const err3 = await new FsStore({ dir: join(base, 'd') }).load().catch((e) => e);
    assert.equal(err3.code, 'ERR_STORE_OPEN');
    assert.match(err3.message, /sm\/ is not a directory/);
    assert.doesNotMatch(err3.message, /\n/);
  });

  it('read-only mode reads without creating anything and refuses changes', async () => {
    const dir = tempDir();
    const s = new FsStore({ dir, readOnly: true });
    assert.deepEqual(await s.load(), { state: 0, bootId: null, monitors: [], notify: [] });
    assert.deepEqual(names(dir), []);
    await assert.rejects(
      s.addMonitor(rec('a')),
      (e) => e instanceof StoreError && e.code === 'ERR_STORE_STATE',
    );
    await s.close();
  });

  it('as root, new files belong to the owner of sm/ (the user rpc.statd runs as)', {
    skip: process.getuid?.() !== 0 && 'needs root',
  }, async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sm'));
    fs.mkdirSync(join(dir, 'sm.bak'));
    fs.chownSync(join(dir, 'sm'), 65534, 65534);
    fs.chownSync(join(dir, 'sm.bak'), 65534, 65534);
    const s = await open(dir);
    await s.addMonitor(rec('a'));
    await s.setState(1, 'b');
    await s.moveMonitorsToNotify();
    await s.addMonitor(rec('b'));
    for (const p of ['sm/b', 'sm.bak/a', 'state', BOOT_ID_FILE]) {
      assert.equal(fs.statSync(join(dir, p)).uid, 65534, p);
    }
    await s.close();
  });
});
