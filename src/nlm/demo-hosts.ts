// Small "hosts" for the lock-recovery demo: Linux network namespaces on one bridge, each with its
// own address, hosts file, resolver config, /run and host name. Needs root, ip (iproute2),
// unshare and mount (util-linux).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Programs the demo hosts need, and where they come from. */
export const DEMO_TOOLS: Record<string, string> = {
  ip: 'iproute2',
  unshare: 'util-linux',
  mount: 'util-linux',
};

/** The tools of DEMO_TOOLS that are not on PATH. */
export async function missingTools(): Promise<string[]> {
  const out: string[] = [];
  for (const t of Object.keys(DEMO_TOOLS)) {
    try {
      await execFileP('sh', ['-c', `command -v ${t}`]);
    } catch {
      out.push(t);
    }
  }
  return out;
}

// Runs argv with our per-host dir over /run and the host's own name, in private mount and UTS
// namespaces; `ip netns exec` has already bind-mounted /etc/netns/<ns>/* over /etc/*.
const ENTER = 'mount --bind "$0" /run && printf %s "$1" > /proc/sys/kernel/hostname && shift && exec "$@"';

/** A process started in a demo host, with its output kept for reading. */
export class HostProcess {
  stdout = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(argv: string[], logFile: string, env?: Record<string, string>) {
    const log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      log.write(s);
      for (const f of [...this.listeners]) f();
    });
    this.child.stderr!.on('data', (b: Buffer) => log.write(b));
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code) => {
        log.end();
        for (const f of [...this.listeners]) f();
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal to this process only (by its pid). */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `ms`. */
  async stop(ms = 3000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const t = setTimeout(() => this.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(t);
  }

  /** JSON lines printed on stdout so far. */
  events(): { event: string; [k: string]: unknown }[] {
    const out: { event: string }[] = [];
    for (const line of this.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // a line cut in the middle: the rest comes later
      }
    }
    return out;
  }

  /** Waits until at least `count` JSON events named `name` were printed; false on timeout or exit. */
  waitEvent(name: string, timeoutMs: number, count = 1): Promise<boolean> {
    return this.waitFor(() => this.events().filter((e) => e.event === name).length >= count, timeoutMs);
  }

  /** Waits until stdout matches `re`; false on timeout or exit. */
  waitOutput(re: RegExp, timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => re.test(this.stdout), timeoutMs);
  }

  private waitFor(done_: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        const ok = done_();
        if (ok || !this.running) {
          done();
          resolve(ok);
        }
      };
      const timer = setTimeout(() => {
        done();
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }
}

/** One demo host. */
export interface DemoHost {
  name: string;
  ns: string;
  address: string;
  dir: string;
}

/** A set of demo hosts on one bridge. `close()` stops every process and removes everything. */
export class DemoNetwork {
  readonly hosts: DemoHost[] = [];
  readonly dir: string;
  private readonly processes = new Set<HostProcess>();
  private readonly namespaces: string[] = [];
  private spawned = 0;
  private closed = false;

  private constructor(readonly id: string) {
    this.dir = mkdtempSync(join(tmpdir(), `nsmd-demo-${id}-`));
  }

  /** Creates the hosts (10.199.0.1, .2, ...) in the order given. */
  static async create(names: string[]): Promise<DemoNetwork> {
    const net = new DemoNetwork(randomBytes(3).toString('hex'));
    try {
      const bridge = `nsmd-demo-${net.id}-br`;
      await net.ip(['netns', 'add', bridge]);
      net.namespaces.push(bridge);
      await net.ip(['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
      await net.ip(['-n', bridge, 'link', 'set', 'br0', 'up']);
      for (const [i, name] of names.entries()) {
        const h: DemoHost = {
          name,
          ns: `nsmd-demo-${net.id}-${name}`,
          address: `10.199.0.${i + 1}`,
          dir: join(net.dir, name),
        };
        await net.ip(['netns', 'add', h.ns]);
        net.namespaces.push(h.ns);
        // Both veth ends are made inside namespaces: nothing appears on the machine itself.
        await net.ip([
          '-n',
          bridge,
          'link',
          'add',
          `h${i}`,
          'type',
          'veth',
          'peer',
          'name',
          'eth0',
          'netns',
          h.ns,
        ]);
        await net.ip(['-n', bridge, 'link', 'set', `h${i}`, 'master', 'br0', 'up']);
        await net.ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
        await net.ip(['-n', h.ns, 'address', 'add', `${h.address}/24`, 'dev', 'eth0']);
        await net.ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
        mkdirSync(join(h.dir, 'run'), { recursive: true, mode: 0o755 });
        net.hosts.push(h);
      }
      const hosts = [
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        ...net.hosts.map((h) => `${h.address}\t${h.name}.demo.test ${h.name}`),
        '',
      ].join('\n');
      // A name missing from the hosts file fails at once: nothing answers on 127.0.0.1:53.
      const resolv = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';
      for (const h of net.hosts) {
        const etc = join('/etc/netns', h.ns);
        mkdirSync(etc, { recursive: true });
        writeFileSync(join(etc, 'hosts'), hosts);
        writeFileSync(join(etc, 'resolv.conf'), resolv);
        writeFileSync(join(etc, 'nsswitch.conf'), 'hosts: files dns\n');
        mirrorIntoRun(h, 'hosts', hosts);
        mirrorIntoRun(h, 'resolv.conf', resolv);
      }
    } catch (err) {
      await net.close();
      throw err;
    }
    return net;
  }

  host(name: string): DemoHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no demo host ${name}`);
    return h;
  }

  /** Starts `cmd args` in a host; its stdout and stderr go to a log file in the network's dir. */
  spawn(h: DemoHost, cmd: string, args: string[], label: string, env?: Record<string, string>): HostProcess {
    if (this.closed) throw new Error('demo network is closed');
    const argv = ['ip', 'netns', 'exec', h.ns, 'unshare', '--mount', '--uts', '--propagation', 'private'];
    argv.push('sh', '-c', ENTER, join(h.dir, 'run'), h.name, cmd, ...args);
    const log = join(this.dir, `${String(++this.spawned).padStart(2, '0')}-${h.name}-${label}.log`);
    const p = new HostProcess(argv, log, env);
    this.processes.add(p);
    void p.exited.then(() => this.processes.delete(p));
    return p;
  }

  /** Runs a command in a host to completion; resolves to its exit code and stdout. */
  async run(
    h: DemoHost,
    cmd: string,
    args: string[],
    label: string,
    timeoutMs = 15_000,
  ): Promise<{ code: number | null; stdout: string }> {
    const p = this.spawn(h, cmd, args, label);
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    const code = await p.exited;
    clearTimeout(t);
    return { code, stdout: p.stdout };
  }

  /** Stops every process started here, deletes the namespaces, their /etc/netns dirs and (unless kept) the logs. */
  async close(keepLogs = false): Promise<void> {
    this.closed = true;
    await Promise.all([...this.processes].map((p) => p.stop(2000)));
    for (const ns of this.namespaces.reverse()) {
      await this.ip(['netns', 'delete', ns]).catch(() => {});
      rmSync(join('/etc/netns', ns), { recursive: true, force: true });
    }
    if (!keepLogs) rmSync(this.dir, { recursive: true, force: true });
  }

  private async ip(args: string[]): Promise<void> {
    try {
      await execFileP('ip', args, { timeout: 20_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  }
}

/** If /etc/<file> is a symlink into /run, our /run hides its target: put the host's copy there. */
function mirrorIntoRun(h: DemoHost, file: string, content: string): void {
  let target: string;
  try {
    target = realpathSync(join('/etc', file));
  } catch {
    return;
  }
  if (!target.startsWith('/run/')) return;
  const dest = join(h.dir, 'run', relative('/run', target));
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, content);
}

/** True when a namespace exists (for cleanup checks). */
export function namespaceExists(ns: string): boolean {
  return existsSync(join('/run/netns', ns));
}
