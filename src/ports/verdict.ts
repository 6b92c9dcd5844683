import type { Listener, ProcessInfo } from './listeners.js';
import { GHOST_SERVICES, type Proto } from './registry.js';
import { RPC_PROGRAM_ROLES, type RpcProgram, rpcProgramName } from './rpc.js';

/** What a port is, compared with what the registry says it should be. */
export type VerdictCode =
  | 'assigned-service-present'
  | 'squatter'
  | 'assigned-idle'
  | 'unassigned-in-use'
  | 'unexpected-listener'
  | 'unidentified-listener'
  | 'unassigned-idle';

/** A verdict for one port and transport. */
export interface Verdict {
  code: VerdictCode;
  /** The verdict in words, e.g. "assigned to wpages, used by the Network Status Monitor (RPC 100024 status)". */
  text: string;
  /** Worth a look: an unexpected or unidentified listener, or an RPC service on a live service's port. */
  needsLook: boolean;
}

/** What the verdict is judged from. */
export interface VerdictInput {
  port: number;
  proto: Proto;
  /** Names of the services IANA assigns to this port and transport (empty when none). */
  assigned: readonly string[];
  listeners: readonly Pick<Listener, 'owner' | 'processes'>[];
  /** Programs rpcbind has registered on this port and transport; null when rpcbind could not be asked. */
  rpc: readonly RpcProgram[] | null;
}

/** How urgent each verdict is, most urgent first (a port's summary is its most urgent transport). */
export const VERDICT_ORDER: readonly VerdictCode[] = [
  'unexpected-listener',
  'unidentified-listener',
  'squatter',
  'unassigned-in-use',
  'assigned-service-present',
  'assigned-idle',
  'unassigned-idle',
];

/**
 * Daemons known to implement an IANA service under another name. A process also counts as the
 * service when its name is the service name, the service name plus "d", or starts with it (sshd for ssh).
 */
const SERVICE_DAEMONS: Readonly<Record<string, readonly string[]>> = {
  ssh: ['dropbear'],
  domain: [
    'named',
    'dnsmasq',
    'unbound',
    'systemd-resolve',
    'pdns_server',
    'pdns_recursor',
    'knotd',
    'coredns',
  ],
  http: ['nginx', 'apache2', 'lighttpd', 'caddy', 'haproxy', 'traefik', 'envoy'],
  https: ['nginx', 'apache2', 'httpd', 'lighttpd', 'caddy', 'haproxy', 'traefik', 'envoy'],
  smtp: ['master', 'exim4', 'exim', 'sendmail', 'opensmtpd'],
  submission: ['master', 'exim4', 'exim', 'sendmail', 'opensmtpd', 'smtpd'],
  submissions: ['master', 'exim4', 'exim', 'sendmail', 'opensmtpd', 'smtpd'],
  imap: ['dovecot', 'imap-login', 'cyrus-master'],
  imaps: ['dovecot', 'imap-login', 'cyrus-master'],
  pop3: ['dovecot', 'pop3-login', 'cyrus-master'],
  pop3s: ['dovecot', 'pop3-login', 'cyrus-master'],
  ipp: ['cupsd', 'cups-browsed'],
  ntp: ['chronyd', 'systemd-timesyn', 'openntpd'],
  sunrpc: ['rpcbind', 'portmap'],
  ldap: ['slapd'],
  ldaps: ['slapd'],
  kerberos: ['krb5kdc'],
  bootps: ['dhcpd', 'dnsmasq', 'kea-dhcp4'],
  bootpc: ['dhclient', 'systemd-network', 'networkmanager'],
  tftp: ['in.tftpd'],
  syslog: ['rsyslogd', 'syslog-ng', 'systemd-journal'],
  'netbios-ns': ['nmbd', 'samba'],
  'netbios-ssn': ['smbd', 'samba'],
  'microsoft-ds': ['smbd', 'samba'],
  mysql: ['mysqld', 'mariadbd'],
  postgresql: ['postgres'],
};

/** IANA services that are themselves RPC programs: registered there, they are the assigned service. */
const SERVICE_RPC_PROGRAMS: Readonly<Record<string, number>> = { sunrpc: 100000, nfs: 100003 };

/** Daemons of RPC programs, to name the program when rpcbind cannot be asked. */
const RPC_DAEMONS: Readonly<Record<string, number>> = {
  'rpc.statd': 100024,
  nsmd: 100024,
  'rpc.mountd': 100005,
  'rpc.rquotad': 100011,
  rpcbind: 100000,
  portmap: 100000,
};

function processNames(p: ProcessInfo): string[] {
  const argv0 = p.cmdline.split(' ')[0]?.split('/').pop() ?? '';
  return [p.command, argv0].map((n) => n.toLowerCase().replace(/:$/, '')).filter((n) => n !== '');
}

/** True when a process looks like an implementation of an IANA service (name heuristics, documented in docs/PORTS.md). */
export function processIsService(service: string, p: ProcessInfo): boolean {
  const s = service.toLowerCase();
  const daemons = SERVICE_DAEMONS[s] ?? [];
  return processNames(p).some(
    (n) =>
      n === s ||
      n === `${s}d` ||
      n === `in.${s}d` ||
      n === `rpc.${s}d` ||
      (s.length >= 3 && n.startsWith(s)) ||
      daemons.includes(n),
  );
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

function describeProcess(p: ProcessInfo): string {
  return `${p.command} (pid ${p.pid})`;
}

function describeListener(l: Pick<Listener, 'owner' | 'processes'>): string {
  if (l.processes.length > 0) return l.processes.map(describeProcess).join(', ');
  if (l.owner === 'kernel') return 'a kernel socket';
  if (l.owner === 'hidden') return 'a process this user cannot see (run as root to identify it)';
  return 'a socket whose process was not found (another PID namespace, or it exited)';
}

function describeRpc(programs: readonly RpcProgram[]): string {
  return programs
    .map((p) => `${RPC_PROGRAM_ROLES.get(p.prog) ?? 'an RPC service'} (RPC ${p.prog} ${p.name})`)
    .join(' and ');
}

function rpcDaemonProgram(p: ProcessInfo): number | undefined {
  for (const n of processNames(p)) if (RPC_DAEMONS[n] !== undefined) return RPC_DAEMONS[n];
  return undefined;
}

function describeDaemons(processes: readonly ProcessInfo[], note: string): string {
  const parts = unique(
    processes.flatMap((p) => {
      const prog = rpcDaemonProgram(p);
      if (prog === undefined) return [];
      const role = RPC_PROGRAM_ROLES.get(prog) ?? 'an RPC service';
      return [`${role} (${p.command}, pid ${p.pid}; RPC ${prog} ${rpcProgramName(prog)}; ${note})`];
    }),
  );
  return parts.join(' and ');
}

/** Judges one port and transport: is the assigned service there, a squatter, an unexpected listener...? */
export function judgePort(input: VerdictInput): Verdict {
  const assigned = unique(input.assigned);
  const names = assigned.join('/');
  const isAssigned = assigned.length > 0;
  const ghost = isAssigned && assigned.every((s) => GHOST_SERVICES.has(s));
  const make = (code: VerdictCode, text: string): Verdict => ({
    code,
    text,
    needsLook:
      code === 'unexpected-listener' || code === 'unidentified-listener' || (code === 'squatter' && !ghost),
  });
  if (input.listeners.length === 0) {
    return isAssigned
      ? make('assigned-idle', `assigned to ${names}, but nothing listens`)
      : make('unassigned-idle', 'not assigned, and nothing listens');
  }

  const rpc: readonly RpcProgram[] = input.rpc ?? [];
  const rpcIsAssigned = rpc.some((p) =>
    assigned.some((s) => SERVICE_RPC_PROGRAMS[s] === p.prog || s === p.name),
  );

  // Each listener is the assigned service, a registered RPC service, the daemon of an RPC program
  // on a port it did not register (statd binds a reserved port for its own calls), not visible,
  // or something else.
  const kinds = input.listeners.map((l) => {
    if (l.processes.length === 0) return rpc.length > 0 ? 'rpc' : 'unseen';
    if (l.processes.some((p) => assigned.some((s) => processIsService(s, p)))) return 'service';
    if (rpc.length > 0) return 'rpc';
    return l.processes.some((p) => rpcDaemonProgram(p) !== undefined) ? 'daemon' : 'other';
  });
  const others = input.listeners.filter((_, i) => kinds[i] === 'other');
  const who = unique(input.listeners.map(describeListener)).join(', ');

  if (others.length > 0) {
    const them = unique(others.map(describeListener)).join(', ');
    return isAssigned
      ? make(
          'unexpected-listener',
          `assigned to ${names}, but ${them} listens: not the assigned service and not a registered RPC service; worth investigating`,
        )
      : make('unassigned-in-use', `not assigned, used by ${them}`);
  }
  if (kinds.includes('unseen')) {
    return isAssigned
      ? make('unidentified-listener', `assigned to ${names}, but what listens cannot be identified: ${who}`)
      : make('unassigned-in-use', `not assigned, used by ${who}`);
  }
  if (kinds.includes('service') || rpcIsAssigned) {
    return make('assigned-service-present', `the assigned service is there: ${names}, served by ${who}`);
  }
  // Every listener is an RPC service, or the daemon of one, that is not the assigned service.
  const user =
    rpc.length > 0
      ? describeRpc(rpc)
      : describeDaemons(
          input.listeners.flatMap((l) => l.processes),
          input.rpc === null ? 'rpcbind did not answer' : 'not registered with rpcbind on this port',
        );
  return isAssigned
    ? make('squatter', `assigned to ${names}, used by ${user}`)
    : make('unassigned-in-use', `not assigned, used by ${user}${rpc.length > 0 ? `: ${who}` : ''}`);
}

/** The most urgent of several verdicts (for a port judged over TCP and UDP). */
export function mostUrgent(verdicts: readonly Verdict[]): Verdict {
  return [...verdicts].sort((a, b) => VERDICT_ORDER.indexOf(a.code) - VERDICT_ORDER.indexOf(b.code))[0]!;
}
