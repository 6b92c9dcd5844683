// Byte-range locks with POSIX semantics (XNFS 3W ch. 10-11; IEEE 1003.1 fcntl F_SETLK):
// an owner's own locks never conflict with each other, and a new lock by the same owner
// replaces, merges or splits what that owner already holds in the range. No I/O here.

/** The largest byte offset NLM v4 can name (unsigned 64-bit). */
export const OFFSET_MAX = (1n << 64n) - 1n;

/** Who holds a lock: the NLM caller name, its svid (process id) and owner handle (oh). */
export interface LockOwner {
  readonly caller: string;
  readonly svid: number;
  readonly oh: Uint8Array;
}

/** A held lock. `end` is inclusive; `end === OFFSET_MAX` means "to end of file". */
export interface HeldLock {
  readonly file: string;
  readonly owner: LockOwner;
  readonly exclusive: boolean;
  readonly start: bigint;
  readonly end: bigint;
}

/** A lock request; `data` travels with a queued request and comes back when it is granted. */
export interface LockRequest<T = unknown> {
  readonly file: string;
  readonly owner: LockOwner;
  readonly exclusive: boolean;
  readonly start: bigint;
  readonly end: bigint;
  data?: T;
}

/** A blocking request waiting in its file's FIFO queue. */
export interface QueuedLock<T = unknown> extends LockRequest<T> {
  /** Order of arrival, unique within the table. */
  readonly seq: number;
}

/** What `lock()` did. `granted` lists queued requests that became granted as a side effect. */
export type LockOutcome<T> =
  | { status: 'granted'; granted: QueuedLock<T>[] }
  | { status: 'denied'; holder: HeldLock }
  | { status: 'queued'; request: QueuedLock<T> };

/** One row of a listing. */
export interface LockListing {
  state: 'held' | 'queued';
  file: string;
  owner: LockOwner;
  exclusive: boolean;
  start: bigint;
  end: bigint;
}

/** Converts NLM (offset, length) to an inclusive range; length 0 and overflow mean "to end of file". */
export function rangeOf(offset: bigint, length: bigint): { start: bigint; end: bigint } {
  if (offset < 0n || offset > OFFSET_MAX || length < 0n || length > OFFSET_MAX) {
    throw new RangeError(`lock range out of bounds: offset ${offset}, length ${length}`);
  }
  // A range that would run past 2^64-1 is taken as "to end of file", as Linux lockd does.
  const end = length === 0n ? OFFSET_MAX : offset + length - 1n;
  return { start: offset, end: end > OFFSET_MAX ? OFFSET_MAX : end };
}

/** Converts an inclusive range back to NLM's length (0 = to end of file). */
export function lengthOf(start: bigint, end: bigint): bigint {
  return end === OFFSET_MAX ? 0n : end - start + 1n;
}

/** A stable identity for an owner: caller name, svid and owner handle bytes. */
export function ownerKey(o: LockOwner): string {
  return `${o.caller.length}:${o.caller}|${o.svid}|${Buffer.from(o.oh.buffer, o.oh.byteOffset, o.oh.byteLength).toString('hex')}`;
}

interface HeldEntry extends HeldLock {
  readonly key: string;
}

interface QueuedEntry<T> extends QueuedLock<T> {
  readonly key: string;
}

/** The locks of one file: every held range sorted by start, indexed per owner and by length. */
class FileLocks<T> {
  /** Every held range, sorted by start. */
  held: HeldEntry[] = [];
  /** Each owner's ranges, sorted by start; they never overlap (merged or split on insert). */
  readonly byOwner = new Map<string, HeldEntry[]>();
  /** Ranges to end of file, checked apart so that they do not widen the scan window below. */
  readonly toEof = new Set<HeldEntry>();
  /** Longest finite range seen (end - start): a range starting before `start - maxSpan` ends before `start`. */
  maxSpan = 0n;
  /** Blocking requests in arrival order. */
  queue: QueuedEntry<T>[] = [];

  add(h: HeldEntry): void {
    insertByStart(this.held, h);
    let own = this.byOwner.get(h.key);
    if (!own) {
      own = [];
      this.byOwner.set(h.key, own);
    }
    insertByStart(own, h);
    if (h.end === OFFSET_MAX) this.toEof.add(h);
    else if (h.end - h.start > this.maxSpan) this.maxSpan = h.end - h.start;
  }

  remove(h: HeldEntry): void {
    removeByStart(this.held, h);
    const own = this.byOwner.get(h.key);
    if (own) {
      removeByStart(own, h);
      if (own.length === 0) this.byOwner.delete(h.key);
    }
    this.toEof.delete(h);
    if (this.held.length === 0) this.maxSpan = 0n;
  }

  /** An owner's ranges overlapping or touching [start, end] (one past each side when `touch`). */
  ownIn(key: string, start: bigint, end: bigint, touch: boolean): HeldEntry[] {
    const own = this.byOwner.get(key);
    if (!own) return [];
    const lo = touch ? start - 1n : start;
    const hi = touch ? end + 1n : end;
    // Disjoint and sorted by start, so sorted by end too: binary search the first with end >= lo.
    let a = 0;
    let b = own.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (own[mid]!.end < lo) a = mid + 1;
      else b = mid;
    }
    const out: HeldEntry[] = [];
    for (let i = a; i < own.length && own[i]!.start <= hi; i++) out.push(own[i]!);
    return out;
  }

  /** Rebuilds the indexes after entries were filtered out of `held` (still sorted: one pass). */
  reindex(): void {
    this.byOwner.clear();
    this.toEof.clear();
    this.maxSpan = 0n;
    for (const h of this.held) {
      const own = this.byOwner.get(h.key);
      if (own) own.push(h);
      else this.byOwner.set(h.key, [h]);
      if (h.end === OFFSET_MAX) this.toEof.add(h);
      else if (h.end - h.start > this.maxSpan) this.maxSpan = h.end - h.start;
    }
  }
}

function overlaps(a: { start: bigint; end: bigint }, start: bigint, end: bigint): boolean {
  return a.start <= end && a.end >= start;
}

/**
 * The lock table of one lock manager: per file, sorted held locks and a FIFO queue of blocking
 * requests. Queued requests are granted as soon as they fit, after any change that frees bytes.
 */
export class LockTable<T = unknown> {
  private readonly files = new Map<string, FileLocks<T>>();
  /** caller -> file -> number of held and queued entries, for freeAll and monitoring. */
  private readonly byCaller = new Map<string, Map<string, { held: number; queued: number }>>();
  private seq = 0;

  /** Returns a lock of another owner that conflicts with the request, or null. */
  test(req: Omit<LockRequest, 'data'>): HeldLock | null {
    const f = this.files.get(req.file);
    if (!f) return null;
    return this.conflict(f, ownerKey(req.owner), req.exclusive, req.start, req.end);
  }

  /**
   * Takes a lock. Without `block`, a conflict is answered with the conflicting holder; with it,
   * the request waits in the file's queue (an identical request already queued is not added twice,
   * its data is refreshed).
   */
  lock(req: LockRequest<T>, block: boolean): LockOutcome<T> {
    checkRange(req.start, req.end);
    const key = ownerKey(req.owner);
    const f = this.fileFor(req.file);
    const holder = this.conflict(f, key, req.exclusive, req.start, req.end);
    if (holder) {
      if (!block) {
        this.dropIfEmpty(req.file, f);
        return { status: 'denied', holder };
      }
      const same = f.queue.find(
        (q) => q.key === key && q.exclusive === req.exclusive && q.start === req.start && q.end === req.end,
      );
      if (same) {
        same.data = req.data;
        return { status: 'queued', request: same };
      }
      const q: QueuedEntry<T> = { ...req, owner: copyOwner(req.owner), key, seq: ++this.seq };
      f.queue.push(q);
      this.count(req.owner.caller, req.file, 0, 1);
      return { status: 'queued', request: q };
    }
    this.apply(f, key, copyOwner(req.owner), req.file, req.exclusive, req.start, req.end);
    // A downgrade (exclusive -> shared) may let waiters in.
    return { status: 'granted', granted: this.grantWaiters(req.file, f) };
  }

  /**
   * Releases the owner's locks in the range (splitting ranges that stick out) and drops the owner's
   * queued requests overlapping it (an owner that unlocks a range is not waiting for it any more).
   * Returns queued requests granted as a result.
   */
  unlock(req: Omit<LockRequest, 'data' | 'exclusive'>): QueuedLock<T>[] {
    checkRange(req.start, req.end);
    const f = this.files.get(req.file);
    if (!f) return [];
    const key = ownerKey(req.owner);
    const before = f.queue.length;
    f.queue = f.queue.filter((q) => !(q.key === key && overlaps(q, req.start, req.end)));
    if (f.queue.length !== before) this.count(req.owner.caller, req.file, 0, f.queue.length - before);
    this.release(f, key, req.owner.caller, req.file, req.start, req.end);
    return this.grantWaiters(req.file, f);
  }

  /** Removes a queued request with exactly this owner, mode and range. Returns it, or null. */
  cancel(req: Omit<LockRequest, 'data'>): QueuedLock<T> | null {
    const f = this.files.get(req.file);
    if (!f) return null;
    const key = ownerKey(req.owner);
    const i = f.queue.findIndex(
      (q) => q.key === key && q.exclusive === req.exclusive && q.start === req.start && q.end === req.end,
    );
    if (i < 0) return null;
    const [q] = f.queue.splice(i, 1);
    this.count(req.owner.caller, req.file, 0, -1);
    this.dropIfEmpty(req.file, f);
    return q!;
  }

  /**
   * Frees every held lock and queued request of a caller (it rebooted), except those of owners
   * `keep` picks (owners that spoke to us after the reboot). Returns newly granted requests.
   */
  freeAll(caller: string, keep?: (owner: LockOwner) => boolean): QueuedLock<T>[] {
    const files = this.byCaller.get(caller);
    if (!files) return [];
    const gone = (o: LockOwner) => o.caller === caller && !keep?.(o);
    const granted: QueuedLock<T>[] = [];
    for (const file of [...files.keys()]) {
      const f = this.files.get(file);
      if (!f) continue;
      const held = f.held.length;
      const queued = f.queue.length;
      f.held = f.held.filter((h) => !gone(h.owner));
      if (f.held.length !== held) f.reindex();
      f.queue = f.queue.filter((q) => !gone(q.owner));
      // Only this caller's entries went, so the differences are its own counts.
      this.count(caller, file, f.held.length - held, f.queue.length - queued);
      granted.push(...this.grantWaiters(file, f));
    }
    return granted;
  }

  /** Number of locks a caller holds (ranges, after merging). */
  heldCount(caller: string): number {
    let n = 0;
    for (const c of this.byCaller.get(caller)?.values() ?? []) n += c.held;
    return n;
  }

  /** Number of queued requests of a caller. */
  queuedCount(caller: string): number {
    let n = 0;
    for (const c of this.byCaller.get(caller)?.values() ?? []) n += c.queued;
    return n;
  }

  /** Callers with at least one held lock or queued request. */
  callers(): string[] {
    return [...this.byCaller.keys()];
  }

  /** Held locks of one caller. */
  heldBy(caller: string): HeldLock[] {
    const out: HeldLock[] = [];
    for (const file of this.byCaller.get(caller)?.keys() ?? []) {
      for (const h of this.files.get(file)?.held ?? [])
        if (h.owner.caller === caller) out.push(publicHeld(h));
    }
    return out;
  }

  /** Every held lock and queued request, files in insertion order, held before queued. */
  list(): LockListing[] {
    const out: LockListing[] = [];
    for (const f of this.files.values()) {
      for (const h of f.held) out.push({ state: 'held', ...publicHeld(h) });
      for (const q of f.queue) {
        out.push({
          state: 'queued',
          file: q.file,
          owner: q.owner,
          exclusive: q.exclusive,
          start: q.start,
          end: q.end,
        });
      }
    }
    return out;
  }

  /** Queued requests, in arrival order per file. */
  queued(): QueuedLock<T>[] {
    const out: QueuedLock<T>[] = [];
    for (const f of this.files.values()) out.push(...f.queue);
    return out;
  }

  /** Total number of held ranges. */
  get size(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.held.length;
    return n;
  }

  private fileFor(file: string): FileLocks<T> {
    let f = this.files.get(file);
    if (!f) {
      f = new FileLocks<T>();
      this.files.set(file, f);
    }
    return f;
  }

  private dropIfEmpty(file: string, f: FileLocks<T>): void {
    if (f.held.length === 0 && f.queue.length === 0) this.files.delete(file);
  }

  private conflict(
    f: FileLocks<T>,
    key: string,
    exclusive: boolean,
    start: bigint,
    end: bigint,
  ): HeldLock | null {
    const conflicts = (h: HeldEntry) => h.key !== key && (exclusive || h.exclusive);
    for (const h of f.toEof) if (h.start <= end && conflicts(h)) return publicHeld(h);
    // Finite ranges that can reach `start` begin at `start - maxSpan` or later.
    const held = f.held;
    let i = lowerBound(held, start - f.maxSpan);
    for (; i < held.length; i++) {
      const h = held[i]!;
      if (h.start > end) break;
      if (h.end !== OFFSET_MAX && h.end >= start && conflicts(h)) return publicHeld(h);
    }
    return null;
  }

  /** Applies a lock of one owner over its own locks: same mode merges, other mode is cut out. */
  private apply(
    f: FileLocks<T>,
    key: string,
    owner: LockOwner,
    file: string,
    exclusive: boolean,
    start: bigint,
    end: bigint,
  ): void {
    let s = start;
    let e = end;
    const pieces: HeldEntry[] = [];
    // Adjacent ranges (h.end + 1 === start) of the same mode merge too.
    const touched = f.ownIn(key, start, end, true);
    for (const h of touched) {
      f.remove(h);
      if (h.exclusive === exclusive) {
        if (h.start < s) s = h.start;
        if (h.end > e) e = h.end;
      } else if (!overlaps(h, start, end)) {
        pieces.push(h); // adjacent, other mode: stays as it is
      } else {
        if (h.start < start) pieces.push({ ...h, end: start - 1n });
        if (h.end > end) pieces.push({ ...h, start: end + 1n });
      }
    }
    pieces.push({ file, owner, key, exclusive, start: s, end: e });
    for (const p of pieces) f.add(p);
    this.count(owner.caller, file, pieces.length - touched.length, 0);
  }

  /** Removes an owner's locks in a range, keeping the parts outside it. */
  private release(
    f: FileLocks<T>,
    key: string,
    caller: string,
    file: string,
    start: bigint,
    end: bigint,
  ): void {
    const hit = f.ownIn(key, start, end, false);
    if (hit.length === 0) return;
    const pieces: HeldEntry[] = [];
    for (const h of hit) {
      f.remove(h);
      if (h.start < start) pieces.push({ ...h, end: start - 1n });
      if (h.end > end) pieces.push({ ...h, start: end + 1n });
    }
    for (const p of pieces) f.add(p);
    this.count(caller, file, pieces.length - hit.length, 0);
  }

  /** Grants queued requests that fit, in FIFO order, until nothing more fits. */
  private grantWaiters(file: string, f: FileLocks<T>): QueuedLock<T>[] {
    const granted: QueuedLock<T>[] = [];
    // Granting a request can downgrade its owner's own locks, which may let an earlier waiter in:
    // hence passes until one grants nothing (bounded by the queue length).
    for (let progress = true; progress && f.queue.length > 0; ) {
      progress = false;
      for (let i = 0; i < f.queue.length; ) {
        const q = f.queue[i]!;
        if (this.conflict(f, q.key, q.exclusive, q.start, q.end)) {
          i++;
          continue;
        }
        f.queue.splice(i, 1);
        this.count(q.owner.caller, file, 0, -1);
        this.apply(f, q.key, q.owner, file, q.exclusive, q.start, q.end);
        granted.push(q);
        progress = true;
      }
    }
    this.dropIfEmpty(file, f);
    return granted;
  }

  private count(caller: string, file: string, dHeld: number, dQueued: number): void {
    if (dHeld === 0 && dQueued === 0) return;
    let files = this.byCaller.get(caller);
    if (!files) {
      files = new Map();
      this.byCaller.set(caller, files);
    }
    let c = files.get(file);
    if (!c) {
      c = { held: 0, queued: 0 };
      files.set(file, c);
    }
    c.held += dHeld;
    c.queued += dQueued;
    if (c.held === 0 && c.queued === 0) files.delete(file);
    if (files.size === 0) this.byCaller.delete(caller);
  }
}

function checkRange(start: bigint, end: bigint): void {
  if (start < 0n || end > OFFSET_MAX || start > end) throw new RangeError(`bad lock range ${start}-${end}`);
}

function copyOwner(o: LockOwner): LockOwner {
  // Decoded opaques are views into a packet buffer: keep a copy of our own.
  return { caller: o.caller, svid: o.svid, oh: Uint8Array.from(o.oh) };
}

function publicHeld(h: HeldEntry): HeldLock {
  return { file: h.file, owner: h.owner, exclusive: h.exclusive, start: h.start, end: h.end };
}

/** First index whose start is >= `start` (entries sorted by start). */
function lowerBound(list: readonly HeldEntry[], start: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts after the entries with the same start (stable order). */
function insertByStart(list: HeldEntry[], h: HeldEntry): void {
  let lo = lowerBound(list, h.start);
  while (lo < list.length && list[lo]!.start === h.start) lo++;
  list.splice(lo, 0, h);
}

/** Removes this very entry. */
function removeByStart(list: HeldEntry[], h: HeldEntry): void {
  for (let i = lowerBound(list, h.start); i < list.length && list[i]!.start === h.start; i++) {
    if (list[i] === h) {
      list.splice(i, 1);
      return;
    }
  }
}
