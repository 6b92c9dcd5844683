// What a load generator's log says must be on disk. Per key (monitored host + my_id), the calls are
// made one at a time, so the daemon applies them in the order they were made: the disk must show
// the value after the last acknowledged call, or after a later call whose outcome is unknown (in
// flight when the daemon was killed, or timed out). Refused calls (stat_fail) change nothing.
import { readFileSync } from 'node:fs';
import { FsStore } from '../../src/store/fs.js';
import type { MonitorRecord, MyId } from '../../src/store/types.js';

/** The callback targets the load uses: NLM (the policy's default) v4 and v3, procedures 16 and 24. */
export const IDS: readonly MyId[] = [
  { myName: 'localhost', prog: 100021, vers: 4, proc: 16 },
  { myName: 'localhost', prog: 100021, vers: 3, proc: 16 },
  { myName: 'lockd-b', prog: 100021, vers: 4, proc: 24 },
];

/** The i-th monitored loopback host: 127.0.0.10, 127.0.0.11, ... (127.0.0.0/8 is all loopback). */
export function loopbackHost(i: number): string {
  return `127.0.${(10 + i) >> 8}.${(10 + i) & 255}`;
}

/** A record's key in logs and checks. */
export function keyOf(monName: string, idIndex: number): string {
  return `${monName}|${idIndex}`;
}

/** A key's value: the priv in hex, or null when there is no record. */
export type Value = string | null;

/** One change from a load generator's log. */
export interface Change {
  seq: number;
  key: string;
  value: Value;
  /** 'acked', 'refused' (answered stat_fail: nothing changed), 'unknown' (no answer). */
  outcome: 'acked' | 'refused' | 'unknown';
  startedAt: number;
  latencyMs?: number;
}

/** A call that changes nothing on disk. */
export interface Query {
  proc: string;
  ok: boolean;
  code: string;
  latencyMs: number;
  startedAt: number;
}

/** A parsed load generator log. */
export interface LoadLog {
  changes: Change[];
  queries: Query[];
  failures: Map<string, number>;
}

/** Parses a log written by loadgen.ts (a last line cut by a kill is ignored). */
export function parseLog(text: string): LoadLog {
  const changes: Change[] = [];
  const bySeq = new Map<number, Change>();
  const queries: Query[] = [];
  const failures = new Map<string, number>();
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop();
  for (const line of lines) {
    const f = line.split(' ');
    switch (f[0]) {
      case 'I': {
        const c: Change = {
          seq: Number(f[1]),
          key: f[2]!,
          value: f[3] === '-' ? null : f[3]!,
          outcome: 'unknown',
          startedAt: Number(f[4]),
        };
        changes.push(c);
        bySeq.set(c.seq, c);
        break;
      }
      case 'K':
      case 'R':
      case 'F': {
        const c = bySeq.get(Number(f[1]));
        if (!c) throw new Error(`log: answer to an unknown call: ${line}`);
        if (f[0] === 'K') {
          c.outcome = 'acked';
          c.latencyMs = Number(f[2]);
        } else if (f[0] === 'R') {
          c.outcome = 'refused';
          c.latencyMs = Number(f[3]);
        } else {
          failures.set(f[2]!, (failures.get(f[2]!) ?? 0) + 1);
        }
        break;
      }
      case 'L':
        queries.push({
          proc: f[1]!,
          ok: f[2] === 'ok',
          code: f[2]!,
          latencyMs: Number(f[3]),
          startedAt: Number(f[4]),
        });
        break;
      default:
        break;
    }
  }
  return { changes, queries, failures };
}

/** Reads and parses a log file. */
export function readLog(path: string): LoadLog {
  return parseLog(readFileSync(path, 'latin1'));
}

/**
 * Per key, the values the disk may show after `changes` (in call order) were made on top of
 * `before`: the value after the last acknowledged change, or after any later change of unknown
 * outcome; with no acknowledged change, the value before or after any change of unknown outcome.
 */
export function allowedValues(
  before: ReadonlyMap<string, Value>,
  changes: readonly Change[],
): Map<string, Set<Value>> {
  const perKey = new Map<string, Change[]>();
  for (const c of changes) {
    if (c.outcome === 'refused') continue;
    const list = perKey.get(c.key) ?? [];
    if (list.length === 0) perKey.set(c.key, list);
    list.push(c);
  }
  const out = new Map<string, Set<Value>>();
  for (const [k, v] of before) out.set(k, new Set([v]));
  for (const [k, list] of perKey) {
    let last = -1;
    list.forEach((c, i) => {
      if (c.outcome === 'acked') last = i;
    });
    const allowed = new Set<Value>();
    if (last < 0) allowed.add(before.get(k) ?? null);
    for (let i = Math.max(last, 0); i < list.length; i++) allowed.add(list[i]!.value);
    out.set(k, allowed);
  }
  return out;
}

/** The records of the monitor list (sm/) as key -> priv hex; problems for records the load never made. */
export function recordsByKey(records: readonly MonitorRecord[]): {
  values: Map<string, Value>;
  problems: string[];
} {
  const values = new Map<string, Value>();
  const problems: string[] = [];
  for (const r of records) {
    if (r.monName.startsWith('.')) problems.push(`a temp or hidden file was read as host ${r.monName}`);
    const i = IDS.findIndex(
      (id) => id.myName === r.myName && id.prog === r.prog && id.vers === r.vers && id.proc === r.proc,
    );
    if (i < 0) {
      problems.push(`a record the load never made: ${r.monName} ${r.myName} ${r.prog}/${r.vers}/${r.proc}`);
      continue;
    }
    const k = keyOf(r.monName, i);
    if (values.has(k)) problems.push(`duplicate record ${k}`);
    values.set(k, Buffer.from(r.priv).toString('hex'));
  }
  return { values, problems };
}

/** Compares what the disk shows with what is allowed; returns one line per mismatch. */
export function compare(
  allowed: ReadonlyMap<string, Set<Value>>,
  seen: ReadonlyMap<string, Value>,
): string[] {
  const problems: string[] = [];
  const keys = new Set([...allowed.keys(), ...seen.keys()]);
  for (const k of keys) {
    const ok = allowed.get(k) ?? new Set<Value>([null]);
    const v = seen.get(k) ?? null;
    if (!ok.has(v))
      problems.push(
        `${k}: disk has ${v ?? 'no record'}, allowed ${[...ok].map((x) => x ?? 'no record').join(' | ')}`,
      );
  }
  return problems;
}

/** What a state directory holds, read the way the daemon reads it at start-up. */
export interface DiskView {
  monitors: MonitorRecord[];
  notify: MonitorRecord[];
  state: number;
  bootId: string | null;
  warnings: string[];
}

/** Loads a state directory read-only (never while a daemon writes it). */
export async function readDisk(dir: string): Promise<DiskView> {
  const warnings: string[] = [];
  const store = new FsStore({
    dir,
    readOnly: true,
    logger: { warn: (m) => warnings.push(m), debug: () => {} },
  });
  try {
    const snap = await store.load();
    return { monitors: snap.monitors, notify: snap.notify, state: snap.state, bootId: snap.bootId, warnings };
  } finally {
    await store.close();
  }
}

/** The p-th percentile (0..100) of a list of numbers (nearest rank); 0 for an empty list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
