import { RpcbindError } from './errors.js';

/** The netids of the inet transports (RFC 5665 §5.1 registry: udp, tcp, udp6, tcp6). */
export type InetNetid = 'udp' | 'tcp' | 'udp6' | 'tcp6';

/** The four inet netids, in the order rpcbind registrations list them. */
export const INET_NETIDS: readonly InetNetid[] = ['udp', 'tcp', 'udp6', 'tcp6'];

/** A host and port decoded from a universal address. */
export interface UniversalAddress {
  /** IPv4 dotted quad, or IPv6 in RFC 5952 text form (lowercase, `::` compressed). */
  host: string;
  port: number;
  family: 4 | 6;
}

/** Transport and address family of an inet netid, or undefined for any other netid. */
export function netidInfo(netid: string): { transport: 'udp' | 'tcp'; family: 4 | 6 } | undefined {
  switch (netid) {
    case 'udp':
      return { transport: 'udp', family: 4 };
    case 'tcp':
      return { transport: 'tcp', family: 4 };
    case 'udp6':
      return { transport: 'udp', family: 6 };
    case 'tcp6':
      return { transport: 'tcp', family: 6 };
    default:
      return undefined;
  }
}

/** The inet netid of a transport and address family. */
export function netidOf(transport: 'udp' | 'tcp', family: 4 | 6): InetNetid {
  return family === 6 ? `${transport}6` : transport;
}

function bad(uaddr: string, why: string): RpcbindError {
  return new RpcbindError('ERR_RPCBIND_UADDR', `invalid universal address '${printable(uaddr)}': ${why}`);
}

/** Peer-supplied text shown in messages: control and non-ASCII bytes escaped, length capped. */
function printable(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}...` : s;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** A decimal 0-255 without sign, spaces or leading zeros (a leading zero means octal to inet_aton). */
function octet(s: string): number | undefined {
  if (!DECIMAL_OCTET.test(s)) return undefined;
  const n = Number(s);
  return n <= 255 ? n : undefined;
}

/** Parses a dotted-quad IPv4 address strictly; undefined if it is not one. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    const n = octet(p);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses IPv6 text (RFC 4291 §2.2, with an optional trailing dotted quad) into 8 groups; undefined if invalid. */
export function parseIPv6(s: string): number[] | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  let tail: number[] = [];
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    // Keep the colon(s) before the quad so that `::1.2.3.4` still has its `::`.
    text = s.slice(0, lastColon + 1);
    text = text.endsWith('::') ? text : text.slice(0, -1);
  }
  const want = 8 - tail.length;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!HEX_GROUP.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  if (!head) return undefined;
  if (halves.length === 1) {
    return head.length === want ? [...head, ...tail] : undefined;
  }
  const rest = groups(halves[1]!);
  if (!rest) return undefined;
  // `::` stands for at least one zero group (RFC 4291 §2.2 item 2).
  const zeros = want - head.length - rest.length;
  if (zeros < 1) return undefined;
  return [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail];
}

/** Formats 8 IPv6 groups as RFC 5952 §4 text; v4-mapped addresses end in a dotted quad (§5). */
export function formatIPv6(groups: readonly number[]): string {
  if (groups.length !== 8) throw new RangeError('IPv6 address needs 8 groups');
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const a = groups[6]!;
    const b = groups[7]!;
    return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  // The longest run of two or more zero groups becomes `::`; the first one on a tie (§4.2.3).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/**
 * Parses a universal address (RFC 1833 §2.2, RFC 5665 §5.2.3): `h1.h2.h3.h4.p1.p2` for IPv4,
 * `x:x::x.p1.p2` for IPv6. With a netid, the address family must fit it (udp/tcp: IPv4, udp6/tcp6: IPv6).
 * Throws RpcbindError ERR_RPCBIND_UADDR on anything else.
 */
export function parseUaddr(uaddr: string, netid?: string): UniversalAddress {
  if (uaddr.length === 0) throw bad(uaddr, 'empty');
  if (uaddr.length > 64) throw bad(uaddr, 'too long');
  const parts = uaddr.split('.');
  if (parts.length < 3) throw bad(uaddr, 'expected host.p1.p2');
  const p2 = octet(parts.pop()!);
  const p1 = octet(parts.pop()!);
  if (p1 === undefined || p2 === undefined) throw bad(uaddr, 'port octets must be decimal 0-255');
  const port = p1 * 256 + p2;
  const hostText = parts.join('.');
  let result: UniversalAddress;
  if (hostText.includes(':')) {
    const groups = parseIPv6(hostText);
    if (!groups) throw bad(uaddr, 'host is not an IPv6 address');
    result = { host: formatIPv6(groups), port, family: 6 };
  } else {
    const quad = parseIPv4(hostText);
    if (!quad) throw bad(uaddr, 'host is not a dotted-quad IPv4 address');
    result = { host: quad.join('.'), port, family: 4 };
  }
  if (netid !== undefined) {
    const info = netidInfo(netid);
    if (!info) {
      throw new RpcbindError(
        'ERR_RPCBIND_NETID',
        `netid '${printable(netid)}' is not one of udp, tcp, udp6, tcp6`,
      );
    }
    if (info.family !== result.family) {
      throw bad(uaddr, `an IPv${result.family} address does not fit netid ${netid}`);
    }
  }
  return result;
}

/** Formats a host (IPv4 or IPv6 text) and port as a universal address. Throws on bad input. */
export function formatUaddr(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RpcbindError('ERR_RPCBIND_UADDR', `port ${port} is not 0-65535`);
  }
  const suffix = `${port >> 8}.${port & 0xff}`;
  const quad = parseIPv4(host);
  if (quad) return `${quad.join('.')}.${suffix}`;
  const groups = host.includes(':') && !host.includes('%') ? parseIPv6(host) : undefined;
  if (!groups) throw new RpcbindError('ERR_RPCBIND_UADDR', `'${printable(host)}' is not an IP address`);
  return `${formatIPv6(groups)}.${suffix}`;
}

/** The family of an IP address text, or undefined when it is not one. */
export function ipFamily(host: string): 4 | 6 | undefined {
  if (parseIPv4(host)) return 4;
  if (host.includes(':') && parseIPv6(host)) return 6;
  return undefined;
}

/** True for the wildcard addresses 0.0.0.0 and ::, which rpcbind replaces with a reachable one. */
export function isWildcardHost(host: string): boolean {
  if (host === '0.0.0.0') return true;
  const groups = host.includes(':') ? parseIPv6(host) : undefined;
  return groups?.every((g) => g === 0) === true;
}
