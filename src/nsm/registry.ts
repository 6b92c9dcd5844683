import type { MonitorRecord, MyId } from '../store/types.js';
import { canonicalAddress, canonicalName } from './names.js';

/** XNFS 3W ch. 11: priv is 16 opaque bytes. */
export const SM_PRIV_SIZE = 16;

/** A my_id shared (interned) by every record that names it: nearly all records name the same one. */
export interface CallbackTarget extends MyId {
  /** Records that point at this target (the table drops it at zero). */
  refs: number;
}

/** Fixed-size priv blocks in one growing buffer: 16 bytes a record instead of an object each. */
class PrivSlab {
  private buf = new Uint8Array(SM_PRIV_SIZE * 1024);
  private next = 0;
  private readonly free: number[] = [];

  alloc(priv: Uint8Array): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.next++;
      if ((slot + 1) * SM_PRIV_SIZE > this.buf.length) {
        const bigger = new Uint8Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
      }
    }
    this.write(slot, priv);
    return slot;
  }

  write(slot: number, priv: Uint8Array): void {
    const at = slot * SM_PRIV_SIZE;
    this.buf.fill(0, at, at + SM_PRIV_SIZE);
    this.buf.set(priv.subarray(0, SM_PRIV_SIZE), at);
  }

  read(slot: number): Uint8Array {
    const at = slot * SM_PRIV_SIZE;
    return this.buf.slice(at, at + SM_PRIV_SIZE);
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  reset(): void {
    this.buf = new Uint8Array(SM_PRIV_SIZE * 1024);
    this.next = 0;
    this.free.length = 0;
  }
}

/** One extra record of a host (a host watched for a second my_id is rare). */
interface ExtraRecord {
  monName: string;
  target: CallbackTarget;
  slot: number;
}

/** What few hosts have, kept apart so that the usual host is a small object (3 fields). */
interface HostRare {
  /** The canonical name when it is not the host's mon_name (spelt in another case, say). */
  key: string | null;
  addrs: string | string[] | null;
  notified: number;
  more: ExtraRecord[] | null;
}

/**
 * A monitored host: every record whose mon_name has the same canonical form. The first record lives
 * in the host itself to keep the common case to one small object: a literal or canonical name,
 * one record, no addresses recorded, no reboot delivered (100,000 of them: 56 bytes each, not 80).
 */
export class MonitoredHost {
  private rare: HostRare | null = null;
  constructor(
    key: string,
    private first: string,
    public target: CallbackTarget,
    public slot: number,
  ) {
    if (key !== first) this.rareFields().key = key;
  }

  /** Canonical name (the index key). */
  get key(): string {
    return this.rare?.key ?? this.first;
  }

  /** mon_name of the first record, as recorded. */
  get monName(): string {
    return this.first;
  }

  set monName(monName: string) {
    const key = this.key;
    this.first = monName;
    if (key !== monName) this.rareFields().key = key;
    else if (this.rare) this.rare.key = null;
  }

  /** Addresses the host is known by (resolved at SM_MON, or recorded): one string, a list or none. */
  get addrs(): string | string[] | null {
    return this.rare?.addrs ?? null;
  }

  set addrs(addrs: string | string[] | null) {
    if (addrs !== null || this.rare) this.rareFields().addrs = addrs;
  }

  /** Highest peer state already delivered to the callbacks (each (peer, state) is delivered once). */
  get notified(): number {
    return this.rare?.notified ?? -1;
  }

  set notified(state: number) {
    this.rareFields().notified = state;
  }

  /** The host's records after the first (a host watched for a second my_id is rare). */
  get more(): ExtraRecord[] | null {
    return this.rare?.more ?? null;
  }

  set more(more: ExtraRecord[] | null) {
    if (more !== null || this.rare) this.rareFields().more = more;
  }

  /** The host's known addresses as a list. */
  addresses(): string[] {
    const a = this.addrs;
    return a === null ? [] : typeof a === 'string' ? [a] : a;
  }

  private rareFields(): HostRare {
    this.rare ??= { key: null, addrs: null, notified: -1, more: null };
    return this.rare;
  }
}

/**
 * The monitor list in memory, indexed by canonical name and by address so that an incoming SM_NOTIFY
 * is matched in O(1) instead of resolving every monitored name (the O(n) walk of older statds).
 */
export class MonitorRegistry {
  private readonly hosts = new Map<string, MonitoredHost>();
  private readonly byAddress = new Map<string, MonitoredHost | MonitoredHost[]>();
  private readonly targets = new Map<string, CallbackTarget>();
  private readonly slab = new PrivSlab();
  private records = 0;
  private lastTarget: CallbackTarget | null = null;

  /** Number of (mon_name, my_id) records. */
  get size(): number {
    return this.records;
  }

  /** Number of distinct monitored hosts. */
  get hostCount(): number {
    return this.hosts.size;
  }

  /** Adds a record, or updates priv when (mon_name, my_id) is already there. */
  add(rec: MonitorRecord): 'added' | 'updated' {
    const key = canonicalName(rec.monName);
    const host = this.hosts.get(key);
    if (host) {
      const found = this.findIn(host, rec);
      if (found) {
        this.slab.write(found.slot, rec.priv);
        return 'updated';
      }
      const target = this.intern(rec);
      const extra = { monName: rec.monName, target, slot: this.slab.alloc(rec.priv) };
      if (host.more) host.more.push(extra);
      else host.more = [extra];
      this.records++;
      return 'added';
    }
    // One string for both when the name is already canonical (an address literal's canonical form
    // is a new string even when it reads the same).
    const shared = key === rec.monName ? rec.monName : key;
    const created = new MonitoredHost(shared, rec.monName, this.intern(rec), this.slab.alloc(rec.priv));
    this.hosts.set(shared, created);
    this.records++;
    return 'added';
  }

  /** The record of (mon_name, my_id) as recorded (its mon_name spelling may differ in case), or null. */
  find(monName: string, id: MyId): MonitorRecord | null {
    const host = this.hosts.get(canonicalName(monName));
    if (!host) return null;
    const r = this.findIn(host, id);
    return r ? this.toRecord(r.monName, r.target, r.slot) : null;
  }

  /** Removes the record of (mon_name, my_id); returns it as it was recorded, or null. */
  remove(monName: string, id: MyId): MonitorRecord | null {
    const host = this.hosts.get(canonicalName(monName));
    if (!host) return null;
    if (sameId(host.target, id)) {
      const out = this.toRecord(host.monName, host.target, host.slot);
      this.drop(host.target, host.slot);
      const next = host.more?.shift();
      if (next) {
        host.monName = next.monName;
        host.target = next.target;
        host.slot = next.slot;
        if (host.more!.length === 0) host.more = null;
      } else {
        this.deleteHost(host);
      }
      return out;
    }
    const i = host.more ? host.more.findIndex((r) => sameId(r.target, id)) : -1;
    if (i < 0) return null;
    const [r] = host.more!.splice(i, 1);
    if (host.more!.length === 0) host.more = null;
    const out = this.toRecord(r!.monName, r!.target, r!.slot);
    this.drop(r!.target, r!.slot);
    return out;
  }

  /** Removes every record of a my_id (SM_UNMON_ALL); returns them. O(n), as it is rare. */
  removeAll(id: MyId): MonitorRecord[] {
    const target = this.targets.get(targetKey(id));
    if (!target) return [];
    const out: MonitorRecord[] = [];
    for (const host of [...this.hosts.values()]) {
      for (const rec of this.recordsOf(host)) {
        if (sameId(rec, target)) {
          const removed = this.remove(rec.monName, target);
          if (removed) out.push(removed);
        }
      }
    }
    return out;
  }

  /** Empties the registry (after SM_SIMU_CRASH the list moves to the notify list); returns the records. */
  clear(): MonitorRecord[] {
    const out = [...this.entries()];
    this.hosts.clear();
    this.byAddress.clear();
    this.targets.clear();
    this.lastTarget = null;
    this.slab.reset();
    this.records = 0;
    return out;
  }

  /** The host of a name (canonical lookup), or undefined. */
  host(monName: string): MonitoredHost | undefined {
    return this.hosts.get(canonicalName(monName));
  }

  /**
   * Sets the addresses a host is known by (from resolution), indexing it under each. Literal names
   * need none: their canonical name is their address.
   */
  setAddresses(monName: string, addrs: readonly string[]): void {
    const host = this.hosts.get(canonicalName(monName));
    if (!host) return;
    this.unindex(host);
    const list = addrs.map((a) => canonicalAddress(a) ?? a).filter((a) => a !== host.key);
    host.addrs = list.length === 0 ? null : list.length === 1 ? list[0]! : list;
    for (const a of list) {
      const cur = this.byAddress.get(a);
      if (cur === undefined) this.byAddress.set(a, host);
      else if (Array.isArray(cur)) cur.push(host);
      else if (cur !== host) this.byAddress.set(a, [cur, host]);
    }
  }

  /**
   * The hosts an SM_NOTIFY about `name` concerns: the host of that canonical name, and every host known
   * by one of `addrs` (the addresses `name` resolves to, or the literal itself). This is how
   * `alpha` matches `ALPHA.example.com.` or `::ffff:10.0.0.1` matches `10.0.0.1`.
   */
  match(name: string, addrs: readonly string[] = []): MonitoredHost[] {
    const out: MonitoredHost[] = [];
    const byName = this.hosts.get(canonicalName(name));
    if (byName) out.push(byName);
    for (const raw of addrs) {
      const a = canonicalAddress(raw) ?? raw;
      const lit = this.hosts.get(a);
      if (lit && !out.includes(lit)) out.push(lit);
      const hit = this.byAddress.get(a);
      if (hit === undefined) continue;
      if (Array.isArray(hit)) {
        for (const h of hit) if (!out.includes(h)) out.push(h);
      } else if (!out.includes(hit)) out.push(hit);
    }
    return out;
  }

  /** Every record of a host, with a copy of its priv. */
  recordsOf(host: MonitoredHost): MonitorRecord[] {
    const out = [this.toRecord(host.monName, host.target, host.slot)];
    if (host.more) for (const r of host.more) out.push(this.toRecord(r.monName, r.target, r.slot));
    return out;
  }

  /** Every monitored host. */
  allHosts(): IterableIterator<MonitoredHost> {
    return this.hosts.values();
  }

  /** Every record. */
  *entries(): IterableIterator<MonitorRecord> {
    for (const host of this.hosts.values()) yield* this.recordsOf(host);
  }

  private findIn(
    host: MonitoredHost,
    id: MyId,
  ): { monName: string; target: CallbackTarget; slot: number } | null {
    if (sameId(host.target, id)) return host;
    if (host.more) for (const r of host.more) if (sameId(r.target, id)) return r;
    return null;
  }

  private intern(id: MyId): CallbackTarget {
    // Nearly every record names the same my_id: skip building the key for it.
    const last = this.lastTarget;
    if (last !== null && last.refs > 0 && sameId(last, id)) {
      last.refs++;
      return last;
    }
    const key = targetKey(id);
    let t = this.targets.get(key);
    if (!t) {
      t = { myName: id.myName, prog: id.prog, vers: id.vers, proc: id.proc, refs: 0 };
      this.targets.set(key, t);
    }
    t.refs++;
    this.lastTarget = t;
    return t;
  }

  private drop(target: CallbackTarget, slot: number): void {
    this.slab.release(slot);
    this.records--;
    if (--target.refs === 0) this.targets.delete(targetKey(target));
  }

  private deleteHost(host: MonitoredHost): void {
    this.unindex(host);
    this.hosts.delete(host.key);
  }

  private unindex(host: MonitoredHost): void {
    for (const a of host.addresses()) {
      const cur = this.byAddress.get(a);
      if (cur === host) this.byAddress.delete(a);
      else if (Array.isArray(cur)) {
        const rest = cur.filter((h) => h !== host);
        if (rest.length === 0) this.byAddress.delete(a);
        else this.byAddress.set(a, rest.length === 1 ? rest[0]! : rest);
      }
    }
    host.addrs = null;
  }

  private toRecord(monName: string, t: CallbackTarget, slot: number): MonitorRecord {
    return {
      monName,
      myName: t.myName,
      prog: t.prog,
      vers: t.vers,
      proc: t.proc,
      priv: this.slab.read(slot),
    };
  }
}

function targetKey(id: MyId): string {
  return `${id.prog}/${id.vers}/${id.proc}/${id.myName}`;
}

function sameId(a: MyId, b: MyId): boolean {
  return a === b || (a.prog === b.prog && a.vers === b.vers && a.proc === b.proc && a.myName === b.myName);
}
