import { formatUaddr, isWildcardHost, netidInfo, parseUaddr } from './uaddr.js';

/** One rpcbind registration (RFC 1833 §2.1 `rpcb`): all versions of the protocol share these. */
export interface Registration {
  prog: number;
  vers: number;
  /** Transport netid (udp, tcp, udp6, tcp6; other netids are kept as given). */
  netid: string;
  /** Universal address. */
  addr: string;
  /** Who registered it: 'superuser' for the server itself, 'unknown' for network callers. */
  owner: string;
}

/** A portmap v2 mapping (RFC 1833 §3.1), as v2 DUMP lists it. */
export interface PortMapping {
  prog: number;
  vers: number;
  /** IPPROTO_TCP (6) or IPPROTO_UDP (17). */
  prot: number;
  port: number;
}

/** IP protocol numbers used by portmap v2 (RFC 1833 §3.1). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** The owner the server records for its own entries and for privileged local callers. */
export const OWNER_SUPERUSER = 'superuser';
/** The owner recorded for callers whose identity the transport does not prove (UDP, TCP). */
export const OWNER_UNKNOWN = 'unknown';

/** Outcome of a SET: `exists` = same prog/vers/netid already registered with another address. */
export type SetOutcome = 'added' | 'unchanged' | 'exists' | 'full';
/** Outcome of an UNSET: `denied` = a matching entry belongs to another owner (nothing removed). */
export type UnsetOutcome = { removed: number } | 'denied';

const sameNetid = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The registration table of an rpcbind server, shared by portmap v2 and rpcbind v3/v4 so that
 * a v2 SET shows in v3 DUMP and the other way round (RFC 1833 §2 and §3). Entries keep their
 * registration order, as rpcbind's DUMP does.
 */
export class RegistrationTable {
  private entries: Registration[] = [];

  constructor(readonly maxEntries = 1024) {}

  /** Number of entries. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Adds a registration. An identical one (same address) is accepted again without a second entry;
   * another address for the same prog/vers/netid is refused, as rpcbind does.
   */
  set(reg: Registration): SetOutcome {
    const found = this.entries.find(
      (e) => e.prog === reg.prog && e.vers === reg.vers && sameNetid(e.netid, reg.netid),
    );
    if (found) return found.addr === reg.addr ? 'unchanged' : 'exists';
    if (this.entries.length >= this.maxEntries) return 'full';
    this.entries.push({ ...reg });
    return 'added';
  }

  /**
   * Removes the entries of prog/vers on one netid, or on every netid when netid is ''.
   * A caller other than 'superuser' may remove only entries it owns; when any matching entry is
   * someone else's, nothing is removed. Removing nothing is a success (rpcbind answers true too).
   */
  unset(prog: number, vers: number, netid: string, owner: string): UnsetOutcome {
    const match = (e: Registration) =>
      e.prog === prog && e.vers === vers && (netid === '' || sameNetid(e.netid, netid));
    const hits = this.entries.filter(match);
    if (owner !== OWNER_SUPERUSER && hits.some((e) => e.owner !== owner)) return 'denied';
    this.entries = this.entries.filter((e) => !match(e));
    return { removed: hits.length };
  }

  /**
   * Finds the entry for prog on netid: the one of version vers if registered; otherwise, unless
   * exactVersion, the last registered entry of any version of prog (RFC 1833 §2.2.2: GETADDR may
   * answer another version, GETVERSADDR may not; rpcbind and rpcinfo's version probe rely on it).
   */
  lookup(prog: number, vers: number, netid: string, exactVersion = false): Registration | undefined {
    let hit: Registration | undefined;
    for (const e of this.entries) {
      if (e.prog !== prog || !sameNetid(e.netid, netid)) continue;
      if (e.vers === vers) return e;
      if (!exactVersion) hit = e;
    }
    return hit;
  }

  /** Every entry in registration order (copies). */
  list(): Registration[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** The portmap v2 view: udp and tcp entries whose address parses, as prog/vers/prot/port. */
  pmapList(): PortMapping[] {
    const out: PortMapping[] = [];
    for (const e of this.entries) {
      const port = portOf(e);
      if (port === undefined) continue;
      const prot = netidInfo(e.netid)?.transport === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
      out.push({ prog: e.prog, vers: e.vers, prot, port });
    }
    return out;
  }
}

/** The port of a udp or tcp (IPv4) entry, or undefined for other netids and unparsable addresses. */
export function portOf(e: Registration): number | undefined {
  const n = e.netid.toLowerCase();
  if (n !== 'udp' && n !== 'tcp') return undefined;
  try {
    return parseUaddr(e.addr, n).port;
  } catch {
    return undefined;
  }
}

/**
 * The address to give a caller for an entry: a wildcard host (0.0.0.0, ::) is replaced by a local
 * address of the same family that the caller can reach (rpcbind merges addresses the same way).
 * `localFor` gives that address, or undefined when there is none (the entry is then given as is).
 */
export function reachableUaddr(e: Registration, localFor: (family: 4 | 6) => string | undefined): string {
  const netid = e.netid.toLowerCase();
  if (!netidInfo(netid)) return e.addr;
  try {
    const a = parseUaddr(e.addr, netid);
    if (!isWildcardHost(a.host)) return e.addr;
    const local = localFor(a.family);
    return local === undefined ? e.addr : formatUaddr(local, a.port);
  } catch {
    return e.addr;
  }
}
