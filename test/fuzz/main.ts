import { parseArgs } from 'node:util';
import { saveFindings } from './corpus.js';
import { startDaemons } from './daemons.js';
import { runFuzz } from './fuzzer.js';
import { checkStateDir } from './state-check.js';

const HELP = `Usage: npm run fuzz -- [--count N] [--minutes M] [--seed S] [--no-lockd]

Starts the embedded rpcbind, nsmd serve and nsmd lockd on loopback and sends them mutated valid
calls and random bytes over UDP and TCP (default 1,000,000 packets, at most 60 minutes). Every
2,000 packets each daemon must still answer NULL. At the end the state directory must load with
no stray or temp file. Inputs that made a daemon answer SYSTEM_ERR or stop answering are saved to
test/fuzz/corpus/ and replayed by the test suite. Exit 0 when nothing was found.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000000' },
      minutes: { type: 'string', default: '60' },
      seed: { type: 'string' },
      'no-lockd': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const count = Number(values.count);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(count) || count < 1 || !(minutes > 0)) {
    process.stderr.write('fuzz: --count must be a positive integer and --minutes a positive number\n');
    return 2;
  }
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const daemons = await startDaemons({ lockd: !values['no-lockd'] });
  try {
    process.stdout.write(`fuzz: seed ${seed}, ${count} packets at most, ${minutes} min at most\n`);
    const report = await runFuzz({
      targets: Object.values(daemons.targets),
      count,
      maxMs: minutes * 60_000,
      seed,
      udpShare: 0.97,
    });
    const state = await checkStateDir(daemons.stateDir);
    const saved = await saveFindings(report.findings);
    process.stdout.write(
      `${JSON.stringify({ seed, ...report, findings: report.findings.length, saved, state }, null, 2)}\n`,
    );
    const ok = report.findings.length === 0 && state.ok;
    process.stdout.write(
      ok ? 'fuzz: no crash, every daemon answers, state intact\n' : 'fuzz: FOUND PROBLEMS\n',
    );
    return ok ? 0 : 1;
  } finally {
    await daemons.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`fuzz: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
