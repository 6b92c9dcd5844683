import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { destroySync, type NetworkResources, networkDir, PREFIX, track, untrack } from './cleanup.js';
import { type ExecResult, HarnessError, runTracked, TrackedProcess } from './process.js';
import { lookupUser } from './users.js';

const execFileP = promisify(execFile);

/** IPv4 addresses of test hosts: 10.199.0.0/16 exists only inside the namespaces made here. */
export const IPV4_PREFIX = '10.199';
/** IPv6 (unique local, RFC 4193) prefix of test hosts that ask for IPv6. */
export const IPV6_PREFIX = 'fd00:199::';
/** Domain of the hosts' fully qualified names (".test" is reserved for testing, RFC 2606). */
export const DEFAULT_DOMAIN = 'nsmd.test';

/** The repository root (this file is dist/test/harness/netns.js once built). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The built nsmd CLI. */
export const NSMD_MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

let nodeFlags: string[] | null = null;

/**
 * The node flags in the built CLI's shebang (`#!/usr/bin/env -S node FLAGS`, from src/cli/main.ts),
 * read from the file itself: tests and benchmarks run the daemon as the installed `nsmd` does.
 */
export function nsmdNodeFlags(): string[] {
  if (nodeFlags === null) {
    const first = readFileSync(NSMD_MAIN, 'latin1').split('\n', 1)[0]!;
    const m = /^#!\S*\benv\s+(?:-S\s+)?node\b(.*)$/.exec(first);
    if (!m) throw new HarnessError('ERR_HARNESS_SETUP', `${NSMD_MAIN}: no node shebang: ${first}`);
    nodeFlags = m[1]!.split(/\s+/).filter((f) => f.length > 0);
  }
  return nodeFlags;
}

/** node's arguments to run `nsmd ARGS` (the built CLI with its shebang's flags). */
export function nsmdArgv(args: readonly string[]): string[] {
  return [...nsmdNodeFlags(), NSMD_MAIN, ...args];
}

/** One host of a test network. */
export interface HostSpec {
  /** Short host name: lowercase letters, digits and '-'. */
  name: string;
  /** Also give the host an IPv6 address. */
  ipv6?: boolean;
}

/** Options of {@link createNetwork}. */
export interface NetworkOptions {
  hosts: HostSpec[];
  /** Domain of the FQDNs (default nsmd.test). */
  domain?: string;
  /** Write every process's output to a file here (default: $NSMD_TEST_LOG_DIR, else none). */
  logDir?: string;
}

/** Options for a process started in a host. */
export interface SpawnOptions {
  /** Append output to this file (default: a file in the network's log dir, if any). */
  logFile?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  cwd?: string;
  label?: string;
}

/** Options for a command run to completion in a host. */
export interface ExecOptions extends SpawnOptions {
  /** Killed with SIGKILL after this long (default 30 s). */
  timeoutMs?: number;
}

/** An extra hosts-file line: an address and its names. */
export interface HostEntry {
  address: string;
  names: string[];
}

// Runs argv in a private mount and UTS namespace: our per-host dir over /run, the host's own name.
// `ip netns exec` already bind-mounts /etc/netns/<ns>/* over /etc/*. Every step execs, so the pid
// the harness sees is the pid of the final command.
const ENTER_SCRIPT =
  'mount --bind "$0" /run && printf %s "$1" > /proc/sys/kernel/hostname && shift && exec "$@"';

async function run(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, { encoding: 'utf8', timeout: 20_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new HarnessError(
      'ERR_HARNESS_SETUP',
      `${cmd} ${args.join(' ')}: ${err.stderr?.trim() || err.message}`,
      {
        cause: e,
      },
    );
  }
}

function childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  // Our children are programs, not test files: keep node:test's runner context away from them.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** A host: a network namespace with its own addresses, hosts file, resolver config and /run. */
export class Host {
  /** The namespace name, `nsmdt-<id>-<name>`. */
  readonly ns: string;
  readonly fqdn: string;
  /** The host's own temp dir (for state dirs and the like); mode 0755. */
  readonly dir: string;
  /** Bind-mounted over /run for every process started in this host. */
  readonly runDir: string;
  readonly ipv6: string | undefined;
  private spawned = 0;
  private readonly processes = new Set<TrackedProcess>();

  /** @internal use createNetwork */
  constructor(
    readonly network: Network,
    readonly name: string,
    readonly index: number,
    readonly ipv4: string,
    ipv6: string | undefined,
  ) {
    this.ns = `${PREFIX}${network.id}-${name}`;
    this.fqdn = `${name}.${network.domain}`;
    this.dir = join(network.dir, name);
    this.runDir = join(this.dir, 'run');
    this.ipv6 = ipv6;
  }

  /** The argv that runs `cmd args` inside this host. */
  argv(cmd: string, args: readonly string[] = []): string[] {
    return [
      'ip',
      'netns',
      'exec',
      this.ns,
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      'sh',
      '-c',
      ENTER_SCRIPT,
      this.runDir,
      this.name,
      cmd,
      ...args,
    ];
  }

  private trackOptions(cmd: string, opts: SpawnOptions) {
    this.spawned += 1;
    const logDir = this.network.logDir;
    const logFile =
      opts.logFile ??
      (logDir
        ? join(logDir, `${this.network.id}-${this.name}-${this.spawned}-${basename(cmd)}.log`)
        : undefined);
    const pids = this.network.resources.pids;
    return {
      label: opts.label ?? `${this.name}: ${basename(cmd)}`,
      logFile,
      env: childEnv(opts.env),
      cwd: opts.cwd,
      onState: (pid: number, running: boolean) => (running ? pids.add(pid) : pids.delete(pid)),
    };
  }

  /** Starts a long-running process in this host; network.close() stops it if the test did not. */
  spawn(cmd: string, args: readonly string[] = [], opts: SpawnOptions = {}): TrackedProcess {
    if (this.network.closed) throw new HarnessError('ERR_HARNESS_CLOSED', 'network is closed');
    const p = new TrackedProcess(this.argv(cmd, args), this.trackOptions(cmd, opts));
    this.processes.add(p);
    void p.exited.then(() => this.processes.delete(p));
    return p;
  }

  /** Runs a command in this host to completion. */
  exec(cmd: string, args: readonly string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.network.closed)
      return Promise.reject(new HarnessError('ERR_HARNESS_CLOSED', 'network is closed'));
    return runTracked(this.argv(cmd, args), {
      ...this.trackOptions(cmd, opts),
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
  }

  /** Starts `nsmd ARGS` (the built CLI, run as its shebang runs it) in this host. */
  spawnNsmd(args: readonly string[], opts: SpawnOptions = {}): TrackedProcess {
    return this.spawn(process.execPath, nsmdArgv(args), {
      label: `${this.name}: nsmd ${args[0] ?? ''}`,
      ...opts,
    });
  }

  /** Runs `nsmd ARGS` in this host to completion. */
  execNsmd(args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(process.execPath, nsmdArgv(args), opts);
  }

  /** Starts a node script (a built .js file of ours, or any file) in this host. */
  spawnNode(script: string, args: readonly string[] = [], opts: SpawnOptions = {}): TrackedProcess {
    return this.spawn(process.execPath, [script, ...args], {
      label: `${this.name}: ${basename(script)}`,
      ...opts,
    });
  }

  /** Processes started with spawn() that still run. */
  get running(): TrackedProcess[] {
    return [...this.processes].filter((p) => p.running);
  }

  /** Addresses that `name` resolves to in this host (getent ahosts: files, then the dead resolver). */
  async resolve(name: string, timeoutMs = 5000): Promise<string[]> {
    const r = await this.exec('getent', ['ahosts', name], { timeoutMs });
    if (r.code !== 0) return [];
    return [
      ...new Set(
        r.stdout
          .split('\n')
          .map((l) => l.split(/\s+/)[0]!)
          .filter(Boolean),
      ),
    ];
  }

  /**
   * Polls until a NULL call to `prog` (number or name) `vers` over `transport` answers at `address`
   * (default 127.0.0.1, from inside this host), using Debian's rpcinfo.
   */
  async waitForRpc(
    prog: number | string,
    vers: number,
    transport: 'udp' | 'tcp' = 'udp',
    opts: { address?: string; timeoutMs?: number } = {},
  ): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    const args = [transport === 'udp' ? '-u' : '-t', opts.address ?? '127.0.0.1', String(prog), String(vers)];
    let last: ExecResult | undefined;
    while (Date.now() < deadline) {
      last = await this.exec('rpcinfo', args, { timeoutMs: 5000 });
      if (last.code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new HarnessError(
      'ERR_HARNESS_TIMEOUT',
      `${this.name}: rpcinfo ${args.join(' ')} did not answer in time: ${(last?.stderr || last?.stdout || '').trim()}`,
    );
  }

  /**
   * Adds `count` more IPv4 addresses to this host (from 10.199.1.1 up, shared numbering in the
   * network), e.g. so one namespace can stand in for many peers. Returns them.
   */
  async addAddresses(count: number): Promise<string[]> {
    const addrs = this.network.allocateAddresses(count);
    const batch = addrs.map((a) => `address add ${a}/16 dev eth0`).join('\n');
    await new Promise<void>((res, rej) => {
      const child = execFile('ip', ['-n', this.ns, '-batch', '-'], { timeout: 120_000 }, (err, _o, stderr) =>
        err
          ? rej(new HarnessError('ERR_HARNESS_SETUP', `ip -batch: ${stderr || err.message}`, { cause: err }))
          : res(),
      );
      child.stdin!.end(`${batch}\n`);
    });
    return addrs;
  }
}

/** A set of hosts on one bridge. Close it when done (the exit handler does if a test forgets). */
export class Network {
  readonly hosts: Host[] = [];
  readonly resources: NetworkResources;
  readonly bridgeNs: string;
  private nextExtra = 256 + 1;
  private isClosed = false;
  private closing: Promise<void> | undefined;

  /** @internal use createNetwork */
  constructor(
    readonly id: string,
    readonly dir: string,
    readonly domain: string,
    readonly logDir: string | undefined,
  ) {
    this.bridgeNs = `${PREFIX}${id}_bridge`;
    this.resources = { id, namespaces: [this.bridgeNs], dir, pids: new Set() };
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The host called `name`; throws if there is none. */
  host(name: string): Host {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new HarnessError('ERR_HARNESS_ARGS', `no host ${name} in this network`);
    return h;
  }

  /** @internal */
  allocateAddresses(count: number): string[] {
    const out: string[] = [];
    while (out.length < count) {
      const n = this.nextExtra++;
      const hi = n >> 8;
      const lo = n & 255;
      if (hi > 254) throw new HarnessError('ERR_HARNESS_ARGS', 'out of test addresses');
      if (lo === 0 || lo === 255) continue;
      out.push(`${IPV4_PREFIX}.${hi}.${lo}`);
    }
    return out;
  }

  /** Appends lines to every host's hosts file (extra names for the same network). */
  addHostEntries(entries: readonly HostEntry[]): void {
    const text = entries.map((e) => `${e.address}\t${e.names.join(' ')}\n`).join('');
    for (const h of this.hosts) appendFileSync(join('/etc/netns', h.ns, 'hosts'), text);
  }

  /** Stops every process started in the network (SIGTERM, then SIGKILL) and removes it all. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.isClosed = true;
      await Promise.all(this.hosts.flatMap((h) => h.running.map((p) => p.stop(2000))));
      destroySync(this.resources);
      untrack(this.id);
    })();
    return this.closing;
  }
}

function hostsFile(network: Network, extra: string): string {
  const lines = [
    `# test network ${network.id}: every host of the network, nothing else`,
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
  ];
  for (const h of network.hosts) {
    lines.push(`${h.ipv4}\t${h.fqdn} ${h.name}`);
    if (h.ipv6) lines.push(`${h.ipv6}\t${h.fqdn} ${h.name}`);
  }
  return `${lines.join('\n')}\n${extra}`;
}

function nsswitchFile(): string {
  // Names come from the hosts file first; "dns" then hits 127.0.0.1, where nothing answers.
  let base = '';
  try {
    base = readFileSync('/etc/nsswitch.conf', 'utf8');
  } catch {
    // none on this machine
  }
  const kept = base.split('\n').filter((l) => l.trim() !== '' && !/^\s*hosts\s*:/.test(l));
  return `${[...kept, 'hosts: files dns'].join('\n')}\n`;
}

/** If /etc/<file> is a symlink into /run, our /run hides its target: put the namespace's copy there. */
function mirrorIntoRun(host: Host, file: string, content: string): void {
  let target: string;
  try {
    target = realpathSync(join('/etc', file));
  } catch {
    return;
  }
  if (!target.startsWith('/run/')) return;
  const dest = join(host.runDir, relative('/run', target));
  mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
  writeFileSync(dest, content);
}

/** Creates a network of hosts, each in its own namespace, on one bridge in a namespace of its own. */
export async function createNetwork(opts: NetworkOptions): Promise<Network> {
  if (process.getuid?.() !== 0)
    throw new HarnessError('ERR_HARNESS_NOT_ROOT', 'network namespaces need root');
  const names = new Set<string>();
  for (const h of opts.hosts) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(h.name) || names.has(h.name)) {
      throw new HarnessError('ERR_HARNESS_ARGS', `bad or duplicate host name: ${JSON.stringify(h.name)}`);
    }
    names.add(h.name);
  }
  if (opts.hosts.length === 0 || opts.hosts.length > 250) {
    throw new HarnessError('ERR_HARNESS_ARGS', 'a network has 1 to 250 hosts');
  }
  let id = '';
  let dir = '';
  for (;;) {
    id = randomBytes(3).toString('hex');
    dir = networkDir(id);
    try {
      mkdirSync(dir, { mode: 0o755 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  // Daemons that drop privileges (rpc.statd runs as `statd`) must reach their state dirs.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'owner'), `${process.pid}\n`);
  const logDir = opts.logDir ?? process.env.NSMD_TEST_LOG_DIR;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const network = new Network(id, dir, opts.domain ?? DEFAULT_DOMAIN, logDir);
  track(network.resources);
  try {
    opts.hosts.forEach((spec, i) => {
      const v4 = `${IPV4_PREFIX}.0.${i + 1}`;
      const v6 = spec.ipv6 ? `${IPV6_PREFIX}${(i + 1).toString(16)}` : undefined;
      network.hosts.push(new Host(network, spec.name, i, v4, v6));
    });
    const br = network.bridgeNs;
    await run('ip', ['netns', 'add', br]);
    await run('ip', ['-n', br, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', br, 'link', 'set', 'br0', 'up']);
    const rpcUser = lookupUser('_rpc');
    for (const h of network.hosts) {
      network.resources.namespaces.push(h.ns);
      await run('ip', ['netns', 'add', h.ns]);
      // Both veth ends are created directly in their namespaces: nothing appears on the machine.
      const port = `h${h.index}`;
      await run('ip', ['-n', br, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
      await run('ip', ['-n', br, 'link', 'set', port, 'master', 'br0', 'up']);
      await run('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', h.ns, 'address', 'add', `${h.ipv4}/16`, 'dev', 'eth0']);
      if (h.ipv6) await run('ip', ['-n', h.ns, 'address', 'add', `${h.ipv6}/64`, 'dev', 'eth0', 'nodad']);
      await run('ip', ['-n', h.ns, 'link', 'set', 'eth0', 'up']);
      mkdirSync(join(h.runDir, 'rpcbind'), { recursive: true, mode: 0o755 });
      chmodSync(h.dir, 0o755);
      chmodSync(h.runDir, 0o755);
      if (rpcUser) chownSync(join(h.runDir, 'rpcbind'), rpcUser.uid, rpcUser.gid);
    }
    const hosts = hostsFile(network, '');
    const resolv = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';
    const nsswitch = nsswitchFile();
    for (const h of network.hosts) {
      const etc = join('/etc/netns', h.ns);
      mkdirSync(etc, { recursive: true, mode: 0o755 });
      writeFileSync(join(etc, 'hosts'), hosts);
      writeFileSync(join(etc, 'resolv.conf'), resolv);
      writeFileSync(join(etc, 'nsswitch.conf'), nsswitch);
      mirrorIntoRun(h, 'hosts', hosts);
      mirrorIntoRun(h, 'resolv.conf', resolv);
    }
  } catch (e) {
    await network.close();
    throw e;
  }
  return network;
}

/** True when `ip netns` lists `ns`. */
export function namespaceExists(ns: string): boolean {
  return existsSync(join('/run/netns', ns));
}
