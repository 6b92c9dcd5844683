import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import type { XdrCodec } from '../xdr/codec.js';
import type { ArgsOf, ProgramDef, ResOf } from '../xdr/program.js';
import { XdrReader } from '../xdr/reader.js';
import { XdrWriter } from '../xdr/writer.js';
import { literalLookup, normalizeAddress } from './address.js';
import { AUTH_NONE, authSysCredential, type OpaqueAuth } from './auth.js';
import { RpcError } from './errors.js';
import { defaultLogger, type RpcLogger } from './logger.js';
import { AcceptStat, type DecodedReply, decodeReplyHeader, encodeCallHeader, peekXid } from './message.js';
import { beginRecord, endRecord, RecordReader } from './record.js';
import type { AuthSys, BoundProgram, CallOptions, Transport } from './types.js';

/** Candidate local ports for a privileged client, tried in order; busy or forbidden ones are skipped. */
export type PortChooser = () => Iterable<number>;

/** The reserved ports a privileged client tries by default: 1023 down to 600, as bindresvport does. */
export function* defaultReservedPorts(): Iterable<number> {
  for (let p = 1023; p >= 600; p--) yield p;
}

/** Default largest reply record accepted over TCP (rpcbind DUMP replies can be long). */
export const DEFAULT_CLIENT_MAX_RECORD_SIZE = 1024 * 1024;

/** Options of createClient. */
export interface RpcClientOptions {
  host: string;
  port: number;
  /** Default 'udp'. */
  transport?: Transport;
  /** Local address to bind. */
  localAddress?: string;
  /** Local port to bind (takes precedence over privileged). */
  localPort?: number;
  /** Bind a free local port below 1024 (needs root or CAP_NET_BIND_SERVICE). */
  privileged?: boolean;
  /** Candidate ports when privileged; default defaultReservedPorts. */
  choosePort?: PortChooser;
  /** Default time limit of a call, retransmissions included. Default 10 000 ms. */
  timeoutMs?: number;
  /** First UDP retransmission interval; it doubles up to maxRetransmitMs. Default 1000 ms. */
  retransmitMs?: number;
  /** Largest UDP retransmission interval. Default 8000 ms. */
  maxRetransmitMs?: number;
  /** Largest reply record over TCP. Default 1 MiB. */
  maxRecordSize?: number;
  /** SO_RCVBUF of UDP sockets (capped by the kernel's rmem_max), for clients with many calls in flight. */
  udpRecvBufferSize?: number;
  /** Default credentials of every call (AUTH_NONE when absent); CallOptions.authSys overrides. */
  authSys?: AuthSys;
  logger?: RpcLogger;
}

interface Destination {
  address: string;
  port: number;
  family: 4 | 6;
}

interface Pending {
  xid: number;
  def: ProgramDef;
  procName: string;
  res: XdrCodec<unknown>;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  deadline: number;
  interval: number;
  /** The encoded call, kept for UDP retransmissions. */
  msg: Buffer;
  dest: Destination;
  socket: dgram.Socket | null;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
}

const RETRY_BIND = new Set(['EADDRINUSE', 'EACCES']);

/**
 * An ONC RPC v2 client (RFC 5531) over UDP or TCP, IPv4 or IPv6. Calls are matched to replies
 * by xid, so many can be in flight. UDP calls are retransmitted with the same xid, the interval
 * doubling up to a cap, until the timeout; a TCP client connects on the first call and again on
 * the next call after the connection drops.
 */
export class RpcClient {
  readonly transport: Transport;
  private readonly opts: RpcClientOptions;
  private readonly pending = new Map<number, Pending>();
  private readonly writer = new XdrWriter(512);
  private readonly log: RpcLogger;
  private readonly timeoutMs: number;
  private readonly retransmitMs: number;
  private readonly maxRetransmitMs: number;
  private readonly defaultCred: OpaqueAuth;
  private xid: number;
  private closed = false;
  private dest: Destination | null = null;
  private destResolving: Promise<Destination> | null = null;
  private readonly udpSockets: { 4: dgram.Socket | null; 6: dgram.Socket | null } = { 4: null, 6: null };
  private readonly udpBinding: { 4: Promise<dgram.Socket> | null; 6: Promise<dgram.Socket> | null } = {
    4: null,
    6: null,
  };
  private tcpSocket: net.Socket | null = null;
  private tcpConnecting: Promise<net.Socket> | null = null;

  constructor(opts: RpcClientOptions) {
    this.opts = opts;
    this.transport = opts.transport ?? 'udp';
    this.log = opts.logger ?? defaultLogger;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retransmitMs = Math.max(1, opts.retransmitMs ?? 1000);
    this.maxRetransmitMs = Math.max(this.retransmitMs, opts.maxRetransmitMs ?? 8000);
    this.defaultCred = opts.authSys === undefined ? AUTH_NONE : authSysCredential(opts.authSys);
    this.xid = randomBytes(4).readUInt32BE(0);
  }

  /** Number of calls waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The local port of the client's socket (UDP: the socket of the default destination's family), once bound. */
  get localPort(): number | undefined {
    if (this.transport === 'tcp') return this.tcpSocket?.localPort;
    const s = this.udpSockets[this.dest?.family ?? 4] ?? this.udpSockets[4] ?? this.udpSockets[6];
    return s === null ? undefined : s.address().port;
  }

  /** Calls procedure `proc` of program version `def`; resolves to its decoded result. */
  call<P extends ProgramDef, K extends keyof P['procs'] & string>(
    def: P,
    proc: K,
    args: ArgsOf<P['procs'][K]>,
    opts: CallOptions = {},
  ): Promise<ResOf<P['procs'][K]>> {
    return new Promise((resolve, reject) => {
      const pd = def.procs[proc];
      if (pd === undefined) {
        reject(new TypeError(`${def.name} has no procedure ${proc}`));
        return;
      }
      if (this.closed) {
        reject(new RpcError('ERR_RPC_CONNECTION', 'the client is closed'));
        return;
      }
      const signal = opts.signal;
      if (signal?.aborted) {
        reject(new RpcError('ERR_RPC_ABORTED', `${def.name}.${proc}: aborted`, { cause: signal.reason }));
        return;
      }
      const xid = this.nextXid();
      const tcp = this.transport === 'tcp';
      const w = this.writer;
      let msg: Buffer;
      try {
        w.reset();
        const mark = tcp ? beginRecord(w) : 0;
        const cred = opts.authSys === undefined ? this.defaultCred : authSysCredential(opts.authSys);
        encodeCallHeader(w, { xid, prog: def.prog, vers: def.vers, proc: pd.proc, cred });
        pd.args.encode(w, args);
        if (tcp) endRecord(w, mark);
        msg = w.toBuffer();
      } catch (err) {
        reject(err as Error);
        return;
      }
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const p: Pending = {
        xid,
        def,
        procName: proc,
        res: pd.res,
        resolve,
        reject,
        timer: null,
        deadline: Date.now() + timeoutMs,
        interval: this.retransmitMs,
        msg,
        dest: this.dest as Destination,
        socket: null,
        signal,
        onAbort: null,
      };
      this.track(p, timeoutMs);
      if (tcp) {
        if (opts.to !== undefined) {
          this.fail(p, new TypeError('CallOptions.to is only for UDP clients'));
          return;
        }
        this.sendTcp(p);
      } else {
        this.sendUdp(p, opts.to);
      }
    });
  }

  /** A typed object with one method per procedure of `def`: `sm.SM_STAT({ mon_name })`. */
  bind<P extends ProgramDef>(def: P): BoundProgram<P> {
    const out: Record<string, (args: unknown, opts?: CallOptions) => Promise<unknown>> = {};
    for (const name of Object.keys(def.procs)) {
      out[name] = (args, opts) => this.call(def, name as keyof P['procs'] & string, args as never, opts);
    }
    return out as BoundProgram<P>;
  }

  /** Closes the sockets; calls still waiting reject with ERR_RPC_CONNECTION. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) {
      this.fail(p, new RpcError('ERR_RPC_CONNECTION', 'the client was closed'));
    }
    const waits: Promise<void>[] = [];
    for (const fam of [4, 6] as const) {
      const s = this.udpSockets[fam];
      this.udpSockets[fam] = null;
      if (s !== null) waits.push(new Promise((resolve) => s.close(() => resolve())));
    }
    const t = this.tcpSocket;
    this.tcpSocket = null;
    if (t !== null && !t.destroyed) {
      waits.push(new Promise((resolve) => t.once('close', () => resolve())));
      t.destroy();
    }
    await Promise.all(waits);
  }

  // ---- bookkeeping ----

  private nextXid(): number {
    do {
      this.xid = (this.xid + 1) >>> 0;
    } while (this.pending.has(this.xid));
    return this.xid;
  }

  private track(p: Pending, timeoutMs: number): void {
    if (this.pending.size === 0) this.refSockets(true);
    this.pending.set(p.xid, p);
    const first = this.transport === 'udp' ? Math.min(p.interval, timeoutMs) : timeoutMs;
    p.timer = setTimeout(RpcClient.onTimer, Math.max(0, first), this, p);
    p.timer.unref();
    const signal = p.signal;
    if (signal !== undefined) {
      p.onAbort = () =>
        this.fail(
          p,
          new RpcError('ERR_RPC_ABORTED', `${p.def.name}.${p.procName}: aborted`, { cause: signal.reason }),
        );
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
  }

  /** Timer of a pending call: retransmit (UDP) or time out. Static, so no closure per call. */
  private static onTimer(client: RpcClient, p: Pending): void {
    client.tick(p);
  }

  private tick(p: Pending): void {
    if (this.pending.get(p.xid) !== p) return;
    const left = p.deadline - Date.now();
    if (left <= 0 || this.transport === 'tcp') {
      this.fail(
        p,
        new RpcError('ERR_RPC_TIMEOUT', `${p.def.name}.${p.procName}: no reply from ${describe(p.dest)}`),
      );
      return;
    }
    if (p.socket !== null) this.transmit(p);
    p.interval = Math.min(p.interval * 2, this.maxRetransmitMs);
    p.timer = setTimeout(RpcClient.onTimer, Math.min(p.interval, left), this, p);
    p.timer.unref();
  }

  private settle(p: Pending): boolean {
    if (this.pending.get(p.xid) !== p) return false;
    this.pending.delete(p.xid);
    if (p.timer !== null) clearTimeout(p.timer);
    if (p.onAbort !== null) p.signal!.removeEventListener('abort', p.onAbort);
    if (this.pending.size === 0) this.refSockets(false);
    return true;
  }

  private fail(p: Pending, err: Error): void {
    if (this.settle(p)) p.reject(err);
  }

  private refSockets(ref: boolean): void {
    for (const s of [this.udpSockets[4], this.udpSockets[6]]) {
      if (s !== null) ref ? s.ref() : s.unref();
    }
    const t = this.tcpSocket;
    if (t !== null) ref ? t.ref() : t.unref();
  }

  // ---- destinations ----

  private destination(to: { host: string; port: number } | undefined): Destination | Promise<Destination> {
    if (to === undefined) {
      if (this.dest !== null) return this.dest;
      if (this.destResolving === null) {
        this.destResolving = resolveDestination(this.opts.host, this.opts.port).then((d) => {
          this.dest = d;
          return d;
        });
        this.destResolving.catch(() => {
          this.destResolving = null;
        });
      }
      return this.destResolving;
    }
    return resolveDestination(to.host, to.port);
  }

  // ---- UDP ----

  private sendUdp(p: Pending, to: { host: string; port: number } | undefined): void {
    const d = this.destination(to);
    if (!(d instanceof Promise)) {
      p.dest = d;
      const s = this.udpSockets[d.family];
      if (s !== null) {
        p.socket = s;
        this.transmit(p);
        return;
      }
    }
    Promise.resolve(d)
      .then((dest) => {
        p.dest = dest;
        return this.udpSocket(dest.family);
      })
      .then(
        (s) => {
          if (this.pending.get(p.xid) !== p) return;
          p.socket = s;
          this.transmit(p);
        },
        (err) =>
          this.fail(p, new RpcError('ERR_RPC_CONNECTION', `cannot send: ${err.message}`, { cause: err })),
      );
  }

  private transmit(p: Pending): void {
    p.socket!.send(p.msg, p.dest.port, p.dest.address, (err) => {
      if (err) {
        this.fail(
          p,
          new RpcError('ERR_RPC_CONNECTION', `cannot send to ${describe(p.dest)}: ${err.message}`, {
            cause: err,
          }),
        );
      }
    });
  }

  private udpSocket(family: 4 | 6): Promise<dgram.Socket> {
    const have = this.udpSockets[family];
    if (have !== null) return Promise.resolve(have);
    let binding = this.udpBinding[family];
    if (binding === null) {
      binding = this.bindUdpSocket(family).then(
        (s) => {
          this.udpBinding[family] = null;
          if (this.closed) {
            s.close();
            throw new RpcError('ERR_RPC_CONNECTION', 'the client is closed');
          }
          this.udpSockets[family] = s;
          if (this.pending.size === 0) s.unref();
          s.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
          s.on('error', (err) => this.log.warn('UDP client socket error', err));
          return s;
        },
        (err) => {
          this.udpBinding[family] = null;
          throw err;
        },
      );
      this.udpBinding[family] = binding;
    }
    return binding;
  }

  private async bindUdpSocket(family: 4 | 6): Promise<dgram.Socket> {
    const type = family === 6 ? 'udp6' : 'udp4';
    const address = this.opts.localAddress ?? (family === 6 ? '::' : '0.0.0.0');
    for (const port of this.localPorts()) {
      // Destinations are resolved to IP literals up front, so sends skip dns.lookup.
      const s = dgram.createSocket({
        type,
        ipv6Only: family === 6,
        lookup: literalLookup,
        ...(this.opts.udpRecvBufferSize ? { recvBufferSize: this.opts.udpRecvBufferSize } : {}),
      });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind({ address, port, exclusive: true }, () => {
            s.off('error', reject);
            resolve();
          });
        });
        return s;
      } catch (err) {
        try {
          s.close();
        } catch {
          // already closed
        }
        if (!RETRY_BIND.has((err as NodeJS.ErrnoException).code ?? '') || port === 0) throw err;
      }
    }
    throw new RpcError('ERR_RPC_CONNECTION', 'no free privileged port to bind');
  }

  private *localPorts(): Iterable<number> {
    if (this.opts.localPort !== undefined) {
      yield this.opts.localPort;
      return;
    }
    if (this.opts.privileged) {
      yield* (this.opts.choosePort ?? defaultReservedPorts)();
      return;
    }
    yield 0;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const p = this.pending.get(peekXid(msg));
    if (p === undefined) return;
    // Only the destination may answer: a reply from elsewhere is ignored (it may be spoofed).
    if (rinfo.port !== p.dest.port || normalizeAddress(rinfo.address) !== p.dest.address) return;
    let dec: DecodedReply;
    try {
      dec = decodeReplyHeader(msg);
    } catch (err) {
      this.log.debug(`ignoring a malformed reply from ${rinfo.address}:${rinfo.port}`, err);
      return;
    }
    this.complete(p, msg, dec);
  }

  // ---- TCP ----

  private sendTcp(p: Pending): void {
    const s = this.tcpSocket;
    if (s !== null && !s.destroyed) {
      s.write(p.msg);
      return;
    }
    this.connectTcp().then(
      (sock) => {
        if (this.pending.get(p.xid) === p) sock.write(p.msg);
      },
      (err: Error) =>
        this.fail(
          p,
          err instanceof RpcError
            ? err
            : new RpcError('ERR_RPC_CONNECTION', `cannot connect: ${err.message}`, { cause: err }),
        ),
    );
  }

  private connectTcp(): Promise<net.Socket> {
    if (this.tcpConnecting !== null) return this.tcpConnecting;
    const connecting = (async () => {
      const dest = await this.destination(undefined);
      for (const port of this.localPorts()) {
        try {
          return await this.tryConnect(dest, port);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          if (port === 0 || !RETRY_BIND.has(code) || this.opts.localPort !== undefined) {
            throw new RpcError(
              'ERR_RPC_CONNECTION',
              `cannot connect to ${describe(dest)}: ${(err as Error).message}`,
              {
                cause: err,
              },
            );
          }
        }
      }
      throw new RpcError('ERR_RPC_CONNECTION', 'no free privileged port to bind');
    })();
    this.tcpConnecting = connecting;
    connecting.then(
      (s) => {
        this.tcpConnecting = null;
        if (this.closed) {
          s.destroy();
          return;
        }
        this.tcpSocket = s;
        if (this.pending.size === 0) s.unref();
      },
      () => {
        this.tcpConnecting = null;
      },
    );
    return connecting;
  }

  private tryConnect(dest: Destination, localPort: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const opts: net.TcpNetConnectOpts = { host: dest.address, port: dest.port, noDelay: true };
      if (localPort !== 0) opts.localPort = localPort;
      if (this.opts.localAddress !== undefined) opts.localAddress = this.opts.localAddress;
      else if (localPort !== 0) opts.localAddress = dest.family === 6 ? '::' : '0.0.0.0';
      const s = net.connect(opts);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        this.attachTcp(s, dest);
        resolve(s);
      });
    });
  }

  private attachTcp(s: net.Socket, dest: Destination): void {
    const reader = new RecordReader((rec) => {
      const p = this.pending.get(peekXid(rec));
      if (p === undefined) return;
      let dec: DecodedReply;
      try {
        dec = decodeReplyHeader(rec);
      } catch (err) {
        this.fail(
          p,
          new RpcError('ERR_RPC_BAD_REPLY', `malformed reply from ${describe(dest)}`, { cause: err }),
        );
        return;
      }
      this.complete(p, rec, dec);
    }, this.opts.maxRecordSize ?? DEFAULT_CLIENT_MAX_RECORD_SIZE);
    let cause: unknown;
    s.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        cause = err;
        s.destroy();
      }
    });
    s.on('error', (err) => {
      cause = err;
    });
    s.on('close', () => {
      if (this.tcpSocket === s) this.tcpSocket = null;
      const err = new RpcError('ERR_RPC_CONNECTION', `connection to ${describe(dest)} closed`, { cause });
      for (const p of [...this.pending.values()]) this.fail(p, err);
    });
  }

  // ---- replies ----

  private complete(p: Pending, msg: Uint8Array, dec: DecodedReply): void {
    const h = dec.header;
    const what = `${p.def.name}.${p.procName}`;
    if (h.replyStat === 0) {
      switch (h.acceptStat) {
        case AcceptStat.SUCCESS: {
          let value: unknown;
          try {
            const r = new XdrReader(msg, dec.bodyOffset);
            value = p.res.decode(r);
            r.finish();
          } catch (err) {
            this.fail(p, new RpcError('ERR_RPC_BAD_REPLY', `${what}: undecodable result`, { cause: err }));
            return;
          }
          if (this.settle(p)) p.resolve(value);
          return;
        }
        case AcceptStat.PROG_UNAVAIL:
          this.fail(p, new RpcError('ERR_RPC_PROG_UNAVAIL', `${what}: program ${p.def.prog} unavailable`));
          return;
        case AcceptStat.PROG_MISMATCH:
          this.fail(
            p,
            new RpcError(
              'ERR_RPC_PROG_MISMATCH',
              `${what}: program ${p.def.prog} version ${p.def.vers} unavailable (server has ${h.low}-${h.high})`,
              { low: h.low, high: h.high },
            ),
          );
          return;
        case AcceptStat.PROC_UNAVAIL:
          this.fail(p, new RpcError('ERR_RPC_PROC_UNAVAIL', `${what}: procedure unavailable`));
          return;
        case AcceptStat.GARBAGE_ARGS:
          this.fail(
            p,
            new RpcError('ERR_RPC_GARBAGE_ARGS', `${what}: the server could not decode the arguments`),
          );
          return;
        default:
          this.fail(p, new RpcError('ERR_RPC_SYSTEM_ERR', `${what}: system error on the server`));
          return;
      }
    }
    if (h.rejectStat === 0) {
      this.fail(
        p,
        new RpcError('ERR_RPC_MISMATCH', `${what}: RPC version mismatch (server speaks ${h.low}-${h.high})`, {
          low: h.low,
          high: h.high,
        }),
      );
      return;
    }
    this.fail(
      p,
      new RpcError('ERR_RPC_AUTH', `${what}: authentication error (auth_stat ${h.authStat})`, {
        authStat: h.authStat,
      }),
    );
  }
}

function describe(d: Destination | null): string {
  if (d === null) return 'server';
  return d.family === 6 ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}

async function resolveDestination(host: string, port: number): Promise<Destination> {
  let address = normalizeAddress(host);
  let family = net.isIP(address);
  if (family === 0) {
    const r = await lookup(host);
    address = normalizeAddress(r.address);
    family = net.isIP(address);
  }
  return { address, port, family: family as 4 | 6 };
}

/** Creates an RPC client for one server (UDP calls may go elsewhere with CallOptions.to). */
export function createClient(opts: RpcClientOptions): RpcClient {
  return new RpcClient(opts);
}
