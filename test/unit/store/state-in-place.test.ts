import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STORE = fileURLToPath(new URL('../../../src/store/fs.js', import.meta.url));

// A stock Debian /var/lib/nfs: the directory is root's; state, sm/ and sm.bak/ belong to statd.
test('the state number can be bumped after dropping root in a directory only root may write', {
  skip: process.getuid?.() !== 0 ? 'needs root to set up the ownership' : false,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsmd-debian-layout-'));
  try {
    chmodSync(dir, 0o755);
    const nobody = { uid: 65534, gid: 65534 };
    for (const sub of ['sm', 'sm.bak']) {
      mkdirSync(join(dir, sub));
      chownSync(join(dir, sub), nobody.uid, nobody.gid);
    }
    writeFileSync(join(dir, 'state'), ''); // Debian ships it empty
    chownSync(join(dir, 'state'), nobody.uid, nobody.gid);
    writeFileSync(join(dir, 'nsmd-boot-id'), 'boot-1\n');
    const script = `
        const { FsStore } = await import(${JSON.stringify(STORE)});
        const s = new FsStore({ dir: ${JSON.stringify(dir)} });
        const snap = await s.load();
        await s.setState(snap.state + 3, 'boot-1');
        await s.close();
        console.log('ok');`;
    const scriptFile = join(dir, 'bump.mjs');
    writeFileSync(scriptFile, script);
    const r = await run('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      scriptFile,
    ]);
    assert.equal(r.stdout.trim(), 'ok');
    const buf = readFileSync(join(dir, 'state'));
    assert.equal(buf.length, 4);
    assert.equal(endianness() === 'LE' ? buf.readInt32LE(0) : buf.readInt32BE(0), 3);
    assert.equal(readFileSync(join(dir, 'nsmd-boot-id'), 'utf8'), 'boot-1\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
