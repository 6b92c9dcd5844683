#!/usr/bin/env -S node --max-semi-space-size=2
import { UsageError } from './command.js';
import { commands } from './commands/index.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'nsmd: Network Status Monitor (rpc.statd and sm-notify drop-in) and ONC RPC tools',
    '',
    'Usage: nsmd COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'nsmd COMMAND --help' for a command's options.",
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
    process.stdout.write(`nsmd ${pkg.version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nsmd: unknown command '${name}'; run 'nsmd --help'\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  // Shown by ps and /proc/PID/comm (and so by `nsmd ports`) instead of "node".
  process.title = `nsmd ${name}`;
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`nsmd ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`nsmd ${name}: ${(err as Error).message}\n`);
    if (process.env.NSMD_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`nsmd: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
