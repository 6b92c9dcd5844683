import type { pmap, rpcb, rpcblist_ptr } from '../proto/rpcb_prot.js';
import { RpcServer } from '../rpc/index.js';
import { defaultLogger, type RpcLogger } from '../rpc/logger.js';
import type { Caller } from '../rpc/types.js';
import { RPCBIND_PORT } from './client.js';
import { type InterfaceAddress, localAddressFor } from './local-address.js';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  OWNER_SUPERUSER,
  OWNER_UNKNOWN,
  type Registration,
  RegistrationTable,
  reachableUaddr,
} from './table.js';
import { formatUaddr, ipFamily, netidInfo, netidOf, parseUaddr } from './uaddr.js';
import { fromPortMappings, fromRegistrations, PMAP_DEF, RPCB3_DEF, RPCB4_DEF, rpcbSize } from './wire.js';

/** rpcbind's program number (RFC 1833 §2 and §3). */
export const RPCBIND_PROG = 100000;

/**
 * Largest UDP reply a DUMP builds: libtirpc's UDP buffers (UDPMSGSIZE) hold 8800 bytes, so a
 * longer reply would be cut by the C clients anyway. TCP replies list everything.
 */
export const UDP_REPLY_LIMIT = 8800;
/** Bytes of an accepted reply's header with an AUTH_NONE verifier (RFC 5531 §9): xid, type, stat, verf, accept_stat. */
const REPLY_HEADER_BYTES = 24;

/** Longest netid and universal address a SET may register (inet ones are far shorter; paths fit too). */
const MAX_NETID = 32;
const MAX_ADDR = 256;

/** Options of {@link RpcbindServer}. */
export interface RpcbindServerOptions {
  /** Port for UDP and TCP (default 111; 0 = an ephemeral port, the same for both when free). */
  port?: number;
  /** Address to listen on (default '::', dual-stack; falls back to 0.0.0.0 without IPv6). */
  host?: string;
  /** Maximum number of registrations (default 1024). */
  maxEntries?: number;
  /** Reports refused SETs and UNSETs (default: NODE_DEBUG=nsmd-rpc). */
  logger?: RpcLogger;
  /** Clock for GETTIME, in ms since the epoch (default Date.now). */
  now?: () => number;
  /** Local interface addresses, for answering GETADDR over UDP (default os.networkInterfaces). */
  interfaces?: () => InterfaceAddress[];
}

/** Where a started server listens. */
export interface RpcbindAddress {
  host: string;
  udpPort: number;
  tcpPort: number;
}

/**
 * An embedded rpcbind (RFC 1833): portmap v2 and rpcbind v3/v4 over UDP and TCP, one registration
 * table for all versions. SET and UNSET are accepted from loopback callers only. The remote call
 * procedures (v2/v3 CALLIT, v4 BCAST and INDIRECT) are deliberately not implemented and answer
 * PROC_UNAVAIL: a small spoofed UDP call would make the server send a bigger one on the caller's
 * behalf (reply amplification and laundering of the source address).
 */
export class RpcbindServer {
  /** The registrations; in-process users may read it and add their own (owner 'superuser'). */
  readonly table: RegistrationTable;
  private rpc: RpcServer;
  private readonly logger: RpcLogger;
  private readonly now: () => number;
  private readonly interfaces: (() => InterfaceAddress[]) | undefined;
  private readonly opts: RpcbindServerOptions;
  private address: RpcbindAddress | undefined;
  private warnings = { windowStart: 0, count: 0 };

  constructor(opts: RpcbindServerOptions = {}) {
    this.opts = opts;
    this.table = new RegistrationTable(opts.maxEntries ?? 1024);
    this.logger = opts.logger ?? defaultLogger;
    this.now = opts.now ?? Date.now;
    this.interfaces = opts.interfaces;
    this.rpc = this.newRpcServer();
  }

  private newRpcServer(): RpcServer {
    this.rpc = new RpcServer({ logger: this.logger });
    this.addVersion2();
    this.addVersion34(RPCB3_DEF);
    this.addVersion34(RPCB4_DEF);
    return this.rpc;
  }

  /** Where the server listens, once started. */
  get listening(): RpcbindAddress | undefined {
    return this.address;
  }

  /** Binds UDP and TCP and registers rpcbind itself (100000 v2 on udp/tcp, v3 and v4 on every netid). */
  async start(): Promise<RpcbindAddress> {
    const port = this.opts.port ?? RPCBIND_PORT;
    let host = this.opts.host ?? '::';
    // An ephemeral port is taken for UDP first; TCP may find it in use. A few fresh tries give
    // both the same port, as clients of rpcbind expect; after that they may differ.
    for (let attempt = 1; ; attempt++) {
      let udpPort: number;
      try {
        udpPort = await this.rpc.listenUdp({ host, port });
      } catch (err) {
        // A machine without IPv6 cannot bind '::'; serve IPv4 only there.
        if (this.opts.host !== undefined || (err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw err;
        host = '0.0.0.0';
        udpPort = await this.rpc.listenUdp({ host, port });
      }
      let tcpPort: number;
      try {
        tcpPort = await this.rpc.listenTcp({ host, port: port === 0 ? udpPort : port });
      } catch (err) {
        if (port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          await this.rpc.close();
          throw err;
        }
        if (attempt < 10) {
          await this.rpc.close();
          this.newRpcServer();
          continue;
        }
        tcpPort = await this.rpc.listenTcp({ host, port: 0 });
      }
      this.address = { host, udpPort, tcpPort };
      this.registerSelf(host, udpPort, tcpPort);
      return this.address;
    }
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    await this.rpc.close();
  }

  private registerSelf(host: string, udpPort: number, tcpPort: number): void {
    const family = ipFamily(host);
    const dual = host === '::';
    const six = family === 6 ? host : '::';
    const four = family === 4 ? host : '0.0.0.0';
    const add = (netid: string, vers: number, h: string, port: number) =>
      this.table.set({ prog: RPCBIND_PROG, vers, netid, addr: formatUaddr(h, port), owner: OWNER_SUPERUSER });
    // The order rpcbind lists itself in: IPv6 transports first, newest version first; v2 has no IPv6 netids.
    if (family === 6 || dual) {
      for (const v of [4, 3]) add('tcp6', v, six, tcpPort);
      for (const v of [4, 3]) add('udp6', v, six, udpPort);
    }
    if (family === 4 || dual) {
      for (const v of [4, 3, 2]) add('tcp', v, four, tcpPort);
      for (const v of [4, 3, 2]) add('udp', v, four, udpPort);
    }
  }

  /** The owner recorded for a caller: nothing over UDP or TCP proves who it is (rpcbind says 'unknown' too). */
  private ownerOf(_caller: Caller): string {
    return OWNER_UNKNOWN;
  }

  /** SET and UNSET change what every client will be told: loopback callers only. */
  private mayChange(caller: Caller, what: string, prog: number, vers: number): boolean {
    if (caller.loopback) return true;
    this.warnLimited(
      `rpcbind: refused ${what} of program ${prog} version ${vers} from ${caller.address}:${caller.port} (not loopback)`,
    );
    return false;
  }

  /** Logs at most 20 lines a minute, so that a flood of remote calls cannot flood the log. */
  private warnLimited(message: string): void {
    const now = this.now();
    if (now - this.warnings.windowStart > 60_000) this.warnings = { windowStart: now, count: 0 };
    if (++this.warnings.count <= 20) this.logger.warn(message);
  }

  private addVersion2(): void {
    const table = this.table;
    this.rpc.addProgram(PMAP_DEF, {
      PMAPPROC_NULL: () => undefined,
      PMAPPROC_SET: (m: pmap, caller) => {
        if (!this.mayChange(caller, 'SET', m.prog, m.vers)) return false;
        if ((m.prot !== IPPROTO_UDP && m.prot !== IPPROTO_TCP) || m.port > 0xffff) return false;
        // RFC 1833 §3: a v2 mapping has no address; rpcbind records the IPv4 wildcard.
        const netid = m.prot === IPPROTO_UDP ? 'udp' : 'tcp';
        const outcome = table.set({
          prog: m.prog,
          vers: m.vers,
          netid,
          addr: formatUaddr('0.0.0.0', m.port),
          owner: this.ownerOf(caller),
        });
        return outcome === 'added' || outcome === 'unchanged';
      },
      PMAPPROC_UNSET: (m: pmap, caller) => {
        if (!this.mayChange(caller, 'UNSET', m.prog, m.vers)) return false;
        // v2 UNSET removes the udp and tcp entries of prog/vers; udp6 and tcp6 stay (as rpcbind does).
        const owner = this.ownerOf(caller);
        const udp = table.unset(m.prog, m.vers, 'udp', owner);
        const tcp = table.unset(m.prog, m.vers, 'tcp', owner);
        return udp !== 'denied' || tcp !== 'denied';
      },
      PMAPPROC_GETPORT: (m: pmap) => {
        const netid = m.prot === IPPROTO_UDP ? 'udp' : m.prot === IPPROTO_TCP ? 'tcp' : undefined;
        if (!netid) return 0;
        const hit = table.lookup(m.prog, m.vers, netid);
        if (!hit) return 0;
        try {
          return parseUaddr(hit.addr, netid).port;
        } catch {
          return 0;
        }
      },
      PMAPPROC_DUMP: (_args: unknown, caller) => {
        let maps = table.pmapList();
        if (caller.transport === 'udp') {
          // 20 bytes per entry (flag + pmap), 4 for the final flag.
          const room = Math.floor((UDP_REPLY_LIMIT - REPLY_HEADER_BYTES - 4) / 20);
          if (maps.length > room) {
            this.warnLimited(`rpcbind: v2 DUMP over UDP cut to ${room} of ${maps.length} entries; use TCP`);
            maps = maps.slice(0, room);
          }
        }
        return fromPortMappings(maps);
      },
    });
  }

  private addVersion34(def: typeof RPCB3_DEF | typeof RPCB4_DEF): void {
    const table = this.table;
    const set = (r: rpcb, caller: Caller): boolean => {
      if (!this.mayChange(caller, 'SET', r.r_prog, r.r_vers)) return false;
      // Bounded, so that a table of maxEntries stays small whatever loopback callers send.
      if (r.r_netid === '' || r.r_addr === '' || r.r_netid.length > MAX_NETID || r.r_addr.length > MAX_ADDR)
        return false;
      if (netidInfo(r.r_netid)) {
        // Stricter than rpcbind, which records any text: an inet address must parse and fit its netid.
        try {
          parseUaddr(r.r_addr, r.r_netid);
        } catch {
          return false;
        }
      }
      const outcome = table.set({
        prog: r.r_prog,
        vers: r.r_vers,
        netid: r.r_netid,
        addr: r.r_addr,
        owner: this.ownerOf(caller),
      });
      return outcome === 'added' || outcome === 'unchanged';
    };
    const unset = (r: rpcb, caller: Caller): boolean => {
      if (!this.mayChange(caller, 'UNSET', r.r_prog, r.r_vers)) return false;
      return table.unset(r.r_prog, r.r_vers, r.r_netid, this.ownerOf(caller)) !== 'denied';
    };
    const getaddr =
      (exact: boolean) =>
      (r: rpcb, caller: Caller): string => {
        // The netid asked for (RFC 1833 §2.2.2); when empty, the netid of the transport the question came over.
        const netid = r.r_netid !== '' ? r.r_netid : netidOf(caller.transport, caller.family);
        const hit = table.lookup(r.r_prog, r.r_vers, netid, exact);
        return hit
          ? reachableUaddr(hit, (family) =>
              localAddressFor(caller.address, caller.loopback, caller.localAddress, family, this.interfaces),
            )
          : '';
      };
    const dump = (_args: unknown, caller: Caller): rpcblist_ptr => {
      let regs: Registration[] = table.list();
      if (caller.transport === 'udp') {
        let budget = UDP_REPLY_LIMIT - REPLY_HEADER_BYTES - 4;
        let n = 0;
        for (; n < regs.length; n++) {
          budget -= 4 + rpcbSize(regs[n]!);
          if (budget < 0) break;
        }
        if (n < regs.length) {
          this.warnLimited(`rpcbind: DUMP over UDP cut to ${n} of ${regs.length} entries; use TCP`);
          regs = regs.slice(0, n);
        }
      }
      return fromRegistrations(regs);
    };
    const common = {
      RPCBPROC_NULL: () => undefined,
      RPCBPROC_SET: set,
      RPCBPROC_UNSET: unset,
      RPCBPROC_GETADDR: getaddr(false),
      RPCBPROC_DUMP: dump,
      // RFC 1833 §2.2.1: seconds since the epoch, as an unsigned int.
      RPCBPROC_GETTIME: () => Math.floor(this.now() / 1000) >>> 0,
    };
    if (def === RPCB4_DEF) {
      this.rpc.addProgram(RPCB4_DEF, { ...common, RPCBPROC_GETVERSADDR: getaddr(true) });
    } else {
      this.rpc.addProgram(RPCB3_DEF, common);
    }
  }
}
