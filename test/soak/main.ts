// `npm run soak -- --minutes M`: the bounded soak (see soak.ts), as root. Prints a JSON report on
// stdout and progress on stderr; exit 0 when nothing acknowledged was lost, the state directory is
// intact and the daemon still answers.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';

const HELP = `Usage: npm run soak -- [--minutes M] [--restarts N] [--clients N] [--rate R] [--out FILE]

Runs nsmd serve in a test host (network namespace) for M minutes (default 2) under a mixed load:
SM_MON/SM_UNMON/SM_NOTIFY from loopback on the server, SM_STAT/SM_NOTIFY from N client hosts
(default 3) at R calls/s each (default 40), with N restarts (alternately kill -9 and SIGTERM)
spread over the first half (default: one per 20 s, at least 2). Samples the daemon's RSS every
second; reports p50/p99 latency, memory growth over the last daemon's life (mean of the last
third against the middle third), and checks at the end that every acknowledged change is on disk.
Needs root. --out FILE also writes the report there.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '2' },
      restarts: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const minutes = Number(values.minutes);
  if (!(minutes > 0) || minutes > 24 * 60) {
    process.stderr.write('soak: --minutes must be a number of minutes above 0 (at most a day)\n');
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('soak: needs root (network namespaces)\n');
    return 1;
  }
  const report = await runSoak({
    seconds: Math.round(minutes * 60),
    ...(values.restarts !== undefined ? { restarts: Number(values.restarts) } : {}),
    ...(values.clients !== undefined ? { clients: Number(values.clients) } : {}),
    ...(values.rate !== undefined ? { clientRate: Number(values.rate) } : {}),
    progress: (l) => process.stderr.write(`${l}\n`),
  });
  const text = `${JSON.stringify(report, (k, v) => (k === 'series' ? thin(v) : v), 2).replace(
    /\[\s+([\d.]+),\s+(\d+),\s+(\d+)\s+\]/g,
    '[$1, $2, $3]',
  )}\n`;
  process.stdout.write(text);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(report)}\n`);
  process.stderr.write(
    report.ok
      ? `soak: ok: nothing lost, state intact, daemon answers; p99 ${report.latencyMs.steady.p99} ms steady, RSS growth ${report.rss.final.growth}\n`
      : 'soak: FAILED\n',
  );
  return report.ok ? 0 : 1;
}

/** At most 60 points of the RSS series on screen (--out keeps all). */
function thin(series: Array<[number, number, number]>): Array<[number, number, number]> {
  if (series.length <= 60) return series;
  const step = series.length / 60;
  return Array.from({ length: 60 }, (_, i) => series[Math.floor(i * step)]!);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
