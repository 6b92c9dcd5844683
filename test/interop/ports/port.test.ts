import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PortReport, PortsReport } from '../../../src/ports/index.js';
import {
  createNetwork,
  type Host,
  interopSkip,
  type Network,
  NSMD_MAIN,
  type StatdPeer,
  startRpcbind,
  startStatd,
  type TrackedProcess,
} from '../../harness/index.js';

const skip = interopSkip();

// A plain server with no RPC in it: listens over TCP on every address of the given family and
// binds UDP, then says so.
const PLAIN_SERVER = `
const [port, host, udpType] = [Number(process.argv[1]), process.argv[2], process.argv[3]];
const server = require('node:net').createServer((c) => c.end());
server.listen(port, host, () => {
  const u = require('node:dgram').createSocket(udpType);
  u.bind(port, host, () => console.log('listening'));
});
setTimeout(() => process.exit(0), 120000).unref();
`;

const AS_NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

async function waitForLine(p: TrackedProcess, line: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.stdout.includes(line)) {
    if (!p.running) throw new Error(`${p.label} exited: ${p.output}`);
    if (Date.now() > deadline) throw new Error(`${p.label} did not print '${line}': ${p.output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function portJson(host: Host, port: number, extra: string[] = []): Promise<PortReport> {
  const r = await host.execNsmd(['port', String(port), '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PortReport;
}

describe('nsmd port and ports against real listeners in a network namespace', { skip }, () => {
  let net: Network;
  let host: Host;
  let statd: StatdPeer | undefined;
  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'ports', ipv6: true }] });
    host = net.host('ports');
  });
  after(async () => {
    await net?.close();
  });

  test('nothing on 776: assigned to wpages, nothing listens', async () => {
    const r = await portJson(host, 776);
    assert.equal(r.verdict.code, 'assigned-idle');
    assert.equal(r.verdict.text, 'assigned to wpages, but nothing listens');
    for (const p of r.protocols) {
      assert.equal(p.registry[0]!.service, 'wpages');
      assert.deepEqual(p.listeners, []);
    }
  });

  test('Debian rpc.statd on 776: wpages in the registry, rpc.statd with its pid, RPC 100024 status v1, squatter', async () => {
    await startRpcbind(host);
    statd = await startStatd(host, { port: 776, outgoingPort: 32766 });
    const r = await portJson(host, 776);
    assert.equal(r.range.name, 'well-known');
    assert.deepEqual(r.rpcbind, { asked: true, reachable: true, error: null });
    assert.deepEqual(
      r.protocols.map((p) => p.proto),
      ['tcp', 'udp'],
    );
    for (const p of r.protocols) {
      assert.equal(p.registry[0]!.service, 'wpages', p.proto);
      assert.equal(p.registry[0]!.documented, false);
      assert.ok(p.listeners.length > 0, `${p.proto} listener`);
      for (const l of p.listeners) {
        assert.deepEqual(
          l.processes.map((x) => [x.pid, x.command]),
          [[statd.process.pid, 'rpc.statd']],
          `${p.proto} ${l.address}`,
        );
      }
      assert.deepEqual(p.rpc, [{ prog: 100024, name: 'status', vers: [1] }], p.proto);
      assert.equal(p.verdict.code, 'squatter');
    }
    assert.equal(r.verdict.code, 'squatter');
    assert.equal(
      r.verdict.text,
      'assigned to wpages, used by the Network Status Monitor (RPC 100024 status)',
    );
    assert.equal(r.visibility.cannotSee, null);

    const text = await host.execNsmd(['port', '776']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /no reference: nothing documents this protocol/);
    assert.match(text.stdout, new RegExp(`pid ${statd.process.pid} rpc\\.statd`));
    assert.match(text.stdout, /Verdict: squatter: assigned to wpages, used by the Network Status Monitor/);
  });

  test('a squatter on a ghost and rpcbind on sunrpc need no look: ports --audit exits 0', async () => {
    const r = await host.execNsmd(['ports', '--audit']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, / 776 /);
    const all = JSON.parse((await host.execNsmd(['ports', '--json'])).stdout) as PortsReport;
    const at = (port: number, proto: string) => all.entries.find((e) => e.port === port && e.proto === proto);
    assert.equal(at(776, 'udp')?.verdict.code, 'squatter');
    assert.equal(at(111, 'tcp')?.verdict.code, 'assigned-service-present');
    assert.equal(at(111, 'tcp')?.listeners[0]?.processes[0]?.command, 'rpcbind');
    // rpc.statd also binds a reserved UDP port (bindresvport) for its own calls, registered nowhere:
    // that is statd taking a port, never an unknown program.
    const own = all.entries.filter(
      (e) =>
        ![776, 32766].includes(e.port) && e.listeners.some((l) => l.processes[0]?.command === 'rpc.statd'),
    );
    for (const e of own) {
      assert.ok(
        ['squatter', 'unassigned-in-use'].includes(e.verdict.code),
        `${e.port}/${e.proto}: ${e.verdict.text}`,
      );
      assert.match(e.verdict.text, /Network Status Monitor \(rpc\.statd/);
    }
  });

  test('a plain TCP server on 993 (imaps), IPv6 only: unexpected listener, ports --audit exits 1', async () => {
    const server = host.spawn(process.execPath, ['-e', PLAIN_SERVER, '993', '::1', 'udp6']);
    try {
      await waitForLine(server, 'listening');
      const r = await portJson(host, 993);
      const tcp = r.protocols.find((p) => p.proto === 'tcp')!;
      assert.equal(tcp.registry.find((e) => e.kind === 'assigned')?.service, 'imaps');
      assert.deepEqual(
        tcp.listeners.map((l) => [l.family, l.address, l.port, l.processes[0]?.pid, l.processes[0]?.command]),
        [[6, '::1', 993, server.pid, 'node']],
      );
      assert.deepEqual(tcp.rpc, []);
      assert.equal(tcp.verdict.code, 'unexpected-listener');
      const udp = r.protocols.find((p) => p.proto === 'udp')!;
      assert.equal(udp.listeners[0]?.address, '::1');
      assert.equal(r.verdict.code, 'unexpected-listener');
      assert.match(r.verdict.text, new RegExp(`assigned to imaps, but node \\(pid ${server.pid}\\) listens`));

      const audit = await host.execNsmd(['ports', '--audit']);
      assert.equal(audit.code, 1, audit.stdout + audit.stderr);
      assert.match(audit.stdout, /993\/tcp +unexpected-listener/);
      assert.doesNotMatch(audit.stdout, /776/);
      const auditJson = JSON.parse(
        (await host.execNsmd(['ports', '--audit', '--json'])).stdout,
      ) as PortsReport;
      assert.ok(auditJson.entries.length > 0 && auditJson.entries.every((e) => e.verdict.needsLook));
      assert.ok(auditJson.unexpectedWellKnown >= 1);

      // Without root: the socket is seen, its process is not, and a last line says so.
      const asNobody = await host.exec('setpriv', [...AS_NOBODY, process.execPath, NSMD_MAIN, 'port', '993']);
      assert.equal(asNobody.code, 0, asNobody.stderr);
      assert.match(asNobody.stdout, /\[::1\]:993 +process not visible \(socket of root\)/);
      assert.match(asNobody.stdout, /unidentified-listener/);
      assert.match(
        asNobody.stdout.trimEnd().split('\n').at(-1)!,
        /^cannot see: the processes of other users \(\d+ of \d+ processes not readable, so \d+ listening sockets? shows? no process\); run as root to see them$/,
      );
      const nobodyJson = await host.exec('setpriv', [
        ...AS_NOBODY,
        process.execPath,
        NSMD_MAIN,
        'port',
        '993',
        '--json',
      ]);
      const nr = JSON.parse(nobodyJson.stdout) as PortReport;
      assert.equal(nr.visibility.root, false);
      assert.ok(nr.visibility.processesUnreadable > 0);
      assert.equal(nr.protocols[0]!.listeners[0]!.owner, 'hidden');
      assert.equal(nr.protocols[0]!.listeners[0]!.user, 'root');
    } finally {
      await server.stop(2000);
    }
  });

  test('an IPv4 and IPv6 (dual-stack) listener on an unassigned port', async () => {
    const server = host.spawn(process.execPath, ['-e', PLAIN_SERVER, '725', '::', 'udp6']);
    try {
      await waitForLine(server, 'listening');
      const r = await portJson(host, 725, ['--proto', 'tcp']);
      assert.deepEqual(
        r.protocols.map((p) => p.proto),
        ['tcp'],
      );
      assert.deepEqual(
        r.protocols[0]!.listeners.map((l) => [l.family, l.address]),
        [[6, '::']],
      );
      assert.equal(r.verdict.code, 'unassigned-in-use');
      assert.equal(r.protocols[0]!.registry.filter((e) => e.kind === 'assigned').length, 0);
    } finally {
      await server.stop(2000);
    }
  });

  test('the statd port is rpc.statd: nsmd would choose an ephemeral port; outgoing ports avoid taken ones', async () => {
    const script = `
      const { chooseListenPort, reservedPortCandidates } = await import(${JSON.stringify(NSMD_MAIN.replace(/cli\/main\.js$/, 'ports/index.js'))});
      const choice = await chooseListenPort();
      const candidates = await reservedPortCandidates();
      console.log(JSON.stringify({ choice, candidates }));
    `;
    const asRoot = await host.exec(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(asRoot.code, 0, asRoot.stderr);
    const root = JSON.parse(asRoot.stdout) as {
      choice: { port: number; reason: string };
      candidates: number[];
    };
    assert.equal(root.choice.port, 0);
    assert.match(root.choice.reason, /776 is already in use/);
    // rpc.statd's own reserved port (bound with bindresvport) is in use: never a candidate.
    const all = JSON.parse((await host.execNsmd(['ports', '--json'])).stdout) as PortsReport;
    const statdReserved = all.entries
      .filter(
        (e) =>
          e.port < 1024 && e.port !== 776 && e.listeners.some((l) => l.processes[0]?.command === 'rpc.statd'),
      )
      .map((e) => e.port);
    for (const taken of [776, 631, 993, 111, ...statdReserved])
      assert.ok(!root.candidates.includes(taken), `${taken}`);
    assert.ok(root.candidates.length > 100);

    await statd?.stop();
    const free = JSON.parse(
      (await host.exec(process.execPath, ['--input-type=module', '-e', script])).stdout,
    ) as {
      choice: { port: number; reason: string };
    };
    assert.equal(free.choice.port, 776);
    const nobody = await host.exec('setpriv', [
      ...AS_NOBODY,
      process.execPath,
      '--input-type=module',
      '-e',
      script,
    ]);
    assert.equal(nobody.code, 0, nobody.stderr);
    const n = JSON.parse(nobody.stdout) as { choice: { port: number; reason: string } };
    assert.equal(n.choice.port, 0);
    assert.match(n.choice.reason, /needs root or CAP_NET_BIND_SERVICE/);
  });
});
