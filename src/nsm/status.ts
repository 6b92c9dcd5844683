import { FsStore } from '../store/fs.js';
import type { MonitorRecord } from '../store/types.js';
import { textOf } from '../xdr/writer.js';
import { readBootId } from './state.js';

/** One monitor record as `nsmd status` shows it. */
export interface StatusMonitor {
  monName: string;
  myName: string;
  prog: number;
  vers: number;
  proc: number;
  /** priv as 32 hex digits. */
  priv: string;
}

/** One peer still to be told of our reboot. */
export interface StatusPending {
  monName: string;
  /** When the next try is due, if known; the daemon keeps its schedule in memory, so: null. */
  nextRetry: string | null;
  /** Callbacks recorded for it before the reboot. */
  records: number;
}

/** What `nsmd status --json` prints. */
export interface StatusReport {
  stateDir: string;
  state: number;
  up: boolean;
  /** The boot id stored with the state, and whether it is this boot's. */
  bootId: string | null;
  sameBoot: boolean | null;
  monitors: StatusMonitor[];
  pending: StatusPending[];
}

function view(r: MonitorRecord): StatusMonitor {
  return {
    monName: textOf(r.monName),
    myName: textOf(r.myName),
    prog: r.prog,
    vers: r.vers,
    proc: r.proc,
    priv: Buffer.from(r.priv).toString('hex'),
  };
}

/** Reads a state directory without changing it. */
export async function readStatus(dir: string): Promise<StatusReport> {
  const store = new FsStore({ dir, readOnly: true });
  try {
    const snap = await store.load();
    const now = await readBootId(process.env.NSMD_BOOT_ID_FILE);
    const pending = new Map<string, number>();
    for (const r of snap.notify) pending.set(r.monName, (pending.get(r.monName) ?? 0) + 1);
    return {
      stateDir: store.dir,
      state: snap.state,
      up: snap.state % 2 === 1,
      bootId: snap.bootId,
      sameBoot: snap.bootId === null || now === null ? null : snap.bootId === now,
      monitors: snap.monitors.map(view).sort((a, b) => a.monName.localeCompare(b.monName)),
      pending: [...pending]
        .map(([monName, records]) => ({ monName: textOf(monName), nextRetry: null, records }))
        .sort((a, b) => a.monName.localeCompare(b.monName)),
    };
  } finally {
    await store.close();
  }
}

// Names come from peers: show them escaped, never raw control bytes.
function shown(s: string): string {
  return s.replace(
    /[^\x20-\x7e\u00a0-\uffff]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** The text form of a status report. */
export function formatStatus(s: StatusReport): string {
  const lines: string[] = [];
  const boot =
    s.sameBoot === null ? '' : s.sameBoot ? ', written in this boot' : ', written in an earlier boot';
  lines.push(`State directory: ${s.stateDir}`);
  lines.push(`State number:    ${s.state} (${s.state === 0 ? 'none yet' : s.up ? 'up' : 'down'}${boot})`);
  lines.push('');
  lines.push(`Monitored hosts: ${s.monitors.length}`);
  if (s.monitors.length > 0) {
    const w = Math.max(8, ...s.monitors.map((m) => shown(m.monName).length));
    lines.push(`  ${'MON_NAME'.padEnd(w)}  CALLBACK (my_name prog/vers/proc)  PRIV`);
    for (const m of s.monitors) {
      lines.push(
        `  ${shown(m.monName).padEnd(w)}  ${`${shown(m.myName)} ${m.prog}/${m.vers}/${m.proc}`.padEnd(33)}  ${m.priv}`,
      );
    }
  }
  lines.push('');
  lines.push(`Pending notifications: ${s.pending.length}`);
  for (const p of s.pending)
    lines.push(`  ${shown(p.monName)}  ${p.nextRetry ? `next try ${p.nextRetry}` : 'pending'}`);
  lines.push('');
  return lines.join('\n');
}
