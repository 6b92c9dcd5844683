import { isIP } from 'node:net';

const MAPPED_PREFIX = '::ffff:';

/** Gives a v4-mapped IPv6 address (`::ffff:a.b.c.d`) as plain IPv4; other addresses unchanged. */
export function normalizeAddress(address: string): string {
  if (address.length > 7 && address.charCodeAt(0) === 58 /* : */) {
    const lower = address.slice(0, 7).toLowerCase();
    if (lower === MAPPED_PREFIX) {
      const v4 = address.slice(7);
      if (isIP(v4) === 4) return v4;
    }
  }
  return address;
}

/** The IP family of an address after normalization (4 or 6); 0 when it is not an IP address. */
export function addressFamily(address: string): 0 | 4 | 6 {
  return isIP(normalizeAddress(address)) as 0 | 4 | 6;
}

/** True for 127.0.0.0/8, ::1 and their v4-mapped forms. */
export function isLoopback(address: string): boolean {
  const a = normalizeAddress(address);
  if (a.startsWith('127.')) return isIP(a) === 4;
  if (a === '::1') return true;
  // Other spellings of ::1 (0:0:0:0:0:0:0:1) are rare but valid.
  return isIP(a) === 6 && /^(0{1,4}:){7}0{0,3}1$/.test(a);
}

/** A source port below 1024, which only a privileged process can bind (RFC 5531 has no notion of it; UNIX does). */
export function isPrivilegedPort(port: number): boolean {
  return port > 0 && port < 1024;
}

/**
 * A `lookup` for node:dgram sockets that only ever send to IP literals: answers at once, without a
 * trip through dns.lookup (and its nextTick) on every send.
 */
export function literalLookup(
  address: string,
  family: unknown,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, family === 6 || address.includes(':') ? 6 : 4);
}
