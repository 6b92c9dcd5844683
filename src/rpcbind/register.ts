import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';
import { defaultLogger } from '../rpc/logger.js';
import { RPCBIND_PORT, RpcbindClient } from './client.js';
import { RpcbindError } from './errors.js';
import { RpcbindServer, type RpcbindServerOptions } from './server.js';
import { OWNER_SUPERUSER, type Registration } from './table.js';
import { formatUaddr, type InetNetid } from './uaddr.js';

/** Where registrations go: the machine's rpcbind, an in-process one, nowhere, or the first that works. */
export type RegistrationMode = 'system' | 'embedded' | 'none' | 'auto';

/** Options of {@link registerService}. */
export interface RegisterServiceOptions {
  prog: number;
  vers: number[];
  /** Port the service answers on over UDP (omit: no udp/udp6 entries). */
  udpPort?: number;
  /** Port the service answers on over TCP (omit: no tcp/tcp6 entries). */
  tcpPort?: number;
  /** Default 'auto': the system rpcbind if one answers NULL on 127.0.0.1:111, else an embedded one. */
  mode?: RegistrationMode;
  /** Also register udp6/tcp6 (default true: the service listens dual-stack). */
  ipv6?: boolean;
  /** Port of the system rpcbind, and of the embedded one (default 111). */
  rpcbindPort?: number;
  /** How long 'auto' waits for the system rpcbind's NULL reply (default 500 ms). */
  probeTimeoutMs?: number;
  /** Time limit of each SET and UNSET call (default 3000 ms). */
  timeoutMs?: number;
  /** Options of the embedded server when one is started (port defaults to rpcbindPort). */
  embedded?: RpcbindServerOptions;
  logger?: RpcLogger;
}

/** What registerService did; call unregister() on clean exit. */
export interface ServiceRegistration {
  /** Where the entries went ('none': nowhere). */
  readonly mode: 'system' | 'embedded' | 'none';
  /** The entries registered, as rpcbind v3/v4 lists them (v2 SETs show as the udp/tcp ones). */
  readonly entries: readonly Registration[];
  /** The embedded server, when one was started. */
  readonly server?: RpcbindServer;
  /** Removes every entry it set and stops the embedded server it started. Never rejects. */
  unregister(): Promise<void>;
}

function plannedEntries(o: RegisterServiceOptions, owner: string): Registration[] {
  const out: Registration[] = [];
  const ipv6 = o.ipv6 ?? true;
  for (const vers of o.vers) {
    const add = (netid: InetNetid, host: string, port: number | undefined) => {
      if (port !== undefined) out.push({ prog: o.prog, vers, netid, addr: formatUaddr(host, port), owner });
    };
    add('udp', '0.0.0.0', o.udpPort);
    add('tcp', '0.0.0.0', o.tcpPort);
    if (ipv6) {
      add('udp6', '::', o.udpPort);
      add('tcp6', '::', o.tcpPort);
    }
  }
  return out;
}

/** True when an rpcbind answers NULL (v2) at 127.0.0.1:port within timeoutMs. */
export async function systemRpcbindAnswers(port = RPCBIND_PORT, timeoutMs = 500): Promise<boolean> {
  const client = new RpcbindClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs });
  try {
    await client.ping(2);
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/**
 * Registers a service's program and versions with rpcbind so that clients find its ports:
 * rpcbind v4 SET for udp, tcp, udp6 and tcp6, plus portmap v2 SET for udp and tcp, which is all
 * an old portmapper understands (one that answers v4 with PROG_MISMATCH gets the v2 SETs only).
 * Stale entries of the same program and versions (a previous run that crashed) are removed first,
 * as rpc.statd does.
 */
export async function registerService(o: RegisterServiceOptions): Promise<ServiceRegistration> {
  const logger = o.logger ?? defaultLogger;
  const rpcbindPort = o.rpcbindPort ?? RPCBIND_PORT;
  let mode = o.mode ?? 'auto';
  if (mode === 'none') {
    return { mode: 'none', entries: [], unregister: async () => {} };
  }
  if (mode === 'auto') {
    mode = (await systemRpcbindAnswers(rpcbindPort, o.probeTimeoutMs ?? 500)) ? 'system' : 'embedded';
  }
  if (mode === 'embedded') return registerEmbedded(o, rpcbindPort, logger);
  return registerSystem(o, rpcbindPort, logger);
}

async function registerEmbedded(
  o: RegisterServiceOptions,
  rpcbindPort: number,
  logger: RpcLogger,
): Promise<ServiceRegistration> {
  const server = new RpcbindServer({ port: rpcbindPort, logger, ...o.embedded });
  try {
    await server.start();
  } catch (err) {
    await server.close().catch(() => {});
    throw new RpcbindError(
      'ERR_RPCBIND_UNAVAILABLE',
      `cannot start the embedded rpcbind on port ${o.embedded?.port ?? rpcbindPort}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const entries = plannedEntries(o, OWNER_SUPERUSER);
  for (const e of entries) {
    server.table.unset(e.prog, e.vers, e.netid, OWNER_SUPERUSER);
    server.table.set(e);
  }
  let done = false;
  return {
    mode: 'embedded',
    entries,
    server,
    async unregister() {
      if (done) return;
      done = true;
      for (const e of entries) server.table.unset(e.prog, e.vers, e.netid, OWNER_SUPERUSER);
      await server.close().catch(() => {});
    },
  };
}

function isVersionProblem(err: unknown): boolean {
  return (
    err instanceof RpcError && (err.code === 'ERR_RPC_PROG_MISMATCH' || err.code === 'ERR_RPC_PROG_UNAVAIL')
  );
}

async function registerSystem(
  o: RegisterServiceOptions,
  rpcbindPort: number,
  logger: RpcLogger,
): Promise<ServiceRegistration> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const client = new RpcbindClient({ host: '127.0.0.1', port: rpcbindPort, transport: 'udp', timeoutMs });
  const entries = plannedEntries(o, '');
  const set: Registration[] = [];
  let speaksV4 = true;
  const unsetAll = async () => {
    for (const vers of o.vers) {
      if (speaksV4) {
        try {
          await client.unset(o.prog, vers, '');
        } catch (err) {
          if (!isVersionProblem(err)) throw err;
          speaksV4 = false;
        }
      }
      await client.pmapUnset(o.prog, vers);
    }
  };
  try {
    await unsetAll();
    for (const e of entries) {
      if (!speaksV4) break;
      const ok = await client.set(e);
      if (!ok) throw new RpcbindError('ERR_RPCBIND_REFUSED', `rpcbind refused to register ${describe(e)}`);
      set.push(e);
    }
    for (const e of entries) {
      if (e.netid !== 'udp' && e.netid !== 'tcp') continue;
      const port = e.netid === 'udp' ? o.udpPort! : o.tcpPort!;
      const ok = await client.pmapSet({ prog: e.prog, vers: e.vers, prot: e.netid, port });
      if (!ok) throw new RpcbindError('ERR_RPCBIND_REFUSED', `portmapper refused to register ${describe(e)}`);
      if (!speaksV4) set.push(e);
    }
  } catch (err) {
    await unsetAll().catch(() => {});
    client.close();
    if (err instanceof RpcbindError) throw err;
    throw new RpcbindError(
      'ERR_RPCBIND_UNAVAILABLE',
      `cannot register program ${o.prog} with rpcbind on 127.0.0.1:${rpcbindPort}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let done = false;
  return {
    mode: 'system',
    entries: set,
    async unregister() {
      if (done) return;
      done = true;
      try {
        await unsetAll();
      } catch (err) {
        logger.warn(`rpcbind: could not unregister program ${o.prog}: ${(err as Error).message}`);
      } finally {
        client.close();
      }
    },
  };
}

function describe(e: Registration): string {
  return `program ${e.prog} version ${e.vers} on ${e.netid} ${e.addr}`;
}
