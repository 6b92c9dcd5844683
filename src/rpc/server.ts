import * as dc from 'node:diagnostics_channel';
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import { xdrVoid } from '../xdr/codec.js';
import type { ProcedureDef, ProgramDef } from '../xdr/program.js';
import { XdrReader } from '../xdr/reader.js';
import { XdrWriter } from '../xdr/writer.js';
import { isLoopback, isPrivilegedPort, normalizeAddress } from './address.js';
import { AUTH_NONE, AuthFlavor, AuthStat, decodeAuthSysBody } from './auth.js';
import { type DrcOptions, DuplicateRequestCache } from './drc.js';
import { defaultLogger, type RpcLogger } from './logger.js';
import {
  AcceptStat,
  type DecodedCall,
  decodeCallHeader,
  encodeReplyHeader,
  RejectStat,
  RPC_VERSION,
} from './message.js';
import { LAST_FRAGMENT, RecordReader } from './record.js';
import { type AuthSys, type Caller, type Handler, type Handlers, NO_REPLY, type Transport } from './types.js';
import { bindDgramUdp } from './udp-dgram.js';
import { bindNativeUdp, nativeUdp } from './udp-native.js';
import type { UdpBindOptions, UdpTransport, UdpTransportChoice, UdpTransportKind } from './udp-transport.js';

/** Default largest call record accepted over TCP: NSM, NLM and rpcbind calls are far smaller. */
export const DEFAULT_MAX_RECORD_SIZE = 64 * 1024;

/** Options of an RpcServer. */
export interface RpcServerOptions {
  /** Largest TCP call record, in bytes (RFC 5531 §11); bigger ones close the connection. Default 64 KiB. */
  maxRecordSize?: number;
  /**
   * Most TCP connections open at once over all listeners, counted apart for loopback and for other
   * callers so that remote callers cannot lock out the local lock manager; more are closed at once.
   * Default 256 of each.
   */
  maxConnections?: number;
  /** Most TCP connections open at once from one non-loopback address. Default 32. */
  maxConnectionsPerAddress?: number;
  /**
   * Largest reply to a UDP call from a non-loopback source, as a multiple of the call's size: a
   * forged source address must not turn a small datagram into a big one aimed at a victim.
   * Bigger replies are dropped (the caller can use TCP). Default 4; 0 turns the check off.
   */
  maxUdpAmplification?: number;
  /** A TCP connection with no traffic and no call running for this long is closed. Default 120 000 ms. */
  idleTimeoutMs?: number;
  /** A TCP connection stuck in the middle of a record for this long is closed. Default 10 000 ms. */
  recordTimeoutMs?: number;
  /**
   * Most calls whose (asynchronous) handlers may run at once. Beyond it UDP calls are dropped (the
   * client retransmits) and TCP connections are not read until calls finish. Default 1024.
   */
  maxRunningCalls?: number;
  /** UDP duplicate request cache; false turns it off. */
  drc?: DrcOptions | false;
  /** SO_RCVBUF for UDP sockets (capped by the kernel's rmem_max). */
  udpRecvBufferSize?: number;
  logger?: RpcLogger;
}

/** Where to listen. */
export interface ListenOptions {
  /** Address to bind; default `::` (dual-stack), falling back to `0.0.0.0` without IPv6. */
  host?: string;
  /** Port; 0 (default) picks an ephemeral one. */
  port?: number;
  /**
   * UDP only: 'native' reads and answers datagrams in batches through the native addon
   * (recvmmsg/sendmmsg), 'dgram' uses node:dgram, 'auto' (default) the addon when it is built.
   * Without this option the environment variable NSMD_UDP (auto, native, dgram) decides.
   */
  udpTransport?: UdpTransportChoice;
}

/** A UDP listener of a server and what carries it. */
export interface UdpListenerInfo {
  address: string;
  port: number;
  transport: UdpTransportKind;
}

/** Counters of what a server has seen, for observability. */
export interface RpcServerStats {
  /** Well-formed call headers received. */
  calls: number;
  /** Replies sent, cached replies to retransmissions included. */
  replies: number;
  /** Calls answered GARBAGE_ARGS plus messages dropped as malformed. */
  garbage: number;
  /** Messages not answered: malformed, retransmissions of calls still running, NO_REPLY. */
  dropped: number;
  /** Calls answered SYSTEM_ERR. */
  systemErrors: number;
  /** Retransmissions answered from the duplicate request cache. */
  drcHits: number;
  /** TCP connections open now. */
  connections: number;
  /** TCP connections accepted since start. */
  connectionsTotal: number;
  /** TCP connections closed at once because maxConnections or maxConnectionsPerAddress were open. */
  connectionsRefused: number;
  /** UDP replies to non-loopback callers not sent because they exceeded maxUdpAmplification. */
  amplificationDropped: number;
  /**
   * UDP replies the kernel would not take (full socket buffer) and that were dropped, as UDP may;
   * counted on the native UDP path (node:dgram does not report them).
   */
  udpSendErrors: number;
}

/** Message published on the `nsmd:rpc:call` diagnostics channel for each dispatched call. */
export interface RpcCallMessage {
  caller: Caller;
  prog: number;
  vers: number;
  proc: number;
  procName: string;
}

const callChannel = dc.channel('nsmd:rpc:call');

interface ProcEntry {
  def: ProcedureDef;
  handler: Handler<any, any>;
  voidArgs: boolean;
  voidRes: boolean;
  /** Procedure 0, void to void: the NULL procedure, which has no effects. */
  isNull: boolean;
  /** The NULL procedure answered by the server itself (no handler given). */
  builtinNull: boolean;
}

interface ProgEntry {
  versions: Map<number, Map<number, ProcEntry>>;
  low: number;
  high: number;
}

/** What a call arrived on: a UDP socket or a TCP connection. */
interface Endpoint {
  transport: Transport;
  framed: boolean;
  localAddress: string;
  localPort: number;
}

interface UdpEndpoint extends Endpoint {
  io: UdpTransport;
  closed: boolean;
  // One-entry memo of the last source address seen, so a busy peer costs no string work.
  lastRaw: string;
  lastAddress: string;
  lastFamily: 4 | 6;
  lastLoopback: boolean;
}

interface Connection extends Endpoint {
  socket: net.Socket;
  reader: RecordReader;
  address: string;
  port: number;
  family: 4 | 6;
  loopback: boolean;
  lastActivity: number;
  running: number;
  /** Reading paused because too many calls are running; records already read wait in backlog. */
  held: boolean;
  backlog: Uint8Array[];
  corked: boolean;
  closed: boolean;
}

type ReplyOut = Uint8Array | null | Promise<Uint8Array | null>;

/** Above this many bytes queued on a TCP connection, reading from it pauses until it drains. */
const TCP_WRITE_HIGH_WATER = 1 << 20;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

// A void SUCCESS reply (RFC 5531 §9) with its record mark; only the xid (offset 4) changes.
const VOID_SUCCESS = Buffer.from(
  [
    '80000018', // record mark: last fragment, 24 bytes
    '00000000', // xid
    '00000001', // REPLY
    '00000000', // MSG_ACCEPTED
    '0000000000000000', // verf AUTH_NONE, length 0
    '00000000', // SUCCESS
  ].join(''),
  'hex',
);

/** A void SUCCESS reply copied from a template into a fresh buffer: the hot path of NULL calls. */
function voidSuccess(xid: number, framed: boolean): Buffer {
  const b = Buffer.allocUnsafe(framed ? 28 : 24);
  b.set(framed ? VOID_SUCCESS : VOID_SUCCESS.subarray(4));
  b.writeUInt32BE(xid, framed ? 4 : 0);
  return b;
}

/**
 * An ONC RPC v2 server (RFC 5531): many programs and versions on the same sockets, UDP and TCP,
 * IPv4 and IPv6. Bad input never stops it: undecodable arguments answer GARBAGE_ARGS, a handler
 * that throws answers SYSTEM_ERR (and is logged), a broken TCP stream closes that connection only.
 * Caller.localAddress is the address the socket is bound to: on a wildcard UDP listener ('::')
 * that is '::', since Node gives no per-datagram destination address.
 */
export class RpcServer {
  /** Counters of what the server has seen. */
  readonly stats: RpcServerStats = {
    calls: 0,
    replies: 0,
    garbage: 0,
    dropped: 0,
    systemErrors: 0,
    drcHits: 0,
    connections: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    amplificationDropped: 0,
    udpSendErrors: 0,
  };
  private readonly programs = new Map<number, ProgEntry>();
  private readonly udp: UdpEndpoint[] = [];
  private readonly tcp: net.Server[] = [];
  private readonly conns = new Set<Connection>();
  private readonly drc: DuplicateRequestCache | null;
  private readonly writer = new XdrWriter(1024);
  private readonly log: RpcLogger;
  private readonly maxRecordSize: number;
  private readonly maxConnections: number;
  private readonly maxConnectionsPerAddress: number;
  private readonly maxUdpAmplification: number;
  /** Open non-loopback connections by address, and open loopback connections. */
  private readonly remoteConns = new Map<string, number>();
  private remoteConnCount = 0;
  private loopbackConnCount = 0;
  private amplificationLoggedAt = Number.NEGATIVE_INFINITY;
  private readonly idleTimeoutMs: number;
  private readonly recordTimeoutMs: number;
  private readonly udpRecvBufferSize: number | undefined;
  private readonly maxRunningCalls: number;
  private running = 0;
  private readonly held = new Set<Connection>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(opts: RpcServerOptions = {}) {
    this.log = opts.logger ?? defaultLogger;
    this.maxRecordSize = opts.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    this.maxConnections = opts.maxConnections ?? 256;
    this.maxConnectionsPerAddress = opts.maxConnectionsPerAddress ?? 32;
    this.maxUdpAmplification = opts.maxUdpAmplification ?? 4;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 120_000;
    this.recordTimeoutMs = opts.recordTimeoutMs ?? 10_000;
    this.udpRecvBufferSize = opts.udpRecvBufferSize;
    this.maxRunningCalls = Math.max(1, opts.maxRunningCalls ?? 1024);
    this.drc = opts.drc === false ? null : new DuplicateRequestCache(opts.drc ?? {});
  }

  /**
   * Serves one version of a program. Procedures without a handler answer PROC_UNAVAIL, except a
   * void-to-void procedure 0, which answers as the NULL procedure (RFC 5531 §12) when not given.
   */
  addProgram<P extends ProgramDef>(def: P, handlers: Handlers<P>): this {
    let prog = this.programs.get(def.prog);
    if (prog === undefined) {
      prog = { versions: new Map(), low: def.vers, high: def.vers };
      this.programs.set(def.prog, prog);
    }
    if (prog.versions.has(def.vers))
      throw new Error(`program ${def.prog} version ${def.vers} is already served`);
    const procs = new Map<number, ProcEntry>();
    const given = handlers as Record<string, Handler<any, any> | undefined>;
    for (const [name, p] of Object.entries(def.procs)) {
      let handler = given[name];
      const voidArgs = p.args === xdrVoid;
      const voidRes = p.res === xdrVoid;
      const isNull = p.proc === 0 && voidArgs && voidRes;
      const builtinNull = isNull && handler === undefined;
      if (builtinNull) handler = () => undefined;
      if (handler !== undefined)
        procs.set(p.proc, { def: p, handler, voidArgs, voidRes, isNull, builtinNull });
    }
    for (const name of Object.keys(given)) {
      if (!(name in def.procs)) throw new Error(`${def.name}: no procedure named ${name}`);
    }
    prog.versions.set(def.vers, procs);
    prog.low = Math.min(prog.low, def.vers);
    prog.high = Math.max(prog.high, def.vers);
    return this;
  }

  /** Listens on UDP; resolves to the bound port. Several listeners are allowed. */
  async listenUdp(opts: ListenOptions = {}): Promise<number> {
    const port = opts.port ?? 0;
    const kind = udpTransportKind(opts.udpTransport);
    // The endpoint exists before its socket, which delivers to it from the moment it is bound.
    const ep: UdpEndpoint = {
      transport: 'udp',
      framed: false,
      localAddress: '',
      localPort: 0,
      io: undefined as unknown as UdpTransport,
      closed: false,
      lastRaw: '',
      lastAddress: '',
      lastFamily: 4,
      lastLoopback: false,
    };
    const bind = (type: 'udp4' | 'udp6', host: string): Promise<UdpTransport> => {
      const o: UdpBindOptions = {
        type,
        host,
        port,
        receive: (msg, address, from, transient) => this.onDatagram(ep, msg, address, from, transient),
        onSendErrors: (n) => {
          this.stats.udpSendErrors += n;
        },
        onError: (err) => this.log.warn('UDP socket error', err),
      };
      return kind === 'native' ? bindNativeUdp(o) : bindDgramUdp(o);
    };
    let io: UdpTransport;
    if (opts.host === undefined) {
      try {
        io = await bind('udp6', '::');
      } catch (err) {
        if (!ipv6Unavailable(err)) throw err;
        io = await bind('udp4', '0.0.0.0');
      }
    } else {
      const host = await resolveHost(opts.host);
      io = await bind(net.isIP(host) === 6 ? 'udp6' : 'udp4', host);
    }
    if (this.udpRecvBufferSize !== undefined) {
      try {
        io.setRecvBufferSize(this.udpRecvBufferSize);
      } catch (err) {
        this.log.warn('cannot set the UDP receive buffer size', err);
      }
    }
    ep.io = io;
    ep.localAddress = normalizeAddress(io.address);
    ep.localPort = io.port;
    this.udp.push(ep);
    this.log.debug(`listening on UDP ${io.address} port ${io.port} through ${io.kind}`);
    return io.port;
  }

  /** The UDP listeners open now, and which transport carries each. */
  udpListeners(): UdpListenerInfo[] {
    return this.udp.map((ep) => ({ address: ep.localAddress, port: ep.localPort, transport: ep.io.kind }));
  }

  /** Listens on TCP; resolves to the bound port. Several listeners are allowed. */
  async listenTcp(opts: ListenOptions = {}): Promise<number> {
    const port = opts.port ?? 0;
    let srv: net.Server;
    if (opts.host === undefined) {
      try {
        srv = await this.bindTcp('::', port, false);
      } catch (err) {
        if (!ipv6Unavailable(err)) throw err;
        srv = await this.bindTcp('0.0.0.0', port, false);
      }
    } else {
      srv = await this.bindTcp(await resolveHost(opts.host), port, true);
    }
    this.tcp.push(srv);
    this.startSweeper();
    return (srv.address() as net.AddressInfo).port;
  }

  private bindTcp(host: string, port: number, explicit: boolean): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (s) => this.onConnection(s));
      srv.once('error', reject);
      const ipv6Only = explicit || host !== '::' ? undefined : false;
      srv.listen({ host, port, ipv6Only, backlog: 511 }, () => {
        srv.off('error', reject);
        srv.on('error', (err) => this.log.warn('TCP listener error', err));
        resolve(srv);
      });
    });
  }

  /** Stops listening, closes every connection; resolves when all sockets are closed. */
  async close(): Promise<void> {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    const waits: Promise<void>[] = [];
    for (const ep of this.udp.splice(0)) {
      ep.closed = true;
      waits.push(ep.io.close());
    }
    for (const srv of this.tcp.splice(0)) {
      waits.push(new Promise((resolve) => srv.close(() => resolve())));
    }
    for (const c of this.conns) {
      if (!c.closed) waits.push(new Promise((resolve) => c.socket.once('close', () => resolve())));
      c.socket.destroy();
    }
    this.drc?.clear();
    await Promise.all(waits);
  }

  // ---- UDP ----

  /**
   * One datagram from `address` (as the socket spells it) and `port`; returns the reply to send at
   * once. A transient msg is only valid during the call.
   */
  private onDatagram(
    ep: UdpEndpoint,
    msg: Uint8Array,
    rawAddress: string,
    port: number,
    transient: boolean,
  ): Uint8Array | null {
    try {
      if (this.running >= this.maxRunningCalls) {
        this.stats.dropped++;
        return null;
      }
      if (rawAddress !== ep.lastRaw) {
        ep.lastRaw = rawAddress;
        ep.lastAddress = normalizeAddress(rawAddress);
        ep.lastFamily = familyOf(ep.lastAddress);
        ep.lastLoopback = isLoopback(ep.lastAddress);
      }
      const out = this.process(msg, ep, ep.lastAddress, port, ep.lastFamily, ep.lastLoopback, transient);
      if (out === null) return null;
      if (out instanceof Uint8Array) {
        if (this.amplifies(out, msg, ep.lastLoopback, ep.lastAddress)) return null;
        this.stats.replies++;
        return out;
      }
      const loopback = ep.lastLoopback;
      const address = ep.lastAddress;
      const callSize = msg.length;
      this.running++;
      out
        .then((reply) => {
          this.callFinished();
          // The server may have been closed while the handler ran.
          if (reply === null || ep.closed) return;
          if (this.amplifies(reply, callSize, loopback, address)) return;
          this.stats.replies++;
          ep.io.send(reply, rawAddress, port);
        })
        .catch((err) => this.log.error('unexpected error answering a UDP call', err));
    } catch (err) {
      this.log.error('unexpected error on a UDP datagram', err);
    }
    return null;
  }

  /** True (and counted, logged at most once a minute) when a UDP reply is too big to send. */
  private amplifies(
    reply: Uint8Array,
    call: Uint8Array | number,
    loopback: boolean,
    address: string,
  ): boolean {
    if (loopback || this.maxUdpAmplification <= 0) return false;
    const callSize = typeof call === 'number' ? call : call.length;
    if (reply.length <= callSize * this.maxUdpAmplification) return false;
    this.stats.amplificationDropped++;
    const now = Date.now();
    if (now - this.amplificationLoggedAt >= 60_000) {
      this.amplificationLoggedAt = now;
      this.log.warn(
        `not sending a ${reply.length}-byte UDP reply to a ${callSize}-byte call from ${address}: ` +
          `over ${this.maxUdpAmplification}x its size (use TCP); ${this.stats.amplificationDropped} so far`,
      );
    }
    return true;
  }

  // ---- TCP ----

  private onConnection(socket: net.Socket): void {
    socket.on('error', (err) => this.log.debug('TCP connection error', err));
    if (socket.remoteAddress === undefined || socket.localAddress === undefined) {
      socket.destroy();
      return;
    }
    const address = normalizeAddress(socket.remoteAddress);
    const loopback = isLoopback(address);
    const fromAddress = loopback ? 0 : (this.remoteConns.get(address) ?? 0);
    if (
      (loopback && this.loopbackConnCount >= this.maxConnections) ||
      (!loopback &&
        (this.remoteConnCount >= this.maxConnections || fromAddress >= this.maxConnectionsPerAddress))
    ) {
      this.stats.connectionsRefused++;
      socket.destroy();
      return;
    }
    if (loopback) this.loopbackConnCount++;
    else {
      this.remoteConnCount++;
      this.remoteConns.set(address, fromAddress + 1);
    }
    const conn: Connection = {
      transport: 'tcp',
      framed: true,
      localAddress: normalizeAddress(socket.localAddress),
      localPort: socket.localPort ?? 0,
      socket,
      reader: undefined as unknown as RecordReader,
      address,
      port: socket.remotePort ?? 0,
      family: familyOf(address),
      loopback,
      lastActivity: Date.now(),
      running: 0,
      held: false,
      backlog: [],
      corked: false,
      closed: false,
    };
    conn.reader = new RecordReader((rec) => this.onRecord(conn, rec), this.maxRecordSize);
    this.conns.add(conn);
    this.stats.connections++;
    this.stats.connectionsTotal++;
    socket.on('data', (chunk: Buffer) => {
      conn.lastActivity = Date.now();
      try {
        conn.reader.push(chunk);
      } catch (err) {
        this.log.debug(`closing TCP connection from ${conn.address}:${conn.port}`, err);
        this.stats.dropped++;
        socket.destroy();
      }
    });
    socket.on('close', () => {
      conn.closed = true;
      this.held.delete(conn);
      if (this.conns.delete(conn)) this.stats.connections--;
      if (loopback) this.loopbackConnCount--;
      else {
        this.remoteConnCount--;
        const n = (this.remoteConns.get(address) ?? 1) - 1;
        if (n > 0) this.remoteConns.set(address, n);
        else this.remoteConns.delete(address);
      }
    });
  }

  private onRecord(conn: Connection, rec: Uint8Array): void {
    if (conn.closed) return;
    if (conn.held) {
      conn.backlog.push(rec);
      return;
    }
    this.dispatchRecord(conn, rec);
  }

  private dispatchRecord(conn: Connection, rec: Uint8Array): void {
    const out = this.process(rec, conn, conn.address, conn.port, conn.family, conn.loopback);
    if (out === null) return;
    if (out instanceof Uint8Array) {
      this.writeReply(conn, out);
      return;
    }
    conn.running++;
    if (++this.running >= this.maxRunningCalls) this.hold(conn);
    out
      .then((reply) => {
        conn.running--;
        this.callFinished();
        if (reply !== null) this.writeReply(conn, reply);
      })
      .catch((err) => this.log.error('unexpected error answering a TCP call', err));
  }

  private writeReply(conn: Connection, reply: Uint8Array): void {
    if (conn.closed || conn.socket.destroyed) return;
    this.stats.replies++;
    const s = conn.socket;
    // Replies produced in the same tick (pipelined calls) go out in one write.
    if (!conn.corked) {
      conn.corked = true;
      s.cork();
      process.nextTick(uncork, conn);
    }
    s.write(reply);
    if (s.writableLength > TCP_WRITE_HIGH_WATER && !s.isPaused()) {
      s.pause();
      s.once('drain', () => {
        if (!conn.held) s.resume();
      });
    }
  }

  private hold(conn: Connection): void {
    if (conn.held) return;
    conn.held = true;
    this.held.add(conn);
    conn.socket.pause();
  }

  private callFinished(): void {
    this.running--;
    if (this.held.size === 0 || this.running >= this.maxRunningCalls) return;
    const waiting = [...this.held];
    this.held.clear();
    for (const c of waiting) {
      if (c.closed) continue;
      if (this.running >= this.maxRunningCalls) {
        this.held.add(c);
        continue;
      }
      c.held = false;
      while (c.backlog.length > 0 && !c.held && !c.closed) this.dispatchRecord(c, c.backlog.shift()!);
      if (!c.held && !c.closed && c.socket.writableLength <= TCP_WRITE_HIGH_WATER) c.socket.resume();
    }
  }

  private startSweeper(): void {
    if (this.sweeper !== null) return;
    const every = Math.min(
      1000,
      Math.max(10, Math.floor(Math.min(this.idleTimeoutMs, this.recordTimeoutMs) / 4)),
    );
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns) {
      const quiet = now - c.lastActivity;
      if (c.held) continue; // not read on purpose, so neither idle nor stalled
      if (c.reader.inRecord) {
        if (quiet > this.recordTimeoutMs) {
          this.log.debug(`closing TCP connection from ${c.address}:${c.port}: record stalled`);
          c.socket.destroy();
        }
      } else if (c.running === 0 && quiet > this.idleTimeoutMs) {
        this.log.debug(`closing idle TCP connection from ${c.address}:${c.port}`);
        c.socket.destroy();
      }
    }
  }

  // ---- dispatch (transport independent) ----

  /**
   * Handles one call message; returns the reply (record-marked on TCP), null for none, or a promise
   * of either. A transient msg is reused once this returns: it is copied before arguments are
   * decoded, since decoded opaques are views of it and handlers may keep them.
   */
  private process(
    msg: Uint8Array,
    ep: Endpoint,
    address: string,
    port: number,
    family: 4 | 6,
    loopback: boolean,
    transient = false,
  ): ReplyOut {
    const framed = ep.framed;
    let xid: number;
    let progNum: number;
    let vers: number;
    let proc: number;
    let bodyOffset: number;
    let flavor: number = AuthFlavor.AUTH_NONE;
    let authSys: AuthSys | undefined;
    if (
      msg.length >= 40 &&
      readU32(msg, 4) === 0 && // CALL
      readU32(msg, 8) === RPC_VERSION &&
      readU32(msg, 24) === 0 && // cred AUTH_NONE, empty
      readU32(msg, 28) === 0 &&
      readU32(msg, 32) === 0 && // verf AUTH_NONE, empty
      readU32(msg, 36) === 0
    ) {
      // The common case, read in place without building a header object.
      xid = readU32(msg, 0);
      progNum = readU32(msg, 12);
      vers = readU32(msg, 16);
      proc = readU32(msg, 20);
      bodyOffset = 40;
    } else {
      let dec: DecodedCall;
      try {
        dec = decodeCallHeader(msg);
      } catch {
        // RFC 5531 §9: a call whose fixed header is readable but whose opaque_auth is not gets
        // AUTH_BADCRED; anything less than that (no xid, not a CALL) cannot be answered.
        if (msg.length >= 24 && readU32(msg, 4) === 0 && readU32(msg, 8) === RPC_VERSION) {
          this.stats.calls++;
          return this.authError(readU32(msg, 0), AuthStat.AUTH_BADCRED, framed);
        }
        this.stats.garbage++;
        this.stats.dropped++;
        return null;
      }
      const h = dec.header;
      xid = h.xid;
      if (h.rpcvers !== RPC_VERSION) {
        this.stats.calls++;
        return this.header({ xid, replyStat: 1, rejectStat: 0, low: RPC_VERSION, high: RPC_VERSION }, framed);
      }
      progNum = h.prog;
      vers = h.vers;
      proc = h.proc;
      bodyOffset = dec.bodyOffset;
      flavor = h.cred.flavor;
      if (flavor === AuthFlavor.AUTH_SYS) {
        try {
          authSys = decodeAuthSysBody(h.cred.body);
        } catch {
          this.stats.calls++;
          return this.authError(xid, AuthStat.AUTH_BADCRED, framed);
        }
      } else if (flavor !== AuthFlavor.AUTH_NONE) {
        this.stats.calls++;
        return this.authError(xid, AuthStat.AUTH_BADCRED, framed);
      }
    }
    this.stats.calls++;

    const prog = this.programs.get(progNum);
    if (prog === undefined) return this.accepted(xid, AcceptStat.PROG_UNAVAIL, framed);
    const procs = prog.versions.get(vers);
    if (procs === undefined) {
      return this.header(
        { xid, replyStat: 0, verf: AUTH_NONE, acceptStat: 2, low: prog.low, high: prog.high },
        framed,
      );
    }
    const entry = procs.get(proc);
    if (entry === undefined) return this.accepted(xid, AcceptStat.PROC_UNAVAIL, framed);

    // Only calls that run a procedure with effects are worth caching: NULL has none (RFC 5531 §12),
    // and the rejections above are answered the same way every time.
    let drcKey: string | null = null;
    if (!framed && this.drc !== null && !entry.isNull) {
      const seen = this.drc.lookup(xid, address, port, progNum, vers, proc, msg.subarray(bodyOffset));
      if (seen.state === 'in-progress') {
        this.stats.dropped++;
        return null;
      }
      if (seen.state === 'done') {
        this.stats.drcHits++;
        return seen.reply;
      }
      drcKey = seen.key;
    }

    let args: unknown;
    if (entry.voidArgs) {
      if (bodyOffset !== msg.length) return this.garbageArgs(xid, framed, drcKey);
    } else {
      try {
        const r = new XdrReader(transient ? new Uint8Array(msg) : msg, bodyOffset);
        args = entry.def.args.decode(r);
        r.finish();
      } catch (err) {
        this.log.debug(`GARBAGE_ARGS for ${progNum}/${vers}/${entry.def.name} from ${address}:${port}`, err);
        return this.garbageArgs(xid, framed, drcKey);
      }
    }

    if (entry.builtinNull && !callChannel.hasSubscribers) return voidSuccess(xid, framed);

    const caller: Caller = {
      address,
      port,
      family,
      transport: ep.transport,
      privilegedPort: isPrivilegedPort(port),
      loopback,
      localAddress: ep.localAddress,
      localPort: ep.localPort,
      authFlavor: flavor,
      xid,
    };
    if (authSys !== undefined) caller.authSys = authSys;
    if (callChannel.hasSubscribers) {
      callChannel.publish({
        caller,
        prog: progNum,
        vers,
        proc,
        procName: entry.def.name,
      } satisfies RpcCallMessage);
    }

    let out: unknown;
    try {
      out = entry.handler(args, caller);
    } catch (err) {
      return this.done(this.systemErr(xid, framed, entry, err), drcKey);
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(
        (value) => this.result(xid, framed, entry, value, drcKey),
        (err) => this.done(this.systemErr(xid, framed, entry, err), drcKey),
      );
    }
    return this.result(xid, framed, entry, out, drcKey);
  }

  private result(
    xid: number,
    framed: boolean,
    entry: ProcEntry,
    value: unknown,
    drcKey: string | null,
  ): Uint8Array | null {
    if (value === NO_REPLY) {
      this.stats.dropped++;
      if (drcKey !== null) this.drc!.forget(drcKey);
      return null;
    }
    if (entry.voidRes) return this.done(voidSuccess(xid, framed), drcKey);
    const w = this.writer;
    w.reset();
    try {
      const mark = framed ? w.reserve() : 0;
      w.uint(xid);
      w.uint(1); // REPLY
      w.uint(0); // MSG_ACCEPTED
      w.uint(0); // verf AUTH_NONE
      w.uint(0);
      w.uint(AcceptStat.SUCCESS);
      entry.def.res.encode(w, value);
      if (framed) w.patchUint32(mark, (LAST_FRAGMENT | (w.offset - 4)) >>> 0);
    } catch (err) {
      return this.done(this.systemErr(xid, framed, entry, err), drcKey);
    }
    return this.done(w.toBuffer(), drcKey);
  }

  private done(reply: Uint8Array, drcKey: string | null): Uint8Array {
    if (drcKey !== null) this.drc!.complete(drcKey, reply);
    return reply;
  }

  private systemErr(xid: number, framed: boolean, entry: ProcEntry, err: unknown): Uint8Array {
    this.stats.systemErrors++;
    this.log.error(`procedure ${entry.def.name} failed; answering SYSTEM_ERR`, err);
    return this.accepted(xid, AcceptStat.SYSTEM_ERR, framed);
  }

  private garbageArgs(xid: number, framed: boolean, drcKey: string | null): Uint8Array {
    this.stats.garbage++;
    return this.done(this.accepted(xid, AcceptStat.GARBAGE_ARGS, framed), drcKey);
  }

  private accepted(xid: number, acceptStat: 1 | 3 | 4 | 5, framed: boolean): Uint8Array {
    return this.header({ xid, replyStat: 0, verf: AUTH_NONE, acceptStat }, framed);
  }

  private authError(xid: number, authStat: number, framed: boolean): Uint8Array {
    return this.header({ xid, replyStat: 1, rejectStat: RejectStat.AUTH_ERROR, authStat }, framed);
  }

  private header(h: Parameters<typeof encodeReplyHeader>[1], framed: boolean): Uint8Array {
    const w = this.writer;
    w.reset();
    const mark = framed ? w.reserve() : 0;
    encodeReplyHeader(w, h);
    if (framed) w.patchUint32(mark, (LAST_FRAGMENT | (w.offset - 4)) >>> 0);
    return w.toBuffer();
  }
}

function uncork(conn: Connection): void {
  conn.corked = false;
  conn.socket.uncork();
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function ipv6Unavailable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (
    code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'EPROTONOSUPPORT' || code === 'EINVAL'
  );
}

async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host) !== 0) return host;
  return (await lookup(host)).address;
}

/** The transport for a UDP listener: the option, else NSMD_UDP, else the addon when it is built. */
function udpTransportKind(choice: UdpTransportChoice | undefined): UdpTransportKind {
  return nativeUdp.choose(
    choice,
    'NSMD_UDP',
    'dgram',
    (why) => new Error(`native UDP transport unavailable: ${why}`),
  );
}
