// The native file-commit addon (native/fs/fs.cc, built to dist/native/nsmd_fs.node): all the file
// work of one group commit done by one libuv worker, with the writeback of every file started
// before the first data sync so that the batch shares its journal commits. FsStore uses it when it
// is built and falls back to node:fs otherwise; see docs/STATE.md, "Group commit".
import { getSystemErrorMap } from 'node:util';
import { NativeAddon, type NativeAddonStatus } from '../rpc/native-addon.js';

/** What a job does. */
export type NativeFsJobKind = 'temp' | 'spare' | 'recycle' | 'unlink';

/** One file change of a batch. */
export interface NativeFsJob {
  /**
   * temp: create `from` (exclusively), write, sync, rename to `to`; spare: the same into the existing
   * spare file `from`, emptied first; recycle: rename the host file `from` to the spare name `to`
   * and empty it, else unlink it; unlink: unlink `from` (a missing file counts as removed).
   */
  kind: NativeFsJobKind;
  /** Index in the batch's directories of the directory whose entry changes (fsynced after). */
  dir: number;
  from: Buffer;
  to?: Buffer;
  data?: Buffer;
}

/**
 * How a job ended. done: as asked; failed: `error` says why and nothing changed at `to`;
 * unusable: the spare is gone or not a plain file of ours (forget it); spareRefused: the spare
 * could not be opened, e.g. read-only (keep it); unlinked: a recycle's rename failed and the host
 * file was unlinked instead.
 */
export type NativeFsOutcome = 'done' | 'failed' | 'unusable' | 'spareRefused' | 'unlinked';

export interface NativeFsJobResult {
  outcome: NativeFsOutcome;
  error?: NodeJS.ErrnoException;
}

export interface NativeFsResult {
  jobs: NativeFsJobResult[];
  /** Per directory (in the order given): undefined when no job touched it, null when fsynced, else the fsync's error. */
  dirs: (NodeJS.ErrnoException | null | undefined)[];
}

/** Whether the addon is loaded, and why not when it is not. */
export type NativeFsStatus = NativeAddonStatus;

interface NativeBinding {
  commit(
    meta: Int32Array,
    blob: Uint8Array,
    dirFds: Int32Array,
    owner: Int32Array,
    flags: number,
  ): Promise<Int32Array>;
  metaInts: number;
  resultInts: number;
  syncFs: number;
}

/** The addon (dist/native/nsmd_fs.node). */
export const nativeFs = new NativeAddon<NativeBinding>('nsmd_fs');
const KINDS: Record<NativeFsJobKind, number> = { temp: 0, spare: 1, recycle: 2, unlink: 3 };
const OUTCOMES: NativeFsOutcome[] = ['done', 'failed', 'unusable', 'spareRefused', 'unlinked'];
const SYSCALLS = [
  '',
  'open',
  'write',
  'fdatasync',
  'rename',
  'unlink',
  'fstat',
  'ftruncate',
  'fchmod',
  'fchown',
  'syncfs',
];
const NUL = Buffer.alloc(1);

/** Loads the addon once; says whether it is there. */
export function nativeFsStatus(): NativeFsStatus {
  return nativeFs.status();
}

/** An error shaped like node:fs's own (code, errno, syscall, path), so callers need not tell them apart. */
function fsError(errno: number, syscall: string, path: string, dest?: string): NodeJS.ErrnoException {
  const [code, text] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, `error ${errno}`];
  const where = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
  const err: NodeJS.ErrnoException & { dest?: string } = new Error(`${code}: ${text}, ${syscall} ${where}`);
  err.errno = -errno;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

/** How commitFiles makes written data durable before renaming it into place. */
export interface NativeFsCommitOptions {
  /** Mode of new files. */
  mode: number;
  /** Owner given to new files and spares (when running as root for another user). */
  uid?: number;
  gid?: number;
  /**
   * true: one syncfs(2) per file system for the whole batch; false (default): fdatasync per file,
   * with the writeback of all of them started first.
   */
  syncFs?: boolean;
}

/**
 * Runs a batch of file changes in one worker: every write is done and data-synced before any is
 * renamed into place, then removals, then each directory a job touched is fsynced once. Throws
 * when the addon is not loaded.
 */
export async function commitFiles(
  jobs: readonly NativeFsJob[],
  dirs: readonly { fd: number; path: string }[],
  opts: NativeFsCommitOptions,
): Promise<NativeFsResult> {
  const b = nativeFs.binding();
  if (b === null) {
    const st = nativeFs.status();
    throw new Error(`native file commit unavailable: ${st.reason} (${st.path})`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  const add = (buf: Buffer, nul: boolean): number => {
    const at = size;
    parts.push(buf);
    size += buf.length;
    if (nul) {
      parts.push(NUL);
      size++;
    }
    return at;
  };
  const meta = new Int32Array(jobs.length * b.metaInts);
  jobs.forEach((j, i) => {
    const m = i * b.metaInts;
    meta[m] = KINDS[j.kind];
    meta[m + 1] = j.dir;
    meta[m + 2] = add(j.from, true);
    meta[m + 3] = j.to ? add(j.to, true) : 0;
    meta[m + 4] = j.data ? add(j.data, false) : 0;
    meta[m + 5] = j.data ? j.data.length : 0;
  });
  const out = await b.commit(
    meta,
    Buffer.concat(parts, size),
    Int32Array.from(dirs, (d) => d.fd),
    Int32Array.of(opts.mode, opts.uid ?? -1, opts.gid ?? -1),
    opts.syncFs ? b.syncFs : 0,
  );
  const r = b.resultInts;
  const results = jobs.map((j, i): NativeFsJobResult => {
    const outcome = OUTCOMES[out[i * r]!] ?? 'failed';
    const errno = out[i * r + 1]!;
    if (errno === 0 || outcome === 'unlinked') return { outcome };
    const syscall = SYSCALLS[out[i * r + 2]!] || 'commit';
    const from = j.from.toString('latin1');
    const to = syscall === 'rename' ? j.to?.toString('latin1') : undefined;
    return { outcome, error: fsError(errno, syscall, from, to) };
  });
  const base = jobs.length * r;
  return {
    jobs: results,
    dirs: dirs.map((d, i) => {
      const e = out[base + i]!;
      if (e === -1) return undefined;
      return e === 0 ? null : fsError(e, 'fsync', d.path);
    }),
  };
}
