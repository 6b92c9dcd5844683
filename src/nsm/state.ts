import { access, readFile } from 'node:fs/promises';
import type { Store, StoreSnapshot } from '../store/types.js';
import { type Log, silentLog } from './log.js';

/** Where Linux publishes the id of the current boot. */
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
/** nfs-utils' sm-notify leaves this file once per boot (in /run, which a reboot empties). */
export const SM_NOTIFY_PID_PATH = '/run/sm-notify.pid';

/** Reads the kernel's boot id; null when there is none (not Linux, or no /proc). */
export async function readBootId(path: string = BOOT_ID_PATH): Promise<string | null> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    return id.length > 0 && id.length <= 64 && /^[\w-]+$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Whether nfs-utils' sm-notify already ran in this boot. */
export async function smNotifyRanThisBoot(path: string = SM_NOTIFY_PID_PATH): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

const MAX_STATE = 0x7fffffff;

/**
 * The next "up" state number after `cur`: always odd and greater (XNFS 3W ch. 11: odd = up,
 * even = down). An even number (a host that went down) becomes the next odd one.
 */
export function nextState(cur: number): number {
  const next = cur <= 0 ? 1 : cur % 2 === 1 ? cur + 2 : cur + 1;
  // The field is a signed 32-bit int: start over at 1 rather than go negative.
  return next > MAX_STATE ? 1 : next;
}

/** What start-up needs of a loaded store (a StoreSnapshot is one). */
export interface StoredState extends Pick<StoreSnapshot, 'state' | 'bootId'> {
  /** The monitor list, or only its size. */
  monitors: { readonly length: number };
}

/** What start-up decided. */
export interface StartUp {
  state: number;
  /** The host rebooted since the state was last written: peers are to be notified. */
  rebooted: boolean;
}

/** Options of the {@link StateManager}. */
export interface StateOptions {
  /** The id of this boot (null: unknown, then the sm-notify pid file decides). */
  bootId: string | null;
  /** Whether sm-notify already ran in this boot (consulted only for a state without a boot id). */
  smNotifyRan?: () => Promise<boolean>;
  log?: Log;
}

/**
 * The NSM state number: odd while up, bumped on reboot, SM_SIMU_CRASH and `notify --force`,
 * always persisted (with the boot id) before anyone is told.
 */
export class StateManager {
  private cur = 0;
  private readonly bootId: string | null;
  private readonly smNotifyRan: () => Promise<boolean>;
  private readonly log: Log;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    opts: StateOptions,
  ) {
    this.bootId = opts.bootId;
    this.smNotifyRan = opts.smNotifyRan ?? (() => smNotifyRanThisBoot());
    this.log = opts.log ?? silentLog;
  }

  /** The state number announced now. */
  get current(): number {
    return this.cur;
  }

  /**
   * Decides at start-up whether this is a new boot: the stored boot id differs from the kernel's, or
   * there is no state yet. A state directory without a boot id (written by nfs-utils) counts as a
   * new boot unless sm-notify already ran in this boot. On a new boot the monitor list moves to the
   * notify list first, then the bumped state is persisted, so a crash in between is still a reboot.
   */
  async startUp(snap: StoredState, opts: { forceReboot?: boolean } = {}): Promise<StartUp> {
    let rebooted: boolean;
    if (opts.forceReboot || snap.state === 0) rebooted = true;
    else if (snap.bootId !== null && this.bootId !== null) rebooted = snap.bootId !== this.bootId;
    else rebooted = !(await this.smNotifyRan());
    if (rebooted) {
      if (snap.monitors.length > 0) await this.store.moveMonitorsToNotify();
      const state = nextState(snap.state);
      await this.store.setState(state, this.bootId);
      this.cur = state;
      this.log.info({ state, previous: snap.state, bootId: this.bootId }, 'new boot: state bumped');
      return { state, rebooted };
    }
    let state = snap.state;
    if (state % 2 === 0) state = nextState(state);
    if (state !== snap.state || snap.bootId !== this.bootId) await this.store.setState(state, this.bootId);
    this.cur = state;
    this.log.info({ state }, 'same boot: state kept');
    return { state, rebooted };
  }

  /** Bumps the state (SM_SIMU_CRASH, notify --force) and resolves once it is persisted. */
  bump(): Promise<number> {
    const run = this.chain.then(async () => {
      const state = nextState(this.cur);
      await this.store.setState(state, this.bootId);
      this.cur = state;
      return state;
    });
    this.chain = run.catch(() => {});
    return run;
  }
}
