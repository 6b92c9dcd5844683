import { readdir, readFile, readlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { formatIPv6 } from '../rpcbind/uaddr.js';
import type { Proto } from './registry.js';

/** One row of /proc/net/{tcp,tcp6,udp,udp6}. */
export interface ProcSocket {
  proto: Proto;
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Kernel socket state (include/net/tcp_states.h): 0x0A LISTEN, 0x07 CLOSE, 0x01 ESTABLISHED. */
  state: number;
  /** Owner of the socket (the uid that created it). */
  uid: number;
  /** Socket inode; 0 for sockets the kernel itself owns (nfsd, lockd). */
  inode: number;
}

/** A process holding a socket. */
export interface ProcessInfo {
  pid: number;
  /** /proc/<pid>/comm (at most 15 characters), else the program name from cmdline. */
  command: string;
  /** /proc/<pid>/cmdline joined by spaces; empty for kernel threads. */
  cmdline: string;
  uid: number | null;
  user: string | null;
}

/**
 * Who holds a listening socket: processes found through /proc/<pid>/fd; `kernel` for sockets the
 * kernel owns; `hidden` when some processes could not be read (other users' without root);
 * `unknown` when every process was read and none holds it (it closed meanwhile).
 */
export type SocketOwner = 'process' | 'kernel' | 'hidden' | 'unknown';

/** A listening TCP socket or a bound, unconnected UDP socket. */
export interface Listener {
  proto: Proto;
  family: 4 | 6;
  address: string;
  port: number;
  inode: number;
  uid: number;
  user: string | null;
  owner: SocketOwner;
  processes: ProcessInfo[];
}

/** The listeners of this network namespace, and what could not be seen. */
export interface ListenerScan {
  listeners: Listener[];
  /** Processes whose fd directory was readable / not readable. */
  processesRead: number;
  processesUnreadable: number;
  /** One line saying what this scan could not see, or null when it saw everything. */
  cannotSee: string | null;
}

const TCP_LISTEN = 0x0a;

/** Host byte order of the words in /proc/net (the kernel prints raw 32-bit words). */
export type Endian = 'LE' | 'BE';

function wordBytes(hex: string, endian: Endian): number[] {
  const b = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return endian === 'LE' ? b.reverse() : b;
}

/** Formats 16 bytes as RFC 5952 text: lower case, longest zero run as `::`, v4-mapped as `::ffff:a.b.c.d`. */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  return formatIPv6(groups);
}

/** Decodes an address as /proc/net prints it: 8 hex digits (IPv4) or 32 (IPv6, four words). */
export function decodeHexAddress(hex: string, endian: Endian = endianness()): string {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new Error(`bad /proc/net address: ${hex}`);
  if (hex.length === 8) return wordBytes(hex, endian).join('.');
  if (hex.length === 32) {
    const bytes: number[] = [];
    for (let w = 0; w < 32; w += 8) bytes.push(...wordBytes(hex.slice(w, w + 8), endian));
    return formatIpv6(bytes);
  }
  throw new Error(`bad /proc/net address length: ${hex}`);
}

/** Parses the text of /proc/net/tcp, tcp6, udp or udp6; the header line and malformed lines are skipped. */
export function parseProcNet(text: string, proto: Proto, endian: Endian = endianness()): ProcSocket[] {
  const out: ProcSocket[] = [];
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const local = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(f[1]!);
    const remote = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(f[2]!);
    if (!local || !remote) continue;
    const family = local[1]!.length === 32 ? 6 : 4;
    try {
      out.push({
        proto,
        family,
        localAddress: decodeHexAddress(local[1]!, endian),
        localPort: Number.parseInt(local[2]!, 16),
        remoteAddress: decodeHexAddress(remote[1]!, endian),
        remotePort: Number.parseInt(remote[2]!, 16),
        state: Number.parseInt(f[3]!, 16),
        uid: Number(f[7]),
        inode: Number(f[9]),
      });
    } catch {
      // a line we cannot read is not a listener we can report
    }
  }
  return out;
}

/** A TCP socket in LISTEN, or a UDP socket bound to a port and connected to no peer. */
export function isListening(s: ProcSocket): boolean {
  if (s.proto === 'tcp') return s.state === TCP_LISTEN;
  return (
    s.localPort !== 0 && s.remotePort === 0 && (s.remoteAddress === '0.0.0.0' || s.remoteAddress === '::')
  );
}

/** The inode in an fd link `socket:[12345]`, else null. */
export function socketInodeOfLink(link: string): number | null {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : null;
}

/** The effective uid from the text of /proc/<pid>/status (`Uid: real effective saved fs`). */
export function parseStatusUid(text: string): number | null {
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** uid -> user name from the text of /etc/passwd. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || !f[0] || !/^\d+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    if (!users.has(uid)) users.set(uid, f[0]);
  }
  return users;
}

/** Where the scan reads from; tests point it at a fake tree. */
export interface ScanOptions {
  /** Default `/proc`. `<procRoot>/net/*` is this process's network namespace. */
  procRoot?: string;
  /** Default `/etc/passwd`. */
  passwdFile?: string;
  endian?: Endian;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

const isDenied = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
};

/** Sockets in this namespace, read from the four /proc/net tables (a missing table, e.g. no IPv6, is empty). */
export async function readProcSockets(
  procRoot = '/proc',
  endian: Endian = endianness(),
): Promise<ProcSocket[]> {
  const tables: [string, Proto][] = [
    ['tcp', 'tcp'],
    ['tcp6', 'tcp'],
    ['udp', 'udp'],
    ['udp6', 'udp'],
  ];
  const texts = await Promise.all(tables.map(([file]) => readText(`${procRoot}/net/${file}`)));
  return tables.flatMap(([, proto], i) => parseProcNet(texts[i] ?? '', proto, endian));
}

interface InodeOwners {
  owners: Map<number, number[]>;
  read: number;
  unreadable: number;
}

async function socketOwners(procRoot: string, wanted: ReadonlySet<number>): Promise<InodeOwners> {
  const owners = new Map<number, number[]>();
  let read = 0;
  let unreadable = 0;
  const pids = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n)).map(Number);
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch (err) {
      if (isDenied(err)) unreadable++;
      continue; // ENOENT: the process exited
    }
    read++;
    const links = await Promise.all(fds.map((fd) => readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '')));
    const seen = new Set<number>();
    for (const link of links) {
      const inode = socketInodeOfLink(link);
      if (inode === null || !wanted.has(inode) || seen.has(inode)) continue;
      seen.add(inode);
      const list = owners.get(inode);
      if (list) list.push(pid);
      else owners.set(inode, [pid]);
    }
  }
  return { owners, read, unreadable };
}

async function processInfo(procRoot: string, pid: number, users: Map<number, string>): Promise<ProcessInfo> {
  const [comm, cmdline, status] = await Promise.all([
    readText(`${procRoot}/${pid}/comm`),
    readText(`${procRoot}/${pid}/cmdline`),
    readText(`${procRoot}/${pid}/status`),
  ]);
  const args = (cmdline ?? '').split('\0').filter((a) => a !== '');
  const uid = status === null ? null : parseStatusUid(status);
  const command = comm?.trim() || (args[0] ?? '').split('/').pop() || '?';
  return { pid, command, cmdline: args.join(' '), uid, user: uid === null ? null : (users.get(uid) ?? null) };
}

/** Every listening socket of this network namespace, with the processes holding it. */
export async function scanListeners(opts: ScanOptions = {}): Promise<ListenerScan> {
  const procRoot = opts.procRoot ?? '/proc';
  const users = parsePasswd((await readText(opts.passwdFile ?? '/etc/passwd')) ?? '');
  const sockets = (await readProcSockets(procRoot, opts.endian)).filter(isListening);
  const wanted = new Set(sockets.map((s) => s.inode).filter((i) => i !== 0));
  const { owners, read, unreadable } = await socketOwners(procRoot, wanted);
  const infos = new Map<number, ProcessInfo>();
  for (const pid of new Set([...owners.values()].flat()))
    infos.set(pid, await processInfo(procRoot, pid, users));
  const listeners: Listener[] = sockets.map((s) => {
    const pids = owners.get(s.inode) ?? [];
    const owner: SocketOwner =
      s.inode === 0 ? 'kernel' : pids.length > 0 ? 'process' : unreadable > 0 ? 'hidden' : 'unknown';
    return {
      proto: s.proto,
      family: s.family,
      address: s.localAddress,
      port: s.localPort,
      inode: s.inode,
      uid: s.uid,
      user: users.get(s.uid) ?? null,
      owner,
      processes: pids.map((pid) => infos.get(pid)!),
    };
  });
  listeners.sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto) || a.family - b.family);
  const hidden = listeners.filter((l) => l.owner === 'hidden').length;
  const cannotSee =
    unreadable === 0
      ? null
      : `cannot see: the processes of other users (${unreadable} of ${read + unreadable} processes not readable` +
        `${hidden > 0 ? `, so ${hidden} listening socket${hidden === 1 ? ' shows' : 's show'} no process` : ''}); run as root to see them`;
  return { listeners, processesRead: read, processesUnreadable: unreadable, cannotSee };
}
