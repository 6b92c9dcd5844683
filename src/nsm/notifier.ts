import { type Clock, guardTimer, systemClock, type TimerHandle } from './clock.js';
import { type Log, silentLog } from './log.js';
import { shortName } from './names.js';

/** The SM_NOTIFY argument (XNFS 3W ch. 11 `stat_chge`). */
export interface StatChange {
  mon_name: string;
  state: number;
}

/** How the notifier reaches peers; the real one shares one UDP socket for every peer. */
export interface NotifyTransport {
  /** The UDP port of the peer's statd, asked of its rpcbind (0 when not registered). */
  getStatdPort(address: string, opts: { timeoutMs: number }): Promise<number>;
  /** Sends SM_NOTIFY and resolves on the peer's reply. */
  notify(address: string, port: number, args: StatChange, opts: { timeoutMs: number }): Promise<void>;
}

/** Options of the {@link Notifier}. */
export interface NotifierOptions {
  transport: NotifyTransport;
  /** Name -> addresses (the shared resolver); literals resolve to themselves. */
  resolve: (name: string) => Promise<string[]>;
  /** Called once a peer acknowledged; the peer leaves the notify list when this resolves. */
  acknowledged: (monName: string) => Promise<void>;
  clock?: Clock;
  /** First attempt's time limit and retry delay (sm-notify: 2 s), doubled after each failure. */
  initialDelayMs?: number;
  /** Ceiling of the doubling (sm-notify: 120 s). */
  maxDelayMs?: number;
  /** Give a peer up after this many minutes (0 = keep trying until it answers). */
  maxMinutes?: number;
  /** Peers being worked on at once. */
  concurrency?: number;
  log?: Log;
}

/** A peer still to be told, as `nsmd status` shows it. */
export interface PendingPeer {
  monName: string;
  tries: number;
  /** When the next attempt starts (epoch ms), or null while one is running. */
  nextAt: number | null;
}

/** What a {@link Notifier.run} achieved. */
export interface NotifyResult {
  acknowledged: number;
  failed: number;
}

interface Peer {
  monName: string;
  tries: number;
  delay: number;
  deadline: number;
  nextAt: number;
  busy: boolean;
  /** Restart with a fresh schedule once the running attempt ends. */
  again: boolean;
  heapAt: number;
}

/**
 * Tells every peer of the notify list that we rebooted (XNFS 3W ch. 11 SM_NOTIFY): rpcbind lookup
 * of the peer's statd, SM_NOTIFY {our name, state}, retries with doubling delays, removal from the
 * notify list only once answered. Peers wait in one heap driven by one timer and a bounded number
 * are worked on at once, so ten thousand peers cost no more timers or sockets than one.
 */
export class Notifier {
  private readonly transport: NotifyTransport;
  private readonly resolve: (name: string) => Promise<string[]>;
  private readonly acknowledged: (monName: string) => Promise<void>;
  private readonly clock: Clock;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxMinutes: number;
  private readonly concurrency: number;
  private readonly log: Log;
  private readonly peers = new Map<string, Peer>();
  private readonly heap: Peer[] = [];
  private timer: TimerHandle | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = 0;
  private names: string[] = [];
  private state = 0;
  private closed = false;
  private runs: Array<{ waiting: Set<string>; result: NotifyResult; done: (r: NotifyResult) => void }> = [];

  constructor(opts: NotifierOptions) {
    this.transport = opts.transport;
    this.resolve = opts.resolve;
    this.acknowledged = opts.acknowledged;
    this.clock = opts.clock ?? systemClock;
    this.initialDelayMs = opts.initialDelayMs ?? 2_000;
    this.maxDelayMs = opts.maxDelayMs ?? 120_000;
    this.maxMinutes = opts.maxMinutes ?? 15;
    this.concurrency = opts.concurrency ?? 256;
    this.log = opts.log ?? silentLog;
  }

  /** Peers not yet acknowledged nor given up. */
  get size(): number {
    return this.peers.size;
  }

  /**
   * Notifies every named peer that we are up with `state` under each of `names`, and resolves when
   * no peer is left (all answered or given up). A peer already pending starts over with the new state.
   */
  run(monNames: Iterable<string>, names: readonly string[], state: number): Promise<NotifyResult> {
    this.names = [...names];
    this.state = state;
    const now = this.clock.now();
    const waiting = new Set<string>();
    const deadline = this.maxMinutes > 0 ? now + this.maxMinutes * 60_000 : Number.POSITIVE_INFINITY;
    for (const monName of monNames) {
      waiting.add(monName);
      const known = this.peers.get(monName);
      if (known) {
        known.deadline = deadline;
        known.delay = this.initialDelayMs;
        if (known.busy) known.again = true;
        else this.reschedule(known, now);
        continue;
      }
      const peer: Peer = {
        monName,
        tries: 0,
        delay: this.initialDelayMs,
        deadline,
        nextAt: now,
        busy: false,
        again: false,
        heapAt: -1,
      };
      this.peers.set(monName, peer);
      this.push(peer);
    }
    const done = new Promise<NotifyResult>((resolve) => {
      const run = { waiting, result: { acknowledged: 0, failed: 0 }, done: resolve };
      if (waiting.size === 0) resolve(run.result);
      else this.runs.push(run);
    });
    this.pump();
    return done;
  }

  /** The peers still to be told. */
  pending(): PendingPeer[] {
    return [...this.peers.values()].map((p) => ({
      monName: p.monName,
      tries: p.tries,
      nextAt: p.busy ? null : p.nextAt,
    }));
  }

  /** Stops: no new attempts; run() promises resolve. Peers stay in the notify list on disk. */
  close(): void {
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.peers.clear();
    this.heap.length = 0;
    const runs = this.runs;
    this.runs = [];
    for (const r of runs) r.done(r.result);
  }

  /** Starts due peers up to the concurrency bound, then arms the one timer for the next due peer. */
  private pump(): void {
    if (this.closed) return;
    const now = this.clock.now();
    while (this.running < this.concurrency && this.heap.length > 0 && this.heap[0]!.nextAt <= now) {
      const peer = this.pop()!;
      peer.busy = true;
      this.running++;
      void this.attempt(peer).finally(() => {
        this.running--;
        this.pump();
      });
    }
    this.arm();
  }

  private arm(): void {
    const next = this.heap.length > 0 ? this.heap[0]!.nextAt : Number.POSITIVE_INFINITY;
    // Due peers waiting for a free slot are started by the attempt that frees it.
    if (next <= this.clock.now() || next === this.timerAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    this.timer = guardTimer(
      this.clock,
      () => {
        this.timer = null;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      next - this.clock.now(),
    );
  }

  private async attempt(peer: Peer): Promise<void> {
    const timeoutMs = peer.delay;
    const started = this.clock.now();
    const n = peer.tries++;
    let ok = false;
    let why = '';
    try {
      const addrs = await this.resolve(peer.monName);
      if (addrs.length === 0) throw new Error('name does not resolve');
      const address = addrs[n % addrs.length]!;
      const port = await this.transport.getStatdPort(address, { timeoutMs });
      if (!port) throw new Error('statd not registered with rpcbind');
      const state = this.state;
      await Promise.all(
        this.names.map((name) =>
          this.transport.notify(address, port, { mon_name: name, state }, { timeoutMs }),
        ),
      );
      ok = true;
      // sm-notify also sends the short (undotted) name once the full one got through.
      for (const name of this.names) {
        const short = shortName(name);
        if (short && !this.names.includes(short)) {
          this.transport.notify(address, port, { mon_name: short, state }, { timeoutMs }).catch(() => {});
        }
      }
    } catch (err) {
      why = err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
    }
    if (this.closed) return;
    peer.busy = false;
    const now = this.clock.now();
    if (peer.again) {
      peer.again = false;
      this.reschedule(peer, now);
      return;
    }
    if (ok) {
      try {
        await this.acknowledged(peer.monName);
      } catch (err) {
        this.log.error(
          { mon_name: peer.monName, err: String(err) },
          'could not drop peer from the notify list',
        );
      }
      this.log.info({ mon_name: peer.monName, state: this.state, tries: peer.tries }, 'peer notified');
      this.finish(peer, true);
      return;
    }
    const delay = peer.delay;
    peer.delay = Math.min(peer.delay * 2, this.maxDelayMs);
    if (now + delay > peer.deadline) {
      this.log.warn({ mon_name: peer.monName, tries: peer.tries, err: why }, 'peer not notified, giving up');
      this.finish(peer, false);
      return;
    }
    this.log.debug({ mon_name: peer.monName, tries: peer.tries, err: why, retryInMs: delay }, 'notify retry');
    // Like sm-notify's retransmission: the next try starts one period after this one did.
    peer.nextAt = Math.max(now, started + delay);
    this.push(peer);
  }

  private finish(peer: Peer, ok: boolean): void {
    this.peers.delete(peer.monName);
    if (this.runs.length === 0) return;
    const left: typeof this.runs = [];
    for (const run of this.runs) {
      if (run.waiting.delete(peer.monName)) {
        if (ok) run.result.acknowledged++;
        else run.result.failed++;
      }
      if (run.waiting.size === 0) run.done(run.result);
      else left.push(run);
    }
    this.runs = left;
  }

  private reschedule(peer: Peer, now: number): void {
    peer.nextAt = now;
    if (peer.heapAt >= 0) this.siftUp(peer.heapAt);
    else this.push(peer);
  }

  // A binary min-heap on nextAt.
  private push(p: Peer): void {
    p.heapAt = this.heap.length;
    this.heap.push(p);
    this.siftUp(p.heapAt);
  }

  private pop(): Peer | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      last.heapAt = 0;
      this.siftDown(0);
    }
    top.heapAt = -1;
    return top;
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const p = h[i]!;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (h[up]!.nextAt <= p.nextAt) break;
      h[i] = h[up]!;
      h[i]!.heapAt = i;
      i = up;
    }
    h[i] = p;
    p.heapAt = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const p = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= h.length) break;
      if (c + 1 < h.length && h[c + 1]!.nextAt < h[c]!.nextAt) c++;
      if (h[c]!.nextAt >= p.nextAt) break;
      h[i] = h[c]!;
      h[i]!.heapAt = i;
      i = c;
    }
    h[i] = p;
    p.heapAt = i;
  }
}
