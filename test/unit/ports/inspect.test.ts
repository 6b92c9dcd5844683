import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatPortReport, formatPortsReport } from '../../../src/ports/format.js';
import { inspectAll, inspectPort, type PortReport } from '../../../src/ports/inspect.js';
import type { Listener, ListenerScan } from '../../../src/ports/listeners.js';
import { NO_REFERENCE } from '../../../src/ports/registry.js';
import type { RpcProgramLookup } from '../../../src/ports/rpc.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js');
const run = promisify(execFile);

const listener = (
  proto: 'tcp' | 'udp',
  address: string,
  port: number,
  pid: number,
  command: string,
): Listener => ({
  proto,
  family: address.includes(':') ? 6 : 4,
  address,
  port,
  inode: pid * 10 + port,
  uid: 107,
  user: 'statd',
  owner: 'process',
  processes: [{ pid, command, cmdline: command, uid: 107, user: 'statd' }],
});

const scanOf =
  (listeners: Listener[], cannotSee: string | null = null) =>
  async (): Promise<ListenerScan> => ({
    listeners,
    processesRead: 10,
    processesUnreadable: cannotSee ? 3 : 0,
    cannotSee,
  });

const statdRpc: RpcProgramLookup = async (port) =>
  port === 776
    ? [{ prog: 100024, name: 'status', vers: [1] }]
    : port === 111
      ? [{ prog: 100000, name: 'portmapper', vers: [2, 3, 4] }]
      : [];

const STATD = [
  listener('udp', '0.0.0.0', 111, 500, 'rpcbind'),
  listener('tcp', '0.0.0.0', 776, 812, 'rpc.statd'),
  listener('tcp', '::', 776, 812, 'rpc.statd'),
  listener('udp', '0.0.0.0', 776, 812, 'rpc.statd'),
  listener('tcp', '::1', 993, 901, 'node'),
];

/** The documented JSON shape of `nsmd port N --json` (docs/PORTS.md). */
function assertPortReportShape(r: PortReport): void {
  assert.deepEqual(Object.keys(r).sort(), ['port', 'protocols', 'range', 'rpcbind', 'verdict', 'visibility']);
  assert.deepEqual(Object.keys(r.range).sort(), ['high', 'low', 'meaning', 'name']);
  assert.deepEqual(Object.keys(r.verdict).sort(), ['code', 'needsLook', 'text']);
  assert.deepEqual(Object.keys(r.rpcbind).sort(), ['asked', 'error', 'reachable']);
  assert.deepEqual(Object.keys(r.visibility).sort(), [
    'cannotSee',
    'processesRead',
    'processesUnreadable',
    'root',
  ]);
  for (const p of r.protocols) {
    assert.deepEqual(Object.keys(p).sort(), [
      'listeners',
      'port',
      'proto',
      'range',
      'registry',
      'rpc',
      'verdict',
    ]);
    for (const e of p.registry) {
      assert.deepEqual(Object.keys(e).sort(), [
        'assignee',
        'contact',
        'description',
        'documented',
        'high',
        'kind',
        'low',
        'modified',
        'notes',
        'proto',
        'reference',
        'referenceNote',
        'registered',
        'service',
        'source',
        'unauthorizedUse',
      ]);
    }
    for (const l of p.listeners) {
      assert.deepEqual(Object.keys(l).sort(), [
        'address',
        'family',
        'inode',
        'owner',
        'port',
        'processes',
        'proto',
        'uid',
        'user',
      ]);
      for (const x of l.processes)
        assert.deepEqual(Object.keys(x).sort(), ['cmdline', 'command', 'pid', 'uid', 'user']);
    }
    for (const x of p.rpc) assert.deepEqual(Object.keys(x).sort(), ['name', 'prog', 'vers']);
  }
  // JSON round trip loses nothing (no undefined, no class instances)
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
}

describe('inspectPort', () => {
  test('776 with rpc.statd: registry wpages, listeners, RPC status v1, verdict squatter', async () => {
    const r = await inspectPort(776, { scan: scanOf(STATD), rpcLookup: statdRpc });
    assertPortReportShape(r);
    assert.equal(r.range.name, 'well-known');
    assert.deepEqual(
      r.protocols.map((p) => p.proto),
      ['tcp', 'udp'],
    );
    const tcp = r.protocols[0]!;
    assert.equal(tcp.registry[0]!.service, 'wpages');
    assert.equal(tcp.registry[0]!.documented, false);
    assert.equal(tcp.registry[0]!.referenceNote, NO_REFERENCE);
    assert.deepEqual(
      tcp.listeners.map((l) => [l.address, l.processes[0]!.pid, l.processes[0]!.command]),
      [
        ['0.0.0.0', 812, 'rpc.statd'],
        ['::', 812, 'rpc.statd'],
      ],
    );
    assert.deepEqual(tcp.rpc, [{ prog: 100024, name: 'status', vers: [1] }]);
    assert.equal(r.verdict.code, 'squatter');
    assert.equal(
      r.verdict.text,
      'assigned to wpages, used by the Network Status Monitor (RPC 100024 status)',
    );
    assert.deepEqual(r.rpcbind, { asked: true, reachable: true, error: null });

    const text = formatPortReport(r);
    assert.match(text, /Port 776: well-known \(0-1023\)/);
    assert.match(text, /no reference: nothing documents this protocol/);
    assert.match(text, /0\.0\.0\.0:776 +pid 812 rpc\.statd, user statd/);
    assert.match(text, /\[::\]:776/);
    assert.match(text, /rpc +100024 status v1/);
    assert.match(text, /Verdict: squatter: assigned to wpages/);
  });

  test('--proto keeps one transport; nothing listening is assigned-idle and rpcbind is not asked', async () => {
    let asked = 0;
    const r = await inspectPort(776, {
      proto: 'udp',
      scan: scanOf([]),
      rpcLookup: async () => {
        asked++;
        return [];
      },
    });
    assertPortReportShape(r);
    assert.deepEqual(
      r.protocols.map((p) => p.proto),
      ['udp'],
    );
    assert.equal(r.verdict.code, 'assigned-idle');
    assert.equal(asked, 0);
    assert.equal(r.rpcbind.asked, false);
  });

  test('rpcbind down: reported, and the verdict falls back on the process name', async () => {
    const r = await inspectPort(776, {
      scan: scanOf(STATD),
      rpcLookup: () => Promise.reject(new Error('RPC timeout')),
    });
    assert.deepEqual(r.rpcbind, { asked: true, reachable: false, error: 'RPC timeout' });
    assert.equal(r.verdict.code, 'squatter');
    assert.match(formatPortReport(r), /rpcbind did not answer on 127\.0\.0\.1:111 \(RPC timeout\)/);
  });

  test('rpcbind is not asked when nothing listens on udp port 111, and the report says so', async () => {
    let asked = 0;
    const r = await inspectPort(776, {
      scan: scanOf(STATD.filter((l) => l.port !== 111)),
      rpcLookup: async () => {
        asked++;
        return [];
      },
    });
    assert.equal(asked, 0);
    assert.deepEqual(r.rpcbind, { asked: false, reachable: false, error: 'nothing listens on udp port 111' });
    assert.equal(r.verdict.code, 'squatter'); // by process name
  });

  test('what cannot be seen is the last line of the text', async () => {
    const line =
      'cannot see: the processes of other users (3 of 13 processes not readable); run as root to see them';
    const r = await inspectPort(22, { scan: scanOf([], line), rpcLookup: statdRpc });
    assert.equal(r.visibility.cannotSee, line);
    assert.equal(formatPortReport(r).trimEnd().split('\n').at(-1), line);
  });

  test('rejects a number that is not a port', async () => {
    await assert.rejects(inspectPort(65536, { scan: scanOf([]) }), RangeError);
  });
});

describe('inspectAll', () => {
  test('one entry per listened port and transport, counts for --audit', async () => {
    const r = await inspectAll({ scan: scanOf(STATD), rpcLookup: statdRpc });
    assert.deepEqual(Object.keys(r).sort(), [
      'entries',
      'needsLook',
      'rpcbind',
      'unexpectedWellKnown',
      'visibility',
    ]);
    assert.deepEqual(
      r.entries.map((e) => [e.port, e.proto, e.verdict.code]),
      [
        [111, 'udp', 'assigned-service-present'],
        [776, 'tcp', 'squatter'],
        [776, 'udp', 'squatter'],
        [993, 'tcp', 'unexpected-listener'],
      ],
    );
    assert.equal(r.needsLook, 1);
    assert.equal(r.unexpectedWellKnown, 1);
    const audit = formatPortsReport(r, true);
    assert.doesNotMatch(audit, /squatter/);
    assert.match(audit, /tcp +::1 +993 +well-known +901 +node/);
    assert.match(audit, /993\/tcp +unexpected-listener: assigned to imaps, but node \(pid 901\) listens/);
    const all = formatPortsReport(r, false);
    assert.match(all, /^PROTO +ADDRESS +PORT +RANGE +PID +COMMAND +USER +SERVICE +RPC +VERDICT$/m);
    assert.match(
      all,
      /udp +0\.0\.0\.0 +776 +well-known +812 +rpc\.statd +statd +wpages +100024 status +squatter/,
    );
  });
});

describe('nsmd port / nsmd ports (CLI)', () => {
  const nsmd = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [MAIN, ...args]);
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  test('bad usage exits 2 with one line on stderr', async () => {
    const cases = [
      ['port'],
      ['port', '65536'],
      ['port', '-1'],
      ['port', 'wpages'],
      ['port', '1.5'],
      ['port', '776', '777'],
      ['port', '776', '--proto', 'sctp'],
      ['port', '776', '--bogus'],
      ['ports', 'extra'],
      ['ports', '--bogus'],
    ];
    const results = await Promise.all(cases.map((args) => nsmd(...args)));
    for (const [i, args] of cases.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  test('--help shows an example on 776', async () => {
    for (const cmd of ['port', 'ports']) {
      const r = await nsmd(cmd, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, /776/);
      assert.match(r.stdout, /--json/);
    }
  });

  test('port 65535 --proto udp --json prints the documented shape (edges of the range accepted)', async () => {
    const r = await nsmd('port', '65535', '--proto', 'udp', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as PortReport;
    assertPortReportShape(report);
    assert.equal(report.range.name, 'dynamic');
    assert.equal((await nsmd('port', '0', '--json')).code, 0);
  });
});
