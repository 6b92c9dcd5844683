import { StoreError, type StoreErrorCode } from './errors.js';
import { checkMonName, checkMyId, checkRecord, checkState, sameId } from './record.js';
import type { MonitorRecord, MyId, Store, StoreSnapshot } from './types.js';

/**
 * What a MemoryStore keeps "on disk": pass the same object to a new MemoryStore to simulate a
 * daemon restart.
 */
export interface MemoryDisk {
  state: number;
  bootId: string | null;
  monitors: Map<string, MonitorRecord[]>;
  notify: Map<string, MonitorRecord[]>;
}

/** An empty MemoryDisk. */
export function emptyMemoryDisk(): MemoryDisk {
  return { state: 0, bootId: null, monitors: new Map(), notify: new Map() };
}

function copy(rec: MonitorRecord): MonitorRecord {
  const { monName, myName, prog, vers, proc } = rec;
  return { monName, myName, prog: prog | 0, vers: vers | 0, proc: proc | 0, priv: Uint8Array.from(rec.priv) };
}

function all(map: Map<string, MonitorRecord[]>): MonitorRecord[] {
  const out: MonitorRecord[] = [];
  for (const recs of map.values()) for (const r of recs) out.push(copy(r));
  return out;
}

/** A Store in memory, for tests of the daemon; same rules and errors as the file store. */
export class MemoryStore implements Store {
  readonly disk: MemoryDisk;
  private loaded = false;
  private closed = false;
  private fault: StoreErrorCode | null = null;
  /** How many mutating calls succeeded (for tests). */
  mutations = 0;

  constructor(disk: MemoryDisk = emptyMemoryDisk()) {
    this.disk = disk;
  }

  /** Makes every later mutating call reject with this code and change nothing; null heals. */
  injectFault(code: StoreErrorCode | null): void {
    this.fault = code;
  }

  private async mutate<T>(fn: () => T): Promise<T> {
    if (this.closed) throw new StoreError('ERR_STORE_STATE', 'store is closed');
    if (!this.loaded) throw new StoreError('ERR_STORE_STATE', 'store used before load()');
    // Resolve on a later turn, like a real sync, so callers cannot depend on same-tick results.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.fault) throw new StoreError(this.fault, `injected fault ${this.fault}`);
    const out = fn();
    this.mutations++;
    return out;
  }

  async load(): Promise<StoreSnapshot> {
    if (this.closed) throw new StoreError('ERR_STORE_STATE', 'store is closed');
    this.loaded = true;
    const d = this.disk;
    return { state: d.state, bootId: d.bootId, monitors: all(d.monitors), notify: all(d.notify) };
  }

  addMonitor(rec: MonitorRecord): Promise<void> {
    try {
      checkRecord(rec);
    } catch (err) {
      return Promise.reject(err);
    }
    const r = copy(rec);
    return this.mutate(() => {
      const recs = this.disk.monitors.get(r.monName);
      if (!recs) {
        this.disk.monitors.set(r.monName, [r]);
        return;
      }
      const i = recs.findIndex((x) => sameId(x, r));
      if (i >= 0) recs[i] = r;
      else recs.push(r);
    });
  }

  removeMonitor(monName: string, id: MyId): Promise<boolean> {
    try {
      checkMonName(monName);
      checkMyId(id);
    } catch (err) {
      return Promise.reject(err);
    }
    const key = { ...id };
    return this.mutate(() => {
      const recs = this.disk.monitors.get(monName);
      const i = recs ? recs.findIndex((x) => sameId(x, key)) : -1;
      if (!recs || i < 0) return false;
      recs.splice(i, 1);
      if (recs.length === 0) this.disk.monitors.delete(monName);
      return true;
    });
  }

  removeAllMonitors(id: MyId): Promise<number> {
    try {
      checkMyId(id);
    } catch (err) {
      return Promise.reject(err);
    }
    const key = { ...id };
    return this.mutate(() => {
      let n = 0;
      for (const [name, recs] of this.disk.monitors) {
        const keep = recs.filter((x) => !sameId(x, key));
        n += recs.length - keep.length;
        if (keep.length === 0) this.disk.monitors.delete(name);
        else this.disk.monitors.set(name, keep);
      }
      return n;
    });
  }

  setState(state: number, bootId: string | null): Promise<void> {
    try {
      checkState(state, bootId);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.mutate(() => {
      this.disk.state = state | 0;
      this.disk.bootId = bootId;
    });
  }

  moveMonitorsToNotify(): Promise<void> {
    return this.mutate(() => {
      for (const [name, recs] of this.disk.monitors) {
        const pending = (this.disk.notify.get(name) ?? []).filter((p) => !recs.some((r) => sameId(p, r)));
        this.disk.notify.set(name, [...pending, ...recs]);
      }
      this.disk.monitors.clear();
    });
  }

  removeNotify(monName: string): Promise<void> {
    try {
      checkMonName(monName);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.mutate(() => {
      this.disk.notify.delete(monName);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
