// `nsmd demo lock-recovery` as users run it: it must pass every step and leave nothing behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { interopSkip, NSMD_MAIN, which } from '../../harness/index.js';

const skip = interopSkip(['ip', 'unshare', 'mount']);
const run = promisify(execFile);

function demoNamespaces(): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith('nsmd-demo-'));
  } catch {
    return [];
  }
}

describe('nsmd demo lock-recovery', { skip }, () => {
  test('every step holds and everything is removed', async () => {
    const before = demoNamespaces();
    const { stdout } = await run(process.execPath, [NSMD_MAIN, 'demo', 'lock-recovery', '--grace', '8'], {
      timeout: 180_000,
    }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`demo failed:\n${e.stdout}${e.stderr}`);
    });
    assert.match(stdout, /every step held/);
    assert.doesNotMatch(stdout, /FAIL/);
    for (const step of ['reclaims data.db', 'DENIED_GRACE_PERIOD', 'clientb gets GRANTED', 'state number']) {
      assert.ok(stdout.includes(step), `timeline mentions ${step}`);
    }
    assert.deepEqual(demoNamespaces(), before);
  });

  test('SIGINT in the middle still removes everything', async () => {
    const before = demoNamespaces();
    const child = execFile(process.execPath, [NSMD_MAIN, 'demo', 'lock-recovery']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
    });
    while (!out.includes('clienta') || !out.includes('locks data.db'))
      await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('close', r));
    assert.equal(code, 130);
    assert.match(out, /SIGINT: stopping and removing everything/);
    assert.deepEqual(demoNamespaces(), before);
  });

  test('says what to do when not root', {
    skip: process.getuid?.() !== 0 || !which('setpriv') ? 'needs root and setpriv' : false,
  }, async () => {
    const r = await run('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      NSMD_MAIN,
      'demo',
      'lock-recovery',
    ]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs root/);
  });
});
