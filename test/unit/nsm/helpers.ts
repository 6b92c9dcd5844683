import type { Clock, TimerHandle } from '../../../src/nsm/clock.js';
import type { Caller } from '../../../src/rpc/types.js';
import type { MonitorRecord, MyId, Store, StoreSnapshot } from '../../../src/store/types.js';

interface FakeTimer extends TimerHandle {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private timers: FakeTimer[] = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = {
      at: this.t + Math.max(0, ms),
      seq: this.seq++,
      fn,
      cancelled: false,
      unref() {},
    };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(h: TimerHandle): void {
    (h as FakeTimer).cancelled = true;
  }

  /** Timers not yet fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      due.cancelled = true;
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((t) => !t.cancelled);
    await settle();
  }
}

/** Lets queued promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A caller as the RPC server describes it. */
export function caller(address = '127.0.0.1', port = 800, extra: Partial<Caller> = {}): Caller {
  const loopback = address.startsWith('127.') || address === '::1';
  return {
    address,
    port,
    family: address.includes(':') ? 6 : 4,
    transport: 'udp',
    privilegedPort: port < 1024,
    loopback,
    localAddress: loopback ? address : '10.0.0.1',
    localPort: 776,
    authFlavor: 0,
    xid: 1,
    ...extra,
  };
}

function sameId(a: MyId, b: MyId): boolean {
  return a.myName === b.myName && a.prog === b.prog && a.vers === b.vers && a.proc === b.proc;
}

/** A store in memory whose writes can be made to fail, to test what the service does then. */
export class TestStore implements Store {
  state = 0;
  bootId: string | null = null;
  monitors: MonitorRecord[] = [];
  notify: MonitorRecord[] = [];
  failing = false;
  writes = 0;

  private check(): void {
    if (this.failing) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    this.writes++;
  }

  async load(): Promise<StoreSnapshot> {
    return {
      state: this.state,
      bootId: this.bootId,
      monitors: this.monitors.map((r) => ({ ...r })),
      notify: this.notify.map((r) => ({ ...r })),
    };
  }

  async addMonitor(rec: MonitorRecord): Promise<void> {
    this.check();
    const i = this.monitors.findIndex((r) => r.monName === rec.monName && sameId(r, rec));
    if (i >= 0) this.monitors[i] = { ...rec };
    else this.monitors.push({ ...rec });
  }

  async removeMonitor(monName: string, id: MyId): Promise<boolean> {
    this.check();
    const before = this.monitors.length;
    this.monitors = this.monitors.filter((r) => !(r.monName === monName && sameId(r, id)));
    return this.monitors.length < before;
  }

  async removeAllMonitors(id: MyId): Promise<number> {
    this.check();
    const before = this.monitors.length;
    this.monitors = this.monitors.filter((r) => !sameId(r, id));
    return before - this.monitors.length;
  }

  async setState(state: number, bootId: string | null): Promise<void> {
    this.check();
    this.state = state;
    this.bootId = bootId;
  }

  async moveMonitorsToNotify(): Promise<void> {
    this.check();
    this.notify.push(...this.monitors);
    this.monitors = [];
  }

  async removeNotify(monName: string): Promise<void> {
    this.check();
    this.notify = this.notify.filter((r) => r.monName !== monName);
  }

  async close(): Promise<void> {}
}

/** A 16-byte priv filled with one value. */
export function priv(n: number): Uint8Array {
  return new Uint8Array(16).fill(n);
}
