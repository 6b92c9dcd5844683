import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '../../fuzz/corpus.js';
import { type LiveDaemons, startDaemons } from '../../fuzz/daemons.js';
import { probe, replay, runFuzz } from '../../fuzz/fuzzer.js';
import { checkStateDir } from '../../fuzz/state-check.js';
import { hostFiles } from '../../harness/index.js';

const haveLockd = existsSync(fileURLToPath(new URL('../../../src/cli/commands/lockd.js', import.meta.url)));

describe('live daemons under fuzz', () => {
  let d: LiveDaemons;
  before(async () => {
    d = await startDaemons({ lockd: haveLockd });
  });
  after(async () => {
    await d?.stop();
  });

  test('every committed corpus input is refused and the daemons keep serving', async () => {
    const corpus = await loadCorpus();
    assert.ok(corpus.length >= 10, 'the corpus is committed');
    for (const entry of corpus) {
      const target = d.targets[entry.program];
      if (!target) continue;
      assert.ok(await replay(target, [entry.input]), `${entry.file}: ${target.name} stopped answering NULL`);
    }
    const state = await checkStateDir(d.stateDir);
    assert.deepEqual(state.problems, []);
    // Every nsm input in the corpus is invalid but one: a format-string payload is a legal name,
    // kept byte for byte as data and never used as a format.
    assert.deepEqual(hostFiles(d.stateDir), ['%n%n%n%s%s%x']);
    const line = await readFile(join(d.stateDir, 'sm', '%n%n%n%s%s%x'), 'utf8');
    assert.match(line, / %n%n%n%s%s%x 127\.0\.0\.1\n$/);
  });

  test('a short fuzz run finds no crash, no SYSTEM_ERR and leaves the state directory intact', async () => {
    const seed = Number(process.env.NSMD_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const report = await runFuzz({ targets: Object.values(d.targets), count: 4000, maxMs: 60_000, seed });
    assert.deepEqual(report.findings, [], `seed ${seed}`);
    assert.equal(report.systemErr, 0, `seed ${seed}`);
    assert.ok(report.garbageArgs > 0, 'mutated arguments were answered GARBAGE_ARGS');
    for (const t of Object.values(d.targets))
      assert.ok(await probe(t), `${t.name} answers NULL after the run`);
    const state = await checkStateDir(d.stateDir);
    assert.deepEqual(state.problems, [], `seed ${seed}`);
  });
});
