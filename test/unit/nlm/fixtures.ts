import type { StatusMonitor } from '../../../src/nlm/statd.js';

/** A status monitor that records what a lock manager asked of it. */
export class FakeStatd implements StatusMonitor {
  readonly calls: string[] = [];
  /** The priv of each monitored name's latest SM_MON. */
  readonly privs = new Map<string, Uint8Array>();
  failMon = false;

  constructor(public state = 3) {}

  async monitor(name: string, priv: Uint8Array): Promise<number> {
    if (this.failMon) throw new Error('statd says no');
    this.calls.push(`mon ${name}`);
    this.privs.set(name, Uint8Array.from(priv));
    return this.state;
  }

  async unmonitor(name: string): Promise<void> {
    this.calls.push(`unmon ${name}`);
    this.privs.delete(name);
  }

  async simulateCrash(): Promise<void> {
    this.calls.push('crash');
    this.state += 2;
  }

  async localState(): Promise<number> {
    return this.state;
  }

  close(): void {}
}

/** Polls until `f` returns true, or fails after `ms`. */
export async function until(
  f: () => boolean | Promise<boolean>,
  ms = 3000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
