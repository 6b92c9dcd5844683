// DOS-style share reservations (XNFS 3W ch. 10 NLM_SHARE): an open of a file with an access mode
// (read, write) and a deny mode (deny read, deny write). Two shares conflict when one's access
// meets the other's deny mode.

/** One share reservation on one file. */
export interface Share {
  caller: string;
  /** Owner handle bytes as a latin1 key. */
  oh: string;
  /** fsh_mode: 0 deny none, 1 deny read, 2 deny write, 3 deny both. */
  mode: number;
  /** fsh_access: 0 none, 1 read, 2 write, 3 both. */
  access: number;
}

/** Share reservations per file handle. */
export class ShareTable {
  private readonly files = new Map<string, Share[]>();
  private readonly perCaller = new Map<string, number>();

  /** Adds (or replaces the caller's and owner's own) share; false when another share conflicts. */
  share(file: string, s: Share): boolean {
    const list = this.files.get(file) ?? [];
    for (const o of list) {
      if (o.caller === s.caller && o.oh === s.oh) continue;
      if ((o.mode & s.access) !== 0 || (s.mode & o.access) !== 0) return false;
    }
    this.remove(file, s.caller, s.oh);
    const now = this.files.get(file) ?? [];
    now.push({ ...s });
    this.files.set(file, now);
    this.perCaller.set(s.caller, (this.perCaller.get(s.caller) ?? 0) + 1);
    return true;
  }

  /** Removes the share of one caller and owner on one file. */
  unshare(file: string, caller: string, oh: string): void {
    this.remove(file, caller, oh);
  }

  /** Removes every share of a caller. */
  freeAll(caller: string): void {
    if (!this.perCaller.has(caller)) return;
    for (const [file, list] of this.files) {
      const kept = list.filter((s) => s.caller !== caller);
      if (kept.length === 0) this.files.delete(file);
      else this.files.set(file, kept);
    }
    this.perCaller.delete(caller);
  }

  /** Number of shares a caller holds. */
  count(caller: string): number {
    return this.perCaller.get(caller) ?? 0;
  }

  private remove(file: string, caller: string, oh: string): void {
    const list = this.files.get(file);
    if (!list) return;
    const kept = list.filter((s) => !(s.caller === caller && s.oh === oh));
    if (kept.length === list.length) return;
    if (kept.length === 0) this.files.delete(file);
    else this.files.set(file, kept);
    const n = (this.perCaller.get(caller) ?? 1) - 1;
    if (n <= 0) this.perCaller.delete(caller);
    else this.perCaller.set(caller, n);
  }
}
