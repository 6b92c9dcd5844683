/** Options of the UDP duplicate request cache. */
export interface DrcOptions {
  /** Most entries kept; the oldest go first. Default 1024. */
  maxEntries?: number;
  /** How long a completed reply is kept for retransmissions, in ms. Default 120 000. */
  maxAgeMs?: number;
}

/** What the cache says about an incoming call. */
export type DrcLookup =
  | { state: 'new'; key: string }
  | { state: 'in-progress' }
  | { state: 'done'; reply: Uint8Array };

interface Entry {
  reply: Uint8Array | null;
  at: number;
}

/**
 * A duplicate request cache for calls over UDP, where clients retransmit with the same xid.
 * A retransmission of a call still running is dropped; one of a completed call gets the cached
 * reply, so the procedure runs once. Entries are keyed by xid, source address and port, program,
 * version, procedure, and a checksum of the arguments (a reused xid with other arguments is a new call).
 */
export class DuplicateRequestCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  constructor(
    opts: DrcOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 1024);
    this.maxAgeMs = opts.maxAgeMs ?? 120_000;
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Looks a call up; a new call is recorded as in progress and its key returned for complete()/forget(). */
  lookup(
    xid: number,
    address: string,
    port: number,
    prog: number,
    vers: number,
    proc: number,
    args: Uint8Array,
  ): DrcLookup {
    const key = `${xid}/${address}/${port}/${prog}/${vers}/${proc}/${args.length}/${checksum(args)}`;
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      if (now - hit.at <= this.maxAgeMs) {
        return hit.reply === null ? { state: 'in-progress' } : { state: 'done', reply: hit.reply };
      }
      this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries) {
      // Map iterates in insertion order: the first key is the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { reply: null, at: now });
    return { state: 'new', key };
  }

  /** Stores the reply of a completed call. */
  complete(key: string, reply: Uint8Array): void {
    const e = this.entries.get(key);
    if (e !== undefined) {
      e.reply = reply;
      e.at = this.now();
    }
  }

  /** Forgets a call that sent no reply, so that a retransmission runs it again. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
  }
}

/** FNV-1a over at most the first 256 bytes: cheap, and enough to tell a reused xid from a retransmission. */
function checksum(b: Uint8Array): number {
  let h = 0x811c9dc5;
  const n = Math.min(b.length, 256);
  for (let i = 0; i < n; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
