import { isIPv4, isIPv6 } from 'node:net';

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

function parseIPv6(addr: string): number[] | null {
  const lastColon = addr.lastIndexOf(':');
  const last = addr.slice(lastColon + 1);
  if (last.includes('.')) {
    // A trailing dotted quad stands for the last two groups (RFC 4291 §2.2).
    if (!isIPv4(last)) return null;
    const o = last.split('.').map(Number);
    addr = `${addr.slice(0, lastColon + 1)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const parts = addr.split('::');
  if (parts.length > 2) return null;
  const head = parts[0] ? parts[0].split(':') : [];
  const tail = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  const fill = parts.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (parts.length === 1 && head.length !== 8)) return null;
  const out = [
    ...head.map((h) => Number.parseInt(h, 16)),
    ...new Array<number>(fill).fill(0),
    ...tail.map((h) => Number.parseInt(h, 16)),
  ];
  return out.length === 8 && out.every((g) => g >= 0 && g <= 0xffff) ? out : null;
}

// RFC 5952 §4: lowercase hex, no leading zeros, the longest run (>= 2) of zero groups as '::'.
function formatIPv6(g: number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
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
