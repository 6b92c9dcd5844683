import { SM_PROG, SM_VERS, SM_VERS_DEF, status } from '../proto/sm_inter.js';
import { createClient, type RpcClient } from '../rpc/index.js';
import { IPPROTO_UDP } from '../rpcbind/table.js';
import { parseUaddr } from '../rpcbind/uaddr.js';
import { PMAP_DEF, RPCB3_DEF, rpcbArgs } from '../rpcbind/wire.js';
import type { MyId } from '../store/types.js';
import { xdrVoid } from '../xdr/codec.js';
import type { ProgramDef } from '../xdr/program.js';
import type { CallbackSender } from './callbacks.js';
import type { NotifyTransport, StatChange } from './notifier.js';
import { CALLBACK_HOST } from './policy.js';

const RPCBIND_PORT = 111;

/** Options of the UDP transports. */
export interface UdpTransportOptions {
  /** Fixed source port (--outgoing-port); else a reserved port when privileged, else ephemeral. */
  outgoingPort?: number;
  /** Send from a reserved port (needs root or CAP_NET_BIND_SERVICE). */
  privileged?: boolean;
  /** rpcbind's port on peers (111; other values only in tests). */
  rpcbindPort?: number;
  /** Reserved ports to pick from when privileged (the daemon's port policy); default: 1023 down to 600. */
  reservedPorts?: Promise<number[]>;
}

async function sharedClient(opts: UdpTransportOptions, host: string): Promise<RpcClient> {
  // Many calls in flight on one socket: room for a burst of replies (the kernel caps it at rmem_max).
  const base = {
    host,
    port: opts.rpcbindPort ?? RPCBIND_PORT,
    transport: 'udp' as const,
    retransmitMs: 1000,
    udpRecvBufferSize: 4 << 20,
  };
  if (opts.outgoingPort) return createClient({ ...base, localPort: opts.outgoingPort });
  if (opts.privileged) {
    // The daemon's policy gives reserved ports with no live IANA service on them, never 776.
    const candidates = await (opts.reservedPorts ?? Promise.resolve([])).catch(() => [] as number[]);
    return createClient({
      ...base,
      privileged: true,
      ...(candidates.length ? { choosePort: () => candidates } : {}),
    });
  }
  return createClient(base);
}

/**
 * The notifier's transport: one unconnected UDP socket per address family for every peer, each
 * call addressed with `to` (portmap v2 GETPORT for IPv4 peers, rpcbind v3 GETADDR for IPv6, RFC 1833).
 */
export class UdpNotifyTransport implements NotifyTransport {
  private client: Promise<RpcClient> | null = null;
  constructor(private readonly opts: UdpTransportOptions = {}) {}

  private rpc(): Promise<RpcClient> {
    this.client ??= sharedClient(this.opts, '127.0.0.1');
    return this.client;
  }

  async getStatdPort(address: string, o: { timeoutMs: number }): Promise<number> {
    const rpc = await this.rpc();
    const to = { host: address, port: this.opts.rpcbindPort ?? RPCBIND_PORT };
    if (!address.includes(':')) {
      return rpc.call(
        PMAP_DEF,
        'PMAPPROC_GETPORT',
        { prog: SM_PROG, vers: SM_VERS, prot: IPPROTO_UDP, port: 0 },
        {
          to,
          timeoutMs: o.timeoutMs,
        },
      );
    }
    const uaddr = await rpc.call(
      RPCB3_DEF,
      'RPCBPROC_GETADDR',
      rpcbArgs({ prog: SM_PROG, vers: SM_VERS, netid: 'udp6', addr: '' }),
      { to, timeoutMs: o.timeoutMs },
    );
    return uaddr === '' ? 0 : parseUaddr(uaddr).port;
  }

  async notify(address: string, port: number, args: StatChange, o: { timeoutMs: number }): Promise<void> {
    const rpc = await this.rpc();
    await rpc.call(SM_VERS_DEF, 'SM_NOTIFY', args, { to: { host: address, port }, timeoutMs: o.timeoutMs });
  }

  /** Binds the sockets now (reserved ports need root, which is dropped after start-up). */
  async warmUp(selfPort: number): Promise<void> {
    await warm(await this.rpc(), ['127.0.0.1', '::1'], selfPort);
  }

  /** The local port the notifications leave from, once bound. */
  async localPort(): Promise<number | undefined> {
    return this.client ? (await this.client).localPort : undefined;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await (await c).close();
  }
}

/**
 * Calls back local lock managers (XNFS 3W ch. 11: the `status` callback to my_id) on 127.0.0.1
 * only, from a reserved port (Linux lockd ignores callbacks from ports above 1023), after asking
 * the local rpcbind where my_prog/my_vers listens over UDP.
 */
export class LoopbackCallbackSender {
  private client: Promise<RpcClient> | null = null;
  private readonly defs = new Map<string, ProgramDef>();
  private readonly ports = new Map<string, { port: number; until: number }>();

  constructor(private readonly opts: UdpTransportOptions = {}) {}

  /** The sender function for {@link Callbacks}. */
  readonly send: CallbackSender = async (target, args, o) => {
    const rpc = await this.rpc();
    const key = `${target.prog}/${target.vers}`;
    let port = this.cachedPort(key);
    if (port === 0) {
      port = await rpc.call(
        PMAP_DEF,
        'PMAPPROC_GETPORT',
        { prog: target.prog, vers: target.vers, prot: IPPROTO_UDP, port: 0 },
        { to: { host: CALLBACK_HOST, port: this.opts.rpcbindPort ?? RPCBIND_PORT }, timeoutMs: o.timeoutMs },
      );
      if (!port)
        throw Object.assign(new Error(`program ${key} not registered on this host`), {
          code: 'ERR_NSM_NO_LOCKD',
        });
      this.ports.set(key, { port, until: Date.now() + 10_000 });
    }
    try {
      await rpc.call(this.defOf(target), 'CALLBACK', args, {
        to: { host: CALLBACK_HOST, port },
        timeoutMs: o.timeoutMs,
      });
    } catch (err) {
      this.ports.delete(key);
      throw err;
    }
  };

  private cachedPort(key: string): number {
    const c = this.ports.get(key);
    return c && c.until > Date.now() ? c.port : 0;
  }

  private defOf(t: MyId): ProgramDef {
    const key = `${t.prog}/${t.vers}/${t.proc}`;
    let def = this.defs.get(key);
    if (!def) {
      def = {
        name: 'SM_CALLBACK',
        prog: t.prog,
        vers: t.vers,
        procs: { CALLBACK: { name: 'CALLBACK', proc: t.proc, args: status, res: xdrVoid } },
      };
      this.defs.set(key, def);
    }
    return def;
  }

  /** Binds the socket now (a reserved port needs root, which is dropped after start-up). */
  async warmUp(selfPort: number): Promise<void> {
    await warm(await this.rpc(), [CALLBACK_HOST], selfPort);
  }

  private rpc(): Promise<RpcClient> {
    this.client ??= sharedClient(this.opts, CALLBACK_HOST);
    return this.client;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await (await c).close();
  }
}

// An SM_NULL to our own listener binds the socket of each family (and answers at once).
async function warm(rpc: RpcClient, hosts: string[], selfPort: number): Promise<void> {
  await Promise.all(
    hosts.map((host) =>
      rpc
        .call(SM_VERS_DEF, 'SM_NULL', undefined, { to: { host, port: selfPort }, timeoutMs: 300 })
        .catch(() => {}),
    ),
  );
}
