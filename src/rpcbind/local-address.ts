import { networkInterfaces } from 'node:os';
import { isWildcardHost, parseIPv4, parseIPv6 } from './uaddr.js';

/** One local interface address, as os.networkInterfaces() gives it. */
export interface InterfaceAddress {
  address: string;
  netmask: string;
  family: 'IPv4' | 'IPv6';
}

function bytesOf(host: string): number[] | undefined {
  const v4 = parseIPv4(host);
  if (v4) return v4;
  const v6 = host.includes(':') ? parseIPv6(host.split('%')[0]!) : undefined;
  return v6?.flatMap((g) => [g >> 8, g & 0xff]);
}

function sameNetwork(a: number[], b: number[], mask: number[]): boolean {
  if (a.length !== b.length || a.length !== mask.length) return false;
  return a.every((x, i) => (x & mask[i]!) === (b[i]! & mask[i]!));
}

/**
 * The local address a caller can reach us on, in the given family: the address the call arrived on
 * when the socket knows it (TCP), else the loopback address for loopback callers, else the address of
 * the interface whose network holds the caller (a UDP socket bound to the wildcard does not learn the
 * destination of a datagram). Undefined when there is none.
 */
export function localAddressFor(
  callerAddress: string,
  callerLoopback: boolean,
  arrivedOn: string,
  family: 4 | 6,
  interfaces: () => InterfaceAddress[] = listInterfaces,
): string | undefined {
  const local =
    family === 4 && arrivedOn.toLowerCase().startsWith('::ffff:') ? arrivedOn.slice(7) : arrivedOn;
  const localFamily = local.includes(':') ? 6 : 4;
  if (local !== '' && !isWildcardHost(local) && localFamily === family && !local.includes('%')) return local;
  if (callerLoopback) return family === 4 ? '127.0.0.1' : '::1';
  const caller = bytesOf(callerAddress);
  if (!caller) return undefined;
  for (const ifa of interfaces()) {
    if ((ifa.family === 'IPv4' ? 4 : 6) !== family || ifa.address.includes('%')) continue;
    const addr = bytesOf(ifa.address);
    const mask = bytesOf(ifa.netmask);
    if (addr && mask && sameNetwork(addr, caller, mask)) return ifa.address;
  }
  return undefined;
}

function listInterfaces(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.push({ address: a.address, netmask: a.netmask, family: a.family });
  }
  return out;
}
