import type { MonitorRecord, MyId } from '../store/types.js';
import { type Clock, guardTimer, systemClock } from './clock.js';
import { type Log, silentLog } from './log.js';

/** The callback's argument (XNFS 3W ch. 11 `status`): the host as recorded, its new state, priv. */
export interface StatusArgs {
  mon_name: string;
  state: number;
  priv: Uint8Array;
}

/** Sends one callback to a local program; resolves when it answered. */
export type CallbackSender = (target: MyId, args: StatusArgs, opts: { timeoutMs: number }) => Promise<void>;

/** Options of {@link Callbacks}. */
export interface CallbacksOptions {
  send: CallbackSender;
  clock?: Clock;
  /** Attempts per callback (nfs-utils: 5). */
  tries?: number;
  /** Pause between attempts (nfs-utils: 5 s). */
  intervalMs?: number;
  /** Time limit of one attempt. */
  timeoutMs?: number;
  /** Callbacks waiting or retrying at most; more are dropped (and reported). */
  maxPending?: number;
  log?: Log;
}

/**
 * Calls back the local lock manager(s) when a monitored peer rebooted, retrying a callback that
 * fails, with a bound on how many wait.
 */
export class Callbacks {
  private readonly send: CallbackSender;
  private readonly clock: Clock;
  private readonly tries: number;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly log: Log;
  private inFlight = 0;
  private closed = false;
  /** Callbacks delivered and given up (for status and tests). */
  delivered = 0;
  failed = 0;

  constructor(opts: CallbacksOptions) {
    this.send = opts.send;
    this.clock = opts.clock ?? systemClock;
    this.tries = opts.tries ?? 5;
    this.intervalMs = opts.intervalMs ?? 5_000;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.maxPending = opts.maxPending ?? 10_000;
    this.log = opts.log ?? silentLog;
  }

  /** Callbacks waiting or in progress. */
  get pending(): number {
    return this.inFlight;
  }

  /** Whether `n` more callbacks fit under the bound. */
  hasRoom(n: number): boolean {
    return this.inFlight + n <= this.maxPending;
  }

  /**
   * Queues one callback per record, announcing `state` for the peer. Returns how many were queued;
   * records that do not fit under the bound are dropped and logged.
   */
  deliver(records: readonly MonitorRecord[], state: number): number {
    let queued = 0;
    for (const rec of records) {
      if (this.closed) break;
      if (this.inFlight >= this.maxPending) {
        this.log.warn(
          { mon_name: rec.monName, state, dropped: records.length - queued },
          'callback queue full',
        );
        break;
      }
      this.inFlight++;
      queued++;
      const target: MyId = { myName: rec.myName, prog: rec.prog, vers: rec.vers, proc: rec.proc };
      this.attempt(target, { mon_name: rec.monName, state, priv: rec.priv }, 1);
    }
    return queued;
  }

  /** Stops retrying (pending retries are abandoned). */
  close(): void {
    this.closed = true;
  }

  private attempt(target: MyId, args: StatusArgs, n: number): void {
    if (this.closed) {
      this.inFlight--;
      return;
    }
    let p: Promise<void>;
    try {
      p = this.send(target, args, { timeoutMs: this.timeoutMs });
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      () => {
        this.inFlight--;
        this.delivered++;
        this.log.info(
          {
            mon_name: args.mon_name,
            state: args.state,
            prog: target.prog,
            vers: target.vers,
            proc: target.proc,
          },
          'callback delivered',
        );
      },
      (err: unknown) => {
        if (this.closed || n >= this.tries) {
          this.inFlight--;
          this.failed++;
          this.log.warn(
            { mon_name: args.mon_name, state: args.state, prog: target.prog, tries: n, err: errText(err) },
            'callback failed',
          );
          return;
        }
        this.log.debug({ mon_name: args.mon_name, try: n, err: errText(err) }, 'callback retry');
        guardTimer(this.clock, () => this.attempt(target, args, n + 1), this.intervalMs);
      },
    );
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
}
