// `nsmd serve` start-up: time from spawn to the first answered SM_NULL and SM_MON with N monitored
// hosts on disk, and the whole-process RSS at idle with 0 and with N hosts (-> bytes per host).
// Host names are 127/8 literals so that no name is ever resolved (no DNS traffic) and nothing is
// ever sent off the machine. Prints JSON.
// Usage: node dist/bench/startup.js [--hosts 100000] [--runs 3] [--settle-ms 3000] [--cold]
//        [--keep] [--dir DIR (a directory kept before, with --hosts its size)]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SM_VERS_DEF } from '../src/proto/sm_inter.js';
import { createClient } from '../src/rpc/client.js';
import { formatRecordLine } from '../src/store/record.js';
import { nsmdArgv } from '../test/harness/index.js';

const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    'settle-ms': { type: 'string', default: '3000' },
    /** Drop the page cache before each start (root only). */
    cold: { type: 'boolean', default: false },
    /** Keep the state directory made for the N-host runs. */
    keep: { type: 'boolean', default: false },
    /** Use this state directory (made by --keep) for the N-host runs instead of making one. */
    dir: { type: 'string' },
  },
});
const HOSTS = Number(opts.hosts);
const RUNS = Number(opts.runs);
const SETTLE_MS = Number(opts['settle-ms']);
const ID = { myName: 'localhost', prog: 100021, vers: 4, proc: 16 };
/** A host no run leaves on disk: each run monitors it once (a durable write) and it is removed after. */
const PROBE_HOST = '127.255.255.254';

function hostName(i: number): string {
  // 127.0.1.0 upwards: distinct literals, never contacted (--no-notify, no callbacks).
  const n = i + 256;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || null;
  } catch {
    return null;
  }
}

/** A state directory as rpc.statd leaves it, state number odd and recorded with this boot's id (no reboot). */
function makeStateDir(hosts: number): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'nsmd-startup-'));
  fs.mkdirSync(join(dir, 'sm'));
  fs.mkdirSync(join(dir, 'sm.bak'));
  const state = Buffer.alloc(4);
  if (endianness() === 'LE') state.writeInt32LE(3);
  else state.writeInt32BE(3);
  fs.writeFileSync(join(dir, 'state'), state);
  const id = bootId();
  if (id) fs.writeFileSync(join(dir, 'nsmd-boot-id'), `${id}\n`);
  const priv = Buffer.alloc(16);
  for (let i = 0; i < hosts; i++) {
    const monName = hostName(i);
    priv.writeUInt32BE(i, 12);
    fs.writeFileSync(join(dir, 'sm', monName), formatRecordLine({ monName, ...ID, priv }), {
      encoding: 'latin1',
      mode: 0o600,
    });
  }
  return dir;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

function dropCaches(): void {
  if (process.getuid?.() !== 0) throw new Error('--cold needs root');
  spawnSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

interface Run {
  nullMs: number;
  monMs: number;
  servingLogMs: number;
  rss: number;
}

async function oneRun(dir: string): Promise<Run> {
  if (opts.cold) dropCaches();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    // As the installed command runs it: with its shebang's node flags.
    nsmdArgv([
      'serve',
      '--port',
      '0',
      '--rpcbind',
      'none',
      '--no-notify',
      '--user',
      'root',
      '--state-dir',
      dir,
      '--log-format',
      'json',
    ]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    // The port is only known from the 'serving' log line (--port 0).
    const { port, at } = await new Promise<{ port: number; at: number }>((resolve, reject) => {
      let buf = '';
      const limit = setTimeout(() => reject(new Error('no "serving" line within 120 s')), 120_000);
      child.once('exit', (code) => reject(new Error(`nsmd exited (${code}) before serving`)));
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          try {
            const rec = JSON.parse(line) as { msg?: string; port?: number };
            if (rec.msg === 'serving' && typeof rec.port === 'number') {
              clearTimeout(limit);
              resolve({ port: rec.port, at: performance.now() });
            }
          } catch {
            // not a JSON line
          }
        }
      });
    });
    const client = createClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 10_000 });
    try {
      await client.call(SM_VERS_DEF, 'SM_NULL', undefined);
      const nullMs = performance.now() - t0;
      const res = await client.call(SM_VERS_DEF, 'SM_MON', {
        mon_id: {
          mon_name: PROBE_HOST,
          my_id: { my_name: ID.myName, my_prog: ID.prog, my_vers: ID.vers, my_proc: ID.proc },
        },
        priv: new Uint8Array(16),
      });
      const monMs = performance.now() - t0;
      if (res.res_stat !== 0) throw new Error(`SM_MON refused: ${JSON.stringify(res)}`);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const rss = rssOf(child.pid!);
      return { nullMs, monMs, servingLogMs: at - t0, rss };
    } finally {
      client.close();
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(join(dir, 'sm', PROBE_HOST), { force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function series(hosts: number, given?: string): Promise<{ runs: Run[]; median: Run }> {
  const dir = given ?? makeStateDir(hosts);
  try {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(dir));
    return {
      runs,
      median: {
        nullMs: median(runs.map((r) => r.nullMs)),
        monMs: median(runs.map((r) => r.monMs)),
        servingLogMs: median(runs.map((r) => r.servingLogMs)),
        rss: median(runs.map((r) => r.rss)),
      },
    };
  } finally {
    if (given === undefined && !(opts.keep && hosts > 0)) fs.rmSync(dir, { recursive: true, force: true });
    else if (hosts > 0) console.error(`state directory kept: ${dir}`);
  }
}

const idle = await series(0);
const full = await series(HOSTS, opts.dir);
const round = (v: number): number => Math.round(v);
console.log(
  JSON.stringify(
    {
      hosts: HOSTS,
      runs: RUNS,
      cold: opts.cold,
      settleMs: SETTLE_MS,
      idle: { ...idle.median, runs: idle.runs },
      loaded: { ...full.median, runs: full.runs },
      startupToNullMs: round(full.median.nullMs),
      startupToMonMs: round(full.median.monMs),
      rssBytesPerHost: HOSTS > 0 ? round((full.median.rss - idle.median.rss) / HOSTS) : null,
    },
    null,
    2,
  ),
);
