import { res, type SM_VERS_DEF } from '../proto/sm_inter.js';
import { type Caller, type Handlers, NO_REPLY } from '../rpc/types.js';
import type { MonitorRecord, MyId, Store } from '../store/types.js';
import type { Callbacks } from './callbacks.js';
import { type Log, silentLog } from './log.js';
import { canonicalAddress, checkName } from './names.js';
import type { Notifier, NotifyResult } from './notifier.js';
import type { Policy } from './policy.js';
import type { MonitoredHost, MonitorRegistry } from './registry.js';
import type { Resolver } from './resolver.js';
import type { StateManager } from './state.js';

/** nfs-utils' ha-callout events: `PROG add-client MON_NAME MY_NAME`, `del-client`, `sm-notify MON_NAME ADDR STATE`. */
export type HaEvent = 'add-client' | 'del-client' | 'sm-notify';
/** Runs the ha-callout program for one event (asynchronously; failures are the callee's to log). */
export type HaCallout = (event: HaEvent, arg1: string, arg2: string, state?: number) => void;

/** What the NSM service is built from. */
export interface NsmServiceDeps {
  store: Store;
  registry: MonitorRegistry;
  resolver: Resolver;
  policy: Policy;
  state: StateManager;
  callbacks: Callbacks;
  notifier: Notifier;
  /** The names we announce in SM_NOTIFY (first is the main one). */
  names: readonly string[];
  /** Send notifications at all (false with --no-notify). */
  notify?: boolean;
  haCallout?: HaCallout;
  log?: Log;
}

/**
 * The statd's procedures (XNFS 3W ch. 11) over a registry, a store and a policy. Replies to
 * SM_MON, SM_UNMON and SM_UNMON_ALL leave only once the store made the change durable.
 */
export class NsmService {
  readonly handlers: Handlers<typeof SM_VERS_DEF>;
  /** mon_names of the notify list (sm.bak): peers still to be told of our reboot. */
  readonly notifyList = new Set<string>();
  private readonly d: NsmServiceDeps;
  private readonly log: Log;
  private pendingNotifications = 0;
  private crashChain: Promise<void> = Promise.resolve();
  private indexing = 0;
  private readonly indexQueue: string[] = [];

  constructor(deps: NsmServiceDeps) {
    this.d = deps;
    this.log = deps.log ?? silentLog;
    this.handlers = {
      SM_NULL: (_a, caller) => (this.admit(caller) ? undefined : NO_REPLY),
      SM_STAT: (a, caller) => this.stat(a.mon_name, caller),
      SM_MON: (a, caller) =>
        this.monitor(
          {
            monName: a.mon_id.mon_name,
            myName: a.mon_id.my_id.my_name,
            prog: a.mon_id.my_id.my_prog,
            vers: a.mon_id.my_id.my_vers,
            proc: a.mon_id.my_id.my_proc,
            priv: a.priv,
          },
          caller,
        ),
      SM_UNMON: (a, caller) => this.unmonitor(a.mon_name, toMyId(a.my_id), caller),
      SM_UNMON_ALL: (a, caller) => this.unmonitorAll(toMyId(a), caller),
      SM_SIMU_CRASH: (_a, caller) => this.simuCrash(caller),
      SM_NOTIFY: (a, caller) => this.peerRebooted(a.mon_name, a.state, caller),
    };
  }

  /** Incoming SM_NOTIFYs still being matched. */
  get notificationsInProgress(): number {
    return this.pendingNotifications;
  }

  /** Loads records already in the store into memory (start-up) and indexes their addresses. */
  loadMonitors(records: Iterable<MonitorRecord>, notify: Iterable<MonitorRecord>): void {
    for (const r of records) {
      if (checkName(r.monName) !== null) continue;
      if (this.d.registry.add(r) === 'added') this.indexLater(r.monName);
    }
    for (const r of notify) if (checkName(r.monName) === null) this.notifyList.add(r.monName);
  }

  /** Notifies every peer of the notify list with the current state (start-up, SIGUSR1, SM_SIMU_CRASH). */
  notifyPeers(): Promise<NotifyResult> {
    if (this.d.notify === false || this.notifyList.size === 0)
      return Promise.resolve({ acknowledged: 0, failed: 0 });
    this.log.info({ peers: this.notifyList.size, state: this.d.state.current }, 'notifying peers');
    return this.d.notifier.run(this.notifyList, this.d.names, this.d.state.current);
  }

  /** Called by the notifier's acknowledgement hook: the peer leaves the notify list, on disk first. */
  async acknowledged(monName: string): Promise<void> {
    await this.d.store.removeNotify(monName);
    this.notifyList.delete(monName);
  }

  /** What SM_SIMU_CRASH does: monitor list to notify list, bump the state, notify. */
  simulateCrash(): Promise<void> {
    const run = this.crashChain.then(async () => {
      // The move comes first: a crash between the two steps leaves peers to notify, never a silent bump.
      await this.d.store.moveMonitorsToNotify();
      for (const r of this.d.registry.clear()) this.notifyList.add(r.monName);
      const state = await this.d.state.bump();
      this.log.warn({ state, peers: this.notifyList.size }, 'state bumped (simulated crash)');
      void this.notifyPeers();
    });
    this.crashChain = run.catch(() => {});
    return run;
  }

  private admit(caller: Caller): boolean {
    if (this.d.policy.allowSource(caller)) return true;
    this.d.policy.refuse('rate-limited', caller.address);
    return false;
  }

  private result(ok: boolean) {
    return { res_stat: ok ? res.stat_succ : res.stat_fail, state: this.d.state.current } as const;
  }

  private stat(monName: string, caller: Caller) {
    if (!this.admit(caller)) return NO_REPLY;
    if (checkName(monName) !== null) return this.result(false);
    // "Can this host be monitored?": yes for an address, or for a name that resolves now. Answered
    // synchronously when nothing needs looking up, so the reply leaves with its batch (RPC server).
    const known = this.d.resolver.cached(monName);
    // Remote callers get what is cached: they may not keep the resolver busy with names of their choice.
    if (known !== undefined || !caller.loopback) return this.result((known?.length ?? 0) > 0);
    return this.d.resolver.resolve(monName).then((addrs) => this.result(addrs.length > 0));
  }

  private async monitor(rec: MonitorRecord, caller: Caller) {
    const p = this.d.policy;
    const refusal = p.checkLocalCaller(caller) ?? p.checkMonitor(rec.monName, rec);
    if (refusal) {
      p.refuse(refusal, caller.address, { proc: 'SM_MON', mon_name: safe(rec.monName) });
      return this.result(false);
    }
    const known = this.d.registry.find(rec.monName, rec);
    if (!known) {
      const full = p.checkRecordBound(this.d.registry.size);
      if (full) {
        p.refuse(full, caller.address, { proc: 'SM_MON' });
        return this.result(false);
      }
    }
    // A duplicate keeps the spelling first recorded, so it lands in the same file.
    const toStore: MonitorRecord = known ? { ...rec, monName: known.monName } : rec;
    try {
      await this.d.store.addMonitor(toStore);
    } catch (err) {
      this.log.error({ mon_name: safe(rec.monName), err: errText(err) }, 'SM_MON not stored');
      return this.result(false);
    }
    if (this.d.registry.add(toStore) === 'added') {
      this.indexLater(toStore.monName);
      this.d.haCallout?.('add-client', toStore.monName, toStore.myName);
    }
    return this.result(true);
  }

  private async unmonitor(monName: string, id: MyId, caller: Caller) {
    const state = { state: this.d.state.current };
    const refusal = this.d.policy.checkLocalCaller(caller);
    if (refusal) {
      this.d.policy.refuse(refusal, caller.address, { proc: 'SM_UNMON', mon_name: safe(monName) });
      return state;
    }
    const rec = checkName(monName) === null ? this.d.registry.find(monName, id) : null;
    if (!rec) return state;
    try {
      await this.d.store.removeMonitor(rec.monName, id);
    } catch (err) {
      // No reply: the caller retries rather than believe a removal that is not on disk.
      this.log.error({ mon_name: safe(monName), err: errText(err) }, 'SM_UNMON not stored');
      return NO_REPLY;
    }
    this.d.registry.remove(rec.monName, id);
    this.d.haCallout?.('del-client', rec.monName, rec.myName);
    return { state: this.d.state.current };
  }

  private async unmonitorAll(id: MyId, caller: Caller) {
    const refusal = this.d.policy.checkLocalCaller(caller);
    if (refusal) {
      this.d.policy.refuse(refusal, caller.address, { proc: 'SM_UNMON_ALL' });
      return { state: this.d.state.current };
    }
    try {
      await this.d.store.removeAllMonitors(id);
    } catch (err) {
      this.log.error({ my_name: safe(id.myName), err: errText(err) }, 'SM_UNMON_ALL not stored');
      return NO_REPLY;
    }
    for (const r of this.d.registry.removeAll(id)) this.d.haCallout?.('del-client', r.monName, r.myName);
    return { state: this.d.state.current };
  }

  private async simuCrash(caller: Caller) {
    const refusal = this.d.policy.checkSimuCrash(caller);
    if (refusal) {
      this.d.policy.refuse(refusal, caller.address, { proc: 'SM_SIMU_CRASH', port: caller.port });
      return undefined;
    }
    try {
      await this.simulateCrash();
    } catch (err) {
      this.log.error({ err: errText(err) }, 'SM_SIMU_CRASH failed');
      return NO_REPLY;
    }
    return undefined;
  }

  private peerRebooted(monName: string, state: number, caller: Caller) {
    const p = this.d.policy;
    if (!this.admit(caller)) return NO_REPLY;
    if (checkName(monName) !== null) {
      p.refuse('bad-mon-name', caller.address, { proc: 'SM_NOTIFY', mon_name: safe(monName) });
      return undefined;
    }
    if (this.pendingNotifications >= p.maxPendingNotifications) {
      // No reply: the peer's sm-notify retries later, when there is room.
      p.refuse('too-many-pending-notifications', caller.address);
      return NO_REPLY;
    }
    this.pendingNotifications++;
    void this.match(monName, state, caller.address)
      .catch((err) => this.log.error({ mon_name: safe(monName), err: errText(err) }, 'SM_NOTIFY failed'))
      .finally(() => this.pendingNotifications--);
    return undefined;
  }

  /** Finds the records an SM_NOTIFY concerns, checks the sender, and calls back. */
  private async match(monName: string, state: number, sender: string): Promise<void> {
    const p = this.d.policy;
    const literal = canonicalAddress(monName);
    if (
      literal === null &&
      !this.d.registry.host(monName) &&
      this.d.registry.match('', [sender]).length === 0
    ) {
      // Neither the name nor the sender is monitored: nothing to look up (and no lookups for strangers).
      p.refuse('notify-unknown-host', sender, { mon_name: safe(monName), state });
      return;
    }
    const nameAddrs = literal !== null ? [literal] : await this.d.resolver.resolve(monName);
    const hosts = this.d.registry.match(monName, nameAddrs);
    if (hosts.length === 0) {
      p.refuse('notify-unknown-host', sender, { mon_name: safe(monName), state });
      return;
    }
    for (const host of hosts) {
      const hostAddrs = await this.addressesOf(host);
      const refusal = p.checkNotifySender(sender, nameAddrs, hostAddrs);
      if (refusal) {
        p.refuse(refusal, sender, { mon_name: safe(monName), host: safe(host.monName), state });
        continue;
      }
      if (host.notified === state) continue;
      const records = this.d.registry.recordsOf(host);
      if (!this.d.callbacks.hasRoom(records.length)) {
        p.refuse('too-many-pending-callbacks', sender, { mon_name: safe(monName) });
        continue;
      }
      host.notified = state;
      this.log.info(
        { mon_name: safe(host.monName), state, from: sender, records: records.length },
        'peer rebooted',
      );
      this.d.callbacks.deliver(records, state);
      this.d.haCallout?.('sm-notify', host.monName, sender, state);
    }
  }

  private async addressesOf(host: MonitoredHost): Promise<string[]> {
    const own = canonicalAddress(host.key);
    if (own !== null) return [own];
    if (host.addrs === null) {
      const addrs = await this.d.resolver.resolve(host.key);
      if (addrs.length && this.d.registry.host(host.key) === host)
        this.d.registry.setAddresses(host.key, addrs);
      return addrs;
    }
    return host.addresses();
  }

  /** Resolves a monitored name in the background and indexes its addresses (a few at a time). */
  private indexLater(monName: string): void {
    if (canonicalAddress(monName) !== null) return;
    this.indexQueue.push(monName);
    this.pumpIndex();
  }

  private pumpIndex(): void {
    while (this.indexing < 4 && this.indexQueue.length > 0) {
      const name = this.indexQueue.shift()!;
      this.indexing++;
      void this.d.resolver
        .resolve(name)
        .then((addrs) => {
          if (addrs.length && this.d.registry.host(name)) this.d.registry.setAddresses(name, addrs);
        })
        .finally(() => {
          this.indexing--;
          this.pumpIndex();
        });
    }
  }
}

function toMyId(a: { my_name: string; my_prog: number; my_vers: number; my_proc: number }): MyId {
  return { myName: a.my_name, prog: a.my_prog, vers: a.my_vers, proc: a.my_proc };
}

/** A peer-supplied string made safe for a log line: printable ASCII, bounded. */
export function safe(s: string): string {
  const cut = s.length > 256 ? `${s.slice(0, 256)}...` : s;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function errText(err: unknown): string {
  return err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
}
