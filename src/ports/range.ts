/** IANA's three port ranges (RFC 6335 §6). */
export type PortRangeName = 'well-known' | 'registered' | 'dynamic';

/** A port range and what it means for a port in it. */
export interface PortRange {
  name: PortRangeName;
  low: number;
  high: number;
  meaning: string;
}

const RANGES: readonly PortRange[] = [
  {
    name: 'well-known',
    low: 0,
    high: 1023,
    meaning: 'system ports: IANA assigns them to services; binding one needs root or CAP_NET_BIND_SERVICE',
  },
  {
    name: 'registered',
    low: 1024,
    high: 49151,
    meaning: 'user ports: IANA registers them for services, but any process may bind them',
  },
  {
    name: 'dynamic',
    low: 49152,
    high: 65535,
    meaning: 'dynamic/private ports: never assigned; for private use and short-lived (ephemeral) ports',
  },
];

/** True for an integer 0-65535. */
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** The range a port belongs to. Throws RangeError outside 0-65535. */
export function portRange(port: number): PortRange {
  if (!isPort(port)) throw new RangeError(`not a port number: ${port}`);
  return RANGES.find((r) => port <= r.high)!;
}
