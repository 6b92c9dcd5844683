// kill -9 during a storm of changes, many times: after each kill, every acknowledged change is on
// disk (per record, the state after the last acknowledged call or after a later call that was in
// flight), every host file parses, and no temp file is taken for a host.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FsStore } from '../../../src/store/fs.js';
import { parseRecordFile } from '../../../src/store/record.js';
import { HOSTS, IDS } from './crash-child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.js');
const KILLS = 25;
const BUDGET_MS = 60_000;

type Value = string | null; // priv hex of a record, or the state number; null: no record

interface Call {
  seq: number;
  effects: Map<string, Value>; // key -> value after the call
  acked: boolean;
}

interface Round {
  calls: Call[];
  lines: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the child until `killAfterMs` after it is ready, then SIGKILLs it. */
function runChild(dir: string, seed: number, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const calls = new Map<number, Call>();
    const order: Call[] = [];
    let rest = '';
    let lines = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!; // a line cut by the kill is not counted
      for (const line of parts) {
        lines++;
        const f = line.split(' ');
        if (f[0] === 'READY') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (f[0] === 'K' || f[0] === 'F') {
          const c = calls.get(Number(f[1]));
          if (!c) return reject(new Error(`ack of unknown call: ${line}`));
          if (f[0] === 'F') return reject(new Error(`call failed in the child: ${line}`));
          c.acked = true;
        } else if (f[0] === 'I') {
          const seq = Number(f[1]);
          const effects = new Map<string, Value>();
          if (f[2] === 'A') effects.set(`${f[3]}/${f[4]}`, f[5]!);
          else if (f[2] === 'R') effects.set(`${f[3]}/${f[4]}`, null);
          else if (f[2] === 'S') effects.set('state', f[3]!);
          else if (f[2] === 'X') for (let h = 0; h < HOSTS; h++) effects.set(`h${h}/${f[3]}`, null);
          const c = { seq, effects, acked: false };
          calls.set(seq, c);
          order.push(c);
        }
      }
    });
    // 'close', not 'exit': only then has every line the child wrote been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ calls: order, lines, code, signal, stderr });
    });
    child.on('error', reject);
  });
}

/** What a reload of the directory shows, as key -> value. */
async function observe(dir: string): Promise<{ values: Map<string, Value>; warnings: string[] }> {
  const warnings: string[] = [];
  const store = new FsStore({ dir, logger: { warn: (m) => warnings.push(m), debug: () => {} } });
  const snap = await store.load();
  await store.close();
  const values = new Map<string, Value>();
  for (const r of snap.monitors) {
    assert.ok(!r.monName.startsWith('.'), `temp file read as host ${r.monName}`);
    const i = IDS.findIndex((id) => id.myName === r.myName && id.vers === r.vers && id.proc === r.proc);
    assert.ok(i >= 0, `unknown record ${r.monName} ${r.myName}`);
    const key = `${r.monName}/${i}`;
    assert.ok(!values.has(key), `duplicate record ${key}`);
    values.set(key, Buffer.from(r.priv).toString('hex'));
  }
  values.set('state', String(snap.state));
  return { values, warnings };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

it(`keeps every acknowledged change through ${KILLS} kill -9s of a writer`, {
  timeout: BUDGET_MS + 30_000,
}, async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'nsmd-crash-'));
  dirs.push(dir);
  let known = new Map<string, Value>([['state', '0']]); // verified state before the round
  const started = Date.now();
  let kills = 0;
  let acked = 0;
  let inFlightSeen = 0;
  for (let round = 0; round < KILLS && Date.now() - started < BUDGET_MS; round++) {
    const killAfter = 10 + Math.floor(Math.random() * 250);
    const seed = 1 + Math.floor(Math.random() * 0xfffffff);
    const r = await runChild(dir, seed, killAfter);
    assert.equal(r.signal, 'SIGKILL', `child ended by itself (code ${r.code}): ${r.stderr}`);
    kills++;
    const { values, warnings } = await observe(dir);
    assert.deepEqual(warnings, [], 'a file in the directory did not parse');
    for (const name of fs.readdirSync(join(dir, 'sm'), { encoding: 'latin1' })) {
      if (name.startsWith('.')) continue;
      assert.ok(
        parseRecordFile(fs.readFileSync(join(dir, 'sm', name), 'latin1')),
        `sm/${name} does not parse`,
      );
    }
    // Per key: the calls touching it in call order; the disk must show the value after the last
    // acknowledged one or after a later one (in flight when killed); the store applies in order.
    const perKey = new Map<string, Call[]>();
    for (const c of r.calls) {
      if (c.acked) acked++;
      else inFlightSeen++;
      for (const k of c.effects.keys()) {
        const list = perKey.get(k) ?? [];
        if (list.length === 0) perKey.set(k, list);
        list.push(c);
      }
    }
    const keys = new Set([...known.keys(), ...values.keys(), ...perKey.keys()]);
    for (const k of keys) {
      const calls = perKey.get(k) ?? [];
      let last = -1;
      calls.forEach((c, i) => {
        if (c.acked) last = i;
      });
      const allowed = new Set<Value>();
      if (last < 0) allowed.add(known.get(k) ?? null);
      for (let i = Math.max(last, 0); i < calls.length; i++) allowed.add(calls[i]!.effects.get(k)!);
      const seen = values.get(k) ?? null;
      assert.ok(
        allowed.has(seen),
        `round ${round}, ${k}: disk has ${seen}, allowed ${[...allowed].join(' | ')} (${calls.length} calls, last acked #${last})`,
      );
    }
    known = values;
  }
  assert.ok(kills >= 20, `only ${kills} kills within the time budget`);
  assert.ok(acked > 1000, `only ${acked} acknowledged calls`);
  process.stderr.write(
    `crash test: ${kills} kills, ${acked} acknowledged calls checked, ${inFlightSeen} in flight\n`,
  );
});
