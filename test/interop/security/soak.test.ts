// The soak's short form: about 40 s of mixed load from three client hosts and the server's own
// lock manager role, with restarts (kill -9 and SIGTERM). Nothing acknowledged may be lost, the
// state directory stays intact, the daemon answers at the end. Memory and latency are reported;
// only an obvious leak (RSS doubling over the last daemon's life) fails the test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { interopSkip } from '../../harness/index.js';
import { runSoak } from '../../soak/soak.js';

const skip = interopSkip(['ip', 'unshare', 'mount', 'rpcinfo']);
const SECONDS = Number(process.env.NSMD_SOAK_SECONDS ?? 40);

describe('soak (short)', { skip }, () => {
  test(`${SECONDS} s of mixed load with restarts loses nothing acknowledged`, {
    timeout: SECONDS * 1000 + 180_000,
  }, async () => {
    const r = await runSoak({ seconds: SECONDS, restarts: 3 });
    const { series: _series, ...rss } = r.rss;
    process.stderr.write(
      `soak: ${JSON.stringify({ restarts: r.restarts, changes: r.changes, queries: r.queries, latencyMs: r.latencyMs, callbacks: r.callbacks, rss })}\n`,
    );
    assert.deepEqual(r.lost, [], 'acknowledged changes lost');
    assert.deepEqual(r.stateDirProblems, []);
    assert.ok(r.answersAtEnd, 'the daemon answers NULL over UDP and TCP at the end');
    assert.equal(r.changes.refused, 0, 'no valid SM_MON answered stat_fail');
    assert.ok(r.changes.acknowledged > 500, `only ${r.changes.acknowledged} changes acknowledged`);
    assert.equal(r.restarts.sigkill + r.restarts.sigterm, 3);
    assert.equal(r.restarts.cleanExits, r.restarts.sigterm + 1, 'SIGTERM stops the daemon with exit 0');
    for (const proc of ['SM_STAT', 'SM_NOTIFY']) {
      const q = r.queries[proc];
      assert.ok(q && q.ok > 100, `${proc} from the client hosts answered: ${JSON.stringify(q)}`);
    }
    assert.ok(r.callbacks > 0, 'SM_NOTIFY from monitored hosts made the daemon call the lock manager back');
    assert.ok(r.rss.final.samples >= 6, `${r.rss.final.samples} RSS samples of the last daemon`);
    assert.ok(
      r.rss.final.growth < 2,
      `RSS of the last daemon grew ${r.rss.final.growth}x (middle third to last third)`,
    );
  });
});
