import { randomBytes } from 'node:crypto';
import { type Log, silentLog } from '../nsm/log.js';
import type { StatusMonitor } from './statd.js';

/** Why we watch a peer: it holds locks here ('server' side) or we hold locks there ('client' side). */
export type PeerRole = 'server' | 'client';

interface Peer {
  name: string;
  priv: Uint8Array;
  privKey: string;
  roles: Set<PeerRole>;
  monitored: boolean;
  /** Monitor/unmonitor calls of one peer run one after another. */
  chain: Promise<void>;
  /** The newest NSM state a callback announced for this peer. */
  lastState: number | undefined;
}

/** A statd callback matched to a peer we watch. */
export interface PeerReboot {
  name: string;
  state: number;
  roles: PeerRole[];
}

/**
 * Which peers the local statd watches for this lock manager, for which roles, and with which priv.
 * priv is 8 random bytes per process plus a counter, so a callback recorded by an earlier run of the
 * lock manager (or for a peer since forgotten) never matches.
 */
export class PeerMonitor {
  private readonly peers = new Map<string, Peer>();
  private readonly byPriv = new Map<string, Peer>();
  private readonly prefix = randomBytes(8);
  private counter = 0n;
  /** The local NSM state as statd last reported it (0 until known). */
  localState = 0;

  constructor(
    private readonly statd: StatusMonitor | null,
    private readonly log: Log = silentLog,
  ) {}

  /** Makes statd watch `name` for `role`; rejects (and forgets the role) when statd refuses. */
  async hold(name: string, role: PeerRole): Promise<void> {
    const p = this.peer(name);
    p.roles.add(role);
    if (!this.statd) return;
    let failure: unknown;
    await this.serial(p, async () => {
      if (p.monitored || !p.roles.has(role)) return;
      try {
        this.localState = await this.statd!.monitor(name, p.priv);
        p.monitored = true;
        this.log.debug({ peer: name, role }, 'monitoring peer');
      } catch (err) {
        failure = err;
      }
    });
    if (failure !== undefined) {
      this.release(name, role);
      throw failure;
    }
  }

  /** Drops `role` for `name`; statd stops watching when no role is left. */
  release(name: string, role: PeerRole): void {
    const p = this.peers.get(name);
    if (!p?.roles.delete(role) || p.roles.size > 0) return;
    void this.serial(p, async () => {
      if (p.roles.size > 0) return;
      if (p.monitored && this.statd) {
        p.monitored = false;
        try {
          await this.statd.unmonitor(name);
          this.log.debug({ peer: name }, 'stopped monitoring peer');
        } catch (err) {
          this.log.warn({ peer: name, err: (err as Error).message }, 'SM_UNMON failed');
        }
      }
      // Forget the peer only now: a hold() meanwhile found it and queued its SM_MON behind ours.
      if (p.roles.size === 0 && this.peers.get(name) === p) {
        this.peers.delete(name);
        this.byPriv.delete(p.privKey);
      }
    });
  }

  /** Whether statd watches `name` now. */
  isMonitored(name: string): boolean {
    return this.peers.get(name)?.monitored ?? false;
  }

  /** Peers we watch and why. */
  list(): { name: string; roles: PeerRole[]; monitored: boolean }[] {
    return [...this.peers.values()].map((p) => ({
      name: p.name,
      roles: [...p.roles],
      monitored: p.monitored,
    }));
  }

  /**
   * Matches a statd callback (XNFS 3W ch. 11 `status`) by priv. Returns null for one we must
   * ignore: unknown priv (an earlier run's record, a peer no longer watched), or a state not newer
   * than one already seen (a duplicate or late callback).
   */
  accept(status: { mon_name: string; state: number; priv: Uint8Array }): PeerReboot | null {
    const p = this.byPriv.get(Buffer.from(status.priv).toString('hex'));
    if (!p) {
      this.log.info(
        { mon_name: status.mon_name, state: status.state },
        'reboot callback with unknown priv ignored',
      );
      return null;
    }
    if (p.lastState !== undefined && status.state <= p.lastState) {
      this.log.info(
        { peer: p.name, state: status.state, seen: p.lastState },
        'duplicate or late reboot callback ignored',
      );
      return null;
    }
    p.lastState = status.state;
    return { name: p.name, state: status.state, roles: [...p.roles] };
  }

  /** Waits for pending monitor and unmonitor calls. */
  async settle(): Promise<void> {
    await Promise.all([...this.peers.values()].map((p) => p.chain));
  }

  private peer(name: string): Peer {
    let p = this.peers.get(name);
    if (!p) {
      const priv = new Uint8Array(16);
      priv.set(this.prefix, 0);
      new DataView(priv.buffer).setBigUint64(8, ++this.counter);
      p = {
        name,
        priv,
        privKey: Buffer.from(priv).toString('hex'),
        roles: new Set(),
        monitored: false,
        chain: Promise.resolve(),
        lastState: undefined,
      };
      this.peers.set(name, p);
      this.byPriv.set(p.privKey, p);
    }
    return p;
  }

  private serial(p: Peer, f: () => Promise<void>): Promise<void> {
    p.chain = p.chain.then(f, f);
    return p.chain;
  }
}
