import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeRange, parseRange, statName } from '../../../src/nlm/client.js';
import { NlmError } from '../../../src/nlm/errors.js';
import { describeHandle, fileHandle } from '../../../src/nlm/fh.js';
import { OFFSET_MAX } from '../../../src/nlm/lock-table.js';
import { ShareTable } from '../../../src/nlm/shares.js';

const NSMD = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const run = promisify(execFile);

describe('ranges and names', () => {
  it('parses START-END, START- and START-eof', () => {
    assert.deepEqual(parseRange('0-99'), { offset: 0n, length: 100n });
    assert.deepEqual(parseRange('100-'), { offset: 100n, length: 0n });
    assert.deepEqual(parseRange('100-eof'), { offset: 100n, length: 0n });
    assert.deepEqual(parseRange(`0-${OFFSET_MAX}`), { offset: 0n, length: 0n });
    assert.deepEqual(parseRange('18446744073709551614-18446744073709551614'), {
      offset: OFFSET_MAX - 1n,
      length: 1n,
    });
  });
  it('refuses bad ranges', () => {
    for (const bad of ['', '5', '9-3', '-3', 'a-b', `0-${OFFSET_MAX + 1n}`, `${OFFSET_MAX + 1n}-`]) {
      assert.throws(() => parseRange(bad), NlmError, bad);
    }
  });
  it('prints ranges and statuses for people', () => {
    assert.equal(describeRange({ offset: 0n, length: 100n }), '[0-99]');
    assert.equal(describeRange({ offset: 5n, length: 0n }), '[5-eof]');
    assert.equal(statName(4), 'NLM4_DENIED_GRACE_PERIOD');
    assert.equal(statName(42), 'status 42');
  });
  it('makes file handles from names, at most 1024 bytes', () => {
    assert.deepEqual([...fileHandle('ab')], [97, 98]);
    assert.equal(fileHandle('é').length, 2);
    assert.throws(() => fileHandle(''), NlmError);
    assert.throws(() => fileHandle('x'.repeat(1025)), NlmError);
    assert.equal(describeHandle(fileHandle('data.db')), 'data.db');
    assert.equal(describeHandle(Uint8Array.of(0, 255)), '0x00ff');
  });
});

describe('share reservations', () => {
  it('conflict when one access meets the other deny mode', () => {
    const t = new ShareTable();
    assert.ok(t.share('f', { caller: 'a', oh: 'o', mode: 2, access: 1 })); // read, deny write
    assert.ok(!t.share('f', { caller: 'b', oh: 'o', mode: 0, access: 3 })); // read+write
    assert.ok(!t.share('f', { caller: 'b', oh: 'o', mode: 1, access: 1 })); // deny read vs a's read
    assert.ok(t.share('f', { caller: 'b', oh: 'o', mode: 0, access: 1 }));
    assert.ok(t.share('f', { caller: 'a', oh: 'o', mode: 0, access: 1 }), 'own share replaced');
    assert.equal(t.count('a'), 1);
    t.freeAll('a');
    assert.equal(t.count('a'), 0);
    assert.ok(t.share('f', { caller: 'c', oh: 'o', mode: 2, access: 1 }));
    t.unshare('f', 'b', 'o');
    assert.equal(t.count('b'), 0);
  });
});

describe('CLI usage', () => {
  for (const args of [
    ['lock', 'onlyserver'],
    ['lock', 's', 'f', '--range', 'x'],
    ['locks'],
    ['unlock', 's'],
    ['lockd', '--grace', 'soon'],
    ['demo', 'other'],
  ]) {
    it(`nsmd ${args.join(' ')} exits 2`, async () => {
      const r = await run(process.execPath, [NSMD, ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    });
  }
});
