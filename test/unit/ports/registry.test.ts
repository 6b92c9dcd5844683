import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPort, portRange } from '../../../src/ports/range.js';
import { buildRegistry, GHOST_SERVICES, loadRegistry, personName } from '../../../src/ports/registry.js';

describe('the IANA registry from npm', () => {
  const registry = loadRegistry();

  test('776 is wpages over TCP and UDP, with an assignee and no reference', () => {
    for (const proto of ['tcp', 'udp'] as const) {
      const [e, ...rest] = registry.lookup(776, proto);
      assert.equal(rest.length, 0);
      assert.equal(e!.kind, 'assigned');
      assert.equal(e!.service, 'wpages');
      assert.equal(e!.proto, proto);
      assert.equal(e!.assignee, '[Josyula_R_Rao]');
      assert.equal(e!.reference, null);
      assert.equal(e!.source, 'service-names-port-numbers');
    }
    assert.deepEqual(
      registry.lookup(776).map((e) => e.proto),
      ['tcp', 'udp'],
    );
    assert.ok(GHOST_SERVICES.has('wpages'));
  });

  test('22 is ssh with its RFC; SCTP rows are left out', () => {
    const rows = registry.lookup(22);
    assert.deepEqual(
      rows.map((e) => [e.service, e.proto, e.reference]),
      [
        ['ssh', 'tcp', '[RFC4251]'],
        ['ssh', 'udp', '[RFC4251]'],
      ],
    );
  });

  test('993 is imaps, 631 ipp; 1023 and 1024 are reserved, not assigned', () => {
    assert.equal(registry.assigned(993, 'tcp')[0]!.service, 'imaps');
    assert.equal(registry.assigned(631, 'udp')[0]!.service, 'ipp');
    for (const port of [0, 1023, 1024]) {
      assert.equal(registry.assigned(port).length, 0, `${port}`);
      assert.ok(registry.lookup(port).every((e) => e.kind === 'reserved'));
    }
  });

  test('a port inside a range row is found (x11 6000-6063), and an unassigned range too', () => {
    const x = registry.assigned(6010, 'tcp');
    assert.equal(x[0]!.service, 'x11');
    assert.deepEqual([x[0]!.low, x[0]!.high], [6000, 6063]);
    assert.ok(registry.lookup(725, 'tcp').some((e) => e.kind === 'unassigned'));
    assert.equal(registry.assigned(725).length, 0);
  });

  test('assignments newer than the full table come from port-numbers (853 domain-s)', () => {
    const [e] = registry.assigned(853, 'tcp');
    assert.equal(e!.service, 'domain-s');
    assert.equal(e!.source, 'port-numbers');
    assert.equal(e!.assignee, null);
  });

  test('is loaded once', () => {
    assert.equal(loadRegistry(), registry);
  });
});

describe('buildRegistry', () => {
  test('rows without a transport apply to both; kinds; port-numbers only fills gaps', () => {
    const r = buildRegistry(
      [
        { ServiceName: 'a', PortNumber: '10', TransportProtocol: 'tcp', Reference: '[RFC1]' },
        { PortNumber: '10', TransportProtocol: 'udp', Description: 'Unassigned' },
        { PortNumber: '20-29', Description: 'Reserved' },
        { PortNumber: '30', TransportProtocol: 'tcp', Description: 'any private mail system' },
        { ServiceName: 'nameonly', Description: 'no port' },
        { ServiceName: 's', PortNumber: '40', TransportProtocol: 'sctp' },
        { ServiceName: 'bad', PortNumber: '70000', TransportProtocol: 'tcp' },
      ],
      { '10/tcp': ['other', 'x'], '10/udp': ['newer', 'new service'], '11/tcp': ['', 'Unassigned'] },
    );
    assert.deepEqual(
      r.lookup(10).map((e) => [e.service, e.proto, e.kind, e.source]),
      [
        ['a', 'tcp', 'assigned', 'service-names-port-numbers'],
        [null, 'udp', 'unassigned', 'service-names-port-numbers'],
        ['newer', 'udp', 'assigned', 'port-numbers'],
      ],
    );
    assert.deepEqual(
      r.lookup(25).map((e) => [e.proto, e.kind, e.low, e.high]),
      [
        ['tcp', 'reserved', 20, 29],
        ['udp', 'reserved', 20, 29],
      ],
    );
    assert.equal(r.lookup(30, 'tcp')[0]!.kind, 'reserved');
    assert.deepEqual(r.lookup(40), []);
    assert.deepEqual(r.lookup(11), []);
  });

  test('personName', () => {
    assert.equal(personName('[Josyula_R_Rao]'), 'Josyula R Rao');
    assert.equal(personName('[A_B][C_D]'), 'A B, C D');
  });
});

describe('port ranges (RFC 6335 §6)', () => {
  const cases: [number, string][] = [
    [0, 'well-known'],
    [776, 'well-known'],
    [1023, 'well-known'],
    [1024, 'registered'],
    [49151, 'registered'],
    [49152, 'dynamic'],
    [65535, 'dynamic'],
  ];
  for (const [port, name] of cases)
    test(`${port} is ${name}`, () => assert.equal(portRange(port).name, name));
  test('each range says what it means', () => {
    assert.match(portRange(1023).meaning, /root or CAP_NET_BIND_SERVICE/);
    assert.match(portRange(1024).meaning, /any process may bind/);
    assert.match(portRange(49152).meaning, /ephemeral/);
  });
  test('not a port', () => {
    for (const n of [-1, 65536, 1.5, Number.NaN]) {
      assert.equal(isPort(n), false);
      assert.throws(() => portRange(n), RangeError);
    }
  });
});
