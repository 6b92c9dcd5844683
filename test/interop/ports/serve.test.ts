import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PortReport, PortsReport } from '../../../src/ports/index.js';
import {
  createNetwork,
  type Host,
  interopSkip,
  type Network,
  startRpcbind,
  type TrackedProcess,
} from '../../harness/index.js';

const skip = interopSkip();

describe('nsmd serve chooses its ports with the registry in mind', { skip }, () => {
  let net: Network;
  let host: Host;
  let nsmd: TrackedProcess;
  before(async () => {
    net = await createNetwork({ hosts: [{ name: 'nsmd' }] });
    host = net.host('nsmd');
    await startRpcbind(host);
    const dir = join(host.dir, 'state');
    mkdirSync(dir, { recursive: true });
    nsmd = host.spawnNsmd([
      'serve',
      '--state-dir',
      dir,
      '--user',
      'root',
      '--no-notify',
      '--log-format',
      'json',
    ]);
    await host.waitForRpc('status', 1, 'udp');
    await host.waitForRpc('status', 1, 'tcp');
  });
  after(async () => {
    await net?.close();
  });

  test('with no --port, as root, nsmd takes 776 and logs why', async () => {
    assert.match(nsmd.output, /listen port: port 776: statd's traditional port \(IANA assigns it to wpages/);
    const r = JSON.parse((await host.execNsmd(['port', '776', '--json'])).stdout) as PortReport;
    for (const p of r.protocols) {
      assert.equal(p.registry[0]!.service, 'wpages');
      assert.ok(p.listeners.length > 0);
      assert.ok(p.listeners.every((l) => l.processes.some((x) => x.pid === nsmd.pid)));
      assert.deepEqual(p.rpc, [{ prog: 100024, name: 'status', vers: [1] }]);
    }
    assert.equal(r.verdict.code, 'squatter');
    assert.equal(
      r.verdict.text,
      'assigned to wpages, used by the Network Status Monitor (RPC 100024 status)',
    );
  });

  test("nsmd's outgoing reserved ports are on no live service's port, and the audit is clean", async () => {
    const all = JSON.parse((await host.execNsmd(['ports', '--json'])).stdout) as PortsReport;
    const reserved = all.entries.filter(
      (e) =>
        e.port < 1024 &&
        e.port !== 776 &&
        e.listeners.some((l) => l.processes.some((x) => x.pid === nsmd.pid)),
    );
    assert.ok(reserved.length > 0, 'nsmd binds reserved ports for notifications and callbacks');
    for (const e of reserved) {
      assert.deepEqual(
        e.registry.filter((x) => x.kind === 'assigned').map((x) => x.service),
        [],
        `${e.port}/${e.proto} belongs to no service`,
      );
      assert.equal(e.verdict.code, 'unassigned-in-use');
    }
    const audit = await host.execNsmd(['ports', '--audit']);
    assert.equal(audit.code, 0, audit.stdout);
    assert.match(audit.stdout, /^nothing needs a look \(\d+ ports listened on\)$/m);
  });
});
