// kill -9 during a storm of SM_MON/SM_UNMON, many times: after every restart, each acknowledged
// change is on disk, nothing else is, and the state number stayed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { SM_VERS_DEF } from '../../../src/proto/sm_inter.js';
import { createClient, type RpcClient } from '../../../src/rpc/client.js';
import { FsStore } from '../../../src/store/fs.js';
import { SPARE_DIR } from '../../../src/store/spares.js';
import { nsmdArgv } from '../../harness/netns.js';

const ROUNDS = Number(process.env.NSMD_CRASH_ROUNDS ?? 10);
const NAMES = 120;
const WORKERS = 12;
const ID = { my_name: 'crash-test', my_prog: 100021, my_vers: 4, my_proc: 16 };

interface Known {
  present: boolean;
  priv: number;
}

async function startServe(dir: string, bootFile: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    nsmdArgv([
      'serve',
      '--port',
      '0',
      '--state-dir',
      dir,
      '--rpcbind',
      'none',
      '--user',
      'root',
      '--log-format',
      'json',
      '--no-notify',
    ]),
    { env: { ...process.env, NSMD_BOOT_ID_FILE: bootFile }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nsmd serve did not start')), 10_000);
    lines.on('line', (line) => {
      try {
        const o = JSON.parse(line) as { msg?: string; port?: number };
        if (o.msg === 'serving') {
          clearTimeout(timer);
          resolve(o.port!);
        }
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`nsmd serve exited with ${code}`)));
  });
  return { child, port };
}

describe('kill -9 during a storm of SM_MON/SM_UNMON', () => {
  let dir: string;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`loses no acknowledged change over ${ROUNDS} crashes`, {
    timeout: 60_000 + ROUNDS * 10_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'nsmd-crash-'));
    const bootFile = join(dir, 'boot_id');
    await writeFile(bootFile, 'crash-boot\n');
    const known = new Map<string, Known>();
    let state = -1;
    let acked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { child, port } = await startServe(dir, bootFile);
      const inflight = new Map<string, Known>();
      let stop = false;
      const clients: RpcClient[] = [];
      const worker = async (w: number) => {
        const c = createClient({ host: '127.0.0.1', port, transport: 'tcp', timeoutMs: 5000 });
        clients.push(c);
        const sm = c.bind(SM_VERS_DEF);
        let n = 0;
        while (!stop) {
          const i = w + WORKERS * Math.floor(Math.random() * (NAMES / WORKERS));
          const name = `host-${i}.crash.test`;
          const mon = Math.random() < 0.6;
          const priv = (round * 1000 + n++) & 0xff;
          const want: Known = { present: mon, priv };
          inflight.set(name, want);
          try {
            if (mon) {
              const r = await sm.SM_MON({
                mon_id: { mon_name: name, my_id: ID },
                priv: new Uint8Array(16).fill(priv),
              });
              assert.equal(r.res_stat, 0);
              if (state === -1) state = r.state;
              assert.equal(r.state, state, 'the state number never changes on a plain restart');
            } else {
              await sm.SM_UNMON({ mon_name: name, my_id: ID });
            }
          } catch {
            return; // killed: this op stays in flight
          }
          inflight.delete(name);
          known.set(name, want.present ? want : { present: false, priv: known.get(name)?.priv ?? 0 });
          acked++;
        }
      };
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 400));
      child.kill('SIGKILL');
      stop = true;
      await new Promise((r) => child.once('exit', r));
      await Promise.all(workers);
      for (const c of clients) await c.close();

      const store = new FsStore({ dir, readOnly: true });
      const snap = await store.load();
      await store.close();
      const onDisk = new Map(snap.monitors.map((r) => [r.monName, r.priv[0]!]));
      for (const r of snap.monitors)
        assert.match(r.monName, /^host-\d+\.crash\.test$/, 'only hosts, never a temp file');
      assert.equal(snap.monitors.length, onDisk.size, 'one record per host');
      for (let i = 0; i < NAMES; i++) {
        const name = `host-${i}.crash.test`;
        const before = known.get(name) ?? { present: false, priv: 0 };
        const pending = inflight.get(name);
        const allowed = [before, ...(pending ? [pending] : [])];
        const got = onDisk.has(name) ? { present: true, priv: onDisk.get(name)! } : { present: false };
        const ok = allowed.some((a) => a.present === got.present && (!a.present || a.priv === got.priv));
        assert.ok(
          ok,
          `round ${round}: ${name} is ${JSON.stringify(got)}, acknowledged ${JSON.stringify(allowed)}`,
        );
        // What the crash left decides the truth for the next round.
        known.set(name, got.present ? { present: true, priv: got.priv! } : { present: false, priv: 0 });
      }
      if (state !== -1) assert.equal(snap.state, state);
    }
    const leftovers = (await readdir(join(dir, 'sm'))).filter((f) => f.startsWith('.') && f !== SPARE_DIR);
    assert.ok(acked > ROUNDS * 10, `only ${acked} operations acknowledged`);
    // Temp files of a killed writer may remain until the next start cleans them; none is a host.
    assert.ok(leftovers.every((f) => f.startsWith('.')));
  });
});
