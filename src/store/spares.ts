// Spare files: empty files kept ready in `sm/.nsmd-spares/` so that writing a new host file does
// not create an inode while a caller waits. On ext4 creating a file costs several times what
// renaming one does (an inode is allocated, its bitmap and table block read and dirtied); a spare is
// opened, truncated, written, synced and renamed over the host's name, exactly as a temp file would
// be, so durability and atomicity are as before. A removed host's file becomes a spare (renamed,
// not unlinked), and an idle store creates new ones up to its target. The directory's name starts
// with '.', so neither nsmd nor rpc.statd (nfs-utils nsm_load_dir) reads it as a host, and spares
// are kept across restarts.
import { randomBytes } from 'node:crypto';
import { constants as C, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { errnoOf } from './errors.js';

/** The spare files' directory, inside sm/. Spares in it are named `<token>.<n>`, the token new in every process. */
export const SPARE_DIR = '.nsmd-spares';

/** Options of a SpareFiles pool. */
export interface SpareOptions {
  /** Spares an idle store keeps ready. */
  target: number;
  /** Most spares kept: a removed host file beyond it is unlinked. */
  max: number;
  /** Mode of the spares created. */
  mode: number;
  /** Owner given to the spares created (when running as root for another user). */
  owner: () => { uid: number; gid: number } | null;
}

/** The spare files of a store. Names are handed out once: two writers never share one. */
export class SpareFiles {
  private readonly ready: string[] = [];
  /** Every spare name known to exist or be on its way (ready, in use, being made). */
  private readonly known = new Set<string>();
  private readonly token = randomBytes(4).toString('hex');
  private seq = 0;
  private filling: Promise<void> | null = null;

  private readonly prefix: Buffer;
  private usable = false;

  constructor(
    /** The spares' directory (`sm/.nsmd-spares`). */
    readonly dir: string,
    private readonly opts: SpareOptions,
  ) {
    this.prefix = Buffer.from(`${dir}/`);
  }

  /**
   * Creates the directory if needed and takes the spares an earlier run left. Resolves false (and
   * the store then writes temp files as it would without spares) when the directory is unusable.
   */
  async open(): Promise<boolean> {
    if (this.opts.max <= 0) return false;
    try {
      try {
        await fsp.mkdir(this.dir, { mode: 0o700 });
        const owner = this.opts.owner();
        if (owner) await fsp.chown(this.dir, owner.uid, owner.gid);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw err;
      }
      const st = await fsp.lstat(this.dir);
      if (!st.isDirectory()) return false;
      for (const name of await fsp.readdir(this.dir, { encoding: 'latin1' })) this.adopt(name);
      this.usable = true;
    } catch {
      this.usable = false;
    }
    return this.usable;
  }

  /** False when the store was told to keep no spares. */
  get enabled(): boolean {
    return this.opts.max > 0;
  }

  /** Spares ready now. */
  get size(): number {
    return this.ready.length;
  }

  private adopt(name: string): void {
    if (this.known.has(name)) return;
    this.known.add(name);
    this.ready.push(name);
  }

  /** A spare's name to write into, or undefined when none is ready; give it back or forget it. */
  take(): string | undefined {
    return this.usable ? this.ready.pop() : undefined;
  }

  /** Returns a spare taken but not used (it still exists, with any content). */
  giveBack(name: string): void {
    this.ready.push(name);
  }

  /** A spare is gone (renamed over a host's name, or found unusable). */
  forget(name: string): void {
    this.known.delete(name);
  }

  /** A new name for a spare, or undefined when the pool is full (then unlink instead of recycling). */
  recycleName(): string | undefined {
    if (!this.usable || this.known.size >= this.opts.max) return undefined;
    const name = this.newName();
    this.known.add(name);
    return name;
  }

  /** A file was renamed to `name` (from recycleName): it is ready; false: the rename failed. */
  recycled(name: string, ok: boolean): void {
    if (ok) this.ready.push(name);
    else this.known.delete(name);
  }

  /** Full path of a spare. */
  pathOf(name: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(name, 'latin1')]);
  }

  /**
   * Opens a spare for writing a host file: truncated, regular, not linked elsewhere, owner-only.
   * Resolves 'unusable' (the name is forgotten) when the spare is gone or is not a plain file of
   * ours, 'failed' (the spare is kept) when the file system refused (read-only, no space ...).
   */
  async openSpare(name: string): Promise<FileHandle | 'unusable' | 'failed'> {
    let fh: FileHandle;
    try {
      // O_NONBLOCK: a FIFO put in its place fails at once instead of blocking a thread forever.
      // No O_TRUNC: a hard link planted here must be seen (below) before anything is cut.
      fh = await fsp.open(this.pathOf(name), C.O_WRONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') {
        this.forget(name);
        return 'unusable';
      }
      this.giveBack(name);
      return 'failed';
    }
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.nlink !== 1) throw new Error('not a plain file');
      if (st.size > 0) await fh.truncate(0);
      if ((st.mode & 0o7077) !== 0) await fh.chmod(this.opts.mode);
      const owner = this.opts.owner();
      if (owner && (st.uid !== owner.uid || st.gid !== owner.gid)) await fh.chown(owner.uid, owner.gid);
      return fh;
    } catch {
      await fh.close().catch(() => {});
      this.forget(name);
      return 'unusable';
    }
  }

  /**
   * Creates spares until the target is reached, a few at a time, stopping early when `busy()` says
   * callers are waiting (the next idle moment goes on). One fill runs at a time.
   */
  fill(busy: () => boolean): Promise<void> {
    this.filling ??= this.fillLoop(busy).finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  /** Resolves once no fill is running. */
  async settled(): Promise<void> {
    await this.filling;
  }

  private async fillLoop(busy: () => boolean): Promise<void> {
    while (this.usable && this.known.size < this.opts.target && !busy()) {
      const n = Math.min(8, this.opts.target - this.known.size);
      const made = await Promise.all(Array.from({ length: n }, () => this.create()));
      if (made.includes(false)) return; // no space, no permission: try again at the next fill
    }
  }

  private async create(): Promise<boolean> {
    const name = this.newName();
    this.known.add(name);
    let fh: FileHandle | null = null;
    try {
      fh = await fsp.open(
        this.pathOf(name),
        C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW,
        this.opts.mode,
      );
      const owner = this.opts.owner();
      if (owner) await fh.chown(owner.uid, owner.gid);
      await fh.close();
      fh = null;
      this.ready.push(name);
      return true;
    } catch (err) {
      if (fh) await fh.close().catch(() => {});
      this.known.delete(name);
      if (errnoOf(err) !== 'EEXIST') await fsp.unlink(this.pathOf(name)).catch(() => {});
      return false;
    }
  }

  private newName(): string {
    let name: string;
    do name = `${this.token}.${++this.seq}`;
    while (this.known.has(name));
    return name;
  }
}
