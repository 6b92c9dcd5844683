import { RpcbindClient } from '../rpcbind/index.js';
import { builtinRpcNames, loadRpcNames, type RpcNames } from '../rpcbind/rpcent.js';
import type { Proto } from './registry.js';

/** An RPC program registered on a port, with the versions registered there. */
export interface RpcProgram {
  prog: number;
  name: string;
  vers: number[];
}

/** Which RPC programs rpcbind says are registered on a port and transport. Rejects when rpcbind cannot be asked. */
export type RpcProgramLookup = (port: number, proto: Proto) => Promise<RpcProgram[]>;

/** A portmap v2 mapping (RFC 1833 §3: struct mapping; prot 6 = TCP, 17 = UDP). */
export interface PmapMapping {
  prog: number;
  vers: number;
  prot: number;
  port: number;
}

/** IPPROTO_TCP and IPPROTO_UDP, as portmap v2 writes them (RFC 1833 §3). */
export const IPPROTO: Readonly<Record<Proto, number>> = { tcp: 6, udp: 17 };

/** What a well-known program is, in words (for verdicts). */
export const RPC_PROGRAM_ROLES: ReadonlyMap<number, string> = new Map([
  [100000, 'rpcbind'],
  [100003, 'the NFS server'],
  [100005, 'the NFS mount daemon'],
  [100011, 'the NFS quota daemon'],
  [100021, 'the Network Lock Manager'],
  [100024, 'the Network Status Monitor'],
  [100227, 'the NFS ACL service'],
]);

let names: RpcNames | undefined;

/** Program names: /etc/rpc when present, else the built-in table of well-known programs. */
export function rpcProgramNames(): RpcNames {
  names ??= loadRpcNames();
  return names;
}

/** The name of a program number, or the number itself when no table knows it. */
export function rpcProgramName(prog: number, table: RpcNames = rpcProgramNames()): string {
  return table.nameOf(prog) ?? builtinRpcNames().nameOf(prog) ?? String(prog);
}

/** The programs among portmap mappings that are registered on `port` over `proto`, versions sorted. */
export function programsOnPort(
  mappings: readonly PmapMapping[],
  port: number,
  proto: Proto,
  table: RpcNames = rpcProgramNames(),
): RpcProgram[] {
  const byProg = new Map<number, Set<number>>();
  for (const m of mappings) {
    if (m.port !== port || m.prot !== IPPROTO[proto]) continue;
    const vers = byProg.get(m.prog) ?? new Set<number>();
    vers.add(m.vers);
    byProg.set(m.prog, vers);
  }
  return [...byProg]
    .sort(([a], [b]) => a - b)
    .map(([prog, vers]) => ({
      prog,
      name: rpcProgramName(prog, table),
      vers: [...vers].sort((a, b) => a - b),
    }));
}

/** Options of the lookup through rpcbind. */
export interface RpcbindLookupOptions {
  /** Returns rpcbind's mapping list (portmap v2 PMAPPROC_DUMP). */
  dump: () => Promise<PmapMapping[]>;
  names?: RpcNames;
}

/** A lookup that asks rpcbind once (the first time it is used) and answers every port from that list. */
export function lookupFromDump(opts: RpcbindLookupOptions): RpcProgramLookup {
  let list: Promise<PmapMapping[]> | undefined;
  return async (port, proto) => {
    list ??= opts.dump();
    return programsOnPort(await list, port, proto, opts.names ?? rpcProgramNames());
  };
}

/** Options of {@link rpcbindProgramLookup}. */
export interface RpcbindProgramLookupOptions {
  /** Default 127.0.0.1 (this network namespace's rpcbind). */
  host?: string;
  port?: number;
  /** Per call, default 2000 ms: a missing rpcbind must not stall the command. */
  timeoutMs?: number;
}

/** Asks this host's rpcbind (portmap v2 PMAPPROC_DUMP, RFC 1833 §3.2) once, with the rpcbind client of src/rpcbind. */
export function rpcbindProgramLookup(opts: RpcbindProgramLookupOptions = {}): RpcProgramLookup {
  return lookupFromDump({
    dump: async () => {
      const client = new RpcbindClient({
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 111,
        timeoutMs: opts.timeoutMs ?? 2000,
      });
      try {
        return await client.pmapDump();
      } finally {
        client.close();
      }
    },
  });
}
