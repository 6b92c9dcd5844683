import { type Listener, type ListenerScan, scanListeners } from './listeners.js';
import { type PortRange, portRange } from './range.js';
import {
  loadRegistry,
  NO_REFERENCE,
  type PortRegistry,
  PROTOS,
  type Proto,
  type RegistryEntry,
} from './registry.js';
import type { RpcProgram, RpcProgramLookup } from './rpc.js';
import { judgePort, mostUrgent, type Verdict } from './verdict.js';

const RPCBIND_PORT = 111;

/** A registry row as reported: the row plus whether a document describes the protocol. */
export interface RegistryReport extends RegistryEntry {
  /** False when the row assigns a service but cites no reference. */
  documented: boolean;
  /** `NO_REFERENCE` for an undocumented assignment, else null. */
  referenceNote: string | null;
}

/** One port over one transport: registry, listeners, RPC programs, verdict. */
export interface ProtoReport {
  port: number;
  proto: Proto;
  range: PortRange['name'];
  registry: RegistryReport[];
  listeners: Listener[];
  /** Programs rpcbind has on this port; empty when none or when rpcbind did not answer (see `rpcbind`). */
  rpc: RpcProgram[];
  verdict: Verdict;
}

/** Whether rpcbind could be asked which RPC programs sit on which port. */
export interface RpcbindStatus {
  /** False when no listener needed asking, nothing is bound to udp port 111, or no lookup was given. */
  asked: boolean;
  /** null when there was no reason to ask; false when not bound or not answering. */
  reachable: boolean | null;
  error: string | null;
}

/** What this run could see: null `cannotSee` means everything. */
export interface Visibility {
  root: boolean;
  processesRead: number;
  processesUnreadable: number;
  cannotSee: string | null;
}

/** `nsmd port N --json`. */
export interface PortReport {
  port: number;
  range: PortRange;
  protocols: ProtoReport[];
  /** The most urgent of the per-transport verdicts. */
  verdict: Verdict;
  rpcbind: RpcbindStatus;
  visibility: Visibility;
}

/** `nsmd ports --json`: one entry per port and transport that something listens on. */
export interface PortsReport {
  entries: ProtoReport[];
  /** Entries worth a look (what `--audit` prints). */
  needsLook: number;
  /** Unexpected listeners on well-known ports (what makes `--audit` exit 1). */
  unexpectedWellKnown: number;
  rpcbind: RpcbindStatus;
  visibility: Visibility;
}

/** The sources an inspection reads; each can be replaced (tests, other namespaces). */
export interface InspectOptions {
  /** Only this transport; default both. */
  proto?: Proto;
  registry?: PortRegistry;
  scan?: () => Promise<ListenerScan>;
  /** RPC programs by port; default: none known (rpcbind not asked). */
  rpcLookup?: RpcProgramLookup;
}

function registryReport(e: RegistryEntry): RegistryReport {
  const undocumented = e.kind === 'assigned' && e.reference === null;
  return { ...e, documented: !undocumented, referenceNote: undocumented ? NO_REFERENCE : null };
}

function visibilityOf(scan: ListenerScan): Visibility {
  return {
    root: typeof process.geteuid === 'function' && process.geteuid() === 0,
    processesRead: scan.processesRead,
    processesUnreadable: scan.processesUnreadable,
    cannotSee: scan.cannotSee,
  };
}

// rpcbind is asked over UDP at 127.0.0.1:111; a socket that can receive that must be bound there.
function rpcbindListens(listeners: readonly Listener[]): boolean {
  return listeners.some(
    (l) =>
      l.proto === 'udp' &&
      l.port === RPCBIND_PORT &&
      ['0.0.0.0', '127.0.0.1', '::', '::ffff:127.0.0.1'].includes(l.address),
  );
}

class RpcAnswers {
  status: RpcbindStatus = { asked: false, reachable: null, error: null };
  constructor(
    private readonly lookup: RpcProgramLookup | undefined,
    listeners: readonly Listener[],
  ) {
    // Nothing bound to port 111: say so at once instead of waiting for a reply that cannot come.
    if (lookup && !rpcbindListens(listeners)) {
      this.status = { asked: false, reachable: false, error: `nothing listens on udp port ${RPCBIND_PORT}` };
    }
  }
  /** Programs on the port, or null when rpcbind could not be asked. */
  async on(port: number, proto: Proto): Promise<RpcProgram[] | null> {
    if (!this.lookup || this.status.reachable === false) return null;
    try {
      const programs = await this.lookup(port, proto);
      this.status = { asked: true, reachable: true, error: null };
      return programs;
    } catch (err) {
      this.status = { asked: true, reachable: false, error: (err as Error).message };
      return null;
    }
  }
}

async function protoReport(
  port: number,
  proto: Proto,
  registry: PortRegistry,
  listeners: Listener[],
  rpc: RpcAnswers,
): Promise<ProtoReport> {
  const entries = registry.lookup(port, proto);
  const mine = listeners.filter((l) => l.port === port && l.proto === proto);
  const programs = mine.length > 0 ? await rpc.on(port, proto) : [];
  const verdict = judgePort({
    port,
    proto,
    assigned: entries.filter((e) => e.kind === 'assigned').map((e) => e.service!),
    listeners: mine,
    rpc: programs,
  });
  return {
    port,
    proto,
    range: portRange(port).name,
    registry: entries.map(registryReport),
    listeners: mine,
    rpc: programs ?? [],
    verdict,
  };
}

/** Everything known about one port: registry, range, listeners, RPC programs and a verdict. */
export async function inspectPort(port: number, opts: InspectOptions = {}): Promise<PortReport> {
  const range = portRange(port); // throws RangeError outside 0-65535
  const registry = opts.registry ?? loadRegistry();
  const scan = await (opts.scan ?? scanListeners)();
  const rpc = new RpcAnswers(opts.rpcLookup, scan.listeners);
  const protocols: ProtoReport[] = [];
  for (const proto of opts.proto ? [opts.proto] : PROTOS) {
    protocols.push(await protoReport(port, proto, registry, scan.listeners, rpc));
  }
  return {
    port,
    range,
    protocols,
    verdict: mostUrgent(protocols.map((p) => p.verdict)),
    rpcbind: rpc.status,
    visibility: visibilityOf(scan),
  };
}

/** Every port something listens on in this network namespace, judged like `inspectPort`. */
export async function inspectAll(opts: Omit<InspectOptions, 'proto'> = {}): Promise<PortsReport> {
  const registry = opts.registry ?? loadRegistry();
  const scan = await (opts.scan ?? scanListeners)();
  const rpc = new RpcAnswers(opts.rpcLookup, scan.listeners);
  const seen = new Set<string>();
  const entries: ProtoReport[] = [];
  for (const l of scan.listeners) {
    const key = `${l.port}/${l.proto}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(await protoReport(l.port, l.proto, registry, scan.listeners, rpc));
  }
  return {
    entries,
    needsLook: entries.filter((e) => e.verdict.needsLook).length,
    unexpectedWellKnown: entries.filter(
      (e) => e.verdict.code === 'unexpected-listener' && e.range === 'well-known',
    ).length,
    rpcbind: rpc.status,
    visibility: visibilityOf(scan),
  };
}
