import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** Most bytes of output kept per stream; older output is dropped (the log file keeps everything). */
const MAX_BUFFER = 1 << 20;

/** How a tracked process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options for {@link TrackedProcess}. */
export interface TrackOptions {
  /** Label used in error messages and logs. */
  label?: string;
  /** Append stdout and stderr to this file. */
  logFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called once with the pid while running and with undefined when it ended. */
  onState?: (pid: number, running: boolean) => void;
}

/** Raised when a wait on a process gives up. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function trimTail(text: string): string {
  return text.length > MAX_BUFFER ? text.slice(text.length - MAX_BUFFER) : text;
}

/** A child process whose output is captured and whose life the harness tracks by pid. */
export class TrackedProcess {
  readonly pid: number;
  readonly label: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  private out = '';
  private err = '';
  private both = '';
  private status: ExitStatus | undefined;
  private readonly child: ChildProcess;
  private readonly log: WriteStream | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(argv: readonly string[], opts: TrackOptions = {}) {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new HarnessError('ERR_HARNESS_ARGS', 'empty command');
    this.label = opts.label ?? argv.join(' ');
    this.log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    this.child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('error', (e) => {
        this.err += `spawn failed: ${e.message}\n`;
        this.finish({ code: null, signal: null }, resolve, opts);
      });
      this.child.once('close', (code, signal) => this.finish({ code, signal }, resolve, opts));
    });
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) opts.onState?.(this.pid, true);
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => this.onData(s, 'out'));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => this.onData(s, 'err'));
  }

  private onData(s: string, which: 'out' | 'err'): void {
    if (which === 'out') this.out = trimTail(this.out + s);
    else this.err = trimTail(this.err + s);
    this.both = trimTail(this.both + s);
    this.log?.write(s);
    for (const w of [...this.waiters]) w();
  }

  private finish(status: ExitStatus, resolve: (s: ExitStatus) => void, opts: TrackOptions): void {
    if (this.status) return;
    this.status = status;
    if (this.pid > 0) opts.onState?.(this.pid, false);
    this.log?.end();
    for (const w of [...this.waiters]) w();
    resolve(status);
  }

  /** Everything written to stdout (the last MiB). */
  get stdout(): string {
    return this.out;
  }

  /** Everything written to stderr (the last MiB). */
  get stderr(): string {
    return this.err;
  }

  /** stdout and stderr interleaved in arrival order (the last MiB). */
  get output(): string {
    return this.both;
  }

  /** The exit status, or undefined while running. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  get running(): boolean {
    return this.status === undefined && this.pid > 0;
  }

  /** Sends a signal to the process (by pid); false when it has already exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it exited. */
  async stop(graceMs = 3000): Promise<ExitStatus> {
    if (!this.running) return this.exited;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits until the output (stdout, stderr or both) matches `pattern`; returns the match. Rejects
   * when the process exits first or after `timeoutMs`, quoting the output so a failure explains itself.
   */
  waitForOutput(
    pattern: RegExp,
    opts: { timeoutMs?: number; stream?: 'stdout' | 'stderr' | 'both' } = {},
  ): Promise<RegExpMatchArray> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const stream = opts.stream ?? 'both';
    const text = () => (stream === 'stdout' ? this.out : stream === 'stderr' ? this.err : this.both);
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = text().match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (this.status) {
          done();
          reject(
            new HarnessError(
              'ERR_HARNESS_EXITED',
              `${this.label} exited (${this.describeExit()}) before printing ${pattern}:\n${this.both}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new HarnessError(
            'ERR_HARNESS_TIMEOUT',
            `${this.label}: no ${pattern} within ${timeoutMs} ms; output so far:\n${this.both}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** "code 1" / "signal SIGTERM" / "running". */
  describeExit(): string {
    if (!this.status) return 'running';
    return this.status.signal ? `signal ${this.status.signal}` : `code ${this.status.code}`;
  }
}

/** Result of a command run to completion. */
export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the harness killed it after its time limit. */
  timedOut: boolean;
}

/** Runs argv to completion (killed with SIGKILL after `timeoutMs`) and returns its output. */
export async function runTracked(
  argv: readonly string[],
  opts: TrackOptions & { timeoutMs?: number } = {},
): Promise<ExecResult> {
  const p = new TrackedProcess(argv, opts);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);
  const status = await p.exited;
  clearTimeout(timer);
  return { code: status.code, signal: status.signal, stdout: p.stdout, stderr: p.stderr, timedOut };
}
