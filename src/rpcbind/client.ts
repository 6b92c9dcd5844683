import { lookup as dnsLookup } from 'node:dns/promises';
import { createClient, type RpcClient, RpcError } from '../rpc/index.js';
import type { CallOptions } from '../rpc/types.js';
import { RpcbindError } from './errors.js';
import { IPPROTO_TCP, IPPROTO_UDP, type PortMapping, type Registration } from './table.js';
import { ipFamily, netidOf, parseUaddr } from './uaddr.js';
import { PMAP_DEF, RPCB3_DEF, RPCB4_DEF, rpcbArgs, toPortMappings, toRegistrations } from './wire.js';

/** The well-known port of portmap and rpcbind (RFC 1833 §3). */
export const RPCBIND_PORT = 111;

/** Options of {@link RpcbindClient}. */
export interface RpcbindClientOptions {
  /** rpcbind's host (default 127.0.0.1). */
  host?: string;
  /** rpcbind's port (default 111). */
  port?: number;
  /** Transport to rpcbind (default udp). */
  transport?: 'udp' | 'tcp';
  /** Default time limit of each call, in ms (default 5000). */
  timeoutMs?: number;
}

/** The address GETADDR answered, parsed from its universal address. */
export interface ServiceAddress {
  uaddr: string;
  host: string;
  port: number;
  family: 4 | 6;
}

type Proto = 'udp' | 'tcp' | number;

function protNumber(p: Proto): number {
  if (p === 'udp') return IPPROTO_UDP;
  if (p === 'tcp') return IPPROTO_TCP;
  return p;
}

/**
 * A client of one rpcbind server: portmap v2 (RFC 1833 §3) and rpcbind v3/v4 (§2). One socket is
 * opened on the first call and kept until close(). Protocol answers (false, not registered) are
 * results; a server that does not answer rejects with RpcError (ERR_RPC_TIMEOUT, ERR_RPC_CONNECTION...).
 */
export class RpcbindClient {
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
  private readonly timeoutMs: number;
  private client: RpcClient | undefined;

  constructor(opts: RpcbindClientOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? RPCBIND_PORT;
    this.transport = opts.transport ?? 'udp';
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  private rpc(): RpcClient {
    this.client ??= createClient({
      host: this.host,
      port: this.port,
      transport: this.transport,
      timeoutMs: this.timeoutMs,
    });
    return this.client;
  }

  private opts(o?: CallOptions): CallOptions {
    return { timeoutMs: this.timeoutMs, ...o };
  }

  /** NULL of the given version (default 2): proves rpcbind answers. */
  async ping(version: 2 | 3 | 4 = 2, opts?: CallOptions): Promise<void> {
    if (version === 2) await this.rpc().call(PMAP_DEF, 'PMAPPROC_NULL', undefined, this.opts(opts));
    else
      await this.rpc().call(
        version === 3 ? RPCB3_DEF : RPCB4_DEF,
        'RPCBPROC_NULL',
        undefined,
        this.opts(opts),
      );
  }

  /** PMAPPROC_SET: registers prog/vers on a port for udp or tcp; false when rpcbind refuses. */
  async pmapSet(
    m: { prog: number; vers: number; prot: Proto; port: number },
    opts?: CallOptions,
  ): Promise<boolean> {
    return this.rpc().call(
      PMAP_DEF,
      'PMAPPROC_SET',
      { prog: m.prog, vers: m.vers, prot: protNumber(m.prot), port: m.port },
      this.opts(opts),
    );
  }

  /** PMAPPROC_UNSET: removes prog/vers for udp and tcp (rpcbind leaves udp6/tcp6 entries alone). */
  async pmapUnset(prog: number, vers: number, opts?: CallOptions): Promise<boolean> {
    return this.rpc().call(PMAP_DEF, 'PMAPPROC_UNSET', { prog, vers, prot: 0, port: 0 }, this.opts(opts));
  }

  /** PMAPPROC_GETPORT: the port of prog/vers on udp or tcp, 0 when not registered. */
  async pmapGetPort(prog: number, vers: number, prot: Proto, opts?: CallOptions): Promise<number> {
    return this.rpc().call(
      PMAP_DEF,
      'PMAPPROC_GETPORT',
      { prog, vers, prot: protNumber(prot), port: 0 },
      this.opts(opts),
    );
  }

  /** PMAPPROC_DUMP: every udp and tcp mapping, as a flat array in the server's order. */
  async pmapDump(opts?: CallOptions): Promise<PortMapping[]> {
    return toPortMappings(await this.rpc().call(PMAP_DEF, 'PMAPPROC_DUMP', undefined, this.opts(opts)));
  }

  /** RPCBPROC_SET (v3 or v4, default 4); the owner is a hint only, rpcbind records its own view of the caller. */
  async set(
    reg: { prog: number; vers: number; netid: string; addr: string; owner?: string },
    opts?: CallOptions & { version?: 3 | 4 },
  ): Promise<boolean> {
    const def = opts?.version === 3 ? RPCB3_DEF : RPCB4_DEF;
    return this.rpc().call(def, 'RPCBPROC_SET', rpcbArgs(reg), this.opts(opts));
  }

  /** RPCBPROC_UNSET: removes prog/vers on one netid, or on every netid when netid is '' (the default). */
  async unset(
    prog: number,
    vers: number,
    netid = '',
    opts?: CallOptions & { version?: 3 | 4 },
  ): Promise<boolean> {
    const def = opts?.version === 3 ? RPCB3_DEF : RPCB4_DEF;
    return this.rpc().call(def, 'RPCBPROC_UNSET', rpcbArgs({ prog, vers, netid, addr: '' }), this.opts(opts));
  }

  /**
   * RPCBPROC_GETADDR: where prog/vers listens on netid, or null when rpcbind answers '' (not
   * registered). rpcbind may answer another version's address when vers is not registered
   * (RFC 1833 §2.2.2), and Debian's rpcbind answers for the netid of the transport the question
   * came over, whatever netid it names: ask over the transport you want the answer for.
   */
  async getAddr(
    prog: number,
    vers: number,
    netid: string,
    opts?: CallOptions & { version?: 3 | 4 },
  ): Promise<ServiceAddress | null> {
    const def = opts?.version === 3 ? RPCB3_DEF : RPCB4_DEF;
    const uaddr = await this.rpc().call(
      def,
      'RPCBPROC_GETADDR',
      rpcbArgs({ prog, vers, netid, addr: '' }),
      this.opts(opts),
    );
    if (uaddr === '') return null;
    return { uaddr, ...parseUaddr(uaddr) };
  }

  /** RPCBPROC_DUMP (v3 or v4, default 4): every registration, flattened to an array. */
  async dump(opts?: CallOptions & { version?: 3 | 4 }): Promise<Registration[]> {
    const def = opts?.version === 3 ? RPCB3_DEF : RPCB4_DEF;
    return toRegistrations(await this.rpc().call(def, 'RPCBPROC_DUMP', undefined, this.opts(opts)));
  }

  /** RPCBPROC_GETTIME: the server's clock, in seconds since the epoch. */
  async getTime(opts?: CallOptions): Promise<number> {
    return this.rpc().call(RPCB3_DEF, 'RPCBPROC_GETTIME', undefined, this.opts(opts));
  }

  /** Closes the socket; later calls open a new one. */
  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/** Options of {@link getPort}. */
export interface GetPortOptions extends CallOptions {
  /** rpcbind's port (default 111). */
  rpcbindPort?: number;
  /** Resolves a host name that is not an IP address (default dns.promises.lookup, system resolver). */
  lookup?: (host: string) => Promise<{ address: string; family: number }>;
}

/**
 * The port prog/vers listens on at host (an address or a name) for udp or tcp, 0 when it is not registered. IPv4 hosts
 * are asked with portmap v2 GETPORT over UDP (every rpcbind and portmapper answers it); IPv6 hosts
 * with rpcbind v3 GETADDR, over UDP for udp and TCP for tcp, because rpcbind answers for the
 * netid of the transport it is asked over. Rejects with RpcbindError ERR_RPCBIND_UNAVAILABLE when
 * rpcbind does not answer.
 */
export async function getPort(
  host: string,
  prog: number,
  vers: number,
  proto: 'udp' | 'tcp',
  opts: GetPortOptions = {},
): Promise<number> {
  const { rpcbindPort, lookup, ...callOpts } = opts;
  let address = host;
  let family = ipFamily(host);
  if (family === undefined) {
    // A name: resolve it first, so that the address family decides between GETPORT and GETADDR.
    try {
      const found = await (lookup ?? dnsLookup)(host);
      address = found.address;
      family = found.family === 6 ? 6 : 4;
    } catch (err) {
      throw new RpcbindError('ERR_RPCBIND_UNAVAILABLE', `cannot resolve ${host}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const client = new RpcbindClient({
    host: address,
    port: rpcbindPort ?? RPCBIND_PORT,
    transport: family === 6 ? proto : 'udp',
    ...(callOpts.timeoutMs !== undefined ? { timeoutMs: callOpts.timeoutMs } : {}),
  });
  try {
    if (family === 4) return await client.pmapGetPort(prog, vers, proto, callOpts);
    const addr = await client.getAddr(prog, vers, netidOf(proto, 6), { ...callOpts, version: 3 });
    return addr?.port ?? 0;
  } catch (err) {
    if (err instanceof RpcError && err.code !== 'ERR_RPC_ABORTED') {
      throw new RpcbindError('ERR_RPCBIND_UNAVAILABLE', `rpcbind on ${host} did not answer: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  } finally {
    client.close();
  }
}
