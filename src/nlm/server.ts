import { hostname } from 'node:os';
import { type Log, silentLog } from '../nsm/log.js';
import {
  NLM_VERS_DEF,
  NLM_VERSX_DEF,
  NLM4_VERS_DEF,
  type nlm4_cancargs,
  type nlm4_lock,
  type nlm4_lockargs,
  type nlm4_notify,
  type nlm4_res,
  type nlm4_shareargs,
  type nlm4_shareres,
  type nlm4_stats,
  type nlm4_testargs,
  type nlm4_testres,
  type nlm4_unlockargs,
} from '../proto/nlm_prot.js';
import type { status } from '../proto/sm_inter.js';
import {
  type Caller,
  createClient,
  type Handlers,
  NO_REPLY,
  type PortChooser,
  RpcServer,
  type RpcServerOptions,
} from '../rpc/index.js';
import { getPort } from '../rpcbind/client.js';
import type { RegistrationMode, ServiceRegistration } from '../rpcbind/register.js';
import { NlmError } from './errors.js';
import { bytesKey } from './fh.js';
import {
  entrySize,
  type LockEntry,
  type LockListingReply,
  MAX_LISTING_BYTES,
  MAX_LISTING_ENTRIES,
  NLM4_NSMD_DEF,
} from './listing.js';
import { type LockOwner, LockTable, lengthOf, ownerKey, type QueuedLock, rangeOf } from './lock-table.js';
import { PeerMonitor } from './monitor.js';
import { registerNlm } from './register.js';
import { ShareTable } from './shares.js';
import { isStatdCallbackCaller, StatdLink, type StatusMonitor } from './statd.js';
import * as v from './versions.js';

/** NLM v4 status codes (RFC 1813 appendix II). */
export const NLM4 = {
  GRANTED: 0,
  DENIED: 1,
  DENIED_NOLOCKS: 2,
  BLOCKED: 3,
  DENIED_GRACE_PERIOD: 4,
  DEADLCK: 5,
  ROFS: 6,
  STALE_FH: 7,
  FBIG: 8,
  FAILED: 9,
} as const satisfies Record<string, nlm4_stats>;

/** Longest caller_name accepted: a host name (RFC 1035 §2.3.4: 255 octets), though XDR allows 1024. */
export const MAX_CALLER_NAME = 255;

/** Default grace period after a start, in seconds (Linux lockd's default). */
export const DEFAULT_GRACE_SECONDS = 90;

/** Options of {@link LockServer}. */
export interface LockServerOptions {
  /** Seconds after start during which only reclaims are served (default 90). */
  graceSeconds?: number;
  /** Address to listen on (default '::', dual-stack). */
  host?: string;
  /** Port for UDP and TCP (default 0: ephemeral). */
  port?: number;
  /** Our name in SM_MON's my_id (default the host name). */
  name?: string;
  /** The local status monitor; default statd on 127.0.0.1 found through rpcbind; null = no monitoring. */
  statd?: StatusMonitor | null;
  /** Send SM_SIMU_CRASH before serving (default true when there is a statd). */
  simulateCrash?: boolean;
  /** Reserved source ports for calls that need one (the default statd link's SM_SIMU_CRASH). */
  choosePort?: PortChooser;
  /** Register NLM v1, v3, v4 with rpcbind: 'system' (default), 'auto', 'embedded' or 'none'. */
  register?: RegistrationMode | boolean;
  rpcbindPort?: number;
  /** Where a client's NLM listens, for GRANTED and _RES calls (default: its rpcbind, UDP). */
  nlmPort?: (address: string, vers: number) => Promise<number>;
  /** Who may make the statd reboot callback (proc 16); default loopback callers on a privileged port. */
  trustCallback?: (caller: Caller) => boolean;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** Pause between GRANTED attempts (default 5 s) and how many (default 6). */
  grantedRetryMs?: number;
  grantedTries?: number;
  /** A client with no locks left is unmonitored after this long (default 2 s). */
  unmonitorDelayMs?: number;
  rpc?: RpcServerOptions;
  log?: Log;
}

/** What a granted-later request remembers for its GRANTED callback. */
interface Pending {
  cookie: Uint8Array;
  vers: number;
  address: string;
}

type Vers = 1 | 3 | 4;

const res = (cookie: Uint8Array, stat: nlm4_stats): nlm4_res => ({ cookie, stat: { stat } });

/**
 * An NLM lock manager (XNFS 3W ch. 10; v4: RFC 1813 appendix II) over UDP and TCP: byte-range
 * locks and share reservations in memory, a grace period after each start for reclaims, and the
 * status monitor told about every client holding locks so that a client's reboot frees them.
 */
export class LockServer {
  /** The lock table (read it for listings; change it only through the protocol). */
  readonly table = new LockTable<Pending>();
  readonly shares = new ShareTable();
  readonly monitor: PeerMonitor;
  private readonly rpc: RpcServer;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly statd: StatusMonitor | null;
  private readonly ownStatd: boolean;
  private readonly graceMs: number;
  private graceEnd = 0;
  /** NSM state each owner gave with its latest lock request, to keep its locks on a late callback. */
  private readonly ownerStates = new Map<string, number>();
  private readonly unmonitorTimers = new Map<string, NodeJS.Timeout>();
  private readonly grantTimers = new Set<NodeJS.Timeout>();
  private ports: { udp: number; tcp: number } | undefined;
  private registration: ServiceRegistration | undefined;
  private closed = false;

  constructor(private readonly opts: LockServerOptions = {}) {
    this.log = opts.log ?? silentLog;
    this.now = opts.now ?? Date.now;
    this.graceMs = Math.max(0, opts.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    this.ownStatd = opts.statd === undefined;
    this.statd =
      opts.statd === undefined
        ? new StatdLink({
            myName: opts.name ?? hostname(),
            ...(opts.choosePort ? { choosePort: opts.choosePort } : {}),
          })
        : opts.statd;
    this.monitor = new PeerMonitor(this.statd, this.log);
    this.rpc = new RpcServer(opts.rpc);
    this.rpc.addProgram(NLM4_NSMD_DEF, this.v4Handlers());
    this.rpc.addProgram(NLM_VERSX_DEF, this.v3Handlers());
    this.rpc.addProgram(NLM_VERS_DEF, this.v1Handlers());
  }

  /**
   * Tells statd the lock table is new (SM_SIMU_CRASH), starts the grace period, listens on UDP
   * and TCP and registers with rpcbind. Returns the ports.
   */
  async start(): Promise<{ udp: number; tcp: number }> {
    if (this.statd && this.opts.simulateCrash !== false) {
      // Before serving: peers must learn that the locks they held here are gone.
      try {
        await this.statd.simulateCrash();
      } catch (err) {
        throw new NlmError(
          'ERR_NLM_STATD',
          `${(err as Error).message}. Start the status monitor (nsmd serve) first, or run without it ` +
            '(--no-statd). With rpc.statd use --no-simu-crash: it stops answering after SM_SIMU_CRASH ' +
            'while it monitors hosts; its sm-notify at boot tells the peers instead',
          { cause: err },
        );
      }
      this.monitor.localState = await this.statd.localState().catch(() => 0);
    }
    this.graceEnd = this.now() + this.graceMs;
    const host = this.opts.host ?? '::';
    const udp = await this.rpc.listenUdp({ host, port: this.opts.port ?? 0 });
    // The same port number for TCP when it is free (one number to look at); else any.
    const tcp = await this.rpc
      .listenTcp({ host, port: this.opts.port || udp })
      .catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE' || this.opts.port) throw err;
        return this.rpc.listenTcp({ host, port: 0 });
      });
    this.ports = { udp, tcp };
    const mode =
      this.opts.register === true || this.opts.register === undefined ? 'system' : this.opts.register;
    if (mode !== false) {
      this.registration = await registerNlm(
        { udp, tcp },
        { mode, ...(this.opts.rpcbindPort ? { rpcbindPort: this.opts.rpcbindPort } : {}) },
      );
    }
    this.log.info({ udp, tcp, graceSeconds: this.graceMs / 1000 }, 'lock manager serving');
    return this.ports;
  }

  /** Whether the grace period after start is still running. */
  inGrace(): boolean {
    return this.now() < this.graceEnd;
  }

  /** Milliseconds of grace left (0 when over). */
  graceLeftMs(): number {
    return Math.max(0, this.graceEnd - this.now());
  }

  /** Stops serving, unregisters, cancels pending callbacks. Locks are not released (statd keeps watching). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.unmonitorTimers.values()) clearTimeout(t);
    for (const t of this.grantTimers) clearTimeout(t);
    await this.registration?.unregister();
    await this.rpc.close();
    if (this.ownStatd) this.statd?.close();
  }

  // ---- the procedures, in v4 terms ----

  /** NLM_TEST: the conflicting lock, if any. */
  test(a: nlm4_testargs): nlm4_testres {
    const bad = badLock(a.alock);
    if (bad) return this.refuse(a.cookie, bad, a.alock);
    if (this.inGrace()) return { cookie: a.cookie, stat: { stat: NLM4.DENIED_GRACE_PERIOD } };
    const { start, end } = rangeOf(a.alock.l_offset, a.alock.l_len);
    const h = this.table.test({
      file: bytesKey(a.alock.fh),
      owner: ownerOf(a.alock),
      exclusive: a.exclusive,
      start,
      end,
    });
    if (!h) return { cookie: a.cookie, stat: { stat: NLM4.GRANTED } };
    return {
      cookie: a.cookie,
      stat: {
        stat: NLM4.DENIED,
        holder: {
          exclusive: h.exclusive,
          svid: h.owner.svid,
          oh: h.owner.oh,
          l_offset: h.start,
          l_len: lengthOf(h.start, h.end),
        },
      },
    };
  }

  /** NLM_LOCK (and NM_LOCK with `monitored` false: no status monitoring, never blocks). */
  async lock(a: nlm4_lockargs, caller: Caller, vers: Vers, monitored = true): Promise<nlm4_res> {
    const bad = badLock(a.alock);
    if (bad) return this.refuse(a.cookie, bad, a.alock);
    const name = a.alock.caller_name;
    if (a.reclaim !== this.inGrace()) {
      // In grace only reclaims; after it no reclaims (the lock may have been granted to another
      // since). Linux lockd answers DENIED_GRACE_PERIOD to both; clients take it as "lock lost".
      this.log.info(
        { caller: name, reclaim: a.reclaim },
        a.reclaim ? 'reclaim after grace refused' : 'lock in grace refused',
      );
      return res(a.cookie, NLM4.DENIED_GRACE_PERIOD);
    }
    if (monitored) {
      try {
        await this.monitor.hold(name, 'server');
      } catch (err) {
        this.log.warn({ caller: name, err: (err as Error).message }, 'cannot monitor client: lock refused');
        return res(a.cookie, NLM4.DENIED_NOLOCKS);
      }
    }
    if (this.closed) return res(a.cookie, NLM4.DENIED_NOLOCKS);
    const owner = ownerOf(a.alock);
    if (a.state) this.ownerStates.set(ownerKey(owner), a.state);
    const { start, end } = rangeOf(a.alock.l_offset, a.alock.l_len);
    const out = this.table.lock(
      {
        file: bytesKey(a.alock.fh),
        owner,
        exclusive: a.exclusive,
        start,
        end,
        data: { cookie: Uint8Array.from(a.cookie), vers, address: caller.address },
      },
      monitored && a.block,
    );
    if (out.status === 'granted') {
      this.grantAll(out.granted);
      return res(a.cookie, NLM4.GRANTED);
    }
    this.releaseIfIdle(name);
    return res(a.cookie, out.status === 'queued' ? NLM4.BLOCKED : NLM4.DENIED);
  }

  /** NLM_CANCEL: drops a queued blocking request. */
  cancel(a: nlm4_cancargs): nlm4_res {
    const bad = badLock(a.alock);
    if (bad) return this.refuse(a.cookie, bad, a.alock);
    const { start, end } = rangeOf(a.alock.l_offset, a.alock.l_len);
    this.table.cancel({
      file: bytesKey(a.alock.fh),
      owner: ownerOf(a.alock),
      exclusive: a.exclusive,
      start,
      end,
    });
    this.releaseIfIdle(a.alock.caller_name);
    // Nothing queued (never, or granted meanwhile) is no error: the request is not waiting any more
    // either way, as Linux's lockd answers. A lock granted meanwhile the client refuses on GRANTED.
    return res(a.cookie, NLM4.GRANTED);
  }

  /** NLM_UNLOCK: releases a range (allowed in grace: it cannot take anything from a reclaimer). */
  unlock(a: nlm4_unlockargs): nlm4_res {
    const bad = badLock(a.alock);
    if (bad) return this.refuse(a.cookie, bad, a.alock);
    const { start, end } = rangeOf(a.alock.l_offset, a.alock.l_len);
    this.grantAll(this.table.unlock({ file: bytesKey(a.alock.fh), owner: ownerOf(a.alock), start, end }));
    this.releaseIfIdle(a.alock.caller_name);
    return res(a.cookie, NLM4.GRANTED);
  }

  /** NLM_SHARE: a DOS share reservation. */
  async share(a: nlm4_shareargs): Promise<nlm4_shareres> {
    const s = a.share;
    const bad = badName(s.caller_name) ?? (s.fh.length === 0 ? 'empty file handle' : null);
    if (bad) {
      this.log.warn({ reason: bad }, 'NLM_SHARE refused');
      return { cookie: a.cookie, stat: NLM4.FAILED, sequence: 0 };
    }
    if (a.reclaim !== this.inGrace())
      return { cookie: a.cookie, stat: NLM4.DENIED_GRACE_PERIOD, sequence: 0 };
    try {
      await this.monitor.hold(s.caller_name, 'server');
    } catch {
      return { cookie: a.cookie, stat: NLM4.DENIED_NOLOCKS, sequence: 0 };
    }
    const ok = this.shares.share(bytesKey(s.fh), {
      caller: s.caller_name,
      oh: bytesKey(s.oh),
      mode: s.mode,
      access: s.access,
    });
    if (!ok) this.releaseIfIdle(s.caller_name);
    return { cookie: a.cookie, stat: ok ? NLM4.GRANTED : NLM4.DENIED, sequence: 0 };
  }

  /** NLM_UNSHARE. */
  unshare(a: nlm4_shareargs): nlm4_shareres {
    this.shares.unshare(bytesKey(a.share.fh), a.share.caller_name, bytesKey(a.share.oh));
    this.releaseIfIdle(a.share.caller_name);
    return { cookie: a.cookie, stat: NLM4.GRANTED, sequence: 0 };
  }

  /** NLM_FREE_ALL: a client host restarted without status monitoring (NM_LOCK users): drop all it had. */
  freeAll(a: nlm4_notify, caller: Caller): void {
    this.log.info({ name: a.name, state: a.state, from: caller.address }, 'FREE_ALL');
    this.freeClient(a.name);
  }

  /** Proc 16: statd reports a monitored peer's reboot. Only from loopback on a privileged port. */
  peerRebooted(s: status, caller: Caller): boolean {
    const trusted = this.opts.trustCallback ?? isStatdCallbackCaller;
    if (!trusted(caller)) {
      this.log.warn(
        { from: `${caller.address}:${caller.port}`, mon_name: s.mon_name },
        'reboot callback refused: not from loopback on a privileged port',
      );
      return false;
    }
    const reboot = this.monitor.accept(s);
    if (!reboot) return true;
    this.log.info({ peer: reboot.name, state: reboot.state }, 'client rebooted: freeing its locks');
    if (reboot.roles.includes('server')) {
      // Owners that locked with the new state (or a later one) spoke to us after the reboot.
      this.freeClient(reboot.name, (o) => (this.ownerStates.get(ownerKey(o)) ?? 0) >= reboot.state);
    }
    return true;
  }

  /** The private listing (read-only). */
  listing(): LockListingReply {
    const all = this.table.list();
    const entries: LockEntry[] = [];
    let bytes = 0;
    for (const l of all) {
      const e: LockEntry = {
        queued: l.state === 'queued',
        exclusive: l.exclusive,
        caller_name: l.owner.caller,
        svid: l.owner.svid,
        oh: l.owner.oh,
        fh: Buffer.from(l.file, 'latin1'),
        l_offset: l.start,
        l_len: lengthOf(l.start, l.end),
      };
      bytes += entrySize(e);
      if (entries.length >= MAX_LISTING_ENTRIES || bytes > MAX_LISTING_BYTES) break;
      entries.push(e);
    }
    return {
      in_grace: this.inGrace(),
      grace_left_ms: Math.min(this.graceLeftMs(), 0xffffffff),
      nsm_state: this.monitor.localState,
      total: all.length,
      entries,
      truncated: entries.length < all.length,
    };
  }

  // ---- internals ----

  private refuse<T>(cookie: Uint8Array, why: string, l: nlm4_lock): T {
    this.log.warn({ reason: why, caller: l.caller_name.slice(0, 64) }, 'NLM request refused');
    return { cookie, stat: { stat: NLM4.FAILED } } as T;
  }

  private freeClient(name: string, keep?: (o: LockOwner) => boolean): void {
    const granted = this.table.freeAll(name, keep);
    // Shares carry no NSM state: they all go.
    this.shares.freeAll(name);
    this.grantAll(granted);
    this.releaseIfIdle(name);
  }

  /** Stops monitoring a client that holds nothing, after a short pause (it may lock again at once). */
  private releaseIfIdle(name: string): void {
    if (this.busy(name) || this.unmonitorTimers.has(name) || this.closed) return;
    const t = setTimeout(() => {
      this.unmonitorTimers.delete(name);
      if (!this.busy(name)) {
        for (const k of this.ownerStates.keys())
          if (k.startsWith(`${name.length}:${name}|`)) this.ownerStates.delete(k);
        this.monitor.release(name, 'server');
      }
    }, this.opts.unmonitorDelayMs ?? 2000);
    t.unref();
    this.unmonitorTimers.set(name, t);
  }

  private busy(name: string): boolean {
    return this.table.heldCount(name) + this.table.queuedCount(name) + this.shares.count(name) > 0;
  }

  private grantAll(granted: QueuedLock<Pending>[]): void {
    for (const q of granted) {
      this.log.info(
        { caller: q.owner.caller, start: String(q.start), end: String(q.end) },
        'queued lock granted',
      );
      void this.sendGranted(q, 1);
    }
  }

  /** NLM_GRANTED to the client (XNFS 3W ch. 10), retried; a client that says DENIED no longer wants it. */
  private async sendGranted(q: QueuedLock<Pending>, attempt: number): Promise<void> {
    if (this.closed || !q.data) return;
    const { vers, address, cookie } = q.data;
    const alock: nlm4_lock = {
      caller_name: q.owner.caller,
      fh: Buffer.from(q.file, 'latin1'),
      oh: q.owner.oh,
      svid: q.owner.svid,
      l_offset: q.start,
      l_len: lengthOf(q.start, q.end),
    };
    const args: nlm4_testargs = { cookie, exclusive: q.exclusive, alock };
    let stat: nlm4_stats | undefined;
    try {
      const port = await (this.opts.nlmPort ?? defaultNlmPort)(address, vers);
      if (port === 0) throw new Error(`no NLM v${vers} registered on ${address}`);
      const c = createClient({ host: address, port, timeoutMs: 5000 });
      try {
        if (vers === 4) stat = (await c.call(NLM4_VERS_DEF, 'NLMPROC4_GRANTED', args)).stat.stat;
        else {
          const def = vers === 3 ? NLM_VERSX_DEF : NLM_VERS_DEF;
          stat = (await c.call(def, 'NLM_GRANTED', v.testArgsFromV4(args))).stat.stat;
        }
      } finally {
        c.close();
      }
    } catch (err) {
      this.log.warn(
        { caller: q.owner.caller, address, attempt, err: (err as Error).message },
        'GRANTED callback failed',
      );
    }
    if (stat === NLM4.GRANTED) return;
    if (stat === NLM4.DENIED || stat === NLM4.DENIED_NOLOCKS) {
      // The client gave up waiting: release what we granted so others can have it.
      this.log.info({ caller: q.owner.caller }, 'client refused GRANTED: releasing the lock');
      this.grantAll(this.table.unlock({ file: q.file, owner: q.owner, start: q.start, end: q.end }));
      this.releaseIfIdle(q.owner.caller);
      return;
    }
    // No answer (or grace on the client): try again; the client also re-sends its LOCK, which is granted.
    if (attempt >= (this.opts.grantedTries ?? 6)) return;
    const t = setTimeout(() => {
      this.grantTimers.delete(t);
      void this.sendGranted(q, attempt + 1);
    }, this.opts.grantedRetryMs ?? 5000);
    t.unref();
    this.grantTimers.add(t);
  }

  /** Sends an asynchronous reply (_RES procedure) to the caller's NLM; failures are only logged. */
  private sendRes(caller: Caller, vers: Vers, proc: string, args: unknown): void {
    void (async () => {
      try {
        const port = await (this.opts.nlmPort ?? defaultNlmPort)(caller.address, vers);
        if (port === 0) throw new Error(`no NLM v${vers} registered on ${caller.address}`);
        const c = createClient({ host: caller.address, port, timeoutMs: 5000 });
        try {
          const def = vers === 4 ? NLM4_VERS_DEF : vers === 3 ? NLM_VERSX_DEF : NLM_VERS_DEF;
          await c.call(def as typeof NLM4_VERS_DEF, proc as 'NLMPROC4_LOCK_RES', args as nlm4_res);
        } finally {
          c.close();
        }
      } catch (err) {
        this.log.warn(
          { to: caller.address, proc, err: (err as Error).message },
          'asynchronous NLM reply failed',
        );
      }
    })();
  }

  private v4Handlers(): Handlers<typeof NLM4_NSMD_DEF> {
    return {
      NLMPROC4_NULL: () => undefined,
      NLMPROC4_TEST: (a) => this.test(a),
      NLMPROC4_LOCK: (a, c) => this.lock(a, c, 4),
      NLMPROC4_CANCEL: (a) => this.cancel(a),
      NLMPROC4_UNLOCK: (a) => this.unlock(a),
      // We hold no locks as a client here: a GRANTED is for nobody.
      NLMPROC4_GRANTED: (a) => res(a.cookie, NLM4.DENIED),
      NLMPROC4_TEST_MSG: (a, c) => void this.sendRes(c, 4, 'NLMPROC4_TEST_RES', this.test(a)),
      NLMPROC4_LOCK_MSG: async (a, c) =>
        void this.sendRes(c, 4, 'NLMPROC4_LOCK_RES', await this.lock(a, c, 4)),
      NLMPROC4_CANCEL_MSG: (a, c) => void this.sendRes(c, 4, 'NLMPROC4_CANCEL_RES', this.cancel(a)),
      NLMPROC4_UNLOCK_MSG: (a, c) => void this.sendRes(c, 4, 'NLMPROC4_UNLOCK_RES', this.unlock(a)),
      NLMPROC4_GRANTED_MSG: (a, c) =>
        void this.sendRes(c, 4, 'NLMPROC4_GRANTED_RES', res(a.cookie, NLM4.DENIED)),
      NLMPROC4_TEST_RES: () => undefined,
      NLMPROC4_LOCK_RES: () => undefined,
      NLMPROC4_CANCEL_RES: () => undefined,
      NLMPROC4_UNLOCK_RES: () => undefined,
      NLMPROC4_GRANTED_RES: () => undefined,
      NLMPROC4_NSM_NOTIFY: (s, c) => (this.peerRebooted(s, c) ? undefined : NO_REPLY),
      NLMPROC4_SHARE: (a) => this.share(a),
      NLMPROC4_UNSHARE: (a) => this.unshare(a),
      NLMPROC4_NM_LOCK: (a, c) => this.lock(a, c, 4, false),
      NLMPROC4_FREE_ALL: (a, c) => this.freeAll(a, c),
      NSMD_LOCKS: () => this.listing(),
    };
  }

  private v1Handlers(): Handlers<typeof NLM_VERS_DEF> {
    return this.v1v3Handlers(1) as Handlers<typeof NLM_VERS_DEF>;
  }

  private v3Handlers(): Handlers<typeof NLM_VERSX_DEF> {
    return {
      ...this.v1v3Handlers(3),
      NLM_SHARE: async (a) => v.shareResFromV4(await this.share(v.shareArgsToV4(a))),
      NLM_UNSHARE: (a) => v.shareResFromV4(this.unshare(v.shareArgsToV4(a))),
      NLM_NM_LOCK: async (a, c) => v.resFromV4(await this.lock(v.lockArgsToV4(a), c, 3, false)),
      NLM_FREE_ALL: (a, c) => this.freeAll(a, c),
    };
  }

  private v1v3Handlers(vers: 1 | 3): Handlers<typeof NLM_VERS_DEF> {
    return {
      NLM_NULL: () => undefined,
      NLM_TEST: (a) => v.testResFromV4(this.test(v.testArgsToV4(a))),
      NLM_LOCK: async (a, c) => v.resFromV4(await this.lock(v.lockArgsToV4(a), c, vers)),
      NLM_CANCEL: (a) => v.resFromV4(this.cancel(v.cancArgsToV4(a))),
      NLM_UNLOCK: (a) => v.resFromV4(this.unlock(v.unlockArgsToV4(a))),
      NLM_GRANTED: (a) => ({ cookie: a.cookie, stat: { stat: 1 } }),
      NLM_TEST_MSG: (a, c) =>
        void this.sendRes(c, vers, 'NLM_TEST_RES', v.testResFromV4(this.test(v.testArgsToV4(a)))),
      NLM_LOCK_MSG: async (a, c) =>
        void this.sendRes(c, vers, 'NLM_LOCK_RES', v.resFromV4(await this.lock(v.lockArgsToV4(a), c, vers))),
      NLM_CANCEL_MSG: (a, c) =>
        void this.sendRes(c, vers, 'NLM_CANCEL_RES', v.resFromV4(this.cancel(v.cancArgsToV4(a)))),
      NLM_UNLOCK_MSG: (a, c) =>
        void this.sendRes(c, vers, 'NLM_UNLOCK_RES', v.resFromV4(this.unlock(v.unlockArgsToV4(a)))),
      NLM_GRANTED_MSG: (a, c) =>
        void this.sendRes(c, vers, 'NLM_GRANTED_RES', { cookie: a.cookie, stat: { stat: 1 } }),
      NLM_TEST_RES: () => undefined,
      NLM_LOCK_RES: () => undefined,
      NLM_CANCEL_RES: () => undefined,
      NLM_UNLOCK_RES: () => undefined,
      NLM_GRANTED_RES: () => undefined,
      NLM_NSM_NOTIFY: (s, c) => (this.peerRebooted(s, c) ? undefined : NO_REPLY),
    };
  }
}

function defaultNlmPort(address: string, vers: number): Promise<number> {
  return getPort(address, NLM4_VERS_DEF.prog, vers, 'udp', { timeoutMs: 5000 });
}

function ownerOf(l: nlm4_lock): LockOwner {
  return { caller: l.caller_name, svid: l.svid, oh: l.oh };
}

/** Why a caller name is unacceptable (it becomes a mon_name for statd), or null. */
export function badName(name: string): string | null {
  if (name.length === 0) return 'empty caller_name';
  if (name.length > MAX_CALLER_NAME) return `caller_name of ${name.length} bytes (most ${MAX_CALLER_NAME})`;
  if (/[\u0000-\u001f\u007f/]/.test(name) || name.startsWith('.'))
    return 'caller_name with a control character, / or leading dot';
  return null;
}

function badLock(l: nlm4_lock): string | null {
  return badName(l.caller_name) ?? (l.fh.length === 0 ? 'empty file handle' : null);
}
