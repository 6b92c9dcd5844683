import { constants as C, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { endianness, release } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { readHostDirInWorkers } from './dir-reader.js';
import { errnoOf, StoreError } from './errors.js';
import { defaultStoreLogger, type StoreLogger } from './logger.js';
import { commitFiles, type NativeFsJob, nativeFs } from './native-fs.js';
import { ENTRY, type ReadChunk } from './read-worker.js';
import {
  checkMonName,
  checkMyId,
  checkRecord,
  checkState,
  formatRecordLine,
  LOOPBACK_FIELD,
  lineHasId,
  lineIs,
  lineMonName,
  monNameProblem,
  myNameProblem,
  PRIV_SIZE,
  parseRecordFile,
  splitLines,
} from './record.js';
import { SPARE_DIR, SpareFiles } from './spares.js';
import type { MonitorRecord, MyId, Store, StoreSnapshot } from './types.js';

/** The monitor list directory (nfs-utils NSM_MONITOR_DIR). */
export const MONITOR_DIR = 'sm';
/** The notify list directory (nfs-utils NSM_NOTIFY_DIR). */
export const NOTIFY_DIR = 'sm.bak';
/** The state number file: 4 bytes, native byte order (nfs-utils NSM_STATE_FILE). */
export const STATE_FILE = 'state';
/** Our boot id file, beside `state`; nfs-utils never reads it. */
export const BOOT_ID_FILE = 'nsmd-boot-id';
/** Temp files start with '.' so that no reader (ours or nfs-utils') takes them for a host. */
export const TEMP_PREFIX = '.nsmd.';
const TEMP_SUFFIX = '.tmp';

/** Host files hold peers' names: readable by the statd user only, as nfs-utils creates them. */
const HOST_FILE_MODE = 0o600;
/** `state` is public (nfs-utils: 0644 less the umask). */
const STATE_FILE_MODE = 0o644;
/** Longest a batch waits for the callers of the one before (see gather()). */
const GATHER_MAX_MS = 2;
/** A drain starting this soon after the last one ended expects that one's callers back (ms). */
const RECENT_DRAIN_MS = 5;
/** Time without a new call after which a batch stops waiting for more. */
const GATHER_QUIET_MS = 0.3;
/** Quiet time before an idle store makes spare files (see spares.ts). */
const SPARE_FILL_DELAY_MS = 250;
/** A batch's syncfs slower than this (ms) means other writers share the file system ('auto' backs off). */
const SYNCFS_SLOW_MS = 50;
/** How long 'auto' syncs file by file after a slow syncfs (ms). */
const SYNCFS_BACKOFF_MS = 30_000;
/** A host file is a few lines; anything bigger is not one of ours. */
const MAX_HOST_FILE = 1 << 20;

/** Options of an FsStore. */
export interface FsStoreOptions {
  /** The state directory (nfs-utils layout: Debian /var/lib/nfs). Created when missing. */
  dir: string;
  logger?: StoreLogger;
  /** Open without writing anything (for `nsmd status`); mutations reject. */
  readOnly?: boolean;
  /** Files written at once with the node:fs io (default 64); the native io writes a batch in one job. */
  concurrency?: number;
  /** Most calls applied in one group commit (default 8192). */
  maxBatch?: number;
  /**
   * Worker threads reading each directory at load (default 1, at most 16). One is fastest with a warm
   * page cache; with a cold one (just after boot) reads wait on the disk and 4 take half the time.
   */
  readers?: number;
  /**
   * Spare files kept ready in sm/.nsmd-spares so that a new host file needs no new inode while its
   * caller waits (default 1024; 0: none, every new host file is created). See docs/STATE.md.
   */
  spareFiles?: number;
  /**
   * How a group commit's files are written: 'native' by the addon (native/fs), all of a batch in
   * one worker with its writeback started before the first sync, so that the batch shares journal
   * commits; 'node' with node:fs calls, `concurrency` at a time; 'auto' (default) the addon when it
   * is built. Without this option the environment variable NSMD_STORE_IO (auto, native, node) decides.
   */
  io?: FsStoreIoChoice;
  /**
   * How a batch's written files are made durable before they are renamed into place: 'file', an
   * fdatasync per file (what rpc.statd does, one per call); 'fs', one syncfs(2) of the state
   * directory's file system per batch, which also writes out whatever else is dirty there; 'auto'
   * (default) syncfs for batches of two files or more, falling back to 'file' for a while when a
   * syncfs is slow (other writers on the file system). 'fs' and 'auto' need the native io and
   * Linux 5.8 or later (syncfs reports write errors since); 'auto' is 'file' without them.
   * Without this option the environment variable NSMD_STORE_SYNC (auto, file, fs) decides.
   */
  sync?: FsStoreSyncChoice;
  /**
   * A batch's syncfs slower than this (ms, default 50) makes 'auto' sync file by file for
   * `syncfsBackoffMs` (default 30000): another program's dirty data was being written out.
   */
  syncfsSlowMs?: number;
  syncfsBackoffMs?: number;
}

/** See FsStoreOptions.io. */
export type FsStoreIoChoice = 'auto' | 'native' | 'node';
/** See FsStoreOptions.sync. */
export type FsStoreSyncChoice = 'auto' | 'file' | 'fs';

/** What FsStore.loadIndex() found. */
export interface FsStoreSummary {
  /** The state number as last persisted (0 when there is none yet). */
  state: number;
  bootId: string | null;
  /** Host files in sm/ and sm.bak/ (each holds one record or more). */
  monitorFiles: number;
  notifyFiles: number;
}

/** Counters of the work an FsStore did, e.g. to see group commit share syncs. */
export interface FsStoreStats {
  /** Group commits run. */
  batches: number;
  /** Mutating calls applied. */
  calls: number;
  /** Files written (temp, data sync, rename). */
  fileWrites: number;
  fileUnlinks: number;
  fileRenames: number;
  /** Directory fsyncs. */
  dirSyncs: number;
  /** Host files written into a spare file rather than a new one. */
  sparesUsed: number;
  /** Removed host files kept as spares rather than unlinked. */
  sparesRecycled: number;
  /** Spare files ready now. */
  sparesReady: number;
  /** Batches whose written files were synced by one syncfs (see FsStoreOptions.sync). */
  syncfsBatches: number;
  /** syncfs calls slower than `syncfsSlowMs`, after each of which 'auto' synced file by file for a while. */
  syncfsSlow: number;
}

type DirLabel = typeof MONITOR_DIR | typeof NOTIFY_DIR;

/**
 * The usual host file's one line, `formatRecordLine` of (mon_name = the file's name, my_id, priv), held
 * as 16 priv bytes and an interned my_id instead of its text: about 20 bytes a host instead of 120.
 */
class CompactLines {
  private privs = new Uint8Array(PRIV_SIZE * 1024);
  private ids = new Uint32Array(1024);
  private next = 0;
  private readonly free: number[] = [];
  /** my_ids by number, with the number of slots naming each (a number is reused at zero). */
  private readonly targets: (MyId | null)[] = [];
  private readonly refs: number[] = [];
  private readonly targetOf = new Map<string, number>();
  private readonly unusedTargets: number[] = [];
  private last = -1;

  /** Takes a file's content if it is the usual line; returns its slot, or -1 (keep the text). */
  take(file: string, content: string): number {
    const myStart = 70 + file.length;
    // `%08x %08x %08x %08x <32 hex> <file> <my_name>\n`, lowercase hex, loopback address field.
    if (
      content.length <= myStart ||
      content.charCodeAt(content.length - 1) !== 0x0a ||
      !content.startsWith(LOOPBACK_FIELD) ||
      content.charCodeAt(8) !== 0x20 ||
      content.charCodeAt(17) !== 0x20 ||
      content.charCodeAt(26) !== 0x20 ||
      content.charCodeAt(35) !== 0x20 ||
      content.charCodeAt(68) !== 0x20 ||
      content.charCodeAt(myStart - 1) !== 0x20 ||
      !content.startsWith(file, 69)
    )
      return -1;
    for (let i = 9; i < 68; i++) {
      if (i === 17 || i === 26 || i === 35) continue;
      const c = content.charCodeAt(i);
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return -1;
    }
    const prog = hex32(content, 9);
    const vers = hex32(content, 18);
    const proc = hex32(content, 27);
    // Nearly every line names the my_id of the line before: no slice and no check for it.
    let t = this.last;
    const l = t >= 0 ? this.targets[t]! : null;
    if (
      l === null ||
      l.prog !== prog ||
      l.vers !== vers ||
      l.proc !== proc ||
      content.length !== myStart + l.myName.length + 1 ||
      !content.startsWith(l.myName, myStart)
    ) {
      const myName = content.slice(myStart, -1);
      if (myNameProblem(myName) !== null) return -1; // also rejects a second line
      t = this.intern(myName, prog, vers, proc);
    }
    this.refs[t]!++;
    const slot = this.alloc();
    const at = slot * PRIV_SIZE;
    for (let i = 0; i < PRIV_SIZE; i++) {
      this.privs[at + i] = (hexDigit(content, 36 + 2 * i) << 4) | hexDigit(content, 37 + 2 * i);
    }
    this.ids[slot] = t;
    return slot;
  }

  /** The record a slot holds (priv copied). */
  record(file: string, slot: number): MonitorRecord {
    const id = this.targets[this.ids[slot]!]!;
    const priv = Buffer.allocUnsafe(PRIV_SIZE);
    priv.set(this.privs.subarray(slot * PRIV_SIZE, (slot + 1) * PRIV_SIZE));
    return { monName: file, myName: id.myName, prog: id.prog, vers: id.vers, proc: id.proc, priv };
  }

  /** The my_name a slot names. */
  myName(slot: number): string {
    return this.targets[this.ids[slot]!]!.myName;
  }

  release(slot: number): void {
    const t = this.ids[slot]!;
    if (--this.refs[t]! === 0) {
      const id = this.targets[t]!;
      this.targetOf.delete(targetKey(id.myName, id.prog, id.vers, id.proc));
      this.targets[t] = null;
      this.unusedTargets.push(t);
      if (this.last === t) this.last = -1;
    }
    this.free.push(slot);
  }

  private alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const slot = this.next++;
    if (slot >= this.ids.length) {
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const privs = new Uint8Array(this.privs.length * 2);
      privs.set(this.privs);
      this.privs = privs;
    }
    return slot;
  }

  /** The number of a my_id (the caller counts the reference). */
  private intern(myName: string, prog: number, vers: number, proc: number): number {
    const key = targetKey(myName, prog, vers, proc);
    let t = this.targetOf.get(key);
    if (t === undefined) {
      t = this.unusedTargets.pop() ?? this.targets.length;
      this.targets[t] = { myName, prog, vers, proc };
      this.refs[t] = 0;
      this.targetOf.set(key, t);
    }
    this.last = t;
    return t;
  }
}

/** A lowercase hex digit's value (the caller checked it is one). */
function hexDigit(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

/** Eight hex digits as a signed 32-bit value, as `Number.parseInt(x, 16) | 0` gives. */
function hex32(s: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) v = (v << 4) | hexDigit(s, i);
  return v;
}

function targetKey(myName: string, prog: number, vers: number, proc: number): string {
  return `${prog}/${vers}/${proc}/${myName}`;
}

/**
 * One of sm/ and sm.bak/ in memory: each host file's exact content, by file name; the usual one-line
 * file is held compactly (a slot number), any other as its text.
 */
class HostDir {
  /** File name (byte string) -> a CompactLines slot, or the content (byte string, whole lines). */
  readonly files = new Map<string, string | number>();
  /** mon_name -> other files holding lines of it (nfs-utils names a file after the canonical name). */
  readonly aliases = new Map<string, Set<string>>();
  handle: FileHandle | null = null;
  readonly prefix: Buffer;
  private readonly compact = new CompactLines();

  constructor(
    readonly label: DirLabel,
    readonly path: string,
  ) {
    this.prefix = Buffer.from(`${path}/`);
  }

  pathOf(file: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(file, 'latin1')]);
  }

  /** Files that may hold lines of monName. */
  candidates(monName: string): string[] {
    const extra = this.aliases.get(monName);
    return extra ? [monName, ...extra] : [monName];
  }

  /** A file's exact content, or undefined when there is no such file. */
  content(file: string): string | undefined {
    const v = this.files.get(file);
    return typeof v === 'number' ? formatRecordLine(this.compact.record(file, v)) : v;
  }

  /** False when the file surely holds no line of my_name (true: it may). */
  mayHold(file: string, myName: string): boolean {
    const v = this.files.get(file);
    if (typeof v === 'number') return this.compact.myName(v) === myName;
    return v?.includes(` ${myName}\n`) === true;
  }

  /** The records of the files, in file then line order. */
  *records(): IterableIterator<MonitorRecord> {
    for (const [file, v] of this.files) {
      if (typeof v === 'number') yield this.compact.record(file, v);
      else for (const r of parseRecordFile(v) ?? []) yield r;
    }
  }

  /** Indexes a file read at load if it is the usual one line; false when it is not (parse it fully). */
  addIfCompact(file: string, content: string): boolean {
    const slot = this.compact.take(file, content);
    if (slot < 0) return false;
    this.files.set(file, slot);
    return true;
  }

  /** Replaces a file's content in the index (null: gone), keeping aliases right. */
  setContent(file: string, content: string | null): void {
    const old = this.files.get(file);
    if (typeof old === 'number') this.compact.release(old);
    else if (old !== undefined) for (const name of foreignNames(file, old)) this.unalias(name, file);
    if (content === null) {
      this.files.delete(file);
      return;
    }
    const slot = this.compact.take(file, content);
    if (slot >= 0) {
      this.files.set(file, slot);
      return;
    }
    this.files.set(file, content);
    for (const name of foreignNames(file, content)) this.alias(name, file);
  }

  private alias(name: string, file: string): void {
    const set = this.aliases.get(name);
    if (set) set.add(file);
    else this.aliases.set(name, new Set([file]));
  }

  private unalias(name: string, file: string): void {
    const set = this.aliases.get(name);
    if (set?.delete(file) && set.size === 0) this.aliases.delete(name);
  }
}

const NONE: ReadonlySet<string> = new Set();

/** mon_names in a file's lines other than the file's own name. */
function foreignNames(file: string, content: string): ReadonlySet<string> {
  // The usual file: one line, of its own mon_name.
  const end = 69 + file.length;
  if (content.length > end && content.startsWith(file, 69) && content.charCodeAt(end) === 0x20) {
    const nl = content.indexOf('\n', end);
    if (nl < 0 || nl === content.length - 1) return NONE;
  }
  const out = new Set<string>();
  let start = 0;
  while (start < content.length) {
    const end = content.indexOf('\n', start);
    const line = content.slice(start, end < 0 ? content.length : end);
    const name = lineMonName(line);
    if (name !== file) out.add(name);
    start = end < 0 ? content.length : end + 1;
  }
  return out;
}

function joinLines(lines: string[]): string | null {
  return lines.length === 0 ? null : `${lines.join('\n')}\n`;
}

/** What identifies a line's record: prog, vers, proc, mon_name and my_name (not address, priv). */
function lineKey(line: string): string {
  return line.slice(9, 35).toLowerCase() + line.slice(68);
}

/** sm.bak content after moving a monitor file onto it: a pending record with the same key is replaced. */
function mergeContent(pending: string, monitor: string): string {
  const mon = splitLines(monitor);
  const keys = new Set(mon.map(lineKey));
  const kept = splitLines(pending).filter((l) => !keys.has(lineKey(l)));
  return joinLines([...kept, ...mon])!;
}

/** A queued mutating call. */
interface Pending {
  apply: ((b: Batch) => unknown) | null; // null: the sm -> sm.bak move, run alone
  resolve: (v: any) => void;
  reject: (e: unknown) => void;
  /** Staged files this call read or wrote: it succeeds only if they all reach the disk. */
  deps: Set<string>;
  result?: unknown;
  error?: unknown;
}

/** The staged changes of one group commit, over the live index. */
class Batch {
  readonly staged = new Map<HostDir, Map<string, string | null>>();
  state: { state: number; bootId: string | null } | null = null;
  current: Pending | null = null;

  overlay(dir: HostDir): Map<string, string | null> {
    let o = this.staged.get(dir);
    if (!o) {
      o = new Map();
      this.staged.set(dir, o);
    }
    return o;
  }

  /** A file's content as this batch sees it so far. */
  get(dir: HostDir, file: string): string | undefined {
    const o = this.staged.get(dir);
    if (o?.has(file)) {
      this.current!.deps.add(`${dir.label}/${file}`);
      return o.get(file) ?? undefined;
    }
    return dir.content(file);
  }

  set(dir: HostDir, file: string, content: string | null): void {
    this.overlay(dir).set(file, content);
    this.current!.deps.add(`${dir.label}/${file}`);
  }
}

interface FileTask {
  dir: HostDir;
  file: string;
  data: Buffer | null; // null: unlink
  error?: unknown;
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T, slot: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (slot: number): Promise<void> => {
    while (next < items.length) await fn(items[next++]!, slot);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, (_, slot) => worker(slot)));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function show(file: string): string {
  return /^[\x21-\x7e]*$/.test(file) ? file : JSON.stringify(file);
}

/**
 * A Store over an nfs-utils state directory (`sm/`, `sm.bak/`, `state`), read and written the way
 * nfs-utils does, so rpc.statd and nsmd can take each other's directory. Every change is written
 * to a temp file, data-synced and renamed into place; the directory is then fsynced once for all
 * changes of a group commit. See docs/STATE.md.
 */
export class FsStore implements Store {
  readonly dir: string;
  private readonly log: StoreLogger;
  private readonly readOnly: boolean;
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private readonly readers: number;
  private readonly sm: HostDir;
  private readonly bak: HostDir;
  private readonly spares: SpareFiles;
  /** How batches are written: see FsStoreOptions.io. */
  readonly io: 'native' | 'node';
  /** How written files are synced: see FsStoreOptions.sync. */
  readonly sync: 'auto' | 'file' | 'fs';
  /** performance.now() until which 'auto' does not use syncfs (after a slow one). */
  private syncfsPausedUntil = 0;
  private readonly syncfsSlowMs: number;
  private readonly syncfsBackoffMs: number;
  private baseHandle: FileHandle | null = null;
  private readonly basePrefix: Buffer;
  private owner: { uid: number; gid: number } | null = null;
  private state = 0;
  private bootId: string | null = null;
  private loaded = false;
  private opening: Promise<void> | null = null;
  private closed = false;
  private queue: Pending[] = [];
  private running = false;
  /** When the last drain ended and how many callers its last batch answered (see drain()). */
  private drainEnd = { at: Number.NEGATIVE_INFINITY, inFlight: 0 };
  private idleWaiters: (() => void)[] = [];
  private tempSeq = 0;
  private fillTimer: NodeJS.Timeout | null = null;
  /** When the last mutating call came (Date.now()): spares are made only in quiet moments. */
  private lastCallAt = 0;
  private readonly counters: Omit<FsStoreStats, 'sparesReady'> = {
    batches: 0,
    calls: 0,
    fileWrites: 0,
    fileUnlinks: 0,
    fileRenames: 0,
    dirSyncs: 0,
    sparesUsed: 0,
    sparesRecycled: 0,
    syncfsBatches: 0,
    syncfsSlow: 0,
  };

  constructor(opts: FsStoreOptions) {
    this.dir = resolvePath(opts.dir);
    this.log = opts.logger ?? defaultStoreLogger;
    this.readOnly = opts.readOnly ?? false;
    this.concurrency = Math.max(1, opts.concurrency ?? 64);
    this.maxBatch = Math.max(1, opts.maxBatch ?? 8192);
    this.readers = Math.max(1, Math.min(opts.readers ?? 1, 16));
    this.io = storeIo(opts.io);
    this.sync = storeSync(opts.sync, this.io);
    this.syncfsSlowMs = Math.max(0, opts.syncfsSlowMs ?? SYNCFS_SLOW_MS);
    this.syncfsBackoffMs = Math.max(0, opts.syncfsBackoffMs ?? SYNCFS_BACKOFF_MS);
    this.sm = new HostDir(MONITOR_DIR, `${this.dir}/${MONITOR_DIR}`);
    this.bak = new HostDir(NOTIFY_DIR, `${this.dir}/${NOTIFY_DIR}`);
    this.basePrefix = Buffer.from(`${this.dir}/`);
    const target = Math.max(0, opts.spareFiles ?? 1024);
    this.spares = new SpareFiles(`${this.sm.path}/${SPARE_DIR}`, {
      target,
      max: target === 0 ? 0 : Math.max(2 * target, 256),
      mode: HOST_FILE_MODE,
      owner: () => this.owner,
    });
  }

  /** A copy of the work counters. */
  stats(): FsStoreStats {
    return { ...this.counters, sparesReady: this.spares.size };
  }

  // ---- opening and reading ----

  async load(): Promise<StoreSnapshot> {
    await this.loadIndex();
    return this.snapshot();
  }

  /**
   * Opens and reads the store like load(), but builds no record lists: a big store's start-up then
   * takes the records one at a time from records(), never holding them all at once.
   */
  async loadIndex(): Promise<FsStoreSummary> {
    if (this.closed) throw new StoreError('ERR_STORE_STATE', 'store is closed');
    if (this.loaded) {
      await this.idle();
      return this.summary();
    }
    this.opening ??= this.openAndRead();
    try {
      await this.opening;
    } catch (err) {
      await this.closeHandles();
      throw err;
    } finally {
      this.opening = null;
    }
    return this.summary();
  }

  /** The records of sm/ (monitors) or sm.bak/ (notify list) as held now, made one at a time. */
  records(list: DirLabel): IterableIterator<MonitorRecord> {
    return (list === MONITOR_DIR ? this.sm : this.bak).records();
  }

  private summary(): FsStoreSummary {
    return {
      state: this.state,
      bootId: this.bootId,
      monitorFiles: this.sm.files.size,
      notifyFiles: this.bak.files.size,
    };
  }

  private async openAndRead(): Promise<void> {
    await this.open();
    await this.readDir(this.sm);
    await this.readDir(this.bak);
    await this.readState();
    this.loaded = true;
    this.fillSpares();
  }

  /**
   * Tops up the spare files once the store has been quiet for a moment (SPARE_FILL_DELAY_MS): a
   * fill never competes with a storm of calls for the disk, and stops when a call arrives.
   */
  private fillSpares(): void {
    if (this.readOnly || this.closed || this.fillTimer) return;
    this.fillTimer = setTimeout(() => {
      this.fillTimer = null;
      if (this.closed) return;
      if (this.busy()) this.fillSpares();
      else void this.spares.fill(() => this.busy());
    }, SPARE_FILL_DELAY_MS);
    this.fillTimer.unref();
  }

  /** Calls are being applied, waiting, or came less than SPARE_FILL_DELAY_MS ago (or the store closed). */
  private busy(): boolean {
    return (
      this.closed ||
      this.running ||
      this.queue.length > 0 ||
      Date.now() - this.lastCallAt < SPARE_FILL_DELAY_MS
    );
  }

  private openError(message: string, cause?: unknown): StoreError {
    const code = errnoOf(cause);
    return new StoreError(
      'ERR_STORE_OPEN',
      `state directory ${this.dir}: ${message}${code ? ` (${code})` : ''}`,
      {
        cause,
      },
    );
  }

  private async statDir(path: string, what: string, create: boolean, mustWrite = true): Promise<Stats> {
    let st: Stats;
    try {
      st = await fsp.stat(path);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT' || !create) throw this.openError(`cannot access ${what}`, err);
      try {
        await fsp.mkdir(path, { recursive: true, mode: 0o755 });
        st = await fsp.stat(path);
      } catch (err2) {
        throw this.openError(`${what} is missing and cannot be created`, err2);
      }
      this.log.debug(`created ${path}`);
    }
    if (!st.isDirectory()) throw this.openError(`${what} is not a directory`);
    if (!this.readOnly && mustWrite) {
      try {
        await fsp.access(path, C.W_OK | C.X_OK);
      } catch (err) {
        throw this.openError(`${what} is not writable`, err);
      }
    }
    return st;
  }

  private async open(): Promise<void> {
    const base = await this.statDir(this.dir, 'the directory', !this.readOnly, false);
    if (this.readOnly) return; // a missing sm/ or sm.bak/ reads as empty
    // The directory itself may be root's (stock Debian /var/lib/nfs) as long as `state` is ours
    // to rewrite in place; sm/ and sm.bak/ must be writable either way.
    try {
      await fsp.access(this.dir, C.W_OK | C.X_OK);
    } catch (err) {
      const stateWritable = await fsp.access(`${this.dir}/${STATE_FILE}`, C.W_OK).then(
        () => true,
        () => false,
      );
      if (!stateWritable) throw this.openError('the directory is not writable', err);
    }
    let created = false;
    for (const d of [this.sm, this.bak]) {
      const existed = await fsp.lstat(d.path).then(
        () => true,
        () => false,
      );
      const st = await this.statDir(d.path, `${d.label}/`, true);
      if (!existed) {
        created = true;
        // Created by us as root: give it to the directory's owner, whom rpc.statd would run as.
        if (process.getuid?.() === 0 && st.uid !== base.uid)
          await fsp.chown(d.path, base.uid, base.gid).catch(() => {});
      }
    }
    const smStat = await fsp.stat(this.sm.path);
    // Debian's rpc.statd runs as the owner of sm/: files we make must stay writable for it.
    if (process.getuid?.() === 0 && (smStat.uid !== 0 || smStat.gid !== 0)) {
      this.owner = { uid: smStat.uid, gid: smStat.gid };
    }
    try {
      this.baseHandle = await fsp.open(this.dir, 'r');
      this.sm.handle = await fsp.open(this.sm.path, 'r');
      this.bak.handle = await fsp.open(this.bak.path, 'r');
      if (created) await this.baseHandle.sync();
    } catch (err) {
      await this.closeHandles();
      throw this.openError('cannot open for syncing', err);
    }
    await this.removeOwnTemps(this.dir);
    if (!(await this.spares.open()) && this.spares.enabled)
      this.log.debug(`no spare files: ${this.spares.dir} is not a usable directory`);
  }

  /** Deletes temp files a killed writer of ours left (never read as hosts anyway). */
  private async removeOwnTemps(path: string): Promise<void> {
    let names: Buffer[];
    try {
      names = await fsp.readdir(path, { encoding: 'buffer' });
    } catch {
      return;
    }
    for (const n of names) {
      const name = n.toString('latin1');
      if (name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX)) {
        await fsp.unlink(Buffer.concat([Buffer.from(`${path}/`), n])).catch(() => {});
        this.log.debug(`removed leftover temp file ${path}/${show(name)}`);
      }
    }
  }

  /** Reads every host file of a directory into the index; returns the records. */
  private async readDir(d: HostDir): Promise<void> {
    const temps: string[] = [];
    const fatal = await readHostDirInWorkers(
      { dir: d.path, maxFile: MAX_HOST_FILE, part: 0, parts: this.readers, chunk: 4096 },
      (chunk) => this.indexChunk(d, chunk, temps),
    );
    if (fatal) {
      if (this.readOnly && fatal.code === 'ENOENT') return;
      throw this.openError(`cannot read ${d.label}/: ${fatal.message}`);
    }
    for (const name of temps) {
      await fsp.unlink(d.pathOf(name)).catch(() => {});
      this.log.debug(`removed leftover temp file ${d.label}/${show(name)}`);
    }
  }

  /** Takes the host files of one chunk read by a worker into the index. */
  private indexChunk(d: HostDir, res: ReadChunk, temps: string[]): void {
    const data = Buffer.from(res.data.buffer, res.data.byteOffset, res.data.byteLength);
    let errorIndex = 0;
    for (let i = 0; i < res.count; i++) {
      const at = i * 5;
      const kind = res.entries[at]!;
      const name = data.toString('latin1', res.entries[at + 1], res.entries[at + 2]);
      const skip = (why: string): void => this.log.warn(`ignoring ${d.label}/${show(name)}: ${why}`);
      switch (kind) {
        case ENTRY.hidden:
          if (name === SPARE_DIR && d === this.sm) continue;
          if (name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX) && !this.readOnly) temps.push(name);
          else skip('hidden or temp file');
          continue;
        case ENTRY.symlink:
          skip('a symbolic link');
          continue;
        case ENTRY.directory:
          skip('a directory');
          continue;
        case ENTRY.other:
          skip('not a regular file');
          continue;
        case ENTRY.error:
          skip(res.errors[errorIndex++] ?? 'unreadable');
          continue;
        case ENTRY.tooLarge:
          skip(`larger than ${MAX_HOST_FILE} bytes`);
          continue;
      }
      const problem = monNameProblem(name);
      if (problem) {
        skip(`file name ${problem}`);
        continue;
      }
      const content = data.toString('latin1', res.entries[at + 3], res.entries[at + 4]);
      if (d.addIfCompact(name, content)) continue;
      const recs = parseRecordFile(content);
      if (!recs) {
        skip('not a list of nfs-utils records');
        continue;
      }
      if (recs.length === 1) {
        d.setContent(name, content);
        continue;
      }
      // A repeated (mon_name, my_id): the last line wins, as a later SM_MON would.
      const lines = splitLines(content);
      const last = new Map<string, number>();
      for (let j = 0; j < lines.length; j++) last.set(lineKey(lines[j]!), j);
      const unique = lines.filter((l, j) => last.get(lineKey(l)) === j);
      d.setContent(name, unique.length === lines.length ? content : joinLines(unique));
    }
  }

  private async readState(): Promise<void> {
    try {
      const buf = await fsp.readFile(`${this.dir}/${STATE_FILE}`);
      if (buf.length >= 4) this.state = endianness() === 'LE' ? buf.readInt32LE(0) : buf.readInt32BE(0);
      else if (buf.length > 0) this.log.warn(`ignoring ${STATE_FILE}: ${buf.length} bytes, not 4`);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw this.openError(`cannot read ${STATE_FILE}`, err);
    }
    try {
      const text = (await fsp.readFile(`${this.dir}/${BOOT_ID_FILE}`, 'latin1')).trim();
      this.bootId = text.length > 0 ? text : null;
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw this.openError(`cannot read ${BOOT_ID_FILE}`, err);
    }
  }

  private snapshot(): StoreSnapshot {
    const all = (d: HostDir): MonitorRecord[] => {
      const out: MonitorRecord[] = [];
      for (const r of d.records()) out.push(r);
      return out;
    };
    return { state: this.state, bootId: this.bootId, monitors: all(this.sm), notify: all(this.bak) };
  }

  // ---- mutations: queued, applied in call order, group-committed ----

  private enqueue<T>(apply: ((b: Batch) => T) | null): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('ERR_STORE_STATE', 'store is closed'));
    if (!this.loaded) return Promise.reject(new StoreError('ERR_STORE_STATE', 'store used before load()'));
    if (this.readOnly) return Promise.reject(new StoreError('ERR_STORE_STATE', 'store was opened read-only'));
    this.lastCallAt = Date.now();
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ apply, resolve, reject, deps: new Set() });
      if (!this.running) {
        this.running = true;
        // Let the calls of this turn of the event loop join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    // Right after a drain that emptied the queue (all of a window's calls were in its last batch),
    // the first call back must not go alone into a batch of one, with the rest of the window behind it.
    let inFlight = performance.now() - this.drainEnd.at < RECENT_DRAIN_MS ? this.drainEnd.inFlight : 0;
    while (this.queue.length > 0) {
      if (this.queue[0]!.apply === null) {
        await this.runMove(this.queue.shift()!);
        continue;
      }
      if (inFlight > this.queue.length) await this.gather(inFlight);
      let n = 0;
      while (n < this.queue.length && n < this.maxBatch && this.queue[n]!.apply !== null) n++;
      const batch = this.queue.splice(0, n);
      await this.runBatch(batch);
      // Callers answered now and callers that queued meanwhile: under steady load, all come back.
      inFlight = batch.length + this.queue.length;
    }
    this.drainEnd = { at: performance.now(), inFlight };
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
    this.fillSpares();
  }

  /**
   * Group commit's delay: the callers of the batch just answered usually call again within a few
   * hundred microseconds (a lock manager with a window of calls, a storm of clients), and without a
   * wait they would form a second, half-full batch behind the one that queued meanwhile. Waits, a
   * turn of the event loop at a time, until `expect` calls are queued, or GATHER_MAX_MS passed, or
   * GATHER_QUIET_MS passed without a new call. A lone caller never waits: it expects only itself.
   */
  private async gather(expect: number): Promise<void> {
    const start = performance.now();
    let seen = this.queue.length;
    let lastNew = start;
    for (;;) {
      const now = performance.now();
      if (this.queue.length >= expect || now - start >= GATHER_MAX_MS || this.closed) return;
      if (this.queue.length > seen) {
        seen = this.queue.length;
        lastNew = now;
      } else if (now - lastNew >= GATHER_QUIET_MS) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  addMonitor(rec: MonitorRecord): Promise<void> {
    try {
      checkRecord(rec);
    } catch (err) {
      return Promise.reject(err);
    }
    const line = formatRecordLine(rec);
    const { monName } = rec;
    const id: MyId = { myName: rec.myName, prog: rec.prog, vers: rec.vers, proc: rec.proc };
    return this.enqueue((b) => {
      for (const file of this.sm.candidates(monName)) {
        const content = b.get(this.sm, file);
        if (content === undefined) continue;
        const lines = splitLines(content);
        const i = lines.findIndex((l) => lineIs(l, monName, id));
        if (i < 0) continue;
        if (`${lines[i]}\n` !== line) {
          lines[i] = line.slice(0, -1);
          b.set(this.sm, file, joinLines(lines));
        }
        return;
      }
      b.set(this.sm, monName, (b.get(this.sm, monName) ?? '') + line);
    });
  }

  removeMonitor(monName: string, id: MyId): Promise<boolean> {
    try {
      checkMonName(monName);
      checkMyId(id);
    } catch (err) {
      return Promise.reject(err);
    }
    const key: MyId = { myName: id.myName, prog: id.prog, vers: id.vers, proc: id.proc };
    return this.enqueue((b) => this.removeLines(b, this.sm, monName, (l) => lineIs(l, monName, key)) > 0);
  }

  removeAllMonitors(id: MyId): Promise<number> {
    try {
      checkMyId(id);
    } catch (err) {
      return Promise.reject(err);
    }
    const key: MyId = { myName: id.myName, prog: id.prog, vers: id.vers, proc: id.proc };
    return this.enqueue((b) => {
      let n = 0;
      const staged = b.staged.get(this.sm);
      const visit = (file: string): void => {
        if (!staged?.has(file) && !this.sm.mayHold(file, id.myName)) return;
        const content = b.get(this.sm, file);
        if (content === undefined || !content.includes(` ${id.myName}\n`)) return;
        const lines = splitLines(content);
        const keep = lines.filter((l) => !lineHasId(l, key));
        if (keep.length === lines.length) return;
        n += lines.length - keep.length;
        b.set(this.sm, file, joinLines(keep));
      };
      for (const file of this.sm.files.keys()) visit(file);
      if (staged) for (const file of [...staged.keys()]) if (!this.sm.files.has(file)) visit(file);
      return n;
    });
  }

  removeNotify(monName: string): Promise<void> {
    try {
      checkMonName(monName);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue((b) => {
      this.removeLines(b, this.bak, monName, (l) => lineMonName(l) === monName);
    });
  }

  setState(state: number, bootId: string | null): Promise<void> {
    try {
      checkState(state, bootId);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue((b) => {
      b.state = { state: state | 0, bootId };
      b.current!.deps.add(STATE_FILE);
    });
  }

  moveMonitorsToNotify(): Promise<void> {
    return this.enqueue(null);
  }

  private removeLines(b: Batch, d: HostDir, monName: string, match: (line: string) => boolean): number {
    let n = 0;
    for (const file of d.candidates(monName)) {
      const content = b.get(d, file);
      if (content === undefined) continue;
      const lines = splitLines(content);
      const keep = lines.filter((l) => !match(l));
      if (keep.length === lines.length) continue;
      n += lines.length - keep.length;
      b.set(d, file, joinLines(keep));
    }
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fillTimer) clearTimeout(this.fillTimer);
    this.fillTimer = null;
    await this.idle();
    await this.spares.settled();
    await this.closeHandles();
  }

  private async closeHandles(): Promise<void> {
    for (const h of [this.baseHandle, this.sm.handle, this.bak.handle]) await h?.close().catch(() => {});
    this.baseHandle = this.sm.handle = this.bak.handle = null;
  }

  // ---- group commit ----

  private async runBatch(calls: Pending[]): Promise<void> {
    this.counters.batches++;
    this.counters.calls += calls.length;
    const b = new Batch();
    for (const p of calls) {
      b.current = p;
      try {
        p.result = p.apply!(b);
      } catch (err) {
        p.error = err;
      }
    }
    const failed = new Map<string, unknown>();
    try {
      const tasks: FileTask[] = [];
      for (const [dir, staged] of b.staged) {
        for (const [file, content] of staged) {
          if (content === (dir.content(file) ?? null)) continue; // back where it was: nothing to write
          tasks.push({ dir, file, data: content === null ? null : Buffer.from(content, 'latin1') });
        }
      }
      const dirErrors = this.io === 'native' ? await this.writeNative(tasks) : await this.writeNode(tasks);
      for (const d of [this.sm, this.bak]) {
        const done = tasks.filter((t) => t.dir === d && t.error === undefined);
        // Renamed but maybe not durable: the index follows what is visible, the callers hear it failed.
        const err = dirErrors.get(d);
        if (err !== undefined) for (const t of done) failed.set(`${d.label}/${t.file}`, err);
        // Content from the written bytes: a flat string, not the concatenation it was built from.
        for (const t of done) d.setContent(t.file, t.data ? t.data.toString('latin1') : null);
      }
      for (const t of tasks) if (t.error !== undefined) failed.set(`${t.dir.label}/${t.file}`, t.error);
      if (b.state) {
        try {
          await this.writeState(b.state.state, b.state.bootId);
        } catch (err) {
          failed.set(STATE_FILE, err);
        }
      }
    } catch (err) {
      for (const p of calls) p.error ??= err;
    }
    for (const p of calls) {
      if (p.error !== undefined) {
        p.reject(p.error);
        continue;
      }
      let cause: unknown;
      let where = '';
      for (const dep of p.deps) {
        if (failed.has(dep)) {
          cause = failed.get(dep);
          where = dep;
          break;
        }
      }
      if (where) p.reject(this.ioError(where, cause));
      else p.resolve(p.result);
    }
  }

  /** A batch's files through node:fs, `concurrency` at a time; each directory written to is then fsynced. */
  private async writeNode(tasks: FileTask[]): Promise<Map<HostDir, unknown>> {
    await pool(tasks, this.concurrency, async (t) => {
      try {
        if (t.data) await this.writeHostFile(t.dir, t.file, t.data);
        else await this.removeHostFile(t.dir, t.file);
      } catch (err) {
        t.error = err;
      }
    });
    return this.syncDirsOf(tasks);
  }

  /** Fsyncs each directory a task without error changed; returns the failures. */
  private async syncDirsOf(tasks: FileTask[]): Promise<Map<HostDir, unknown>> {
    const errors = new Map<HostDir, unknown>();
    for (const d of [this.sm, this.bak]) {
      if (!tasks.some((t) => t.dir === d && t.error === undefined)) continue;
      try {
        await this.syncDir(d.handle);
      } catch (err) {
        errors.set(d, err);
      }
    }
    return errors;
  }

  /**
   * A batch's files through the addon, in one worker (see native-fs.ts), spares used and recycled as
   * writeHostFile and removeHostFile do. A spare found unusable is retried through node:fs.
   */
  private async writeNative(tasks: FileTask[]): Promise<Map<HostDir, unknown>> {
    const dirs = [this.sm, this.bak];
    const fds = dirs.map((d) => {
      if (!d.handle) throw new StoreError('ERR_STORE_STATE', 'store is not open');
      return { fd: d.handle.fd, path: d.path };
    });
    const jobs: NativeFsJob[] = [];
    const spareOf: (string | undefined)[] = [];
    for (const t of tasks) {
      const dir = dirs.indexOf(t.dir);
      const target = t.dir.pathOf(t.file);
      let spare: string | undefined;
      if (t.data) {
        spare = this.spares.take();
        jobs.push(
          spare === undefined
            ? {
                kind: 'temp',
                dir,
                from: Buffer.concat([t.dir.prefix, this.tempName()]),
                to: target,
                data: t.data,
              }
            : { kind: 'spare', dir, from: this.spares.pathOf(spare), to: target, data: t.data },
        );
      } else {
        spare = this.spares.recycleName();
        jobs.push(
          spare === undefined
            ? { kind: 'unlink', dir, from: target }
            : { kind: 'recycle', dir, from: target, to: this.spares.pathOf(spare) },
        );
      }
      spareOf.push(spare);
    }
    const owner = this.owner ?? {};
    const writes = tasks.reduce((n, t) => (t.data ? n + 1 : n), 0);
    const syncFs =
      this.sync === 'fs' ||
      (this.sync === 'auto' && writes >= 2 && performance.now() >= this.syncfsPausedUntil);
    const started = performance.now();
    const res = await commitFiles(jobs, fds, { mode: HOST_FILE_MODE, ...owner, syncFs });
    if (syncFs) {
      this.counters.syncfsBatches++;
      const took = performance.now() - started;
      if (took >= this.syncfsSlowMs) {
        this.counters.syncfsSlow++;
        if (this.sync === 'auto') {
          this.syncfsPausedUntil = performance.now() + this.syncfsBackoffMs;
          this.log.debug(
            `syncfs took ${took.toFixed(0)} ms (other data was dirty on the file system): ` +
              `syncing file by file for ${this.syncfsBackoffMs / 1000} s`,
          );
        }
      }
    }
    const retry: FileTask[] = [];
    tasks.forEach((t, i) => {
      const { outcome, error } = res.jobs[i]!;
      const spare = spareOf[i];
      switch (jobs[i]!.kind) {
        case 'temp':
        case 'spare':
          if (spare !== undefined) {
            if (outcome === 'done' || outcome === 'unusable') this.spares.forget(spare);
            else this.spares.giveBack(spare);
          }
          if (outcome === 'done') {
            this.counters.fileWrites++;
            if (spare !== undefined) this.counters.sparesUsed++;
          } else if (outcome === 'unusable' || outcome === 'spareRefused') retry.push(t);
          else t.error = error;
          break;
        case 'recycle':
          this.spares.recycled(spare!, outcome === 'done');
          if (outcome === 'done') this.counters.sparesRecycled++;
          if (outcome === 'done' || outcome === 'unlinked') this.counters.fileUnlinks++;
          else t.error = error;
          break;
        case 'unlink':
          if (outcome === 'done') this.counters.fileUnlinks++;
          else t.error = error;
          break;
      }
    });
    const errors = new Map<HostDir, unknown>();
    res.dirs.forEach((e, i) => {
      if (e === undefined) return;
      this.counters.dirSyncs++;
      if (e !== null) errors.set(dirs[i]!, e);
    });
    if (retry.length > 0) {
      await pool(retry, this.concurrency, async (t) => {
        try {
          await this.writeHostFile(t.dir, t.file, t.data!);
        } catch (err) {
          t.error = err;
        }
      });
      for (const [d, e] of await this.syncDirsOf(retry)) if (!errors.has(d)) errors.set(d, e);
    }
    return errors;
  }

  private ioError(where: string, cause: unknown): StoreError {
    return new StoreError(
      'ERR_STORE_IO',
      `could not make the change durable in ${this.dir}/${show(where)}: ${describe(cause)}`,
      {
        cause,
      },
    );
  }

  /** sm -> sm.bak: each pending file is made durable in sm.bak before its monitor file goes. */
  private async runMove(p: Pending): Promise<void> {
    this.counters.batches++;
    this.counters.calls++;
    const renames: FileTask[] = [];
    const merges: FileTask[] = [];
    for (const file of this.sm.files.keys()) {
      const pending = this.bak.content(file);
      const content = this.sm.content(file)!;
      if (pending === undefined) renames.push({ dir: this.sm, file, data: null });
      else merges.push({ dir: this.bak, file, data: Buffer.from(mergeContent(pending, content), 'latin1') });
    }
    let firstError: unknown;
    let where = '';
    const note = (w: string, err: unknown): void => {
      if (firstError === undefined) {
        firstError = err;
        where = w;
      }
    };
    try {
      await pool([...renames, ...merges], this.concurrency, async (t) => {
        try {
          if (t.data) await this.writeHostFile(this.bak, t.file, t.data);
          else {
            await fsp.rename(this.sm.pathOf(t.file), this.bak.pathOf(t.file));
            this.counters.fileRenames++;
          }
        } catch (err) {
          t.error = err;
          note(`${NOTIFY_DIR}/${t.file}`, err);
        }
      });
      let bakDurable = true;
      try {
        await this.syncDir(this.bak.handle);
      } catch (err) {
        bakDurable = false;
        note(NOTIFY_DIR, err);
      }
      for (const t of renames) {
        if (t.error !== undefined) continue;
        this.bak.setContent(t.file, this.sm.content(t.file)!);
        this.sm.setContent(t.file, null);
      }
      for (const t of merges)
        if (t.error === undefined) this.bak.setContent(t.file, t.data!.toString('latin1'));
      const unlinks = bakDurable ? merges.filter((t) => t.error === undefined) : [];
      await pool(unlinks, this.concurrency, async (t) => {
        try {
          await this.removeHostFile(this.sm, t.file);
          this.sm.setContent(t.file, null);
        } catch (err) {
          t.error = err;
          note(`${MONITOR_DIR}/${t.file}`, err);
        }
      });
      await this.syncDir(this.sm.handle);
    } catch (err) {
      note(MONITOR_DIR, err);
    }
    if (firstError === undefined) p.resolve(undefined);
    else {
      const moved = renames.length + merges.length - this.sm.files.size;
      const e = this.ioError(where, firstError);
      p.reject(
        moved > 0
          ? new StoreError(
              'ERR_STORE_PARTIAL',
              `${e.message} (${moved} of ${renames.length + merges.length} moved)`,
              {
                cause: firstError,
              },
            )
          : e,
      );
    }
  }

  // ---- file primitives ----

  private async syncDir(h: FileHandle | null): Promise<void> {
    if (!h) throw new StoreError('ERR_STORE_STATE', 'store is not open');
    await h.sync();
    this.counters.dirSyncs++;
  }

  private async unlink(path: Buffer): Promise<void> {
    try {
      await fsp.unlink(path);
      this.counters.fileUnlinks++;
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
    }
  }

  /**
   * A host file's new content, written into a spare file when one is ready (else a new temp file),
   * data-synced and renamed over the host's name. The caller syncs the directory.
   */
  private async writeHostFile(d: HostDir, file: string, data: Buffer): Promise<void> {
    const target = d.pathOf(file);
    for (let spare = this.spares.take(); spare !== undefined; spare = this.spares.take()) {
      const fh = await this.spares.openSpare(spare);
      if (fh === 'unusable') continue; // gone or not a plain file: forgotten, try the next
      if (fh === 'failed') break; // the file system refused: a temp file will say why
      let renamed = false;
      try {
        await writeAll(fh, data);
        await fh.datasync();
        await fh.close();
        await fsp.rename(this.spares.pathOf(spare), target);
        renamed = true;
        this.spares.forget(spare);
        this.counters.fileWrites++;
        this.counters.sparesUsed++;
        return;
      } finally {
        if (!renamed) {
          await fh.truncate(0).catch(() => {}); // give back what a short write took (ENOSPC)
          await fh.close().catch(() => {});
          this.spares.giveBack(spare);
        }
      }
    }
    await this.writeAtomic(d.prefix, file, data);
  }

  /** Removes a host file: kept as a spare when there is room (a rename), else unlinked. The caller syncs the directory. */
  private async removeHostFile(d: HostDir, file: string): Promise<void> {
    const spare = this.spares.recycleName();
    if (spare !== undefined) {
      try {
        await fsp.rename(d.pathOf(file), this.spares.pathOf(spare));
        // Emptied at once, so that removing hosts frees disk space as unlinking them would.
        await fsp.truncate(this.spares.pathOf(spare), 0).catch(() => {});
        this.spares.recycled(spare, true);
        this.counters.fileUnlinks++;
        this.counters.sparesRecycled++;
        return;
      } catch {
        // Gone already, EXDEV (sm.bak/ on another file system), the spares' directory removed:
        // unlink instead (which takes a missing file as removed).
        this.spares.recycled(spare, false);
      }
    }
    await this.unlink(d.pathOf(file));
  }

  /** A new temp file name: ours (pid) and never taken for a host (leading '.'). */
  private tempName(): Buffer {
    return Buffer.from(`${TEMP_PREFIX}${process.pid}.${++this.tempSeq}${TEMP_SUFFIX}`);
  }

  /** Temp file beside the target, data-synced, renamed over it. The caller syncs the directory. */
  private async writeAtomic(
    prefix: Buffer,
    file: string,
    data: Buffer,
    mode = HOST_FILE_MODE,
  ): Promise<void> {
    const tmp = Buffer.concat([prefix, this.tempName()]);
    let fh: FileHandle | null = null;
    try {
      fh = await fsp.open(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, mode);
      await writeAll(fh, data);
      if (this.owner) await fh.chown(this.owner.uid, this.owner.gid);
      await fh.datasync();
      await fh.close();
      fh = null;
      await fsp.rename(tmp, Buffer.concat([prefix, Buffer.from(file, 'latin1')]));
      this.counters.fileWrites++;
    } catch (err) {
      if (fh) await fh.close().catch(() => {});
      await fsp.unlink(tmp).catch(() => {});
      throw err;
    }
  }

  /** Overwrites an existing file's content in place and syncs it (no rename: the directory may not be ours). */
  private async writeInPlace(path: Buffer, data: Buffer): Promise<void> {
    const fh = await fsp.open(path, C.O_WRONLY | C.O_NOFOLLOW);
    try {
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off, off)).bytesWritten;
      await fh.truncate(data.length);
      await fh.datasync();
      this.counters.fileWrites++;
    } finally {
      await fh.close();
    }
  }

  /** `state` first, synced, then the boot id: a crash between them looks like a reboot (safe side). */
  private async writeState(state: number, bootId: string | null): Promise<void> {
    const buf = Buffer.alloc(4);
    if (endianness() === 'LE') buf.writeInt32LE(state, 0);
    else buf.writeInt32BE(state, 0);
    try {
      await this.writeAtomic(this.basePrefix, STATE_FILE, buf, STATE_FILE_MODE);
      await this.syncDir(this.baseHandle);
    } catch (err) {
      const code = errnoOf(err);
      if (code !== 'EACCES' && code !== 'EPERM') throw err;
      // A stock Debian /var/lib/nfs is root's, with only `state`, sm/ and sm.bak/ given to statd:
      // after dropping root the file can be rewritten but not replaced. Four bytes at offset 0 lie
      // in one sector, so the in-place write is not torn.
      await this.writeInPlace(Buffer.concat([this.basePrefix, Buffer.from(STATE_FILE)]), buf);
    }
    this.state = state;
    if (bootId === this.bootId) return;
    if (bootId === null) await this.unlink(Buffer.concat([this.basePrefix, Buffer.from(BOOT_ID_FILE)]));
    else
      await this.writeAtomic(
        this.basePrefix,
        BOOT_ID_FILE,
        Buffer.from(`${bootId}\n`, 'latin1'),
        STATE_FILE_MODE,
      );
    await this.syncDir(this.baseHandle);
    this.bootId = bootId;
  }
}

/** Writes all of data at the file's position. */
async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
}

/** The io an FsStore uses: the option, else NSMD_STORE_IO, else the addon when it is built. */
function storeIo(choice: FsStoreIoChoice | undefined): 'native' | 'node' {
  return nativeFs.choose(
    choice,
    'NSMD_STORE_IO',
    'node',
    (why) => new StoreError('ERR_STORE_OPEN', `native store io unavailable: ${why}`),
  );
}

/** Linux 5.8 and later report write errors through syncfs(2); before, it always succeeded. */
function syncfsReportsErrors(): boolean {
  if (process.platform !== 'linux') return false;
  const m = /^(\d+)\.(\d+)/.exec(release());
  return m !== null && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 8));
}

/** The sync an FsStore uses: the option, else NSMD_STORE_SYNC, else 'auto' ('file' where syncfs cannot be used). */
function storeSync(choice: FsStoreSyncChoice | undefined, io: 'native' | 'node'): 'auto' | 'file' | 'fs' {
  let want = choice ?? 'auto';
  if (choice === undefined) {
    const env = process.env.NSMD_STORE_SYNC;
    if (env === 'file' || env === 'fs') want = env;
  }
  if (want === 'file') return 'file';
  const why =
    io !== 'native'
      ? 'the native store io is not in use'
      : !syncfsReportsErrors()
        ? `Linux ${release()} is older than 5.8`
        : '';
  if (why === '') return want;
  if (want === 'fs') throw new StoreError('ERR_STORE_OPEN', `sync by syncfs unavailable: ${why}`);
  return 'file';
}
