import { spawn } from 'node:child_process';
import { type Log, silentLog } from './log.js';
import type { HaCallout, HaEvent } from './service.js';

/** Options of {@link haCalloutRunner}. */
export interface HaCalloutOptions {
  /** The program (absolute path recommended); run without a shell. */
  program: string;
  /** A run taking longer is killed (default 10 s). */
  timeoutMs?: number;
  /** Runs at once (default 4); more wait. */
  concurrency?: number;
  /** Runs waiting at most (default 10 000); more are dropped and logged. */
  maxQueued?: number;
  log?: Log;
}

/**
 * Runs the nfs-utils ha-callout program (`PROG add-client MON_NAME MY_NAME`,
 * `PROG del-client MON_NAME MY_NAME`, `PROG sm-notify MON_NAME ADDRESS STATE`) asynchronously,
 * never through a shell, a few at a time, each with a time limit.
 */
export function haCalloutRunner(opts: HaCalloutOptions): HaCallout & { idle(): Promise<void> } {
  const log = opts.log ?? silentLog;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const concurrency = opts.concurrency ?? 4;
  const maxQueued = opts.maxQueued ?? 10_000;
  const queue: string[][] = [];
  let running = 0;
  let waiters: Array<() => void> = [];

  const pump = () => {
    while (running < concurrency && queue.length > 0) {
      const args = queue.shift()!;
      running++;
      // Peer strings travel as arguments only: no shell ever parses them.
      const child = spawn(opts.program, args, { stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
        if (done) return;
        done = true;
        running--;
        if (err || code !== 0) {
          log.warn(
            { program: opts.program, event: args[0], code, signal, err: err?.message },
            'ha-callout failed',
          );
        }
        pump();
        if (running === 0 && queue.length === 0) {
          const w = waiters;
          waiters = [];
          for (const r of w) r();
        }
      };
      child.once('error', (err) => finish(null, null, err));
      child.once('exit', (code, signal) => finish(code, signal));
    }
  };

  const run = ((event: HaEvent, arg1: string, arg2: string, state?: number) => {
    if (queue.length >= maxQueued) {
      log.warn({ event }, 'ha-callout queue full: event dropped');
      return;
    }
    const args = [event, asArg(arg1), asArg(arg2)];
    if (state !== undefined) args.push(String(state));
    queue.push(args);
    pump();
  }) as HaCallout & { idle(): Promise<void> };
  run.idle = () =>
    running === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r));
  return run;
}

// XDR strings are byte strings (one char per byte); argv is UTF-8, so decode a UTF-8 name to text.
function asArg(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}
