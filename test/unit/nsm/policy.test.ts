import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Policy } from '../../../src/nsm/policy.js';
import { caller, FakeClock } from './helpers.js';

const LOCKD = { myName: 'me', prog: 100021, vers: 3, proc: 16 };

describe('Policy', () => {
  it('SM_MON-like calls only from loopback', () => {
    const p = new Policy();
    assert.equal(p.checkLocalCaller(caller('127.0.0.1', 40000)), null);
    assert.equal(p.checkLocalCaller(caller('::1', 40000)), null);
    assert.equal(p.checkLocalCaller(caller('10.0.0.2', 700)), 'not-loopback');
  });

  it('SM_SIMU_CRASH only from loopback and a privileged port', () => {
    const p = new Policy();
    assert.equal(p.checkSimuCrash(caller('127.0.0.1', 1023)), null);
    assert.equal(p.checkSimuCrash(caller('127.0.0.1', 1024)), 'not-privileged-port');
    assert.equal(p.checkSimuCrash(caller('10.0.0.2', 700)), 'not-loopback');
  });

  it('checks names and the callback program like nfs-utils, with an option to relax the program', () => {
    const p = new Policy();
    assert.equal(p.checkMonitor('alpha', LOCKD), null);
    assert.equal(p.checkMonitor('alpha', { ...LOCKD, proc: 24 }), null);
    assert.equal(p.checkMonitor('alpha', { ...LOCKD, proc: 17 }), 'callback-program');
    assert.equal(p.checkMonitor('alpha', { ...LOCKD, prog: 100099 }), 'callback-program');
    assert.equal(p.checkMonitor('../x', LOCKD), 'bad-mon-name');
    assert.equal(p.checkMonitor('alpha', { ...LOCKD, myName: 'a/b' }), 'bad-my-name');
    const relaxed = new Policy({ anyCallbackProgram: true });
    assert.equal(relaxed.checkMonitor('alpha', { ...LOCKD, prog: 300001, proc: 1 }), null);
    assert.equal(relaxed.checkMonitor('a\nb', LOCKD), 'bad-mon-name');
  });

  it('SM_NOTIFY sender must be one of the host addresses unless trust-any-sender', () => {
    const p = new Policy();
    assert.equal(p.checkNotifySender('10.0.0.1', ['10.0.0.1'], []), null);
    assert.equal(p.checkNotifySender('::ffff:10.0.0.1', ['10.0.0.1'], []), null);
    assert.equal(p.checkNotifySender('10.0.0.1', [], ['10.0.0.1']), null);
    assert.equal(p.checkNotifySender('10.6.6.6', ['10.0.0.1'], ['10.0.0.2']), 'notify-sender-mismatch');
    assert.equal(new Policy({ trustAnySender: true }).checkNotifySender('10.6.6.6', [], []), null);
  });

  it('bounds records', () => {
    const p = new Policy({ maxRecords: 2 });
    assert.equal(p.checkRecordBound(1), null);
    assert.equal(p.checkRecordBound(2), 'too-many-records');
  });

  it('rate-limits each remote source with a token bucket, never loopback', async () => {
    const clock = new FakeClock();
    const p = new Policy({ clock, ratePerSecond: 10, rateBurst: 5 });
    const remote = caller('10.0.0.2', 900);
    let ok = 0;
    for (let i = 0; i < 20; i++) if (p.allowSource(remote)) ok++;
    assert.equal(ok, 5);
    assert.equal(p.allowSource(caller('10.0.0.3', 900)), true, 'another source has its own bucket');
    for (let i = 0; i < 1000; i++) assert.equal(p.allowSource(caller('127.0.0.1', 900)), true);
    await clock.advance(500);
    ok = 0;
    for (let i = 0; i < 20; i++) if (p.allowSource(remote)) ok++;
    assert.equal(ok, 5);
  });

  it('a busy limited source keeps its empty bucket while new sources come and go', () => {
    const p = new Policy({ clock: new FakeClock(), ratePerSecond: 1, rateBurst: 3, maxSources: 4 });
    const busy = caller('10.0.0.9', 900);
    for (let i = 0; i < 3; i++) assert.equal(p.allowSource(busy), true);
    for (let round = 0; round < 10; round++) {
      // Forged new sources fill the table; the busy one, still calling, is never evicted.
      for (let j = 0; j < 3; j++) p.allowSource(caller(`10.1.${round}.${j}`, 900));
      assert.equal(p.allowSource(busy), false, `round ${round}: still limited`);
    }
  });

  it('logs a refusal once per reason and source per period, and counts them all', async () => {
    const clock = new FakeClock();
    const lines: Array<Record<string, unknown>> = [];
    const log = {
      info() {},
      debug() {},
      error() {},
      warn: (o: object) => lines.push(o as Record<string, unknown>),
    };
    const p = new Policy({ clock, log, logIntervalMs: 60_000 });
    for (let i = 0; i < 100; i++) p.refuse('not-loopback', '10.0.0.2');
    p.refuse('not-loopback', '10.0.0.3');
    p.refuse('rate-limited', '10.0.0.2');
    assert.equal(lines.length, 3);
    assert.equal(p.counts.get('not-loopback'), 101);
    await clock.advance(60_000);
    p.refuse('not-loopback', '10.0.0.2');
    assert.equal(lines.length, 4);
    assert.equal(lines[3]!.repeats, 99);
  });

  it('caps refusal log lines globally (a spoofed flood from many sources)', () => {
    const clock = new FakeClock();
    let n = 0;
    const log = { info() {}, debug() {}, error() {}, warn: () => n++ };
    const p = new Policy({ clock, log, logLinesPerSecond: 20 });
    for (let i = 0; i < 5000; i++) p.refuse('notify-sender-mismatch', `10.1.${i >> 8}.${i & 255}`);
    assert.equal(n, 20);
  });
});
