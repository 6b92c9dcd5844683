import { isIPv4, isIPv6 } from 'node:net';
import { formatIPv6, parseIPv6 } from '../rpcbind/uaddr.js';

/** XNFS 3W ch. 11: SM_MAXSTRLEN, the longest mon_name / my_name. */
export const SM_MAXSTRLEN = 1024;

/** Why a peer-supplied name was refused. */
export type NameProblem = 'empty' | 'too-long' | 'slash' | 'leading-dot' | 'control-char';

/**
 * Checks a mon_name or my_name (an XDR byte string) before it is used anywhere. Names become file
 * names in the state directory and log fields, so '/', a leading '.', NUL and control characters are
 * refused (CERT CA-96.09: file create/delete through mon_name). Returns null when the name is fine.
 */
export function checkName(name: string): NameProblem | null {
  if (name.length === 0) return 'empty';
  if (name.length > SM_MAXSTRLEN) return 'too-long';
  if (name.charCodeAt(0) === 0x2e) return 'leading-dot';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'control-char';
    if (c === 0x2f) return 'slash';
  }
  return null;
}

/** True when the name is an IPv4 or IPv6 address literal. */
export function isAddressLiteral(name: string): boolean {
  return isIPv4(name) || isIPv6(name);
}

/**
 * The canonical form of an address literal: IPv4 dotted quad, IPv6 in RFC 5952 form (lowercase,
 * longest zero run compressed), a v4-mapped IPv6 address (`::ffff:a.b.c.d`) as plain IPv4.
 * Returns null when the input is not an address.
 */
export function canonicalAddress(addr: string): string | null {
  if (isIPv4(addr)) return canonicalIPv4(addr);
  if (!isIPv6(addr)) return null;
  let zone = '';
  const pct = addr.indexOf('%');
  if (pct >= 0) {
    zone = addr.slice(pct).toLowerCase();
    addr = addr.slice(0, pct);
  }
  const groups = parseIPv6(addr);
  if (!groups) return null;
  // RFC 4291 §2.5.5.2: ::ffff:0:0/96 carries an IPv4 address.
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return formatIPv6(groups) + zone;
}

function canonicalIPv4(addr: string): string {
  // net.isIPv4 accepts only plain dotted decimal without leading zeros: already canonical.
  return addr;
}

/**
 * The canonical form of a mon_name: address literals per {@link canonicalAddress}, DNS names in
 * ASCII lowercase without a trailing dot. Other bytes are kept as they are.
 */
export function canonicalName(name: string): string {
  const addr = canonicalAddress(name);
  if (addr !== null) return addr;
  let n = name;
  if (n.length > 1 && n.charCodeAt(n.length - 1) === 0x2e) n = n.slice(0, -1);
  // Only ASCII letters fold: a byte string's high bytes are not characters of any one charset.
  return /[A-Z]/.test(n) ? n.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : n;
}

/** The first label of a DNS name (`alpha.example.com` -> `alpha`); null for literals and short names. */
export function shortName(name: string): string | null {
  if (isAddressLiteral(name)) return null;
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return null;
  return name.slice(0, dot);
}
