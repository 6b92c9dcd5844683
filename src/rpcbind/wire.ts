import {
  PMAPVERS_DEF,
  type pmaplist,
  type pmaplist_ptr,
  RPCBVERS_DEF,
  RPCBVERS4_DEF,
  type rp__list,
  type rpcb,
  type rpcblist_ptr,
} from '../proto/rpcb_prot.js';
import type { PortMapping, Registration } from './table.js';

/** Program definitions of portmap v2 and rpcbind v3 and v4 (RFC 1833). */
export const PMAP_DEF = PMAPVERS_DEF;
export const RPCB3_DEF = RPCBVERS_DEF;
export const RPCB4_DEF = RPCBVERS4_DEF;

/** The `rpcb` argument of SET, UNSET and GETADDR. */
export function rpcbArgs(r: {
  prog: number;
  vers: number;
  netid: string;
  addr: string;
  owner?: string;
}): rpcb {
  return { r_prog: r.prog, r_vers: r.vers, r_netid: r.netid, r_addr: r.addr, r_owner: r.owner ?? '' };
}

/** A decoded `rpcb` as a Registration. */
export function fromRpcb(r: rpcb): Registration {
  return { prog: r.r_prog, vers: r.r_vers, netid: r.r_netid, addr: r.r_addr, owner: r.r_owner };
}

/** Flattens a PMAPPROC_DUMP list (nested optional-data) into an array, iteratively. */
export function toPortMappings(list: pmaplist_ptr): PortMapping[] {
  const out: PortMapping[] = [];
  for (let node: pmaplist | null = list; node; node = node.next) out.push({ ...node.map });
  return out;
}

/** Builds a PMAPPROC_DUMP list from an array, keeping its order. */
export function fromPortMappings(maps: readonly PortMapping[]): pmaplist_ptr {
  let head: pmaplist | null = null;
  for (let i = maps.length - 1; i >= 0; i--) {
    const m = maps[i]!;
    head = { map: { prog: m.prog, vers: m.vers, prot: m.prot, port: m.port }, next: head };
  }
  return head;
}

/** Flattens an RPCBPROC_DUMP list into an array, iteratively. */
export function toRegistrations(list: rpcblist_ptr): Registration[] {
  const out: Registration[] = [];
  for (let node: rp__list | null = list; node; node = node.rpcb_next) out.push(fromRpcb(node.rpcb_map));
  return out;
}

/** Builds an RPCBPROC_DUMP list from an array, keeping its order. */
export function fromRegistrations(regs: readonly Registration[]): rpcblist_ptr {
  let head: rp__list | null = null;
  for (let i = regs.length - 1; i >= 0; i--) head = { rpcb_map: rpcbArgs(regs[i]!), rpcb_next: head };
  return head;
}

/** Encoded size of one `rpcb` (RFC 4506: 4-byte ints, strings padded to 4). */
export function rpcbSize(r: { netid: string; addr: string; owner: string }): number {
  const str = (s: string) => 4 + ((s.length + 3) & ~3);
  return 8 + str(r.netid) + str(r.addr) + str(r.owner);
}
