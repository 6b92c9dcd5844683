import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Log } from './log.js';

/** Log line formats: pino's JSON lines, or a human-readable form for a terminal. */
export type LogFormat = 'json' | 'pretty';

/** A pino logger writing to stderr-free stdout; `pretty` when asked, or by default on a TTY. */
export function createLog(opts: { format?: LogFormat; level?: string; name?: string } = {}): Log & {
  flush(): void;
} {
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const base = { name: opts.name ?? 'nsmd', level: opts.level ?? process.env.NSMD_LOG_LEVEL ?? 'info' };
  if (format === 'pretty') {
    return pino(base, pretty({ colorize: process.stdout.isTTY === true, sync: true, destination: 1 }));
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
