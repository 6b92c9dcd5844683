import type { Caller } from '../rpc/types.js';
import type { MyId } from '../store/types.js';
import { type Clock, systemClock } from './clock.js';
import { type Log, silentLog } from './log.js';
import { canonicalAddress, checkName } from './names.js';

/** NLM's program number: the only callback program nfs-utils' statd accepts by default. */
export const NLM_PROG = 100021;
/** Callback procedures of a lock manager: 16 (kernel lockd, NLMPROC_NSM_NOTIFY) and 24 (user-space). */
export const NLM_CALLBACK_PROCS: readonly number[] = [16, 24];
/** Callbacks go to this address and no other, whatever my_name says. */
export const CALLBACK_HOST = '127.0.0.1';

/** Why a call was refused (stable codes, used in logs and tests). */
export type Refusal =
  | 'not-loopback'
  | 'not-privileged-port'
  | 'bad-mon-name'
  | 'bad-my-name'
  | 'callback-program'
  | 'too-many-records'
  | 'rate-limited'
  | 'notify-sender-mismatch'
  | 'notify-unknown-host'
  | 'too-many-pending-notifications'
  | 'too-many-pending-callbacks';

/** Limits and switches of the security policy. */
export interface PolicyOptions {
  /**
   * Accept SM_MON for any callback program and procedure (still called back only on loopback),
   * for lock managers other than NLM. Default: only prog 100021 with proc 16 or 24, like nfs-utils.
   */
  anyCallbackProgram?: boolean;
  /**
   * Accept SM_NOTIFY from any sender address (for peers behind NAT). Risk: anyone who can reach the
   * port can make the lock manager drop a client's locks by naming that client.
   */
  trustAnySender?: boolean;
  /** Requests per second allowed from one remote address (loopback is not limited). */
  ratePerSecond?: number;
  /** Burst allowed above the rate. */
  rateBurst?: number;
  /** Remote sources tracked for rate limiting at once. */
  maxSources?: number;
  /** Monitor records at most. */
  maxRecords?: number;
  /** Callbacks waiting or retrying at most. */
  maxPendingCallbacks?: number;
  /** Incoming SM_NOTIFYs being processed at most. */
  maxPendingNotifications?: number;
  /** One log line per (reason, source) per this period. */
  logIntervalMs?: number;
  /** Refusal log lines per second at most, whatever the sources. */
  logLinesPerSecond?: number;
  clock?: Clock;
  log?: Log;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Who may call what, and how much: every decision of the daemon's security policy lives here so
 * handlers only ask. Refusals are logged once per reason and source per period, and globally capped.
 */
export class Policy {
  readonly anyCallbackProgram: boolean;
  readonly trustAnySender: boolean;
  readonly maxRecords: number;
  readonly maxPendingCallbacks: number;
  readonly maxPendingNotifications: number;
  private readonly ratePerSecond: number;
  private readonly rateBurst: number;
  private readonly maxSources: number;
  private readonly logIntervalMs: number;
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly buckets = new Map<string, Bucket>();
  private readonly logged = new Map<string, { until: number; suppressed: number }>();
  private readonly logBucket: Bucket;
  private readonly logRate: number;
  private unlogged = 0;
  /** Refusals counted by reason (for status and tests). */
  readonly counts = new Map<Refusal, number>();

  constructor(opts: PolicyOptions = {}) {
    this.anyCallbackProgram = opts.anyCallbackProgram ?? false;
    this.trustAnySender = opts.trustAnySender ?? false;
    this.ratePerSecond = opts.ratePerSecond ?? 200;
    this.rateBurst = opts.rateBurst ?? 400;
    this.maxSources = opts.maxSources ?? 10_000;
    this.maxRecords = opts.maxRecords ?? 1_000_000;
    this.maxPendingCallbacks = opts.maxPendingCallbacks ?? 10_000;
    this.maxPendingNotifications = opts.maxPendingNotifications ?? 10_000;
    this.logIntervalMs = opts.logIntervalMs ?? 60_000;
    this.logRate = opts.logLinesPerSecond ?? 20;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLog;
    this.logBucket = { tokens: this.logRate, at: this.clock.now() };
  }

  /** SM_MON, SM_UNMON, SM_UNMON_ALL: only from this host. */
  checkLocalCaller(caller: Caller): Refusal | null {
    return caller.loopback ? null : 'not-loopback';
  }

  /** SM_SIMU_CRASH: from this host and a privileged port (only root may claim a reboot). */
  checkSimuCrash(caller: Caller): Refusal | null {
    if (!caller.loopback) return 'not-loopback';
    return caller.privilegedPort ? null : 'not-privileged-port';
  }

  /** The arguments of SM_MON: names and callback target. */
  checkMonitor(monName: string, id: MyId): Refusal | null {
    if (checkName(monName) !== null) return 'bad-mon-name';
    if (checkName(id.myName) !== null) return 'bad-my-name';
    if (!this.anyCallbackProgram && (id.prog !== NLM_PROG || !NLM_CALLBACK_PROCS.includes(id.proc))) {
      return 'callback-program';
    }
    return null;
  }

  /** Whether one more record fits. */
  checkRecordBound(records: number): Refusal | null {
    return records >= this.maxRecords ? 'too-many-records' : null;
  }

  /**
   * Whether the SM_NOTIFY sender belongs to the host it names: its address is one the name resolves
   * to, or one recorded for the monitored host.
   */
  checkNotifySender(
    sender: string,
    nameAddrs: readonly string[],
    hostAddrs: readonly string[],
  ): Refusal | null {
    if (this.trustAnySender) return null;
    const s = canonicalAddress(sender) ?? sender;
    if (nameAddrs.includes(s) || hostAddrs.includes(s)) return null;
    return 'notify-sender-mismatch';
  }

  /** Token bucket per remote source; loopback callers are never limited. */
  allowSource(caller: Caller): boolean {
    if (caller.loopback) return true;
    const now = this.clock.now();
    let b = this.buckets.get(caller.address);
    if (!b) {
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.rateBurst, at: now };
      this.buckets.set(caller.address, b);
    } else {
      // Least recently used goes first: a busy (limited) source is never the one evicted, so
      // forged new sources cannot hand it a fresh burst.
      this.buckets.delete(caller.address);
      this.buckets.set(caller.address, b);
    }
    if (!take(b, now, this.ratePerSecond, this.rateBurst)) return false;
    return true;
  }

  /** Records a refusal and logs it, once per (reason, source) per period and globally rate-limited. */
  refuse(reason: Refusal, source: string, detail?: Record<string, unknown>): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const now = this.clock.now();
    const key = `${reason}|${source}`;
    const seen = this.logged.get(key);
    if (seen && seen.until > now) {
      seen.suppressed++;
      return;
    }
    if (!take(this.logBucket, now, this.logRate, this.logRate)) {
      this.unlogged++;
      return;
    }
    if (this.logged.size >= 10_000) this.logged.clear();
    this.logged.set(key, { until: now + this.logIntervalMs, suppressed: 0 });
    const fields: Record<string, unknown> = { reason, source, ...detail };
    if (seen?.suppressed) fields.repeats = seen.suppressed;
    if (this.unlogged) {
      fields.unlogged = this.unlogged;
      this.unlogged = 0;
    }
    this.log.warn(fields, 'refused');
  }
}

function take(b: Bucket, now: number, rate: number, burst: number): boolean {
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}
