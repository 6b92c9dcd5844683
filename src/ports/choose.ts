import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { PortsError } from './errors.js';
import { readProcSockets } from './listeners.js';
import { GHOST_SERVICES, loadRegistry, type PortRegistry, type RegistryEntry } from './registry.js';

/** statd's traditional port: IANA assigns it to wpages, a service nothing implements. */
export const STATD_PORT = 776;

/** The reserved ports bindresvport(3) picks from. */
export const RESERVED_LOW = 600;
export const RESERVED_HIGH = 1023;

/** The port a daemon should listen on, and a sentence for its log saying why. */
export interface ListenPortChoice {
  /** The preferred port, or 0 for an ephemeral one. */
  port: number;
  reason: string;
}

/** Tries to bind a port (TCP and UDP) and releases it at once; rejects with the socket error. */
export type BindProbe = (port: number) => Promise<void>;

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

async function probeTcp(port: number, host: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function probeUdp(port: number, host: string): Promise<void> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: host, exclusive: true }, () => resolve());
    });
  } finally {
    socket.close();
  }
}

/** Binds the port over TCP and UDP on every address (IPv6 dual stack, else IPv4) and releases it. */
export async function probeBind(port: number): Promise<void> {
  for (const host of ['::', '0.0.0.0']) {
    try {
      await probeTcp(port, host);
      await probeUdp(port, host);
      return;
    } catch (err) {
      const code = errnoOf(err);
      // No IPv6 on this host: try IPv4 alone.
      if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) continue;
      throw err;
    }
  }
}

/**
 * The port a statd should listen on when none is configured: 776 when this process may bind it
 * (root or CAP_NET_BIND_SERVICE, found by trying) and it is free, else 0 for an ephemeral port.
 * The probe releases the port before returning: bind it right away.
 */
export async function chooseListenPort(
  opts: { port?: number; probe?: BindProbe } = {},
): Promise<ListenPortChoice> {
  const port = opts.port ?? STATD_PORT;
  try {
    await (opts.probe ?? probeBind)(port);
    return {
      port,
      reason:
        port === STATD_PORT
          ? `port ${port}: statd's traditional port (IANA assigns it to wpages, a service nothing implements)`
          : `port ${port}: free and this process may bind it`,
    };
  } catch (err) {
    const code = errnoOf(err);
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? `binding ${port} needs root or CAP_NET_BIND_SERVICE`
        : code === 'EADDRINUSE'
          ? `${port} is already in use (see: nsmd port ${port})`
          : `${port} could not be bound (${code ?? (err as Error).message})`;
    return { port: 0, reason: `an ephemeral port: ${why}` };
  }
}

/** A registry row that still stands for a service someone may run (anything but a ghost). */
export function isLiveAssignment(e: RegistryEntry): boolean {
  return e.kind === 'assigned' && !(e.service !== null && GHOST_SERVICES.has(e.service));
}

/** Ports listed in the text of /etc/bindresvport.blacklist: one per line, `#` starts a comment. */
export function parseBindresvportBlacklist(text: string): Set<number> {
  const ports = new Set<number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!/^\d+$/.test(line)) continue;
    const port = Number(line);
    if (port <= 65535) ports.add(port);
  }
  return ports;
}

/** The ports in /etc/bindresvport.blacklist (none when the file is missing). */
export function readBindresvportBlacklist(path = '/etc/bindresvport.blacklist'): Set<number> {
  try {
    return parseBindresvportBlacklist(readFileSync(path, 'utf8'));
  } catch {
    return new Set();
  }
}

/** What the reserved-port choice avoids; each source can be given (tests) or is read from the host. */
export interface ReservedPortOptions {
  /** Default 600 and 1023 (bindresvport's range); 1 and 1023 for the whole reserved range. */
  low?: number;
  high?: number;
  registry?: PortRegistry;
  /** Default: /etc/bindresvport.blacklist. */
  blacklist?: ReadonlySet<number>;
  /** Local ports of sockets in this namespace, TCP or UDP; default: read from /proc/net. */
  inUse?: ReadonlySet<number>;
  /** Never chosen, default [776]: the port statd listens on is not for outgoing calls. */
  exclude?: Iterable<number>;
}

/**
 * Reserved ports safe for outgoing calls, ascending: no live IANA assignment over TCP or UDP (only
 * ghosts such as wpages are allowed), not in the blacklist, not excluded, not bound by any socket.
 */
export function freeReservedPorts(
  opts: Required<Pick<ReservedPortOptions, 'registry' | 'blacklist' | 'inUse'>> & ReservedPortOptions,
): number[] {
  const low = opts.low ?? RESERVED_LOW;
  const high = opts.high ?? RESERVED_HIGH;
  if (!(low >= 1 && high <= 1023 && low <= high))
    throw new RangeError(`not a reserved port range: ${low}-${high}`);
  const exclude = new Set(opts.exclude ?? [STATD_PORT]);
  const out: number[] = [];
  for (let port = low; port <= high; port++) {
    if (exclude.has(port) || opts.blacklist.has(port) || opts.inUse.has(port)) continue;
    if (opts.registry.lookup(port).some(isLiveAssignment)) continue;
    out.push(port);
  }
  return out;
}

/** Like {@link freeReservedPorts}, reading what is not given from the host (registry, blacklist, /proc). */
export async function reservedPortCandidates(opts: ReservedPortOptions = {}): Promise<number[]> {
  const inUse = opts.inUse ?? new Set((await readProcSockets()).map((s) => s.localPort));
  return freeReservedPorts({
    ...opts,
    registry: opts.registry ?? loadRegistry(),
    blacklist: opts.blacklist ?? readBindresvportBlacklist(),
    inUse,
  });
}

/** Binds a socket to a given local port; rejects with the socket error (EADDRINUSE, EACCES...). */
export type ReservedSocketFactory<S> = (port: number) => Promise<S>;

/** Options of {@link bindReservedPort}. */
export interface BindReservedOptions extends ReservedPortOptions {
  /** Ports to try (default: {@link reservedPortCandidates}). */
  candidates?: readonly number[];
  /** Random source for the order of tries (default Math.random). */
  random?: () => number;
}

/**
 * Binds a socket to a free reserved port among the candidates, tried in random order (so two
 * daemons starting together do not race for the same port). EADDRINUSE moves on to the next port;
 * EACCES/EPERM rejects with ERR_PORTS_NO_PRIVILEGE; no port left rejects with ERR_PORTS_EXHAUSTED.
 */
export async function bindReservedPort<S>(
  factory: ReservedSocketFactory<S>,
  opts: BindReservedOptions = {},
): Promise<{ socket: S; port: number }> {
  const ports = [...(opts.candidates ?? (await reservedPortCandidates(opts)))];
  const random = opts.random ?? Math.random;
  for (let i = ports.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ports[i], ports[j]] = [ports[j]!, ports[i]!];
  }
  for (const port of ports) {
    try {
      return { socket: await factory(port), port };
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'EADDRINUSE') continue;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new PortsError(
          'ERR_PORTS_NO_PRIVILEGE',
          'binding a reserved port needs root or CAP_NET_BIND_SERVICE',
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }
  throw new PortsError('ERR_PORTS_EXHAUSTED', `no free reserved port among ${ports.length} candidates`);
}

/**
 * A reusable chooser for a daemon's outgoing calls: the candidate list is computed once and
 * refreshed after `refreshMs` (default 60 s), so each call costs no /proc read.
 */
export function reservedPortChooser(
  opts: ReservedPortOptions & { refreshMs?: number; now?: () => number } = {},
): <S>(factory: ReservedSocketFactory<S>) => Promise<{ socket: S; port: number }> {
  const refreshMs = opts.refreshMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; ports: Promise<number[]> } | undefined;
  return async (factory) => {
    if (!cached || now() - cached.at > refreshMs) {
      const entry = { at: now(), ports: reservedPortCandidates(opts) };
      // A failed read is not kept: the next call tries again.
      entry.ports.catch(() => {
        if (cached === entry) cached = undefined;
      });
      cached = entry;
    }
    return bindReservedPort(factory, { candidates: await cached.ports });
  };
}
