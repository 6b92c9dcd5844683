import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Log, silentLog } from '../nsm/log.js';
import {
  NLM4_VERS_DEF,
  type nlm4_cancargs,
  type nlm4_lock,
  type nlm4_lockargs,
  type nlm4_res,
  type nlm4_stats,
  type nlm4_testargs,
  type nlm4_unlockargs,
} from '../proto/nlm_prot.js';
import type { status } from '../proto/sm_inter.js';
import {
  type Caller,
  type CallOptions,
  createClient,
  NO_REPLY,
  type RpcClient,
  RpcError,
  RpcServer,
} from '../rpc/index.js';
import { getPort } from '../rpcbind/client.js';
import { RpcbindError } from '../rpcbind/errors.js';
import type { ServiceRegistration } from '../rpcbind/register.js';
import { NlmError } from './errors.js';
import { bytesKey, fileHandle } from './fh.js';
import { type LockListingReply, NLM4_NSMD_DEF } from './listing.js';
import { lengthOf, OFFSET_MAX, rangeOf } from './lock-table.js';
import { PeerMonitor } from './monitor.js';
import { registerNlm } from './register.js';
import { NLM4 } from './server.js';
import { isStatdCallbackCaller, StatdLink, type StatusMonitor } from './statd.js';

/** A range of a file: `length` 0 = to end of file. */
export interface LockRange {
  offset: bigint;
  length: bigint;
}

/** A lock this client holds on a server. */
export interface ClientLock extends LockRange {
  server: string;
  file: string;
  exclusive: boolean;
}

/** Options of one lock call. */
export interface LockOptions extends Partial<LockRange> {
  /** Shared (read) lock instead of exclusive. */
  shared?: boolean;
  /** Wait until the lock is granted (a blocking lock), through grace periods too. */
  wait?: boolean;
  signal?: AbortSignal;
}

/** Outcome of a lock call. */
export type LockResult =
  | { status: 'granted'; lock: ClientLock }
  | { status: 'denied'; holder?: LockHolder }
  | { status: 'grace' };

/** A lock that stands in the way, as TEST reports it. */
export interface LockHolder {
  exclusive: boolean;
  svid: number;
  offset: bigint;
  length: bigint;
}

/** Events a LockClient emits (`client.on(name, fn)`), for people and logs. */
export interface LockClientEvents {
  blocked: [lock: ClientLock];
  grace: [lock: ClientLock];
  granted: [lock: ClientLock, how: 'reply' | 'callback'];
  reboot: [server: string, state: number];
  reclaimed: [lock: ClientLock];
  lost: [lock: ClientLock, why: string];
  retry: [lock: ClientLock, why: string];
}

/** Options of {@link LockClient}. */
export interface LockClientOptions {
  /** Our caller_name (default the host name); servers report our reboots under this name. */
  name?: string;
  /** Process id in the locks' owner (default this process's pid). */
  svid?: number;
  /** The local status monitor; default statd on 127.0.0.1 through rpcbind; null = no monitoring. */
  statd?: StatusMonitor | null;
  /** Where the callback listener (GRANTED, reboot callbacks) listens (default '::', port 0). */
  callbackHost?: string;
  callbackPort?: number;
  /** Register the callback listener as this host's NLM with rpcbind (default false). */
  register?: boolean;
  /** A host's NLM port: servers', and that of a server answered with GRANTED_RES (default: its rpcbind). */
  nlmPort?: (server: string) => Promise<number>;
  transport?: 'udp' | 'tcp';
  /** Local address of calls to servers (servers send GRANTED to the address a request came from). */
  localAddress?: string;
  /** Who may make the reboot callback; default loopback callers on a privileged port. */
  trustCallback?: (caller: Caller) => boolean;
  timeoutMs?: number;
  /** A blocked request is sent again this often, in case a GRANTED callback was lost (default 30 s). */
  blockedRetryMs?: number;
  /** Pause before asking again after DENIED_GRACE_PERIOD (default 5 s). */
  graceRetryMs?: number;
  /** Pause before asking again a server that did not answer (default 1 s). */
  downRetryMs?: number;
  /** How long reclaims keep trying a server that does not answer yet (default 60 s). */
  reclaimTimeoutMs?: number;
  log?: Log;
}

/** Time limit of one try of a call that is retried anyway (reclaims, waiting locks). */
const RETRY_CALL_MS = 2000;

interface Waiter {
  lock: ClientLock;
  fh: Uint8Array;
  granted: boolean;
  /** Resolves woken: a GRANTED callback, a server reboot, or close(). */
  wake: () => void;
  woken: Promise<void>;
  rearm: () => void;
}

/**
 * An NLM v4 client (RFC 1813 appendix II): locks byte ranges of files on lock servers, waits for
 * blocking locks through GRANTED callbacks, has its statd watch each server it holds locks on,
 * and reclaims its locks when a server reboots.
 */
export class LockClient extends EventEmitter<LockClientEvents> {
  readonly name: string;
  readonly svid: number;
  readonly monitor: PeerMonitor;
  private readonly oh: Uint8Array;
  private readonly log: Log;
  private readonly statd: StatusMonitor | null;
  private readonly ownStatd: boolean;
  private readonly rpcServer = new RpcServer();
  private readonly rpcs = new Map<string, RpcClient>();
  private readonly locks: ClientLock[] = [];
  private readonly waiters = new Set<Waiter>();
  private cookieSeq = 0;
  private registration: ServiceRegistration | undefined;
  private started = false;
  private closed = false;
  /** Ports of the callback listener once started. */
  ports: { udp: number; tcp: number } | undefined;

  constructor(private readonly opts: LockClientOptions = {}) {
    super();
    this.name = opts.name ?? hostname();
    this.svid = opts.svid ?? process.pid;
    this.oh = new TextEncoder().encode(`${this.svid}@${this.name}`);
    this.log = opts.log ?? silentLog;
    this.ownStatd = opts.statd === undefined;
    this.statd = opts.statd === undefined ? new StatdLink({ myName: this.name }) : opts.statd;
    this.monitor = new PeerMonitor(this.statd, this.log);
    this.rpcServer.addProgram(NLM4_VERS_DEF, {
      NLMPROC4_NULL: () => undefined,
      NLMPROC4_GRANTED: (a) => ({ cookie: a.cookie, stat: { stat: this.onGranted(a) } }),
      // Linux's lockd grants with the asynchronous form: answer with GRANTED_RES to its NLM.
      NLMPROC4_GRANTED_MSG: (a, c) =>
        void this.sendGrantedRes(c, { cookie: a.cookie, stat: { stat: this.onGranted(a) } }),
      NLMPROC4_NSM_NOTIFY: (s, c) => (this.onReboot(s, c) ? undefined : NO_REPLY),
      NLMPROC4_TEST_RES: () => undefined,
      NLMPROC4_LOCK_RES: () => undefined,
      NLMPROC4_CANCEL_RES: () => undefined,
      NLMPROC4_UNLOCK_RES: () => undefined,
      NLMPROC4_GRANTED_RES: () => undefined,
    });
  }

  /** Starts the callback listener (and registers it when asked). Called by the first lock() too. */
  async start(): Promise<{ udp: number; tcp: number }> {
    if (this.ports) return this.ports;
    this.started = true;
    const host = this.opts.callbackHost ?? '::';
    const udp = await this.rpcServer.listenUdp({ host, port: this.opts.callbackPort ?? 0 });
    // The same port number for TCP when it is free (one number to look at); else any.
    const tcp = await this.rpcServer
      .listenTcp({ host, port: this.opts.callbackPort || udp })
      .catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE' || this.opts.callbackPort) throw err;
        return this.rpcServer.listenTcp({ host, port: 0 });
      });
    this.ports = { udp, tcp };
    if (this.opts.register) this.registration = await registerNlm(this.ports);
    if (this.statd) this.monitor.localState = await this.statd.localState().catch(() => 0);
    return this.ports;
  }

  /** Locks held now. */
  held(): ClientLock[] {
    return this.locks.map((l) => ({ ...l }));
  }

  /** Takes a lock on `file` at `server`. */
  async lock(server: string, file: string, o: LockOptions = {}): Promise<LockResult> {
    this.check();
    await this.start();
    const fh = fileHandle(file);
    const lock: ClientLock = {
      server,
      file,
      exclusive: !o.shared,
      offset: o.offset ?? 0n,
      length: o.length ?? 0n,
    };
    rangeOf(lock.offset, lock.length); // throws RangeError on values outside 64 bits
    try {
      await this.monitor.hold(server, 'client');
    } catch (err) {
      throw new NlmError('ERR_NLM_STATD', `cannot have ${server} monitored: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const w = this.waiter(lock, fh);
    this.waiters.add(w);
    try {
      for (;;) {
        if (o.signal?.aborted) throw o.signal.reason;
        if (w.granted) return this.granted(lock, 'callback');
        let stat: nlm4_stats;
        try {
          stat = await this.call(
            server,
            'NLMPROC4_LOCK',
            {
              cookie: this.cookie(),
              block: !!o.wait,
              exclusive: lock.exclusive,
              alock: this.alock(lock, fh),
              reclaim: false,
              state: this.monitor.localState,
            },
            // A waiting lock retries anyway: short tries get past a dead port quickly.
            o.wait ? { timeoutMs: RETRY_CALL_MS } : undefined,
          );
        } catch (err) {
          // A waiting lock rides through a server that is down or restarting; others fail at once.
          if (
            !o.wait ||
            this.closed ||
            !(err instanceof RpcError || err instanceof NlmError || isRpcbindError(err))
          )
            throw err;
          this.emit('retry', lock, (err as Error).message);
          // A restarting server registers within moments: ask again soon, to be there in its grace.
          await this.pause(w, this.opts.downRetryMs ?? 1000, o.signal);
          continue;
        }
        if (stat === NLM4.GRANTED) return this.granted(lock, 'reply');
        if (stat === NLM4.DENIED) {
          return {
            status: 'denied',
            ...(await this.holder(server, lock).then((h) => (h ? { holder: h } : {}))),
          };
        }
        if (stat === NLM4.DENIED_GRACE_PERIOD) {
          this.emit('grace', lock);
          if (!o.wait) return { status: 'grace' };
          await this.pause(w, this.opts.graceRetryMs ?? 5000, o.signal);
          continue;
        }
        if (stat === NLM4.BLOCKED) {
          this.emit('blocked', lock);
          await this.pause(w, this.opts.blockedRetryMs ?? 30_000, o.signal);
          continue;
        }
        throw new NlmError('ERR_NLM_DENIED', `${server} refused the lock: ${statName(stat)}`);
      }
    } catch (err) {
      if (o.wait && o.signal?.aborted) await this.cancel(lock, fh).catch(() => {});
      throw err;
    } finally {
      this.waiters.delete(w);
      this.releaseIfIdle(server);
    }
  }

  /** Releases a range of a file at a server (all of it by default). */
  async unlock(server: string, file: string, range: Partial<LockRange> = {}): Promise<void> {
    this.check();
    const fh = fileHandle(file);
    const r: ClientLock = {
      server,
      file,
      exclusive: true,
      offset: range.offset ?? 0n,
      length: range.length ?? 0n,
    };
    const stat = await this.call(server, 'NLMPROC4_UNLOCK', {
      cookie: this.cookie(),
      alock: this.alock(r, fh),
    });
    if (stat !== NLM4.GRANTED)
      throw new NlmError('ERR_NLM_DENIED', `${server} refused the unlock: ${statName(stat)}`);
    this.forget(r);
    this.releaseIfIdle(server);
  }

  /** TEST: the lock standing in the way of this one, or null when it would be granted. */
  async test(server: string, file: string, o: Omit<LockOptions, 'wait'> = {}): Promise<LockHolder | null> {
    this.check();
    const lock: ClientLock = {
      server,
      file,
      exclusive: !o.shared,
      offset: o.offset ?? 0n,
      length: o.length ?? 0n,
    };
    const fh = fileHandle(file);
    const r = await this.rpc(server, (c) =>
      c.call(NLM4_VERS_DEF, 'NLMPROC4_TEST', {
        cookie: this.cookie(),
        exclusive: lock.exclusive,
        alock: this.alock(lock, fh),
      }),
    );
    if (r.stat.stat === NLM4.GRANTED) return null;
    if (r.stat.stat === NLM4.DENIED) {
      const h = r.stat.holder;
      return { exclusive: h.exclusive, svid: h.svid, offset: h.l_offset, length: h.l_len };
    }
    throw new NlmError('ERR_NLM_DENIED', `${server} refused the test: ${statName(r.stat.stat)}`);
  }

  /** The server's listing of held and queued locks (nsmd's private, read-only procedure). */
  async listing(server: string): Promise<LockListingReply> {
    this.check();
    return this.rpc(server, (c) => c.call(NLM4_NSMD_DEF, 'NSMD_LOCKS', undefined));
  }

  /** Stops the listener and forgets the servers (locks stay held on them). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) w.wake();
    for (const c of this.rpcs.values()) c.close();
    this.rpcs.clear();
    await this.registration?.unregister();
    if (this.started) await this.rpcServer.close();
    if (this.ownStatd) this.statd?.close();
  }

  // ---- callbacks ----

  /** GRANTED from a server: a blocked request of ours is now held, or one we no longer want. */
  private onGranted(a: nlm4_testargs): nlm4_stats {
    const { start, end } = rangeOf(a.alock.l_offset, a.alock.l_len);
    const same = (l: ClientLock, fh: Uint8Array) =>
      bytesKey(fh) === bytesKey(a.alock.fh) &&
      l.exclusive === a.exclusive &&
      rangeKey(l) === `${start}-${end}` &&
      a.alock.svid === this.svid &&
      bytesKey(a.alock.oh) === bytesKey(this.oh);
    for (const w of this.waiters) {
      if (!same(w.lock, w.fh)) continue;
      w.granted = true;
      w.wake();
      return NLM4.GRANTED;
    }
    // A retransmitted GRANTED for a lock we already hold is fine; anything else we do not want.
    if (this.locks.some((l) => same(l, fileHandle(l.file)))) return NLM4.GRANTED;
    this.log.info({ caller: a.alock.caller_name }, 'GRANTED for no waiting request: refused');
    return NLM4.DENIED;
  }

  /** Proc 16 from our statd: a server we hold locks on rebooted; reclaim them within its grace. */
  private onReboot(s: status, caller: Caller): boolean {
    const trusted = this.opts.trustCallback ?? isStatdCallbackCaller;
    if (!trusted(caller)) {
      this.log.warn(
        { from: `${caller.address}:${caller.port}` },
        'reboot callback refused: not from loopback on a privileged port',
      );
      return false;
    }
    const reboot = this.monitor.accept(s);
    if (!reboot?.roles.includes('client')) return true;
    const server = reboot.name;
    this.emit('reboot', server, reboot.state);
    // The server may listen on another port now.
    this.rpcs.get(server)?.close();
    this.rpcs.delete(server);
    void this.reclaimAll(server);
    // Blocked requests were lost with the server's queue: send them again.
    for (const w of this.waiters) if (w.lock.server === server) w.wake();
    return true;
  }

  private sendGrantedRes(caller: Caller, res: nlm4_res): void {
    void (async () => {
      try {
        const port = await (this.opts.nlmPort ?? ((h) => lookupNlm(h, 'udp')))(caller.address);
        const c = createClient({ host: caller.address, port, timeoutMs: 5000 });
        try {
          await c.call(NLM4_VERS_DEF, 'NLMPROC4_GRANTED_RES', res);
        } finally {
          c.close();
        }
      } catch (err) {
        this.log.warn({ to: caller.address, err: (err as Error).message }, 'GRANTED_RES failed');
      }
    })();
  }

  private async reclaimAll(server: string): Promise<void> {
    const mine = this.locks.filter((l) => l.server === server);
    await Promise.all(mine.map((l) => this.reclaim(l)));
    this.releaseIfIdle(server);
  }

  /** Sends one lock again with reclaim = true, retrying while the server does not answer yet. */
  private async reclaim(l: ClientLock): Promise<void> {
    const deadline = Date.now() + (this.opts.reclaimTimeoutMs ?? 60_000);
    const fh = fileHandle(l.file);
    for (;;) {
      if (this.closed) return;
      try {
        const stat = await this.call(
          l.server,
          'NLMPROC4_LOCK',
          {
            cookie: this.cookie(),
            block: false,
            exclusive: l.exclusive,
            alock: this.alock(l, fh),
            reclaim: true,
            state: this.monitor.localState,
            // Short tries: the server's rpcbind may still name the port of the lock manager that died.
          },
          { timeoutMs: RETRY_CALL_MS },
        );
        if (stat === NLM4.GRANTED) {
          this.emit('reclaimed', { ...l });
          return;
        }
        this.forget(l);
        this.emit('lost', { ...l }, `reclaim refused: ${statName(stat)}`);
        return;
      } catch (err) {
        if (Date.now() >= deadline) {
          this.forget(l);
          this.emit('lost', { ...l }, `server did not answer: ${(err as Error).message}`);
          return;
        }
        this.rpcs.get(l.server)?.close();
        this.rpcs.delete(l.server);
        await sleep(1000);
      }
    }
  }

  // ---- internals ----

  /** Has statd stop watching a server once we hold nothing there and wait for nothing. */
  private releaseIfIdle(server: string): void {
    if (this.locks.some((l) => l.server === server)) return;
    for (const w of this.waiters) if (w.lock.server === server) return;
    this.monitor.release(server, 'client');
  }

  private check(): void {
    if (this.closed) throw new NlmError('ERR_NLM_CLOSED', 'lock client is closed');
  }

  private granted(lock: ClientLock, how: 'reply' | 'callback'): LockResult {
    // POSIX: a new lock of ours over our own range replaces it; keep one record per exact range.
    this.forget(lock);
    this.locks.push({ ...lock });
    this.emit('granted', { ...lock }, how);
    return { status: 'granted', lock: { ...lock } };
  }

  /** Drops our records of a range (POSIX: what sticks out of it stays held, as the server splits it). */
  private forget(r: ClientLock): void {
    const { start, end } = rangeOf(r.offset, r.length);
    const kept: ClientLock[] = [];
    for (const l of this.locks) {
      const lr = rangeOf(l.offset, l.length);
      if (l.server !== r.server || l.file !== r.file || lr.end < start || lr.start > end) {
        kept.push(l);
        continue;
      }
      if (lr.start < start) kept.push({ ...l, length: start - lr.start });
      if (lr.end > end) kept.push({ ...l, offset: end + 1n, length: lengthOf(end + 1n, lr.end) });
    }
    this.locks.splice(0, this.locks.length, ...kept);
  }

  private waiter(lock: ClientLock, fh: Uint8Array): Waiter {
    const w = { lock, fh, granted: false } as Waiter;
    w.rearm = () => {
      w.woken = new Promise<void>((resolve) => {
        w.wake = resolve;
      });
    };
    w.rearm();
    return w;
  }

  /** Waits for a GRANTED callback, a reboot, the timeout or the abort, whichever comes first. */
  private async pause(w: Waiter, ms: number, signal?: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([w.woken, sleep(ms, undefined, { signal: ac.signal, ref: true }).catch(() => {})]);
    } finally {
      ac.abort();
      signal?.removeEventListener('abort', onAbort);
      w.rearm();
    }
    if (signal?.aborted) throw signal.reason;
    if (this.closed) throw new NlmError('ERR_NLM_CLOSED', 'lock client closed while waiting');
  }

  private async cancel(lock: ClientLock, fh: Uint8Array): Promise<void> {
    await this.call(lock.server, 'NLMPROC4_CANCEL', {
      cookie: this.cookie(),
      block: true,
      exclusive: lock.exclusive,
      alock: this.alock(lock, fh),
    });
  }

  private async holder(server: string, lock: ClientLock): Promise<LockHolder | undefined> {
    try {
      return (
        (await this.test(server, lock.file, {
          shared: !lock.exclusive,
          offset: lock.offset,
          length: lock.length,
        })) ?? undefined
      );
    } catch {
      return undefined;
    }
  }

  private alock(l: ClientLock, fh: Uint8Array): nlm4_lock {
    return { caller_name: this.name, fh, oh: this.oh, svid: this.svid, l_offset: l.offset, l_len: l.length };
  }

  private cookie(): Uint8Array {
    const c = new Uint8Array(8);
    const dv = new DataView(c.buffer);
    dv.setUint32(0, this.svid);
    dv.setUint32(4, ++this.cookieSeq);
    return c;
  }

  /** LOCK, UNLOCK or CANCEL: their results are all nlm4_res. */
  private async call(
    server: string,
    proc: 'NLMPROC4_LOCK' | 'NLMPROC4_UNLOCK' | 'NLMPROC4_CANCEL',
    args: nlm4_lockargs | nlm4_unlockargs | nlm4_cancargs,
    opts?: CallOptions,
  ): Promise<nlm4_stats> {
    const r = await this.rpc(server, (c) =>
      c.call(NLM4_VERS_DEF, proc as 'NLMPROC4_LOCK', args as nlm4_lockargs, opts),
    );
    return r.stat.stat;
  }

  private async rpc<T>(server: string, f: (c: RpcClient) => Promise<T>): Promise<T> {
    let c = this.rpcs.get(server);
    if (!c) {
      const port = await (this.opts.nlmPort ?? ((s) => lookupNlm(s, this.opts.transport ?? 'udp')))(server);
      c = createClient({
        host: server,
        port,
        transport: this.opts.transport ?? 'udp',
        timeoutMs: this.opts.timeoutMs ?? 10_000,
        ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}),
      });
      this.rpcs.set(server, c);
    }
    try {
      return await f(c);
    } catch (err) {
      // Look the server up again next time: it may have restarted on another port.
      c.close();
      if (this.rpcs.get(server) === c) this.rpcs.delete(server);
      throw err;
    }
  }
}

async function lookupNlm(server: string, transport: 'udp' | 'tcp'): Promise<number> {
  const port = await getPort(server, NLM4_VERS_DEF.prog, NLM4_VERS_DEF.vers, transport, { timeoutMs: 5000 });
  if (port === 0) throw new NlmError('ERR_NLM_UNAVAILABLE', `no NLM v4 lock manager registered on ${server}`);
  return port;
}

function isRpcbindError(err: unknown): boolean {
  return err instanceof RpcbindError;
}

function rangeKey(l: LockRange): string {
  const { start, end } = rangeOf(l.offset, l.length);
  return `${start}-${end}`;
}

/** The name of an NLM v4 status, for messages. */
export function statName(s: number): string {
  const name = Object.entries(NLM4).find(([, n]) => n === s)?.[0];
  return name ? `NLM4_${name}` : `status ${s}`;
}

/** Parses "START-END" (inclusive, END empty or "eof" = to end of file) into offset and length. */
export function parseRange(text: string): LockRange {
  const m = /^(\d+)-(\d*|eof)$/.exec(text.trim());
  if (!m) throw new NlmError('ERR_NLM_ARGS', `bad range '${text}': expected START-END, START- or START-eof`);
  const offset = BigInt(m[1]!);
  if (offset > OFFSET_MAX) throw new NlmError('ERR_NLM_ARGS', `range start ${offset} exceeds 2^64-1`);
  if (m[2] === '' || m[2] === 'eof') return { offset, length: 0n };
  const end = BigInt(m[2]!);
  if (end < offset || end > OFFSET_MAX) throw new NlmError('ERR_NLM_ARGS', `bad range '${text}'`);
  return { offset, length: end === OFFSET_MAX ? 0n : lengthOf(offset, end) };
}

/** A range for people: "[0-99]", "[100-eof]". */
export function describeRange(r: LockRange): string {
  const { start, end } = rangeOf(r.offset, r.length);
  return `[${start}-${end === OFFSET_MAX ? 'eof' : end}]`;
}
