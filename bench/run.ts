/**
 * `npm run bench`: nsmd against Debian's rpc.statd and sm-notify, side by side, in network
 * namespaces of their own, driven by the same load generators. Writes bench/results/*.json and
 * an SVG picture, prints a table and (full runs) updates the table in README.md.
 *
 *   node dist/bench/run.js [--smoke] [--only null,stat,mon,notify] [--runs N] [--sizes 0,1000,...]
 *
 * Bounded: every load has a count and a time limit; everything started is stopped at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createNetwork,
  type Host,
  lookupUser,
  makeStateDir,
  type Network,
  REPO_ROOT,
  runSmNotify,
  startRpcbind,
} from '../test/harness/index.js';
import {
  DAEMON_LABEL,
  type DaemonKind,
  NSM_PORT,
  type RunningDaemon,
  rssBytes,
  startDaemon,
} from './daemons.js';
import type { LoadResult } from './loadgen.js';
import type { MonLoadResult } from './monload.js';
import { markSameBoot, writeMonitorRecords } from './names.js';
import { pairRatios, round, type Spread, spread } from './stats.js';
import { barChart, lineChart, svgDocument } from './svg.js';

const FIGURES = ['null', 'stat', 'mon', 'notify', 'storm'] as const;
type Figure = (typeof FIGURES)[number];
const KINDS: DaemonKind[] = ['statd', 'nsmd'];
const COLORS: Record<DaemonKind, string> = { statd: '#c0392b', nsmd: '#1f6fb2' };

interface Options {
  smoke: boolean;
  runs: number;
  only: Set<Figure>;
  outDir: string;
  durationMs: number;
  warmupMs: number;
  window: number;
  sizes: number[];
  /** SM_MON calls per measurement: few for rpc.statd, whose rate falls with every host added. */
  monCount: Record<DaemonKind, number>;
  monWindow: number;
  monBoundMs: number;
  startupBoundMs: number;
  notifyCounts: number[];
  notifyRuns: number;
  notifyBoundMs: number;
  stormCount: number;
  stormWindow: number;
  stormBoundMs: number;
  probeMs: number;
  updateReadme: boolean;
  /** Only redraw the picture, table and README from this results file. */
  render?: string;
  /** Merge the figures measured now into this earlier results file (bench/results/latest.json). */
  into?: string;
}

const HELP = `Usage: npm run bench -- [OPTIONS]   (node dist/bench/run.js [OPTIONS], as root)

Runs nsmd and Debian's rpc.statd / sm-notify side by side in network namespaces and writes
bench/results/latest.json, a dated copy, and bench/results/latest.svg.

  --smoke            a few seconds, tiny sizes; results to bench/results/tmp/; never fails on timing
  --only LIST        figures to run: null,stat,mon,notify,storm (default all)
  --runs N           repetitions of each figure (default 3)
  --sizes LIST       monitored-host counts for the SM_MON curve (default 0,1000,10000,100000)
  --notify LIST      peer counts for the notification figure (default 1000,10000)
  --notify-runs N    repetitions of the notification figure (default: --runs)
  --storm N          hosts monitored and notifications sent in the storm figure (default 10000)
  --duration MS      length of each NULL / SM_STAT load (default 5000)
  --mon-bound MS     time limit of each SM_MON / SM_UNMON load (default 20000)
  --no-readme        do not update the table in README.md
  --into FILE        keep FILE's other figures: replace only those measured now (e.g. after a fix)
  --render FILE      measure nothing: redraw FILE's picture (FILE.svg) and table (and README)
`;

function parseList(s: string): number[] {
  return s
    .split(',')
    .filter(Boolean)
    .map((x) => Number(x.replace(/k$/i, '000')));
}

function options(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      sizes: { type: 'string' },
      notify: { type: 'string' },
      'notify-runs': { type: 'string' },
      duration: { type: 'string' },
      'mon-bound': { type: 'string' },
      storm: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
      render: { type: 'string' },
      into: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const smoke = values.smoke;
  const only = new Set<Figure>();
  for (const f of (values.only ?? FIGURES.join(',')).split(',')) {
    if (!(FIGURES as readonly string[]).includes(f))
      throw new Error(`unknown figure ${f} (${FIGURES.join(', ')})`);
    only.add(f as Figure);
  }
  const runs = Number(values.runs ?? (smoke ? 1 : 3));
  return {
    smoke,
    runs,
    only,
    outDir: join(REPO_ROOT, 'bench', 'results', ...(smoke ? ['tmp'] : [])),
    durationMs: Number(values.duration ?? (smoke ? 300 : 5000)),
    warmupMs: smoke ? 100 : 1000,
    window: 64,
    sizes: parseList(values.sizes ?? (smoke ? '0,100' : '0,1000,10000,100000')),
    monCount: smoke ? { statd: 30, nsmd: 50 } : { statd: 200, nsmd: 2000 },
    monWindow: 32,
    monBoundMs: Number(values['mon-bound'] ?? (smoke ? 3000 : 20_000)),
    startupBoundMs: smoke ? 20_000 : 180_000,
    notifyCounts: parseList(values.notify ?? (smoke ? '20' : '1000,10000')),
    notifyRuns: Number(values['notify-runs'] ?? runs),
    notifyBoundMs: smoke ? 20_000 : 300_000,
    stormCount: Number(values.storm ?? (smoke ? 50 : 10_000)),
    stormWindow: 256,
    stormBoundMs: smoke ? 10_000 : 120_000,
    probeMs: smoke ? 500 : 5000,
    updateReadme: !smoke && !values['no-readme'],
    ...(values.render ? { render: values.render } : {}),
    ...(values.into ? { into: values.into } : {}),
  };
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
  }
}

interface Environment {
  date: string;
  machine: Record<string, string | number | null>;
  versions: Record<string, string | null>;
}

function environment(stateRoot: string): Environment {
  const cpu = cpus();
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
  const dpkg = (p: string) => sh('dpkg-query', ['-W', '-f', '${Version}', p]) || null;
  return {
    date: new Date().toISOString(),
    machine: {
      cpuModel: cpu[0]?.model ?? 'unknown',
      cpus: cpu.length,
      memoryBytes: totalmem(),
      kernel: release(),
      os: existsSync('/etc/debian_version')
        ? `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}`
        : 'unknown',
      stateDirFilesystem: sh('df', ['--output=source,fstype', stateRoot]).split('\n')[1]?.trim() ?? null,
      nsmdStoreSync: process.env.NSMD_STORE_SYNC ?? 'auto',
    },
    versions: {
      node: process.version,
      nsmd: pkg.version,
      nsmdCommit: sh('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']) || null,
      nfsCommon: dpkg('nfs-common'),
      rpcbind: dpkg('rpcbind'),
    },
  };
}

async function execJson<T>(host: Host, script: string, args: string[], timeoutMs: number): Promise<T> {
  const r = await host.exec(process.execPath, [join(REPO_ROOT, 'dist', 'bench', script), ...args], {
    timeoutMs,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) {
    throw new Error(
      `${script} ${args.join(' ')} failed (${r.timedOut ? 'timed out' : `code ${r.code}`}): ${r.stderr.trim()}`,
    );
  }
  return JSON.parse(line) as T;
}

/** The bench network: one host per daemon (each with Debian rpcbind), one host of fake peers. */
interface Bench {
  net: Network;
  hosts: Record<DaemonKind, Host>;
  peers: Host;
  owner: { uid: number; gid: number };
}

async function setUp(): Promise<Bench> {
  const owner = lookupUser('statd');
  if (!owner) throw new Error('user statd is missing: run scripts/install-deps.sh as root');
  const net = await createNetwork({ hosts: [{ name: 'statd' }, { name: 'nsmd' }, { name: 'peers' }] });
  const hosts = { statd: net.host('statd'), nsmd: net.host('nsmd') };
  const peers = net.host('peers');
  // The peers' addresses (10.200.0.0/14, see names.ts) are local to the peers host and routed
  // there from the daemons' hosts: one neighbour entry however many peers.
  const must = async (h: Host, args: string[]) => {
    const r = await h.exec('ip', args);
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  };
  await must(peers, ['route', 'add', 'local', '10.200.0.0/14', 'dev', 'lo']);
  for (const k of KINDS) {
    await must(hosts[k], ['route', 'add', '10.200.0.0/14', 'via', peers.ipv4]);
    await startRpcbind(hosts[k]);
  }
  return { net, hosts, peers, owner };
}

function stateDir(b: Bench, kind: DaemonKind, name: string, records: number): string {
  const dir = join(b.hosts[kind].dir, name);
  rmSync(dir, { recursive: true, force: true });
  makeStateDir(dir);
  if (records > 0) writeMonitorRecords(dir, records, b.owner);
  markSameBoot(dir, b.owner);
  // On disk before the daemon starts: the records just written are the bench's set-up, and
  // neither daemon's syncs should pay for writing them out.
  execFileSync('sync', ['-f', dir]);
  return dir;
}

/** Order of the two daemons in run i: alternated, so neither always goes first. */
function order(i: number): DaemonKind[] {
  return i % 2 === 0 ? KINDS : [...KINDS].reverse();
}

interface RateFigure {
  statd: Spread;
  nsmd: Spread;
  /** nsmd / statd, run by run. */
  ratio: Spread;
  raw: Record<DaemonKind, LoadResult[]>;
}

function rateFigure(raw: Record<DaemonKind, LoadResult[]>): RateFigure {
  const rates = (k: DaemonKind) => raw[k].map((r) => r.callsPerSec);
  return {
    statd: spread(rates('statd')),
    nsmd: spread(rates('nsmd')),
    ratio: spread(pairRatios(rates('nsmd'), rates('statd')), 3),
    raw,
  };
}

async function benchRates(b: Bench, o: Options, results: Record<string, unknown>): Promise<void> {
  const kinds: { key: string; figure: Figure; transport: 'udp' | 'tcp'; stat: boolean }[] = [];
  if (o.only.has('null')) kinds.push({ key: 'nullUdp', figure: 'null', transport: 'udp', stat: false });
  if (o.only.has('null')) kinds.push({ key: 'nullTcp', figure: 'null', transport: 'tcp', stat: false });
  if (o.only.has('stat')) kinds.push({ key: 'smStatUdp', figure: 'stat', transport: 'udp', stat: true });
  if (kinds.length === 0) return;
  const raw: Record<string, Record<DaemonKind, LoadResult[]>> = {};
  for (const k of kinds) raw[k.key] = { statd: [], nsmd: [] };
  for (let run = 0; run < o.runs; run++) {
    for (const kind of order(run)) {
      const host = b.hosts[kind];
      const d = await startDaemon(kind, host, stateDir(b, kind, 'rates', 0), o.startupBoundMs);
      try {
        for (const k of kinds) {
          const args = ['--port', String(NSM_PORT), '--transport', k.transport, '--window', String(o.window)];
          args.push('--duration', String(o.durationMs), '--warmup', String(o.warmupMs));
          // A name from the hosts file, so both statds answer stat_succ.
          if (k.stat) args.push('--stat-name', b.peers.fqdn);
          const r = await execJson<LoadResult>(host, 'load.js', args, o.durationMs + o.warmupMs + 30_000);
          raw[k.key]![kind].push(r);
          log(
            `run ${run + 1} ${k.key} ${kind}: ${r.callsPerSec}/s (p99 ${r.latencyUs.p99} us, lost ${r.lost})`,
          );
        }
      } finally {
        await d.stop();
      }
    }
  }
  for (const k of kinds) results[k.key] = rateFigure(raw[k.key]!);
}

interface MonPoint {
  size: number;
  runs: {
    startupMs: number;
    rssBytes: number | null;
    mon: MonLoadResult;
    unmon: MonLoadResult | null;
  }[];
  monRate?: Spread;
  unmonRate?: Spread;
  startupMs?: Spread;
  rssBytes?: Spread;
  stopped?: string;
}

async function benchMon(b: Bench, o: Options, results: Record<string, unknown>): Promise<void> {
  const points: Record<DaemonKind, MonPoint[]> = { statd: [], nsmd: [] };
  const stoppedAt: Partial<Record<DaemonKind, string>> = {};
  for (const size of o.sizes) {
    for (const kind of KINDS) {
      const point: MonPoint = { size, runs: [] };
      points[kind].push(point);
      if (stoppedAt[kind]) {
        point.stopped = `not run: ${stoppedAt[kind]}`;
        continue;
      }
      const host = b.hosts[kind];
      log(`SM_MON ${kind}: writing ${size} monitor records`);
      const dir = stateDir(b, kind, `mon-${size}`, size);
      for (let run = 0; run < o.runs && !stoppedAt[kind]; run++) {
        let d: RunningDaemon;
        try {
          d = await startDaemon(kind, host, dir, o.startupBoundMs);
        } catch (e) {
          stoppedAt[kind] =
            `did not answer within ${o.startupBoundMs / 1000} s of start with ${size} hosts on disk`;
          point.stopped = stoppedAt[kind];
          log(`SM_MON ${kind} at ${size}: ${stoppedAt[kind]} (${(e as Error).message.split('\n')[0]})`);
          break;
        }
        try {
          await new Promise((r) => setTimeout(r, o.smoke ? 100 : 1000));
          const rss = rssBytes(d.pid);
          const common = [
            '--port',
            String(NSM_PORT),
            '--window',
            String(o.monWindow),
            '--duration',
            String(o.monBoundMs),
          ];
          const bound = o.monBoundMs + 60_000;
          const from = 1_000_000 + run * o.monCount[kind];
          const mon = await execJson<MonLoadResult>(
            host,
            'monload.js',
            ['--op', 'mon', '--from', String(from), '--count', String(o.monCount[kind]), ...common],
            bound,
          );
          const added = mon.completed + mon.failed;
          const unmon =
            added > 0
              ? await execJson<MonLoadResult>(
                  host,
                  'monload.js',
                  ['--op', 'unmon', '--from', String(from), '--count', String(added), ...common],
                  bound,
                )
              : null;
          point.runs.push({ startupMs: round(d.startupMs), rssBytes: rss, mon, unmon });
          log(
            `run ${run + 1} SM_MON ${kind} at ${size}: ${mon.callsPerSec}/s (${mon.completed} ok, ${mon.failed} fail, ` +
              `${mon.errors} err, by ${mon.stoppedBy}); SM_UNMON ${unmon?.callsPerSec ?? '-'}/s; ` +
              `start ${round(d.startupMs)} ms; rss ${rss === null ? '-' : round(rss / 2 ** 20)} MiB`,
          );
          if (mon.completed < 3 && mon.stoppedBy === 'time') {
            stoppedAt[kind] =
              `at ${size} monitored hosts only ${mon.completed} SM_MON succeeded in ${o.monBoundMs / 1000} s; larger sets not run`;
          }
        } finally {
          await d.stop();
        }
      }
      const rs = point.runs;
      if (rs.length > 0) {
        point.monRate = spread(rs.map((r) => r.mon.callsPerSec));
        point.unmonRate = spread(rs.filter((r) => r.unmon).map((r) => r.unmon!.callsPerSec));
        point.startupMs = spread(rs.map((r) => r.startupMs));
        point.rssBytes = spread(rs.map((r) => r.rssBytes ?? Number.NaN));
      }
      if (stoppedAt[kind] && !point.stopped) point.stopped = stoppedAt[kind];
    }
    // Free the disk: the next size writes its own records.
    for (const kind of KINDS)
      rmSync(join(b.hosts[kind].dir, `mon-${size}`), { recursive: true, force: true });
  }
  // Memory per monitored host: resident size with N hosts loaded against the idle daemon.
  const memory: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const idle = points[kind].find((p) => p.size === 0)?.rssBytes?.median;
    memory[kind] = points[kind]
      .filter((p) => p.rssBytes && p.rssBytes.n > 0)
      .map((p) => ({
        size: p.size,
        rssBytes: p.rssBytes!.median,
        bytesPerHost:
          idle !== undefined && p.size > 0 ? Math.round((p.rssBytes!.median - idle) / p.size) : null,
      }));
  }
  results.smMon = points;
  results.memory = memory;
}

interface NotifyRun {
  /** From starting the notifier until the last peer acknowledged. */
  allAckedMs: number | null;
  /** From starting the notifier until it exited. */
  exitMs: number;
  exitCode: number | null;
  acked: number;
  notifies: number;
}

async function benchNotify(b: Bench, o: Options, results: Record<string, unknown>): Promise<void> {
  const out: Record<string, Record<DaemonKind, NotifyRun[]> & { summary?: unknown }> = {};
  for (const n of o.notifyCounts) {
    const runs: Record<DaemonKind, NotifyRun[]> = { statd: [], nsmd: [] };
    out[n] = runs;
    for (let run = 0; run < o.notifyRuns; run++) {
      for (const kind of order(run)) {
        const host = b.hosts[kind];
        const dir = stateDir(b, kind, 'notify', n);
        const peers = b.peers.spawnNode(join(REPO_ROOT, 'dist', 'bench', 'peers.js'), [
          '--count',
          String(n),
          '--duration',
          String(o.notifyBoundMs + 60_000),
        ]);
        try {
          await peers.waitForOutput(/\{"ready"/, { timeoutMs: 120_000 });
          const t0 = Date.now();
          const notifier =
            kind === 'statd'
              ? runSmNotify(host, { stateDir: dir, timeoutMs: o.notifyBoundMs })
              : host.execNsmd(['notify', '--state-dir', dir, '--force', '--log-format', 'json'], {
                  timeoutMs: o.notifyBoundMs,
                });
          const done = peers
            .waitForOutput(/\{"done".*\}/, { timeoutMs: o.notifyBoundMs })
            .then((m) => JSON.parse(m[0]) as { lastAckAt: number; notifies: number })
            .catch(() => null);
          const r = await notifier;
          const exitMs = Date.now() - t0;
          // The last acknowledgement was seen before the notifier exited, or never.
          const ack = await Promise.race([
            done,
            new Promise<null>((res) => setTimeout(() => res(null), 2000)),
          ]);
          peers.kill('SIGTERM');
          await peers.exited;
          const final = /\{"acked":(\d+),"notifies":(\d+)\}/.exec(peers.stdout);
          const res: NotifyRun = {
            allAckedMs: ack ? ack.lastAckAt - t0 : null,
            exitMs,
            exitCode: r.code,
            acked: final ? Number(final[1]) : 0,
            notifies: final ? Number(final[2]) : 0,
          };
          runs[kind].push(res);
          log(
            `run ${run + 1} notify ${n} peers ${kind}: all acked ${res.allAckedMs ?? 'never'} ms, exit ${exitMs} ms ` +
              `(code ${r.code}${r.timedOut ? ', killed at the time limit' : ''}), ${res.acked} acked, ${res.notifies} SM_NOTIFY`,
          );
        } finally {
          await peers.stop();
        }
      }
    }
    const times = (k: DaemonKind) => runs[k].map((r) => r.allAckedMs ?? Number.NaN);
    out[n]!.summary = {
      statd: spread(times('statd')),
      nsmd: spread(times('nsmd')),
      speedup: spread(pairRatios(times('statd'), times('nsmd')), 3),
    };
  }
  results.notify = out;
  results.notifyBoundMs = o.notifyBoundMs;
}

interface StormRun {
  monitored: number;
  sent: number;
  /** SM_NOTIFY calls answered, and ms from the first send until the last answer. */
  answered: number;
  repliesMs: number | null;
  /** Hosts whose lock manager was called back, and ms from the first send until the last. */
  calledBack: number;
  callbacksMs: number | null;
  retransmits: number;
  nullP99UsIdle: number;
  nullP99UsDuringStorm: number;
  nullLostDuringStorm: number;
}

async function benchStorm(b: Bench, o: Options, results: Record<string, unknown>): Promise<void> {
  const n = o.stormCount;
  const runs: Record<DaemonKind, StormRun[]> = { statd: [], nsmd: [] };
  const probe = ['--port', String(NSM_PORT), '--transport', 'udp', '--window', '1', '--warmup', '0'];
  probe.push('--duration', String(o.probeMs));
  for (let run = 0; run < o.runs; run++) {
    for (const kind of order(run)) {
      const host = b.hosts[kind];
      const dir = stateDir(b, kind, 'storm', n);
      const lockd = host.spawnNode(join(REPO_ROOT, 'dist', 'bench', 'lockd.js'), ['--expect', String(n)]);
      let d: RunningDaemon | undefined;
      try {
        await lockd.waitForOutput(/\{"ready"/, { timeoutMs: 20_000 });
        d = await startDaemon(kind, host, dir, o.startupBoundMs);
        const idle = await execJson<LoadResult>(host, 'load.js', probe, o.probeMs + 30_000);
        const calledBack = lockd
          .waitForOutput(/\{"done".*\}/, { timeoutMs: o.stormBoundMs + 10_000 })
          .then((m) => JSON.parse(m[0]) as { lastAt: number })
          .catch(() => null);
        const stormProc = b.peers.spawnNode(join(REPO_ROOT, 'dist', 'bench', 'storm.js'), [
          '--target',
          host.ipv4,
          '--port',
          String(NSM_PORT),
          '--count',
          String(n),
          '--window',
          String(o.stormWindow),
          '--duration',
          String(o.stormBoundMs),
        ]);
        await stormProc.waitForOutput(/\{"bound"/, { timeoutMs: 120_000 });
        // The probe runs from just before the storm starts.
        const during = execJson<LoadResult>(host, 'load.js', probe, o.probeMs + 30_000);
        await new Promise((r) => setTimeout(r, 300));
        stormProc.kill('SIGUSR2');
        const stormLine = await stormProc.waitForOutput(/\{"t0".*\}/, { timeoutMs: o.stormBoundMs + 60_000 });
        const storm = JSON.parse(stormLine[0]) as {
          t0: number;
          sent: number;
          answered: number;
          lastReplyAt: number;
          retransmits: number;
        };
        const probeResult = await during;
        const remaining = Math.max(1000, storm.t0 + o.stormBoundMs - Date.now());
        const cb = await Promise.race([
          calledBack,
          new Promise<null>((r) => setTimeout(() => r(null), remaining)),
        ]);
        lockd.kill('SIGTERM');
        await lockd.exited;
        const counts = /\{"callbacks":(\d+),"hosts":(\d+)\}/.exec(lockd.stdout);
        const r: StormRun = {
          monitored: n,
          sent: storm.sent,
          answered: storm.answered,
          repliesMs: storm.answered === n ? storm.lastReplyAt - storm.t0 : null,
          calledBack: counts ? Number(counts[2]) : 0,
          callbacksMs: cb ? cb.lastAt - storm.t0 : null,
          retransmits: storm.retransmits,
          nullP99UsIdle: idle.latencyUs.p99,
          nullP99UsDuringStorm: probeResult.latencyUs.p99,
          nullLostDuringStorm: probeResult.lost,
        };
        runs[kind].push(r);
        log(
          `run ${run + 1} storm ${n} ${kind}: answered ${r.answered} in ${r.repliesMs ?? 'n/a'} ms, ` +
            `${r.calledBack} called back in ${r.callbacksMs ?? 'n/a'} ms, NULL p99 ${r.nullP99UsIdle} -> ${r.nullP99UsDuringStorm} us`,
        );
      } finally {
        await d?.stop();
        await lockd.stop();
      }
    }
  }
  const pick = (k: DaemonKind, f: (r: StormRun) => number | null) =>
    spread(runs[k].map((r) => f(r) ?? Number.NaN));
  results.stormBoundMs = o.stormBoundMs;
  results.storm = {
    runs,
    summary: Object.fromEntries(
      KINDS.map((k) => [
        k,
        {
          repliesMs: pick(k, (r) => r.repliesMs),
          callbacksMs: pick(k, (r) => r.callbacksMs),
          calledBack: pick(k, (r) => r.calledBack),
          nullP99UsIdle: pick(k, (r) => r.nullP99UsIdle),
          nullP99UsDuringStorm: pick(k, (r) => r.nullP99UsDuringStorm),
        },
      ]),
    ),
  };
}

/** The time limit a figure ran with (kept in the results so pictures can be redrawn). */
function boundOf(results: Record<string, any>, figure: 'notify'): number {
  return results[`${figure}BoundMs`] ?? 300_000;
}

function picture(results: Record<string, any>, env: Record<string, any>): string {
  const parts: string[] = [];
  const mon = results.smMon as Record<DaemonKind, MonPoint[]> | undefined;
  if (mon) {
    const sizes = mon.nsmd.map((p) => p.size);
    parts.push(
      lineChart(
        {
          title: 'Durable SM_MON per second vs hosts already monitored',
          categories: sizes.map((s) => s.toLocaleString('en')),
          xLabel: 'hosts already monitored',
          yLabel: 'SM_MON calls/s (median)',
          logY: true,
          series: KINDS.map((k) => ({
            name: DAEMON_LABEL[k],
            color: COLORS[k],
            values: mon[k].map((p) => p.monRate?.median ?? null),
          })),
          note: KINDS.filter((k) => mon[k].some((p) => p.stopped))
            .map((k) => `${DAEMON_LABEL[k]}: ${mon[k].find((p) => p.stopped)!.stopped}`)
            .join('; '),
        },
        { x: 0, y: 0, width: 620, height: 380 },
      ),
    );
  }
  const notify = results.notify as Record<string, { summary: Record<string, Spread> }> | undefined;
  if (notify) {
    const ns = Object.keys(notify);
    parts.push(
      barChart(
        {
          title: 'Time until every peer acknowledged SM_NOTIFY',
          categories: ns.map((n) => `${Number(n).toLocaleString('en')} peers`),
          yLabel: 'seconds (median)',
          logY: true,
          note: ns
            .flatMap((n) =>
              KINDS.map((k) => {
                const runs = (notify[n] as unknown as Record<DaemonKind, NotifyRun[]>)[k] ?? [];
                const bad = runs.filter((r) => r.allAckedMs === null);
                if (bad.length === 0) return '';
                const name = k === 'statd' ? 'sm-notify' : 'nsmd notify';
                return `${name}, ${n} peers: ${bad.length}/${runs.length} runs unfinished at the limit (acked ${bad.map((r) => r.acked).join(', ')})`;
              }),
            )
            .filter(Boolean)
            .join('; '),
          series: KINDS.map((k) => ({
            name: k === 'statd' ? 'Debian sm-notify' : 'nsmd notify',
            color: COLORS[k],
            // Every run stopped at the time limit: the limit is a lower bound of the time.
            values: ns.map((n) => {
              const s = notify[n]!.summary[k]!;
              const runs = (notify[n] as unknown as Record<DaemonKind, NotifyRun[]>)[k] ?? [];
              if (s.n > 0) return s.median / 1000;
              return runs.length > 0 ? boundOf(results, 'notify') / 1000 : null;
            }),
            atLeast: ns.map((n) => notify[n]!.summary[k]!.n === 0),
          })),
        },
        { x: mon ? 620 : 0, y: 0, width: 440, height: 380 },
      ),
    );
  }
  const rates = ['nullUdp', 'nullTcp', 'smStatUdp'].filter((k) => results[k]);
  if (rates.length > 0) {
    parts.push(
      barChart(
        {
          title: 'Calls per second (window of 64, loopback)',
          categories: rates.map(
            (k) => ({ nullUdp: 'NULL UDP', nullTcp: 'NULL TCP', smStatUdp: 'SM_STAT UDP' })[k]!,
          ),
          yLabel: 'calls/s (median)',
          series: KINDS.map((k) => ({
            name: DAEMON_LABEL[k],
            color: COLORS[k],
            values: rates.map((r) => (results[r] as RateFigure)[k].median),
          })),
        },
        { x: 1060, y: 0, width: 440, height: 380 },
      ),
    );
  }
  const width = 1500;
  const m = env.machine;
  const caption = `${env.date.slice(0, 16)}Z · ${m.cpus} x ${m.cpuModel} · ${m.kernel} · node ${env.versions.node} · nsmd ${env.versions.nsmd} · nfs-common ${env.versions.nfsCommon}`;
  parts.push(
    `<text x="8" y="396" font-size="11" fill="#333">${caption.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
  );
  return svgDocument(width, 404, parts, 'nsmd vs Debian rpc.statd');
}

function fmtSpread(s: Spread | undefined, unit = ''): string {
  if (!s || s.n === 0) return 'n/a';
  // Ratios: one decimal is enough above 1, two significant digits below.
  const f = (v: number) =>
    unit !== 'x' ? String(v) : v >= 1 ? String(round(v)) : String(Number(v.toPrecision(2)));
  return s.n > 1 ? `${f(s.median)}${unit} (${f(s.min)}-${f(s.max)})` : `${f(s.median)}${unit}`;
}

/** Bytes per host; a negative difference is resident-size noise (GC), not a saving. */
function perHost(b: number | null | undefined): string {
  if (b === null || b === undefined) return 'n/a';
  return b < 0 ? '~0 (within RSS noise)' : String(b);
}

type NotifyFigure = Record<DaemonKind, NotifyRun[]> & { summary: Record<string, Spread> };

/** Median time, or how far the unfinished runs got within the time limit. */
function notifyText(f: NotifyFigure, k: DaemonKind, o: Options): string {
  const s = f.summary[k]!;
  const unfinished = f[k].filter((r) => r.allAckedMs === null);
  if (unfinished.length === 0) return fmtSpread(s);
  const got = unfinished.map((r) => r.acked).join(', ');
  const text = `${unfinished.length} of ${f[k].length} runs unfinished in ${o.notifyBoundMs / 1000} s (acked: ${got})`;
  return s.n > 0 ? `${fmtSpread(s)}; ${text}` : text;
}

/** "3.2x faster" or "1.5x slower" from a Debian-time / nsmd-time ratio. */
function speedText(s: Spread): string {
  if (s.n === 0 || s.median <= 0) return 'n/a';
  return s.median >= 1 ? `${fmtSpread(s, 'x')} faster` : `${round(1 / s.median)}x slower`;
}

function table(results: Record<string, any>, o: Options): string {
  const rows: string[][] = [['figure', 'Debian', 'nsmd', 'nsmd / Debian']];
  for (const [key, label] of [
    ['nullUdp', 'NULL calls/s, UDP'],
    ['nullTcp', 'NULL calls/s, TCP'],
    ['smStatUdp', 'SM_STAT calls/s, UDP'],
  ] as const) {
    const f = results[key] as RateFigure | undefined;
    if (f) rows.push([label, fmtSpread(f.statd), fmtSpread(f.nsmd), fmtSpread(f.ratio, 'x')]);
  }
  const mon = results.smMon as Record<DaemonKind, MonPoint[]> | undefined;
  if (mon) {
    mon.nsmd.forEach((p, i) => {
      const d = mon.statd[i]!;
      const ratio = (a?: Spread, b?: Spread) =>
        a && b && b.median > 0 ? `${round(a.median / b.median)}x` : 'n/a';
      const dText = (s: Spread | undefined) => (d.stopped && !s ? 'stopped' : fmtSpread(s));
      rows.push([
        `SM_MON/s at ${p.size.toLocaleString('en')} monitored`,
        dText(d.monRate),
        fmtSpread(p.monRate),
        ratio(p.monRate, d.monRate),
      ]);
      rows.push([
        `SM_UNMON/s at ${p.size.toLocaleString('en')}`,
        dText(d.unmonRate),
        fmtSpread(p.unmonRate),
        ratio(p.unmonRate, d.unmonRate),
      ]);
    });
    const last = mon.nsmd[mon.nsmd.length - 1]!;
    const lastD = mon.statd[mon.statd.length - 1]!;
    if (last.size > 0) {
      rows.push([
        `start-up with ${last.size.toLocaleString('en')} on disk, ms`,
        lastD.stopped && !lastD.startupMs ? 'stopped' : fmtSpread(lastD.startupMs),
        fmtSpread(last.startupMs),
        '',
      ]);
    }
    const memory = results.memory as Record<
      DaemonKind,
      { size: number; rssBytes: number; bytesPerHost: number | null }[]
    >;
    for (const p of memory.nsmd.filter((x) => x.size > 0)) {
      const d = memory.statd.find((x) => x.size === p.size);
      rows.push([
        `bytes per monitored host (RSS, ${p.size.toLocaleString('en')})`,
        perHost(d?.bytesPerHost),
        perHost(p.bytesPerHost),
        '',
      ]);
    }
  }
  const notify = results.notify as Record<string, NotifyFigure> | undefined;
  if (notify) {
    for (const [n, f] of Object.entries(notify)) {
      const s = f.summary;
      rows.push([
        `all ${Number(n).toLocaleString('en')} peers notified, ms`,
        notifyText(f, 'statd', o),
        notifyText(f, 'nsmd', o),
        speedText(s.speedup!),
      ]);
    }
  }
  const storm = results.storm as { summary: Record<DaemonKind, Record<string, Spread>> } | undefined;
  if (storm) {
    const [d, n] = [storm.summary.statd, storm.summary.nsmd];
    const count = results.storm.runs.nsmd[0]?.monitored ?? results.storm.runs.statd[0]?.monitored ?? 0;
    const runsOf = (k: DaemonKind) => results.storm.runs[k] as StormRun[];
    const bound = `${(results.stormBoundMs ?? 120_000) / 1000} s`;
    // Median time, or how far every run got within the time limit.
    const text = (k: DaemonKind, time: Spread, done: (r: StormRun) => number, what: string) =>
      time.n > 0
        ? fmtSpread(time)
        : `unfinished in ${bound}: ${runsOf(k)
            .map(done)
            .join(', ')} of ${count.toLocaleString('en')} ${what}`;
    rows.push([
      `SM_NOTIFY storm (${count.toLocaleString('en')}): all answered, ms`,
      text('statd', d.repliesMs!, (r) => r.answered, 'answered'),
      text('nsmd', n.repliesMs!, (r) => r.answered, 'answered'),
      '',
    ]);
    rows.push([
      'SM_NOTIFY storm: all lock managers called back, ms',
      text('statd', d.callbacksMs!, (r) => r.calledBack, 'called back'),
      text('nsmd', n.callbacksMs!, (r) => r.calledBack, 'called back'),
      '',
    ]);
    const lost = (k: DaemonKind) => {
      const l = (results.storm.runs[k] as StormRun[]).map((r) => r.nullLostDuringStorm);
      return l.some((x) => x > 0) ? ` (NULL calls lost: ${l.join(', ')})` : '';
    };
    rows.push([
      'NULL p99 latency idle / during storm, us',
      `${d.nullP99UsIdle!.median} / ${d.nullP99UsDuringStorm!.median}${lost('statd')}`,
      `${n.nullP99UsIdle!.median} / ${n.nullP99UsDuringStorm!.median}${lost('nsmd')}`,
      '',
    ]);
  }
  return [
    `| ${rows[0]!.join(' | ')} |`,
    `|${rows[0]!.map(() => '---').join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function updateReadme(md: string, env: Record<string, any>): void {
  const file = join(REPO_ROOT, 'README.md');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const m = env.machine;
  const body = [
    start,
    `Latest run: ${env.date.slice(0, 10)}, ${m.cpus} x ${m.cpuModel}, Linux ${m.kernel}, Node.js ${env.versions.node}, ` +
      `nfs-common ${env.versions.nfsCommon}, rpcbind ${env.versions.rpcbind}. Median of the runs (lowest-highest).`,
    '',
    md,
    '',
    '![SM_MON rate, notification time and call rates of nsmd and Debian rpc.statd](bench/results/latest.svg)',
    end,
  ].join('\n');
  writeFileSync(file, text.slice(0, i) + body + text.slice(j + end.length));
}

/** Redraws the picture and table of a results file (after a change to how they are drawn). */
function render(file: string, readme: boolean): number {
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    mode: string;
    date: string;
    machine: Environment['machine'];
    versions: Environment['versions'];
    options: Options & { only: Figure[] };
    results: Record<string, unknown>;
  };
  const env: Environment = { date: report.date, machine: report.machine, versions: report.versions };
  const o: Options = { ...report.options, only: new Set(report.options.only) };
  const md = table(report.results, o);
  writeFileSync(file.replace(/\.json$/, '.svg'), picture(report.results, env));
  if (readme && report.mode === 'full') updateReadme(md, env);
  process.stdout.write(`${md}\n`);
  return 0;
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  if (!o) return 0;
  if (o.render) return render(o.render, o.updateReadme);
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root (network namespaces); run: sudo npm run bench\n');
    return 1;
  }
  const started = Date.now();
  mkdirSync(o.outDir, { recursive: true });
  log(`setting up (${o.smoke ? 'smoke' : 'full'} run: ${[...o.only].join(', ')}; ${o.runs} runs)`);
  const b = await setUp();
  const env = environment(b.net.dir);
  const results: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  try {
    const attempt = async (name: string, f: () => Promise<void>) => {
      try {
        await f();
      } catch (e) {
        errors[name] = (e as Error).message;
        log(`${name}: ${(e as Error).message}`);
      }
    };
    await attempt('rates', () => benchRates(b, o, results));
    if (o.only.has('mon')) await attempt('mon', () => benchMon(b, o, results));
    if (o.only.has('notify')) await attempt('notify', () => benchNotify(b, o, results));
    if (o.only.has('storm')) await attempt('storm', () => benchStorm(b, o, results));
  } finally {
    await b.net.close();
  }
  const report = {
    benchmark: 'nsmd-vs-debian-statd',
    mode: o.smoke ? 'smoke' : 'full',
    ...env,
    options: { ...o, only: [...o.only] },
    method: {
      placement:
        'each daemon in its own network namespace with Debian rpcbind, the same hosts file and a resolver that answers from files only; load generators run in the daemon host and call it over loopback',
      stateDirs:
        'on the same filesystem (see machine.stateDirFilesystem); records written in the nfs-utils layout, marked "same boot"',
      monNames: 'IPv4 literals from 10.200.0.1 (what Linux lockd sends by default)',
      smMon:
        'N records written in sm/ and synced (sync -f) before start; then SM_MON of new names (rpc.statd: 200 calls, nsmd: 2000, each bounded by --mon-bound) with 32 in flight over UDP from loopback, then SM_UNMON of the same names; nsmd with its defaults (native file commit, --sync auto: one syncfs per batch of two or more new host files, docs/STATE.md) unless NSMD_STORE_SYNC says otherwise (recorded in nsmdStoreSync)',
      notifyPeers:
        'one process in a peers namespace with one UDP socket per peer address (10.200.0.0/14 local there, routed from the daemon hosts) answering portmap GETPORT / rpcbind GETADDR and SM_NOTIFY; time = from starting the notifier to the last first acknowledgement',
      startup: 'from spawn until NULL answers over UDP and TCP, polled with rpcinfo every 100 ms',
      storm:
        "the daemon monitors N hosts (records on disk) and a stand-in lockd registered with rpcbind counts callbacks; N SM_NOTIFY come from the N hosts' own addresses, 256 in flight, retransmitted after 1 s; NULL latency probed with a window of 1 for a fixed time from the storm's start",
      memory: 'VmRSS one second after start with N records on disk; bytes per host = (RSS(N) - RSS(0)) / N',
    },
    results,
    errors,
    durationMs: Date.now() - started,
  };
  const stamp = env.date.slice(0, 16).replace(/[:T]/g, '-');
  const base = o.smoke ? 'smoke' : 'latest';
  let out: Record<string, any> = report;
  let shown = results;
  let shownEnv = env;
  if (o.into) {
    // Figures measured now replace the same figures of an earlier full run; the rest is kept.
    const prev = JSON.parse(readFileSync(o.into, 'utf8')) as Record<string, any>;
    shown = { ...prev.results, ...results };
    shownEnv = { date: prev.date, machine: prev.machine, versions: prev.versions };
    out = {
      ...prev,
      results: shown,
      errors: { ...prev.errors, ...errors },
      rerun: [
        ...(prev.rerun ?? []),
        { figures: [...o.only], date: env.date, versions: env.versions, options: report.options },
      ],
    };
  }
  const md = table(shown, o);
  const json = `${JSON.stringify(out, null, 2)}\n`;
  const svg = picture(shown, shownEnv);
  writeFileSync(join(o.outDir, `${base}.json`), json);
  writeFileSync(join(o.outDir, `${base}.svg`), svg);
  if (!o.smoke)
    writeFileSync(
      join(o.outDir, `${o.into ? `${stamp}-rerun` : stamp}.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  if (o.updateReadme) updateReadme(md, shownEnv);
  process.stdout.write(
    `\n${md}\n\nresults: ${join(o.outDir, `${base}.json`)}, ${join(o.outDir, `${base}.svg`)}\n`,
  );
  if (Object.keys(errors).length > 0) {
    process.stdout.write(`errors: ${JSON.stringify(errors)}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
