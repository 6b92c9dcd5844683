// nsmd against the real Debian peers (rpcbind, rpcinfo, rpc.statd, sm-notify), each host in its own
// network namespace with its own hosts file. alpha = 10.199.0.1, beta = 10.199.0.2.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createNetwork,
  type Host,
  interopSkip,
  makeStateDir,
  type Network,
  rpcinfo,
  runSmNotify,
  startRpcbind,
  startStatd,
  type TrackedProcess,
} from '../../harness/index.js';

const skip = interopSkip();
const STANDIN = fileURLToPath(new URL('./lockd-standin.js', import.meta.url));
const SM_CALL = fileURLToPath(new URL('./sm-call.js', import.meta.url));

interface Callback {
  mon_name: string;
  state: number;
  priv: string;
  from: string;
  privileged: boolean;
}

async function smCall(host: Host, op: string, args: object = {}, flags: string[] = []): Promise<any> {
  const r = await host.exec(process.execPath, [SM_CALL, op, JSON.stringify(args), ...flags], {
    timeoutMs: 15_000,
  });
  assert.equal(r.code, 0, `sm-call ${op} on ${host.name}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!).result;
}

async function startStandin(host: Host, prog = 100021, vers = 4, proc = 16): Promise<TrackedProcess> {
  const p = host.spawnNode(STANDIN, [String(prog), String(vers), String(proc)], {
    label: `${host.name}: lockd stand-in`,
  });
  await p.waitForOutput(/"ready"/);
  return p;
}

function callbacksOf(p: TrackedProcess): Callback[] {
  return p.stdout
    .split('\n')
    .filter((l) => l.includes('"callback"'))
    .map((l) => (JSON.parse(l) as { callback: Callback }).callback);
}

async function waitForCallbacks(p: TrackedProcess, n: number, timeoutMs = 20_000): Promise<Callback[]> {
  const end = Date.now() + timeoutMs;
  while (callbacksOf(p).length < n) {
    if (Date.now() > end) throw new Error(`${n} callback(s) expected, got: ${p.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return callbacksOf(p);
}

async function startNsmd(host: Host, args: string[], bootId: string): Promise<TrackedProcess> {
  const bootFile = join(host.dir, 'boot_id');
  writeFileSync(bootFile, `${bootId}\n`);
  const p = host.spawnNsmd(['serve', '--log-format', 'json', ...args], {
    env: { NSMD_BOOT_ID_FILE: bootFile },
    label: `${host.name}: nsmd serve`,
  });
  await p.waitForOutput(/"msg":"serving"/, { timeoutMs: 15_000 });
  return p;
}

async function stopNsmd(p: TrackedProcess): Promise<void> {
  const st = await p.stop(5000);
  assert.equal(st.code, 0, `nsmd serve exit on SIGTERM: ${p.describeExit()}\n${p.output}`);
}

async function nsmdStatus(host: Host, dir: string): Promise<any> {
  const r = await host.execNsmd(['status', '--state-dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** nfs-utils' state file: the state number as a 4-byte host-endian int. */
function stateFile(dir: string): number {
  return readFileSync(join(dir, 'state')).readInt32LE(0);
}

const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(16);

describe('nsmd with Debian rpcbind, rpcinfo, rpc.statd and sm-notify', { skip }, () => {
  let net: Network;
  let alpha: Host;
  let beta: Host;
  const rpcbinds: TrackedProcess[] = [];
  before(async () => {
    net = await createNetwork({
      hosts: [
        { name: 'alpha', ipv6: true },
        { name: 'beta', ipv6: true },
      ],
    });
    alpha = net.host('alpha');
    beta = net.host('beta');
    rpcbinds.push(await startRpcbind(alpha), await startRpcbind(beta));
  });
  after(async () => {
    await net?.close();
  });

  test('1. rpcinfo -p and rpcinfo -u/-t HOST status see nsmd registered with Debian rpcbind', async () => {
    const dir = makeStateDir(join(alpha.dir, 'sd1'));
    const nsmd = await startNsmd(alpha, ['--state-dir', dir], 'boot-1');
    try {
      const p = await rpcinfo(alpha, ['-p']);
      assert.equal(p.code, 0, p.stderr);
      const udp = /100024\s+1\s+udp\s+(\d+)\s+status/.exec(p.stdout);
      const tcp = /100024\s+1\s+tcp\s+(\d+)\s+status/.exec(p.stdout);
      assert.ok(udp && tcp, p.stdout);
      assert.equal(udp[1], '776', 'root in a fresh namespace: the traditional port');
      for (const t of ['-u', '-t']) {
        const r = await rpcinfo(beta, [t, 'alpha', 'status']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /program 100024 version 1 ready and waiting/);
      }
      const v6 = await rpcinfo(beta, ['-T', 'udp6', alpha.ipv6!, 'status', '1']);
      assert.equal(v6.code, 0, `over IPv6: ${v6.stderr}${v6.stdout}`);
      const t = await rpcinfo(alpha, ['-T', 'tcp6', '::1', 'status', '1']);
      assert.equal(t.code, 0, `tcp6 on ::1: ${t.stderr}${t.stdout}`);
    } finally {
      await stopNsmd(nsmd);
    }
    // A clean stop unregisters.
    const p = await rpcinfo(alpha, ['-p']);
    assert.doesNotMatch(p.stdout, /100024/);
  });

  test('2. Debian sm-notify on beta notifies nsmd on alpha, which calls the lock manager back', async () => {
    const dir = makeStateDir(join(alpha.dir, 'sd2'));
    const nsmd = await startNsmd(alpha, ['--state-dir', dir], 'boot-1');
    const lockd = await startStandin(alpha);
    try {
      const mon = await smCall(alpha, 'mon', { mon_name: 'beta', my_name: 'alpha', priv: hex(0x5a) });
      assert.deepEqual(mon, { res_stat: 0, state: 1 });
      // beta's own statd state: it monitors alpha (a record as rpc.statd writes it).
      const bdir = makeStateDir(join(beta.dir, 'sd2'));
      writeFileSync(
        join(bdir, 'sm', 'alpha'),
        `0100007f 000186b5 00000004 00000010 ${'0'.repeat(32)} alpha beta\n`,
      );
      const r = await runSmNotify(beta, { stateDir: bdir });
      assert.equal(r.code, 0, r.stderr);
      const bstate = stateFile(bdir);
      const [cb] = await waitForCallbacks(lockd, 1);
      assert.deepEqual(
        {
          mon_name: cb!.mon_name,
          state: cb!.state,
          priv: cb!.priv,
          from: cb!.from,
          privileged: cb!.privileged,
        },
        { mon_name: 'beta', state: bstate, priv: hex(0x5a), from: '127.0.0.1', privileged: true },
      );

      // From another host: SM_MON is refused; an SM_NOTIFY naming a host that is not the sender does nothing.
      const remote = await smCall(beta, 'mon', { mon_name: 'beta', my_name: 'alpha', priv: hex(1) }, [
        '--host',
        alpha.ipv4,
      ]);
      assert.equal(remote.res_stat, 1);
      assert.equal(
        (await smCall(alpha, 'mon', { mon_name: '10.199.0.77', my_name: 'alpha', priv: hex(7) })).res_stat,
        0,
      );
      await smCall(beta, 'notify', { mon_name: '10.199.0.77', state: 99 }, ['--host', alpha.ipv4]);
      await nsmd.waitForOutput(/"reason":"notify-sender-mismatch"/);
      assert.equal(callbacksOf(lockd).length, 1);
    } finally {
      await lockd.stop();
      await stopNsmd(nsmd);
    }
  });

  test('3. alpha reboots (new boot id, then SM_SIMU_CRASH) and nsmd notifies Debian rpc.statd on beta; a plain restart notifies nobody', async () => {
    const bdir = makeStateDir(join(beta.dir, 'sd3'));
    const statd = await startStatd(beta, { stateDir: bdir, name: 'beta' });
    const lockdB = await startStandin(beta);
    const adir = makeStateDir(join(alpha.dir, 'sd3'));
    let nsmd = await startNsmd(alpha, ['--state-dir', adir, '--name', 'alpha'], 'boot-1');
    const lockdA = await startStandin(alpha);
    try {
      assert.equal(
        (await smCall(beta, 'mon', { mon_name: 'alpha', my_name: 'beta', priv: hex(0xb0) })).res_stat,
        0,
      );
      assert.equal(
        (await smCall(alpha, 'mon', { mon_name: 'beta', my_name: 'alpha', priv: hex(0xa0) })).res_stat,
        0,
      );

      // Plain restart, same boot: nobody is told, every record stays.
      await stopNsmd(nsmd);
      nsmd = await startNsmd(alpha, ['--state-dir', adir, '--name', 'alpha'], 'boot-1');
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(callbacksOf(lockdB), []);
      const st = await nsmdStatus(alpha, adir);
      assert.equal(st.state, 1);
      assert.deepEqual(
        st.monitors.map((m: { monName: string; priv: string }) => [m.monName, m.priv]),
        [['beta', hex(0xa0)]],
      );

      // New boot id: state 3, beta's statd hears of it and calls its lock manager back.
      await stopNsmd(nsmd);
      nsmd = await startNsmd(alpha, ['--state-dir', adir, '--name', 'alpha'], 'boot-2');
      const [cb] = await waitForCallbacks(lockdB, 1);
      assert.deepEqual([cb!.mon_name, cb!.state, cb!.priv], ['alpha', 3, hex(0xb0)]);
      assert.equal(stateFile(adir), 3);
      await nsmd.waitForOutput(/"msg":"peer notified"/);
      assert.deepEqual((await nsmdStatus(alpha, adir)).pending, [], 'beta answered: off the notify list');

      // SM_SIMU_CRASH from an unprivileged port changes nothing; from a privileged port bumps and notifies.
      assert.equal(
        (await smCall(alpha, 'mon', { mon_name: 'beta', my_name: 'alpha', priv: hex(0xa1) })).res_stat,
        0,
      );
      await smCall(alpha, 'simu_crash', {}, ['--port', '776']).catch(() => {});
      assert.equal(stateFile(adir), 3);
      await smCall(alpha, 'simu_crash', {}, ['--privileged']);
      assert.equal(stateFile(adir), 5);
      const cbs = await waitForCallbacks(lockdB, 2);
      assert.deepEqual([cbs[1]!.mon_name, cbs[1]!.state, cbs[1]!.priv], ['alpha', 5, hex(0xb0)]);
    } finally {
      await lockdA.stop();
      await lockdB.stop();
      await statd.stop();
      await stopNsmd(nsmd);
    }
  });

  test('4+5. a state dir written by rpc.statd is served by nsmd and the other way round; SM_MON like the kernel lockd', async () => {
    // rpc.statd writes, nsmd serves.
    const d1 = makeStateDir(join(beta.dir, 'sd4a'));
    let statd = await startStatd(beta, { stateDir: d1 });
    const lockd4 = await startStandin(beta, 100021, 4, 16);
    try {
      assert.equal(
        (await smCall(beta, 'mon', { mon_name: 'alpha', my_name: 'beta', priv: hex(0xd1) })).res_stat,
        0,
      );
    } finally {
      await statd.stop();
    }
    // sm-notify already ran in this boot (as on a host where rpc.statd ran): a takeover, not a reboot.
    writeFileSync(join(beta.runDir, 'sm-notify.pid'), '1\n');
    let nsmd = await startNsmd(beta, ['--state-dir', d1, '--name', 'beta'], 'boot-1');
    try {
      const st = await nsmdStatus(beta, d1);
      assert.deepEqual(
        st.monitors.map((m: { monName: string; priv: string }) => [m.monName, m.priv]),
        [['alpha', hex(0xd1)]],
      );
      await smCall(alpha, 'notify', { mon_name: 'alpha', state: 11 }, ['--host', beta.ipv4]);
      const [cb] = await waitForCallbacks(lockd4, 1);
      assert.deepEqual([cb!.mon_name, cb!.state, cb!.priv], ['alpha', 11, hex(0xd1)]);
    } finally {
      await stopNsmd(nsmd);
      await lockd4.stop();
    }

    // nsmd writes (SM_MON as the kernel sends it: TCP to 127.0.0.1, NLM v3, proc 16), rpc.statd serves.
    const d2 = makeStateDir(join(beta.dir, 'sd4b'));
    nsmd = await startNsmd(beta, ['--state-dir', d2, '--name', 'beta'], 'boot-1');
    try {
      const r = await smCall(
        beta,
        'mon',
        { mon_name: 'alpha', my_name: 'beta', my_prog: 100021, my_vers: 3, my_proc: 16, priv: hex(0xe2) },
        ['--tcp'],
      );
      assert.equal(r.res_stat, 0);
    } finally {
      await stopNsmd(nsmd);
    }
    const line = readFileSync(join(d2, 'sm', 'alpha'), 'latin1');
    assert.equal(line, `0100007f 000186b5 00000003 00000010 ${hex(0xe2)} alpha beta\n`);
    statd = await startStatd(beta, { stateDir: d2 });
    const lockd3 = await startStandin(beta, 100021, 3, 16);
    try {
      await smCall(alpha, 'notify', { mon_name: 'alpha', state: 13 }, ['--host', beta.ipv4]);
      const [cb] = await waitForCallbacks(lockd3, 1);
      assert.deepEqual([cb!.mon_name, cb!.state, cb!.priv], ['alpha', 13, hex(0xe2)]);
    } finally {
      await lockd3.stop();
      await statd.stop();
    }
  });

  test('6. over IPv6: nsmd finds the peer statd with rpcbind GETADDR and notifies it', async () => {
    const bdir = makeStateDir(join(beta.dir, 'sd6'));
    const statd = await startStatd(beta, { stateDir: bdir, name: 'beta' });
    const lockdB = await startStandin(beta);
    const adir = makeStateDir(join(alpha.dir, 'sd6'));
    let nsmd = await startNsmd(alpha, ['--state-dir', adir, '--name', 'alpha'], 'boot-1');
    try {
      assert.equal(
        (await smCall(beta, 'mon', { mon_name: 'alpha', my_name: 'beta', priv: hex(0x66) })).res_stat,
        0,
      );
      assert.equal(
        (await smCall(alpha, 'mon', { mon_name: beta.ipv6!, my_name: 'alpha', priv: hex(0x61) })).res_stat,
        0,
      );
      await stopNsmd(nsmd);
      nsmd = await startNsmd(alpha, ['--state-dir', adir, '--name', 'alpha'], 'boot-2');
      const [cb] = await waitForCallbacks(lockdB, 1);
      assert.deepEqual([cb!.mon_name, cb!.state, cb!.priv], ['alpha', 3, hex(0x66)]);
      await nsmd.waitForOutput(/"msg":"peer notified"/);
      assert.match(nsmd.stdout, new RegExp(`"mon_name":"${beta.ipv6}".*"peer notified"`));
    } finally {
      await lockdB.stop();
      await statd.stop();
      await stopNsmd(nsmd);
    }
  });

  test('7. nsmd serve refuses to start beside a running Debian rpc.statd, and leaves it and its state alone', async () => {
    const bdir = makeStateDir(join(beta.dir, 'sd7'));
    const statd = await startStatd(beta, { stateDir: bdir, name: 'beta' });
    try {
      const before = readFileSync(join(bdir, 'state'));
      const r = await beta.execNsmd(
        ['serve', '--state-dir', bdir, '--name', 'beta', '--log-format', 'json'],
        {
          timeoutMs: 20_000,
        },
      );
      assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`already running here: rpcbind lists program 100024 at port ${statd.port} and it answers`),
      );
      assert.deepEqual(readFileSync(join(bdir, 'state')), before, 'the state number is as rpc.statd left it');
      const listed = await rpcinfo(beta, ['-p', '127.0.0.1']);
      assert.match(listed.stdout, new RegExp(`100024\\s+1\\s+udp\\s+${statd.port}\\s+status`));
      // Still rpc.statd's: it answers SM_STAT with its own state number.
      const st = await smCall(beta, 'stat', { mon_name: 'beta' });
      assert.equal(st.state, stateFile(bdir));
    } finally {
      await statd.stop();
    }
  });
});

describe('nsmd on a host without rpcbind', { skip }, () => {
  let net: Network;
  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'gamma' }, { name: 'delta' }] });
  });
  after(async () => {
    await net?.close();
  });

  test('starts the embedded rpcbind, where Debian rpcinfo finds it; SIGTERM withdraws both', async () => {
    const gamma = net.host('gamma');
    const dir = makeStateDir(join(gamma.dir, 'sd'));
    const nsmd = await startNsmd(gamma, ['--state-dir', dir], 'boot-1');
    try {
      assert.match(nsmd.stdout, /"rpcbind":"embedded"/);
      const p = await rpcinfo(net.host('delta'), ['-p', 'gamma']);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /100000\s+2\s+tcp\s+111\s+portmapper/);
      assert.match(p.stdout, /100024\s+1\s+udp\s+776\s+status/);
      const u = await rpcinfo(net.host('delta'), ['-u', 'gamma', 'status']);
      assert.equal(u.code, 0, u.stderr);
    } finally {
      await stopNsmd(nsmd);
    }
    const gone = await rpcinfo(net.host('delta'), ['-p', 'gamma'], 5000);
    assert.notEqual(gone.code, 0);
  });
});
