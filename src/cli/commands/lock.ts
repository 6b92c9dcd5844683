import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';

const HELP = `Usage: nsmd lock SERVER FILE [OPTIONS]

Takes an NLM v4 lock on FILE at the lock manager on SERVER (found through
SERVER's rpcbind). FILE is only a name: its UTF-8 bytes are the opaque file
handle, so every client naming the same FILE locks the same thing; nothing is
opened. The owner is (--name, --svid): 'nsmd unlock' with the same values
releases the lock.

Options:
  -r, --range START-END  bytes START to END inclusive; START- or START-eof
                         = to end of file (default: the whole file)
  -s, --shared           a shared (read) lock instead of an exclusive one
  -w, --wait             wait until granted (a blocking lock: the server
                         calls back with GRANTED); also waits through a grace
                         period and a server that is down
      --hold             keep running and holding the lock: have the local
                         status monitor watch SERVER and reclaim the lock when
                         SERVER reboots, printing what happens; SIGTERM or
                         SIGINT unlocks and exits
  -n, --name NAME        our caller name (default: host name); the name our
                         status monitor announces when this host reboots
      --svid N           owner process id (default 1)
      --tcp              talk to SERVER over TCP (default UDP)
      --no-register      do not register the callback listener with rpcbind
                         (GRANTED and reboot callbacks then cannot reach it)
      --json             print events as JSON lines

Exit status: 0 when granted (with --hold: after a clean stop), 1 when denied
or on failure, 2 on bad usage.
`;

/** The options shared by lock and unlock. */
export const ownerOptions = {
  range: { type: 'string', short: 'r' },
  name: { type: 'string', short: 'n' },
  svid: { type: 'string' },
  tcp: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Parses --range with the library's parser; a bad range is bad usage. */
export function rangeOption<R>(
  v: string | undefined,
  parse: (s: string) => R,
): R | { offset: bigint; length: bigint } {
  if (v === undefined) return { offset: 0n, length: 0n };
  try {
    return parse(v);
  } catch (err) {
    throw new UsageError(`--range: ${(err as Error).message}`);
  }
}

/** Parses --svid. */
export function svidOf(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^\d{1,10}$/.test(v) || Number(v) > 0x7fffffff) throw new UsageError(`--svid: not a process id: ${v}`);
  return Number(v);
}

/** A printer of events: a line for people, or a JSON line. */
export function printer(
  json: boolean,
): (event: string, text: string, data?: Record<string, unknown>) => void {
  return (event, text, data = {}) => {
    const line = json
      ? JSON.stringify({ time: new Date().toISOString(), event, ...data }, (_k, v) =>
          typeof v === 'bigint' ? v.toString() : v,
        )
      : `${new Date().toISOString().slice(11, 23)} ${text}`;
    process.stdout.write(`${line}\n`);
  };
}

/** `nsmd lock`: an NLM client taking (and optionally holding) one lock. */
export const lockCommand: Command = {
  name: 'lock',
  summary: 'take a byte-range lock at an NLM server (--wait, --hold: keep it and reclaim it)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...ownerOptions,
        shared: { type: 'boolean', short: 's' },
        wait: { type: 'boolean', short: 'w' },
        hold: { type: 'boolean' },
        'no-register': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 2) throw new UsageError('expected SERVER and FILE');
    const [server, file] = positionals as [string, string];
    const { LockClient, parseRange, fileHandle, describeRange } = await import('../../nlm/index.js');
    const range = rangeOption(values.range, parseRange);
    fileHandle(file);
    const print = printer(values.json ?? false);
    const hold = values.hold ?? false;
    const needCallbacks = hold || (values.wait ?? false);
    const client = new LockClient({
      ...(values.name ? { name: values.name } : {}),
      svid: svidOf(values.svid),
      // Without --hold nobody stays to reclaim: no reason to have the server watched.
      ...(hold ? {} : { statd: null }),
      register: needCallbacks && !values['no-register'],
      transport: values.tcp ? 'tcp' : 'udp',
    });
    const what = `${values.shared ? 'shared' : 'exclusive'} lock on ${file} ${describeRange(range)} at ${server}`;
    const data = { server, file, shared: values.shared ?? false, ...range };
    client.on('blocked', () =>
      print('blocked', `blocked: waiting for ${what} (server will call back)`, data),
    );
    client.on('grace', () =>
      print('grace', `${server} is in its grace period (NLM4_DENIED_GRACE_PERIOD)`, data),
    );
    client.on('retry', (_l, why) => print('retry', `${server} not answering (${why}); trying again`, data));
    client.on('reboot', (s, state) =>
      print('reboot', `${s} rebooted (state ${state}): reclaiming`, { server: s, state }),
    );
    client.on('reclaimed', (l) =>
      print('reclaimed', `reclaimed ${l.file} ${describeRange(l)} at ${l.server}`, { ...data }),
    );
    client.on('lost', (l, why) =>
      print('lost', `lost ${l.file} ${describeRange(l)} at ${l.server}: ${why}`, { ...data, why }),
    );
    const ac = new AbortController();
    const onSignal = () => ac.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await client.start();
      const r = await client.lock(server, file, {
        ...range,
        shared: values.shared ?? false,
        wait: values.wait ?? false,
        signal: ac.signal,
      });
      if (r.status === 'grace') {
        print('grace', `not granted: ${server} is in its grace period; try later or use --wait`, data);
        return 1;
      }
      if (r.status === 'denied') {
        const h = r.holder;
        const by = h
          ? ` (held by svid ${h.svid}, ${h.exclusive ? 'exclusive' : 'shared'} ${describeRange(h)})`
          : '';
        print('denied', `denied: ${what}${by}`, { ...data, holder: h ?? null });
        return 1;
      }
      print('granted', `granted: ${what}`, data);
      if (!hold) return 0;
      print('holding', `holding; the status monitor watches ${server}; SIGTERM or SIGINT unlocks`, data);
      await new Promise<void>((resolve) =>
        ac.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await client.unlock(server, file, range).catch(() => {});
      print('unlocked', `unlocked ${file} ${describeRange(range)} at ${server}`, data);
      return 0;
    } catch (err) {
      if (ac.signal.aborted) {
        print('interrupted', 'interrupted', data);
        return 1;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await client.close();
    }
  },
};
