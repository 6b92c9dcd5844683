import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createNetwork,
  interopSkip,
  lookupUser,
  makeStateDir,
  type Network,
  namespaceExists,
  rpcinfo,
  runSmNotify,
  type StatdPeer,
  startRpcbind,
  startStatd,
  TrackedProcess,
} from '../../harness/index.js';

const skip = interopSkip();

/** True while `pid` runs (a zombie waiting for its new parent to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function namespacesOf(id: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`nsmdt-${id}`));
}

// A UDP echo server: prints "listening" once bound, answers each datagram with "echo:<data>".
const ECHO_SERVER = `
const s = require('node:dgram').createSocket(process.argv[1]);
s.on('message', (m, r) => s.send('echo:' + m, r.port, r.address));
s.bind(7777, process.argv[2], () => console.log('listening'));
setTimeout(() => process.exit(0), 60000).unref();
`;
// Resolves a name through the system resolver (getaddrinfo) and sends one datagram to it.
const ECHO_CLIENT = `
const dns = require('node:dns');
const [name, family] = [process.argv[1], Number(process.argv[2])];
dns.lookup(name, { family }, (err, address) => {
  if (err) { console.error(err.code); process.exit(3); }
  const s = require('node:dgram').createSocket(family === 6 ? 'udp6' : 'udp4');
  const timer = setTimeout(() => { console.error('no reply'); process.exit(4); }, 3000);
  s.on('message', (m, r) => { console.log(address + ' ' + r.address + ' ' + m); clearTimeout(timer); s.close(); });
  s.send('hello from ' + require('node:os').hostname(), 7777, address);
});
`;

describe('test network harness', { skip }, () => {
  let net: Network;
  before(async () => {
    net = await createNetwork({
      hosts: [{ name: 'alpha', ipv6: true }, { name: 'beta', ipv6: true }, { name: 'gamma' }],
    });
  });
  after(async () => {
    await net?.close();
  });

  test('each host resolves every host by short name and FQDN from its own hosts file', async () => {
    const a = net.host('alpha');
    for (const h of net.hosts) {
      assert.ok((await a.resolve(h.name)).includes(h.ipv4), `alpha resolves ${h.name}`);
      assert.ok((await net.host('gamma').resolve(h.fqdn)).includes(h.ipv4), `gamma resolves ${h.fqdn}`);
    }
    assert.deepEqual((await a.resolve('beta.nsmd.test')).sort(), ['10.199.0.2', 'fd00:199::2']);
    assert.deepEqual(await a.resolve('gamma'), ['10.199.0.3']);
    const r = await a.exec('getent', ['hosts', 'localhost']);
    assert.equal(r.code, 0);
  });

  test("the machine's resolver is not used and a missing name fails fast", async () => {
    const a = net.host('alpha');
    const started = Date.now();
    assert.deepEqual(await a.resolve('no-such-host.nsmd.test'), []);
    assert.deepEqual(await a.resolve('no-such-host'), []);
    assert.ok(Date.now() - started < 4000, `lookups of missing names took ${Date.now() - started} ms`);
    // The machine's own name is in the machine's /etc/hosts, but not in the test network's.
    if (!net.hosts.some((h) => h.name === hostname())) assert.deepEqual(await a.resolve(hostname()), []);
  });

  test('each host has its own host name and its own /run', async () => {
    const [a, b] = [net.host('alpha'), net.host('beta')];
    assert.equal((await a.exec('cat', ['/proc/sys/kernel/hostname'])).stdout.trim(), 'alpha');
    assert.equal((await b.exec('cat', ['/proc/sys/kernel/hostname'])).stdout.trim(), 'beta');
    assert.equal((await a.exec('sh', ['-c', 'echo mine > /run/harness-probe'])).code, 0);
    assert.ok(existsSync(join(a.runDir, 'harness-probe')));
    assert.equal((await b.exec('test', ['-e', '/run/harness-probe'])).code, 1);
    assert.ok(!existsSync('/run/harness-probe'));
  });

  test('hosts reach each other by name over IPv4 and IPv6', async () => {
    for (const [from, to, family] of [
      ['alpha', 'beta', 4],
      ['beta', 'alpha', 4],
      ['gamma', 'alpha', 4],
      ['alpha', 'beta', 6],
      ['beta', 'alpha', 6],
    ] as const) {
      const server = net.host(to);
      const addr = family === 4 ? server.ipv4 : server.ipv6!;
      const echo = server.spawn(process.execPath, ['-e', ECHO_SERVER, family === 4 ? 'udp4' : 'udp6', addr]);
      await echo.waitForOutput(/listening/);
      const r = await net.host(from).exec(process.execPath, ['-e', ECHO_CLIENT, to, String(family)]);
      assert.equal(r.code, 0, `${from} -> ${to} (IPv${family}): ${r.stderr}`);
      assert.equal(r.stdout.trim(), `${addr} ${addr} echo:hello from ${from}`);
      await echo.stop();
    }
  });

  test('tracked processes: output, waitForOutput, kill by pid, exec timeout', async () => {
    const a = net.host('alpha');
    const p = a.spawn('sh', ['-c', 'echo ready; echo oops >&2; exec sleep 30']);
    assert.deepEqual([...(await p.waitForOutput(/ready/))], ['ready']);
    await p.waitForOutput(/oops/, { stream: 'stderr' });
    assert.ok(alive(p.pid));
    assert.equal(p.stdout, 'ready\n');
    assert.equal((await p.stop()).signal, 'SIGTERM');
    assert.ok(!alive(p.pid));
    await assert.rejects(p.waitForOutput(/never/), /exited \(signal SIGTERM\)/);
    const slow = await a.exec('sleep', ['10'], { timeoutMs: 300 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.signal, 'SIGKILL');
    const quick = a.spawn('sh', ['-c', 'echo nope']);
    await assert.rejects(quick.waitForOutput(/never/, { timeoutMs: 5000 }), /exited \(code 0\)/);
    assert.ok(p instanceof TrackedProcess);
  });

  describe('Debian peers', () => {
    let statd: StatdPeer;
    before(async () => {
      const a = net.host('alpha');
      await startRpcbind(a);
      statd = await startStatd(a, { port: 4010, outgoingPort: 4011, name: 'alpha' });
    });

    test('rpcbind in one host answers rpcinfo -p from another', async () => {
      const r = await rpcinfo(net.host('beta'), ['-p', 'alpha']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\s+100000\s+2\s+udp\s+111\s+portmapper$/m);
      assert.match(r.stdout, /^\s+100000\s+2\s+tcp\s+111\s+portmapper$/m);
    });

    test('rpc.statd runs as statd with its state dir and answers NULL from another host', async () => {
      const statdUser = lookupUser('statd')!;
      assert.equal(statSync(join(statd.stateDir, 'sm')).uid, statdUser.uid);
      const b = net.host('beta');
      for (const flag of ['-u', '-t']) {
        const r = await rpcinfo(b, [flag, 'alpha', 'status', '1']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /program 100024 version 1 ready and waiting/);
      }
      const p = await rpcinfo(b, ['-p', 'alpha.nsmd.test']);
      assert.match(p.stdout, /^\s+100024\s+1\s+udp\s+4010\s+status$/m);
      const owner = execFileSync('ps', ['-o', 'user=', '-p', String(statd.process.pid)], {
        encoding: 'utf8',
      });
      assert.equal(owner.trim(), 'statd');
      assert.ok(existsSync(join(net.host('alpha').runDir, 'rpc.statd.pid')), 'pid file in the host /run');
      // No statd in beta: its rpcbind is not even running.
      const none = await rpcinfo(b, ['-u', 'beta', 'status', '1'], 5000);
      assert.notEqual(none.code, 0);
    });

    test('sm-notify in one host notifies the statd of another, looked up through its rpcbind', async () => {
      // No -v: sm-notify would bind to the first address of that name (IPv6 here) and then fail to
      // reach alpha's IPv4 rpcbind; without it the record's my_name is sent.
      const g = net.host('beta');
      const dir = makeStateDir(join(g.dir, 'notify-state'));
      // One record in the nfs-utils layout: beta's lockd monitors alpha.
      writeFileSync(
        join(dir, 'sm', 'alpha'),
        '0100007f 000186b5 00000004 00000010 00000000000000000000000000000000 alpha beta\n',
      );
      const r = await runSmNotify(g, { stateDir: dir, timeoutMs: 20_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Host alpha notified successfully/);
      await statd.process.waitForOutput(/Received SM_NOTIFY from beta, state: 3/);
      assert.deepEqual(readdirSync(join(dir, 'sm')), []);
      assert.equal(readFileSync(join(dir, 'state')).readInt32LE(0), 3);
    });
  });
});

describe('test network cleanup', { skip }, () => {
  test('close() stops every process and removes namespaces, /etc/netns and temp dirs', async () => {
    const net = await createNetwork({ hosts: [{ name: 'one' }, { name: 'two' }] });
    const rpcbind = await startRpcbind(net.host('one'));
    const sleeper = net.host('two').spawn('sleep', ['600']);
    // A process the harness did not start itself but that lives in the namespace (a daemon's child).
    await net.host('two').exec('sh', ['-c', 'sleep 600 >/dev/null 2>&1 &']);
    writeFileSync(join(net.host('one').dir, 'state-file'), 'x');
    const namespaces = [...net.resources.namespaces];
    assert.equal(namespacesOf(net.id).length, 3);
    await net.close();
    assert.ok(!alive(rpcbind.pid) && !alive(sleeper.pid));
    for (const ns of namespaces) {
      assert.ok(!namespaceExists(ns), ns);
      assert.ok(!existsSync(join('/etc/netns', ns)), `/etc/netns/${ns}`);
    }
    assert.deepEqual(namespacesOf(net.id), []);
    assert.ok(!existsSync(net.dir));
    await net.close(); // idempotent
  });

  for (const mode of ['exit', 'signal'] as const) {
    test(`a run that ends without close() (${mode}) leaves nothing behind`, async () => {
      const script = fileURLToPath(new URL('./leaky-run.js', import.meta.url));
      const child = new TrackedProcess([process.execPath, script, mode]);
      const line = await child.waitForOutput(/^\{.*\}$/m, { timeoutMs: 20_000 });
      const info = JSON.parse(line[0]) as { id: string; dir: string; namespaces: string[]; pids: number[] };
      assert.equal(namespacesOf(info.id).length, 2);
      if (mode === 'signal') child.kill('SIGTERM');
      const status = await child.exited;
      assert.equal(status.code, mode === 'exit' ? 0 : 143, child.output);
      for (const pid of info.pids) assert.ok(!alive(pid), `pid ${pid} still runs`);
      assert.deepEqual(namespacesOf(info.id), []);
      assert.ok(!existsSync(info.dir));
      assert.deepEqual(
        readdirSync('/etc/netns').filter((d) => d.includes(info.id)),
        [],
      );
    });
  }
});
