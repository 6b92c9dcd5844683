// kill -9 of `nsmd serve` at random moments, many times: during start-up, during a mixed load of
// SM_MON / SM_UNMON / SM_NOTIFY from loopback (the notifications name monitored hosts, so callbacks
// to a lock manager stand-in run too), and across faked reboots. After every kill the state
// directory must hold every acknowledged change (per record: the last acknowledged value, or that
// of a later call still in flight), every file must parse, no temp file may be read as a host, and
// the state number may only grow: kept on a restart within one boot, bumped once per reboot.
//
// The daemon, the load and the lock manager stand-in run in one test host (a network namespace of
// its own: its own 127.0.0.1, rpcbind on port 111 and /run). NSMD_KILL9_ROUNDS sets the number of
// rounds (default 60; the long mode runs e.g. 500) and NSMD_KILL9_BUDGET_S the time limit.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nextState } from '../../../src/nsm/state.js';
import { checkStateDir } from '../../fuzz/state-check.js';
import {
  createNetwork,
  type Host,
  interopSkip,
  type Network,
  type TrackedProcess,
} from '../../harness/index.js';
import { allowedValues, compare, readDisk, readLog, recordsByKey, type Value } from '../../soak/model.js';

const skip = interopSkip(['ip', 'unshare', 'mount']);
const ROUNDS = Number(process.env.NSMD_KILL9_ROUNDS ?? 60);
const BUDGET_MS = Number(process.env.NSMD_KILL9_BUDGET_S ?? Math.max(170, ROUNDS * 3)) * 1000;
const MIN_KILLS = Math.min(50, ROUNDS);
const PORT = 4776;
const LOADGEN = fileURLToPath(new URL('../../soak/loadgen.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('../../tools/callback-recorder.js', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (n: number) => Math.floor(Math.random() * n);

describe('kill -9 of nsmd serve under mixed load', { skip }, () => {
  let net: Network;
  let h: Host;
  let stateDir: string;
  let bootIdFile: string;
  let recorder: TrackedProcess;
  let callbackLog: string;

  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'server' }] });
    h = net.host('server');
    stateDir = join(h.dir, 'state');
    mkdirSync(stateDir);
    bootIdFile = join(h.dir, 'boot_id');
    writeFileSync(bootIdFile, 'boot-1\n');
    // rpcbind outlives every daemon kill, as the system's would; the stand-in registers with it.
    const rpcbind = h.spawnNsmd(['rpcbind', '--port', '111', '--host', '127.0.0.1']);
    await rpcbind.waitForOutput(/listening/);
    // Its output goes to a file: the harness keeps only the last MiB of a process's output.
    callbackLog = join(h.dir, 'callbacks.log');
    recorder = h.spawnNode(RECORDER, [], { logFile: callbackLog });
    await recorder.waitForOutput(/ready \d+/);
  });
  after(async () => {
    await net?.close();
  });

  const spawnServe = (): TrackedProcess =>
    h.spawnNsmd(
      [
        'serve',
        '--port',
        String(PORT),
        '--state-dir',
        stateDir,
        '--rpcbind',
        'system',
        '--no-notify',
        '--user',
        'root',
        '--name',
        'server',
        '--log-format',
        'json',
      ],
      { env: { NSMD_BOOT_ID_FILE: bootIdFile } },
    );
  const serving = (p: TrackedProcess) => p.waitForOutput(/"msg":"serving"/, { timeoutMs: 30_000 });
  const kill = async (p: TrackedProcess) => {
    p.kill('SIGKILL');
    const st = await p.exited;
    assert.ok(
      st.signal === 'SIGKILL' || st.code === null,
      `${p.label} ended by itself: ${p.output.slice(-2000)}`,
    );
  };

  /** Waits until the load log shows an acknowledged call (the load is on), or gives up after `ms`. */
  const loadRunning = async (log: string, ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      try {
        if (/\nK /.test(readFileSync(log, 'latin1'))) return true;
      } catch {
        // not created yet
      }
      await sleep(20);
    }
    return false;
  };

  test(`keeps every acknowledged change through ${ROUNDS} kill -9s`, {
    timeout: BUDGET_MS + 120_000,
  }, async () => {
    const started = Date.now();
    let known = new Map<string, Value>(); // the monitor list as verified after the last kill
    let state = 0;
    let boot = 1;
    const tally = { kills: 0, loadKills: 0, startupKills: 0, reboots: 0, acked: 0, unknown: 0, temps: 0 };
    const refused: string[] = [];
    const label = (round: number, what: string) => `round ${round} (${what})`;

    /** After a kill: the directory parses, nothing unexpected is in it, no temp file is a host. */
    const inspect = async (round: number, what: string) => {
      const check = await checkStateDir(stateDir);
      // A temp file cut short by the kill may stay until the next start removes it; it must never
      // be read as a host (checked below) nor make anything else fail.
      const isTemp = (p: string) =>
        p.startsWith('temp or hidden file left') || /: hidden or temp file$/.test(p);
      const temps = check.problems.filter((p) => p.startsWith('temp or hidden file left'));
      tally.temps += temps.length;
      assert.deepEqual(
        check.problems.filter((p) => !isTemp(p)),
        [],
        label(round, what),
      );
      const disk = await readDisk(stateDir);
      assert.deepEqual(
        disk.warnings.filter((w) => !isTemp(w)),
        [],
        `${label(round, what)}: a file did not parse`,
      );
      const sm = recordsByKey(disk.monitors);
      const bak = recordsByKey(disk.notify);
      assert.deepEqual([...sm.problems, ...bak.problems], [], label(round, what));
      assert.ok(disk.state >= state, `${label(round, what)}: state went from ${state} back to ${disk.state}`);
      return { disk, sm: sm.values, bak: bak.values };
    };

    let round = 0;
    for (; round < ROUNDS && Date.now() - started < BUDGET_MS; round++) {
      if (round % 12 === 11) {
        // A reboot: new boot id; the first start is killed at a random moment (maybe mid-move), the
        // second one completes. Every monitor record is now in the notify list, the state bumped once.
        writeFileSync(bootIdFile, `boot-${++boot}\n`);
        const first = spawnServe();
        await sleep(rand(700));
        await kill(first);
        tally.kills++;
        const second = spawnServe();
        await serving(second);
        await kill(second);
        tally.kills++;
        tally.reboots++;
        const v = await inspect(round, 'reboot');
        assert.equal(v.disk.state, nextState(state), `${label(round, 'reboot')}: state bumped once`);
        assert.equal(v.disk.state % 2, 1);
        assert.deepEqual([...v.sm.keys()], [], `${label(round, 'reboot')}: the monitor list moved`);
        for (const [k, priv] of known) {
          assert.equal(v.bak.get(k), priv, `${label(round, 'reboot')}: ${k} in the notify list`);
        }
        known = v.sm;
        state = v.disk.state;
        continue;
      }
      if (round % 7 === 3) {
        // Killed during start-up (or just after it).
        const p = spawnServe();
        await sleep(rand(500));
        await kill(p);
        tally.kills++;
        tally.startupKills++;
        const v = await inspect(round, 'start-up');
        assert.deepEqual(
          compare(new Map([...known].map(([k, x]) => [k, new Set([x])])), v.sm),
          [],
          label(round, 'start-up'),
        );
        if (state > 0)
          assert.equal(v.disk.state, state, `${label(round, 'start-up')}: state kept within a boot`);
        state = v.disk.state;
        continue;
      }
      const p = spawnServe();
      await serving(p);
      const log = join(h.dir, `load-${round}.log`);
      const load = h.spawnNode(LOADGEN, [
        'monitor',
        '--port',
        String(PORT),
        '--log',
        log,
        '--hosts',
        '40',
        '--concurrency',
        '24',
        '--notify-share',
        '0.15',
      ]);
      const running = await loadRunning(log, 15_000);
      assert.ok(running, `${label(round, 'load')}: no call acknowledged: ${load.output}`);
      await sleep(rand(400));
      await kill(p);
      await kill(load);
      tally.kills++;
      tally.loadKills++;
      const parsed = readLog(log);
      rmSync(log, { force: true });
      for (const c of parsed.changes) {
        if (c.outcome === 'acked') tally.acked++;
        else if (c.outcome === 'unknown') tally.unknown++;
        else refused.push(`${c.key} ${c.value}`);
      }
      const v = await inspect(round, 'load');
      const problems = compare(allowedValues(known, parsed.changes), v.sm);
      assert.deepEqual(problems, [], `${label(round, 'load')}: acknowledged changes lost`);
      if (state > 0) assert.equal(v.disk.state, state, `${label(round, 'load')}: state kept within a boot`);
      assert.equal(v.disk.state % 2, 1, 'the state on disk is odd (up)');
      known = v.sm;
      state = v.disk.state;
    }
    assert.deepEqual(refused, [], 'no valid SM_MON was answered stat_fail');
    assert.ok(tally.kills >= MIN_KILLS, `only ${tally.kills} kills in ${BUDGET_MS / 1000} s`);
    assert.ok(tally.acked > tally.loadKills * 5, `only ${tally.acked} acknowledged changes`);
    assert.ok(tally.reboots >= 1, 'a reboot round ran');

    // A clean start and stop afterwards: serving, the records all there, no temp file left.
    const last = spawnServe();
    await serving(last);
    assert.equal((await last.stop(10_000)).code, 0, last.output.slice(-2000));
    const final = await checkStateDir(stateDir);
    assert.deepEqual(final.problems, [], 'after a clean stop');
    const disk = await readDisk(stateDir);
    assert.deepEqual(
      compare(new Map([...known].map(([k, x]) => [k, new Set([x])])), recordsByKey(disk.monitors).values),
      [],
    );
    const callbacks = readFileSync(callbackLog, 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('{"callback"'));
    assert.ok(
      callbacks.length > 0,
      'SM_NOTIFYs from monitored hosts made the daemon call the lock manager back',
    );
    for (const line of callbacks.slice(0, 50)) {
      const cb = JSON.parse(line) as {
        callback: { mon_name: string };
        from: { address: string; privileged: boolean };
      };
      assert.equal(cb.from.address, '127.0.0.1');
      assert.equal(cb.from.privileged, true, 'callbacks leave from a reserved port');
      assert.match(cb.callback.mon_name, /^127\.0\.0\.\d+$/);
    }
    process.stderr.write(
      `kill -9 test: ${round} rounds in ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify({ ...tally, callbacks: callbacks.length, state })}\n`,
    );
  });
});
