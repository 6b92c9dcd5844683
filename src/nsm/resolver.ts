import { promises as dns } from 'node:dns';
import { type Clock, guardTimer, systemClock, type TimerHandle } from './clock.js';
import { type HostsTable, systemHostsTable } from './hosts-file.js';
import { canonicalAddress, canonicalName } from './names.js';

/** One address a name resolved to. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** Resolves a name to all its addresses (dns.lookup semantics: hosts file, then DNS). */
export type LookupAll = (name: string) => Promise<LookupAddress[]>;

/** The system resolver: getaddrinfo through dns.lookup, every address, in the resolver's order. */
export const systemLookup: LookupAll = (name) => dns.lookup(name, { all: true, verbatim: true });

/** Tuning of a {@link Resolver}. */
export interface ResolverOptions {
  lookup?: LookupAll;
  /**
   * A hosts table answered from before any lookup (default: /etc/hosts when nsswitch.conf puts
   * files first and no `lookup` is given; null: none).
   */
  hosts?: HostsTable | null;
  clock?: Clock;
  /** How long a successful answer is reused. */
  positiveTtlMs?: number;
  /** How long a failure (or timeout) is remembered, so a dead name costs one lookup per period. */
  negativeTtlMs?: number;
  /** A lookup slower than this counts as failed for its callers. */
  timeoutMs?: number;
  /** Cache entries kept at most (oldest dropped first). */
  maxEntries?: number;
  /**
   * Lookups running at once. getaddrinfo occupies one of libuv's few pool threads, which the file
   * store needs too, so only a couple may block there even when DNS is dead.
   */
  maxConcurrent?: number;
  /** Lookups waiting for a slot; beyond that a lookup fails at once. */
  maxQueued?: number;
}

interface CacheEntry {
  addrs: string[];
  expires: number;
}

interface Job {
  key: string;
  done: boolean;
  finish(addrs: string[]): void;
}

const EMPTY: string[] = [];

/**
 * Asynchronous, cached, time-limited name resolution. Concurrent lookups of one name share one
 * query; a slow or dead resolver only delays (and then fails) the callers asking for that name.
 * Results are canonical addresses (v4-mapped given as IPv4); an empty list means "not resolvable now".
 */
export class Resolver {
  private readonly lookup: LookupAll;
  private readonly hosts: HostsTable | null;
  private readonly clock: Clock;
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<string[]>>();
  private readonly queue: Job[] = [];
  private active = 0;

  constructor(opts: ResolverOptions = {}) {
    this.lookup = opts.lookup ?? systemLookup;
    this.hosts = opts.hosts !== undefined ? opts.hosts : opts.lookup ? null : systemHostsTable();
    this.clock = opts.clock ?? systemClock;
    this.positiveTtlMs = opts.positiveTtlMs ?? 300_000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 30_000;
    this.timeoutMs = opts.timeoutMs ?? 3_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxConcurrent = opts.maxConcurrent ?? 2;
    this.maxQueued = opts.maxQueued ?? 1_000;
  }

  /** The addresses of a name; address literals answer at once without any lookup. */
  resolve(name: string): Promise<string[]> {
    const literal = canonicalAddress(name);
    if (literal !== null) return Promise.resolve([literal]);
    const key = canonicalName(name);
    const hit = this.cached(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = this.inflight.get(key);
    if (running) return running;
    let resolveP!: (addrs: string[]) => void;
    const p = new Promise<string[]>((r) => {
      resolveP = r;
    });
    if (this.queue.length >= this.maxQueued) {
      resolveP(EMPTY);
      return p;
    }
    let timer: TimerHandle | null = null;
    const job: Job = {
      key,
      done: false,
      finish: (addrs) => {
        if (job.done) return;
        job.done = true;
        if (timer) this.clock.clearTimeout(timer);
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        resolveP(addrs);
      },
    };
    this.inflight.set(key, p);
    timer = guardTimer(
      this.clock,
      () => {
        // Remember the miss so the callers that follow do not each wait a full timeout again.
        if (!this.cache.has(key)) this.store(key, EMPTY, this.negativeTtlMs);
        job.finish(EMPTY);
      },
      this.timeoutMs,
    );
    this.queue.push(job);
    this.pump();
    return p;
  }

  /** The cached answer for a name, if still fresh, or the hosts table's (no lookup started). */
  cached(name: string): string[] | undefined {
    const literal = canonicalAddress(name);
    if (literal !== null) return [literal];
    const key = canonicalName(name);
    const e = this.cache.get(key);
    if (e && e.expires > this.clock.now()) return e.addrs;
    if (e) this.cache.delete(key);
    return this.hosts?.lookup(key);
  }

  /** Forgets every cached answer. */
  clear(): void {
    this.cache.clear();
  }

  /** Number of lookups running now (for status and tests). */
  get running(): number {
    return this.active;
  }

  private pump(): void {
    while (this.active < this.maxConcurrent && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.done) continue;
      this.active++;
      let settled = false;
      const settle = (addrs: string[], ttl: number) => {
        if (settled) return;
        settled = true;
        this.active--;
        this.store(job.key, addrs, ttl);
        job.finish(addrs);
        this.pump();
      };
      let started: Promise<LookupAddress[]>;
      try {
        started = this.lookup(job.key);
      } catch {
        settle(EMPTY, this.negativeTtlMs);
        continue;
      }
      started.then(
        (list) => {
          const addrs = uniqueAddresses(list);
          settle(addrs, addrs.length ? this.positiveTtlMs : this.negativeTtlMs);
        },
        () => settle(EMPTY, this.negativeTtlMs),
      );
    }
  }

  private store(key: string, addrs: string[], ttl: number): void {
    this.cache.delete(key);
    this.cache.set(key, { addrs, expires: this.clock.now() + ttl });
    if (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

function uniqueAddresses(list: LookupAddress[]): string[] {
  const out: string[] = [];
  for (const a of list) {
    const c = canonicalAddress(a.address);
    if (c !== null && !out.includes(c)) out.push(c);
  }
  return out;
}
