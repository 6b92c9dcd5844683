import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SM_VERS_DEF } from '../../../src/proto/index.js';
import { createClient } from '../../../src/rpc/index.js';
import { type LiveDaemons, startDaemons } from '../../fuzz/daemons.js';
import { hostFiles, nsmdArgv } from '../../harness/index.js';

const run = promisify(execFile);
const skip = process.getuid?.() !== 0 ? 'needs root to mount a small tmpfs' : false;

const MY_ID = { my_name: '127.0.0.1', my_prog: 100021, my_vers: 4, my_proc: 16 };
const PRIV = new Uint8Array(16).fill(9);

/** Fills a file system until writes fail with ENOSPC. */
async function fill(dir: string): Promise<void> {
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; i < 100_000; i++) {
    try {
      await writeFile(join(dir, `filler-${i}`), chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw err;
    }
  }
  throw new Error('the file system never filled up');
}

describe('state directory faults', { skip }, () => {
  let mnt: string;
  let stateDir: string;
  let fillDir: string;
  let d: LiveDaemons;
  before(async () => {
    mnt = await mkdtemp(join(tmpdir(), 'nsmd-disk-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
    stateDir = join(mnt, 'state');
    fillDir = join(mnt, 'fill');
    await run('mkdir', ['-p', stateDir, fillDir]);
    d = await startDaemons({ stateDir });
  });
  after(async () => {
    await d?.stop();
    await run('umount', [mnt]).catch(() => {});
    await rm(mnt, { recursive: true, force: true });
  });

  test('a full disk answers stat_fail, changes nothing, and recovers once space returns', async () => {
    const c = createClient({
      host: '127.0.0.1',
      port: d.targets.nsm.port,
      transport: 'tcp',
      timeoutMs: 5000,
    });
    const sm = c.bind(SM_VERS_DEF);
    try {
      const ok = await sm.SM_MON({ mon_id: { mon_name: 'before-full', my_id: MY_ID }, priv: PRIV });
      assert.equal(ok.res_stat, 0);
      await fill(fillDir);
      const refused = await sm.SM_MON({ mon_id: { mon_name: 'while-full', my_id: MY_ID }, priv: PRIV });
      assert.equal(refused.res_stat, 1, 'SM_MON that cannot be made durable is answered stat_fail');
      assert.deepEqual(hostFiles(stateDir), ['before-full']);
      // The refused host is not monitored: SM_UNMON of it changes nothing, SM_STAT still answers.
      const stat = await sm.SM_STAT({ mon_name: 'anything' });
      assert.equal(stat.state % 2, 1);
      await rm(fillDir, { recursive: true, force: true });
      const again = await sm.SM_MON({ mon_id: { mon_name: 'after-full', my_id: MY_ID }, priv: PRIV });
      assert.equal(again.res_stat, 0);
      assert.deepEqual(hostFiles(stateDir), ['after-full', 'before-full']);
    } finally {
      c.close();
    }
  });

  test('start-up on an unusable state directory fails with one clear line', async () => {
    const notDir = join(mnt, 'not-a-directory');
    await writeFile(notDir, 'x');
    const r = await run(
      process.execPath,
      nsmdArgv(['serve', '--port', '0', '--rpcbind', 'none', '--state-dir', notDir, '--user', 'root']),
      { timeout: 15_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /not-a-directory/);
  });
});
