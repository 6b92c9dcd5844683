// The attacks statd has suffered, from a host that is not the server: each is refused, logged
// once with its reason, and changes nothing. Three test hosts: the server (nsmd rpcbind, nsmd
// serve, a lockd stand-in that records callbacks), a legitimate peer it monitors, an attacker.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createNetwork,
  type Host,
  hostFiles,
  interopSkip,
  type Network,
  REPO_ROOT,
  type TrackedProcess,
} from '../../harness/index.js';

const RPC_CALL = join(REPO_ROOT, 'dist', 'test', 'tools', 'rpc-call.js');
const RECORDER = join(REPO_ROOT, 'dist', 'test', 'tools', 'callback-recorder.js');
const PRIV_HEX = 'a1'.repeat(16);

interface CallOutcome {
  ok: boolean;
  result?: any;
  code?: string;
}

/** One RPC call made from inside a host. */
async function call(
  from: Host,
  to: string,
  port: number,
  program: string,
  proc: string,
  args: unknown,
  opts: { transport?: 'udp' | 'tcp'; privileged?: boolean } = {},
): Promise<CallOutcome> {
  const argv = [
    RPC_CALL,
    to,
    String(port),
    opts.transport ?? 'udp',
    program,
    proc,
    JSON.stringify(args ?? null),
  ];
  if (opts.privileged) argv.push('--privileged');
  const r = await from.exec(process.execPath, argv, { timeoutMs: 15_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as CallOutcome;
}

/** The refusal lines nsmd logged so far (JSON logs), by reason. */
function refusals(p: TrackedProcess, reason: string): any[] {
  return p.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((o) => o.msg === 'refused' && o.reason === reason);
}

const myId = (name: string) => ({ my_name: name, my_prog: 100021, my_vers: 4, my_proc: 16 });

describe('attacks from another host', { skip: interopSkip() }, () => {
  let net: Network;
  let server: Host;
  let attacker: Host;
  let peer: Host;
  let nsmd: TrackedProcess;
  let rpcbind: TrackedProcess;
  let recorder: TrackedProcess;
  let stateDir: string;
  const PORT = 776;

  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'server' }, { name: 'attacker' }, { name: 'peer' }] });
    server = net.host('server');
    attacker = net.host('attacker');
    peer = net.host('peer');
    stateDir = join(server.dir, 'state');
    rpcbind = server.spawnNsmd(['rpcbind']);
    await rpcbind.waitForOutput(/listening/);
    nsmd = server.spawnNsmd([
      'serve',
      '--port',
      String(PORT),
      '--state-dir',
      stateDir,
      '--rpcbind',
      'system',
      '--no-notify',
      '--user',
      'root',
      '--log-format',
      'json',
    ]);
    await server.waitForRpc('status', 1, 'udp');
    recorder = server.spawn(process.execPath, [RECORDER]);
    await recorder.waitForOutput(/ready \d+/);
    // The server's lock manager asks nsmd to watch the peer (from loopback, as it should).
    const mon = await call(server, '127.0.0.1', PORT, 'sm', 'SM_MON', {
      mon_id: { mon_name: 'peer', my_id: myId('server') },
      priv: { $hex: PRIV_HEX },
    });
    assert.equal(mon.result.res_stat, 0);
  });
  after(async () => {
    await net?.close();
  });

  const monitored = async () => hostFiles(stateDir);

  test('SM_MON, SM_UNMON and SM_UNMON_ALL from a non-loopback host are refused and change nothing', async () => {
    const server4 = server.ipv4;
    const mon = await call(attacker, server4, PORT, 'sm', 'SM_MON', {
      mon_id: { mon_name: 'attacker', my_id: myId('attacker') },
      priv: { $hex: PRIV_HEX },
    });
    assert.equal(mon.result.res_stat, 1);
    const unmon = await call(attacker, server4, PORT, 'sm', 'SM_UNMON', {
      mon_name: 'peer',
      my_id: myId('server'),
    });
    assert.equal(unmon.ok, true);
    const unmonAll = await call(attacker, server4, PORT, 'sm', 'SM_UNMON_ALL', myId('server'), {
      transport: 'tcp',
    });
    assert.equal(unmonAll.ok, true);
    assert.deepEqual(await monitored(), ['peer']);
    // Logged once with its reason: repeats from the same source within the period are counted, not logged.
    const lines = refusals(nsmd, 'not-loopback');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].source, attacker.ipv4);
    assert.equal(lines[0].proc, 'SM_MON');
  });

  test('SM_SIMU_CRASH from another host, even from a privileged port, does not bump the state', async () => {
    const before = await call(server, '127.0.0.1', PORT, 'sm', 'SM_STAT', { mon_name: 'x' });
    await call(attacker, server.ipv4, PORT, 'sm', 'SM_SIMU_CRASH', null, { privileged: true });
    // and from loopback but an unprivileged port
    await call(server, '127.0.0.1', PORT, 'sm', 'SM_SIMU_CRASH', null);
    const after = await call(server, '127.0.0.1', PORT, 'sm', 'SM_STAT', { mon_name: 'x' });
    assert.equal(after.result.state, before.result.state);
    const lines = refusals(nsmd, 'not-privileged-port');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].proc, 'SM_SIMU_CRASH');
    assert.equal(lines[0].source, '127.0.0.1');
    assert.deepEqual(await monitored(), ['peer']);
  });

  test('a spoofed SM_NOTIFY naming the peer is refused; the real peer is heard', async () => {
    const spoof = await call(attacker, server.ipv4, PORT, 'sm', 'SM_NOTIFY', { mon_name: 'peer', state: 41 });
    assert.equal(spoof.ok, true);
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(recorder.stdout, /"state":41/, 'no callback for the spoofed notification');
    const lines = refusals(nsmd, 'notify-sender-mismatch');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].source, attacker.ipv4);
    // The same call from the peer itself is believed and reaches the lock manager, with its priv.
    await call(peer, server.ipv4, PORT, 'sm', 'SM_NOTIFY', { mon_name: 'peer', state: 43 });
    const [line] = await recorder.waitForOutput(/\{"callback".*"state":43.*\n/);
    const got = JSON.parse(line!);
    assert.equal(got.callback.mon_name, 'peer');
    assert.equal(got.callback.priv, PRIV_HEX);
    // Callbacks go to this host's loopback, from a privileged port, whatever my_name said.
    assert.equal(got.from.address, '127.0.0.1');
    assert.equal(got.from.privileged, true);
  });

  test('callbacks are never redirected off the host', async () => {
    // A local caller names the attacker as my_name: the callback still goes to 127.0.0.1.
    const mon = await call(server, '127.0.0.1', PORT, 'sm', 'SM_MON', {
      mon_id: { mon_name: 'peer', my_id: myId('attacker') },
      priv: { $hex: 'b2'.repeat(16) },
    });
    assert.equal(mon.result.res_stat, 0);
    await call(peer, server.ipv4, PORT, 'sm', 'SM_NOTIFY', { mon_name: 'peer', state: 45 });
    await recorder.waitForOutput(/"priv":"(b2)+".*"state":45|"state":45.*"priv":"(b2)+"/);
    const lines = recorder.stdout.split('\n').filter((l) => l.includes('"state":45'));
    for (const l of lines) assert.equal(JSON.parse(l).from.address, '127.0.0.1');
    await call(server, '127.0.0.1', PORT, 'sm', 'SM_UNMON', { mon_name: 'peer', my_id: myId('attacker') });
  });

  test('rpcbind SET and UNSET from another host are refused and change nothing', async () => {
    const set = await call(attacker, server.ipv4, 111, 'pmap', 'PMAPPROC_SET', {
      prog: 300777,
      vers: 1,
      prot: 17,
      port: 9999,
    });
    assert.equal(set.result, false);
    const unset = await call(attacker, server.ipv4, 111, 'pmap', 'PMAPPROC_UNSET', {
      prog: 100024,
      vers: 1,
      prot: 0,
      port: 0,
    });
    assert.equal(unset.result, false);
    const unset4 = await call(
      attacker,
      server.ipv4,
      111,
      'rpcb4',
      'RPCBPROC_UNSET',
      { r_prog: 100024, r_vers: 1, r_netid: '', r_addr: '', r_owner: '' },
      { transport: 'tcp' },
    );
    assert.equal(unset4.result, false);
    const dump = await call(server, '127.0.0.1', 111, 'pmap', 'PMAPPROC_DUMP', null, { transport: 'tcp' });
    const text = JSON.stringify(dump.result);
    assert.match(text, /"prog":100024/, 'status is still registered');
    assert.doesNotMatch(text, /300777/);
    assert.match(rpcbind.stderr, /refused SET of program 300777/);
    assert.match(rpcbind.stderr, /refused UNSET of program 100024/);
  });

  test('no UDP reply to another host is more than 4 times the size of its call', async () => {
    // A portmap DUMP is a 40-byte call; the list is several times that. Over UDP from another
    // host (whose address could be forged) it is not answered; over TCP (a real handshake) it is.
    const udp = await call(attacker, server.ipv4, 111, 'pmap', 'PMAPPROC_DUMP', null);
    assert.equal(udp.ok, false);
    assert.equal(udp.code, 'ERR_RPC_TIMEOUT');
    const tcp = await call(attacker, server.ipv4, 111, 'pmap', 'PMAPPROC_DUMP', null, { transport: 'tcp' });
    assert.equal(tcp.ok, true);
    // Small answers still go out over UDP.
    const getport = await call(attacker, server.ipv4, 111, 'pmap', 'PMAPPROC_GETPORT', {
      prog: 100024,
      vers: 1,
      prot: 17,
      port: 0,
    });
    assert.equal(getport.result, PORT);
    // The same DUMP over UDP from loopback is answered.
    const local = await call(server, '127.0.0.1', 111, 'pmap', 'PMAPPROC_DUMP', null);
    assert.equal(local.ok, true);
    assert.match(rpcbind.stderr, /UDP reply .* over 4x its size/);
  });

  test('another host cannot exhaust the connections the local lock manager needs', async () => {
    // The attacker opens 60 connections and holds them; at most 32 stay open from one address.
    const hog = attacker.spawn(process.execPath, [
      '-e',
      `const net = require('node:net'); let open = 0, closed = 0;
       for (let i = 0; i < 60; i++) {
         const s = net.connect(${PORT}, '${server.ipv4}');
         s.on('connect', () => open++); s.on('close', () => closed++); s.on('error', () => {});
       }
       setTimeout(() => console.log(JSON.stringify({ open, closed })), 1500);
       setTimeout(() => process.exit(0), 20000);`,
    ]);
    const [line] = await hog.waitForOutput(/\{"open".*\}/);
    const counts = JSON.parse(line!);
    assert.equal(counts.open, 60, 'every connection was accepted by the kernel');
    assert.equal(counts.closed, 60 - 32, 'all but 32 were closed at once by nsmd');
    // Meanwhile the local lock manager's TCP SM_MON goes through.
    const mon = await call(
      server,
      '127.0.0.1',
      PORT,
      'sm',
      'SM_MON',
      { mon_id: { mon_name: 'peer', my_id: myId('server') }, priv: { $hex: PRIV_HEX } },
      { transport: 'tcp' },
    );
    assert.equal(mon.result.res_stat, 0);
    hog.kill('SIGKILL');
  });

  test('the monitor list on disk is exactly what loopback callers asked for', async () => {
    assert.deepEqual(await monitored(), ['peer']);
    const line = await readFile(join(stateDir, 'sm', 'peer'), 'utf8');
    assert.equal(line.trim().split('\n').length, 1);
    assert.match(line, new RegExp(`${PRIV_HEX} peer server\\n$`));
  });
});
