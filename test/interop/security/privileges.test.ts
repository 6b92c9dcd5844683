// Started as root, `nsmd serve` binds its reserved ports, then runs as the owner of the state
// directory (user statd, as rpc.statd does): every uid and gid of the process is that user's, no
// supplementary group is kept, and it still serves and writes its state directory.
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createNetwork,
  type Host,
  interopSkip,
  lookupUser,
  type Network,
  REPO_ROOT,
  type TrackedProcess,
} from '../../harness/index.js';

const RPC_CALL = join(REPO_ROOT, 'dist', 'test', 'tools', 'rpc-call.js');
const skip = interopSkip(['ip', 'unshare', 'mount', 'rpcinfo', 'rpc.statd']);

/** The Uid:, Gid: and Groups: lines of /proc/PID/status. */
function ids(pid: number): { uid: number[]; gid: number[]; groups: number[] } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
}

describe('privilege drop', { skip }, () => {
  let net: Network;
  let h: Host;
  let nsmd: TrackedProcess;
  let dir: string;
  const statd = lookupUser('statd')!;

  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'server' }] });
    h = net.host('server');
    dir = join(h.dir, 'state');
    mkdirSync(join(dir, 'sm'), { recursive: true });
    mkdirSync(join(dir, 'sm.bak'));
    for (const d of [dir, join(dir, 'sm'), join(dir, 'sm.bak')]) chownSync(d, statd.uid, statd.gid);
    nsmd = h.spawnNsmd([
      'serve',
      '--port',
      '776',
      '--state-dir',
      dir,
      '--rpcbind',
      'embedded',
      '--log-format',
      'json',
    ]);
    await nsmd.waitForOutput(/"msg":"serving"/, { timeoutMs: 30_000 });
  });
  after(async () => {
    await net?.close();
  });

  test('runs as the owner of DIR/sm once its ports are bound, and keeps serving', async () => {
    assert.match(nsmd.stdout, /"msg":"dropped root"/);
    const { uid, gid, groups } = ids(nsmd.pid);
    assert.deepEqual(uid, [statd.uid, statd.uid, statd.uid, statd.uid], 'real, effective, saved and fs uid');
    assert.deepEqual(gid, [statd.gid, statd.gid, statd.gid, statd.gid]);
    assert.deepEqual(groups, [statd.gid], 'no supplementary group of root kept');
    // Still serving on the reserved port it bound as root, and still writing its state.
    await h.waitForRpc('status', 1, 'udp');
    const r = await h.exec(process.execPath, [
      RPC_CALL,
      '127.0.0.1',
      '776',
      'tcp',
      'sm',
      'SM_MON',
      JSON.stringify({
        mon_id: {
          mon_name: '127.0.0.7',
          my_id: { my_name: 'localhost', my_prog: 100021, my_vers: 4, my_proc: 16 },
        },
        priv: { $hex: '00'.repeat(16) },
      }),
    ]);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      ok: boolean;
      result: { res_stat: number };
    };
    assert.equal(out.ok, true, r.stdout + r.stderr);
    assert.equal(out.result.res_stat, 0);
    assert.equal(statSync(join(dir, 'sm', '127.0.0.7')).uid, statd.uid);
  });
});
