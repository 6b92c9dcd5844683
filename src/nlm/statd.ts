import { SM_VERS_DEF } from '../proto/sm_inter.js';
import { type Caller, createClient, type PortChooser, type RpcClient, RpcError } from '../rpc/index.js';
import { getPort } from '../rpcbind/client.js';
import { NlmError } from './errors.js';

/** NLM's program number (XNFS 3W ch. 10), also the my_prog statd calls back. */
export const NLM_PROG = 100021;
/** The procedure statd calls back with `status` when a monitored peer rebooted. */
export const NLM_NSM_NOTIFY_PROC = 16;

/**
 * Who may deliver statd's reboot callback (procedure 16): only the local statd, which calls from
 * loopback and a reserved port (nfs-utils does; Linux lockd ignores other callers).
 */
export function isStatdCallbackCaller(c: Caller): boolean {
  return c.loopback && c.privilegedPort;
}

/** What a lock manager needs from its local status monitor. */
export interface StatusMonitor {
  /** SM_MON: watch `monName`, call back proc 16 with `priv`. Resolves to the local NSM state. */
  monitor(monName: string, priv: Uint8Array): Promise<number>;
  /** SM_UNMON: stop watching `monName`. */
  unmonitor(monName: string): Promise<void>;
  /** SM_SIMU_CRASH: tell statd that this lock manager lost its locks (sent from a privileged port). */
  simulateCrash(): Promise<void>;
  /** SM_STAT of our own name: the local NSM state. */
  localState(): Promise<number>;
  close(): void;
}

/** Options of {@link StatdLink}. */
export interface StatdLinkOptions {
  /** Our name in my_id (statd calls back on 127.0.0.1 whatever it says; nfs-utils ignores it). */
  myName: string;
  /** NLM version statd calls back (default 4). */
  myVers?: number;
  /** statd's host (default 127.0.0.1: SM_MON is accepted only from loopback). */
  host?: string;
  /** statd's port; default: asked from rpcbind on `host` for every new connection. */
  port?: number;
  rpcbindPort?: number;
  timeoutMs?: number;
  /** Reserved source ports to try for SM_SIMU_CRASH (default: the RPC client's, 1023 down to 600). */
  choosePort?: PortChooser;
}

/** Talks to the local statd (XNFS 3W ch. 11), finding it through rpcbind and again after an error. */
export class StatdLink implements StatusMonitor {
  private client: RpcClient | undefined;
  private readonly host: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: StatdLinkOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private async port(): Promise<number> {
    if (this.opts.port) return this.opts.port;
    const port = await getPort(this.host, SM_VERS_DEF.prog, SM_VERS_DEF.vers, 'udp', {
      timeoutMs: this.timeoutMs,
      ...(this.opts.rpcbindPort ? { rpcbindPort: this.opts.rpcbindPort } : {}),
    });
    if (port === 0) throw new NlmError('ERR_NLM_STATD', `no status monitor registered on ${this.host}`);
    return port;
  }

  private async rpc(): Promise<RpcClient> {
    this.client ??= createClient({ host: this.host, port: await this.port(), timeoutMs: this.timeoutMs });
    return this.client;
  }

  private async call<T>(what: string, f: (c: RpcClient) => Promise<T>): Promise<T> {
    try {
      return await f(await this.rpc());
    } catch (err) {
      // statd may have been restarted on another port: look it up again next time.
      this.client?.close();
      this.client = undefined;
      if (err instanceof NlmError) throw err;
      const msg = err instanceof RpcError ? err.message : String(err);
      throw new NlmError('ERR_NLM_STATD', `${what} to the status monitor failed: ${msg}`, { cause: err });
    }
  }

  async monitor(monName: string, priv: Uint8Array): Promise<number> {
    const r = await this.call('SM_MON', (c) =>
      c.call(SM_VERS_DEF, 'SM_MON', {
        mon_id: {
          mon_name: monName,
          my_id: {
            my_name: this.opts.myName,
            my_prog: NLM_PROG,
            my_vers: this.opts.myVers ?? 4,
            my_proc: NLM_NSM_NOTIFY_PROC,
          },
        },
        priv,
      }),
    );
    if (r.res_stat !== 0)
      throw new NlmError('ERR_NLM_STATD', `the status monitor refused to monitor ${monName}`);
    return r.state;
  }

  async unmonitor(monName: string): Promise<void> {
    await this.call('SM_UNMON', (c) =>
      c.call(SM_VERS_DEF, 'SM_UNMON', {
        mon_name: monName,
        my_id: {
          my_name: this.opts.myName,
          my_prog: NLM_PROG,
          my_vers: this.opts.myVers ?? 4,
          my_proc: NLM_NSM_NOTIFY_PROC,
        },
      }),
    );
  }

  async simulateCrash(): Promise<void> {
    const port = await this.port();
    // statd accepts SM_SIMU_CRASH only from a privileged port on loopback.
    const c = createClient({
      host: this.host,
      port,
      privileged: true,
      timeoutMs: Math.min(this.timeoutMs, 5000),
      ...(this.opts.choosePort ? { choosePort: this.opts.choosePort } : {}),
    });
    try {
      await c.call(SM_VERS_DEF, 'SM_SIMU_CRASH', undefined);
    } catch (err) {
      throw new NlmError(
        'ERR_NLM_STATD',
        `SM_SIMU_CRASH to the status monitor failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    } finally {
      c.close();
    }
  }

  async localState(): Promise<number> {
    const r = await this.call('SM_STAT', (c) =>
      c.call(SM_VERS_DEF, 'SM_STAT', { mon_name: this.opts.myName }),
    );
    return r.state;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
