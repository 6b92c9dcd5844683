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
  key: string;
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
  // Insertion order as a ring, so evicting the oldest is O(1) (iterating a Map from its start after
  // many deletions is not).
  private readonly ring: (Entry | undefined)[];
  private next = 0;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  constructor(
    opts: DrcOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 1024);
    this.maxAgeMs = opts.maxAgeMs ?? 120_000;
    this.ring = new Array(this.maxEntries);
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
    const oldest = this.ring[this.next];
    if (oldest !== undefined && this.entries.get(oldest.key) === oldest) this.entries.delete(oldest.key);
    const entry: Entry = { key, reply: null, at: now };
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.maxEntries;
    this.entries.set(key, entry);
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
    this.ring.fill(undefined);
    this.next = 0;
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
