import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RpcbindError } from '../../../src/rpcbind/errors.js';
import {
  formatIPv6,
  formatUaddr,
  ipFamily,
  isWildcardHost,
  netidInfo,
  netidOf,
  parseIPv6,
  parseUaddr,
} from '../../../src/rpcbind/uaddr.js';

function rejects(uaddr: string, netid?: string, code = 'ERR_RPCBIND_UADDR') {
  assert.throws(
    () => parseUaddr(uaddr, netid),
    (err: unknown) => err instanceof RpcbindError && err.code === code,
    `${JSON.stringify(uaddr)} (${netid}) should be refused with ${code}`,
  );
}

describe('universal addresses (RFC 5665 §5.2.3)', () => {
  test('IPv4: h1.h2.h3.h4.p1.p2, port = p1*256 + p2', () => {
    assert.deepEqual(parseUaddr('127.0.0.1.0.111'), { host: '127.0.0.1', port: 111, family: 4 });
    assert.deepEqual(parseUaddr('10.199.0.2.3.8', 'udp'), { host: '10.199.0.2', port: 776, family: 4 });
    assert.deepEqual(parseUaddr('0.0.0.0.255.255', 'tcp'), { host: '0.0.0.0', port: 65535, family: 4 });
    assert.deepEqual(parseUaddr('255.255.255.255.0.0'), { host: '255.255.255.255', port: 0, family: 4 });
  });

  test('IPv6: the last two dotted parts are the port, the rest is the address', () => {
    assert.deepEqual(parseUaddr('::.0.111', 'udp6'), { host: '::', port: 111, family: 6 });
    assert.deepEqual(parseUaddr('::1.4.211', 'tcp6'), { host: '::1', port: 1235, family: 6 });
    assert.deepEqual(parseUaddr('fd00:199::2.3.8'), { host: 'fd00:199::2', port: 776, family: 6 });
    // An embedded dotted quad (v4-mapped) leaves six dotted parts before the port.
    assert.deepEqual(parseUaddr('::ffff:10.0.0.1.0.111'), { host: '::ffff:10.0.0.1', port: 111, family: 6 });
  });

  test('IPv6 hosts are normalised to RFC 5952 text', () => {
    assert.equal(parseUaddr('0:0:0:0:0:0:0:1.0.111').host, '::1');
    assert.equal(parseUaddr('FD00:0199:0000:0000:0000:0000:0000:0002.0.1').host, 'fd00:199::2');
    assert.equal(parseUaddr('1:0:0:2:0:0:0:3.0.1').host, '1:0:0:2::3');
    assert.equal(parseUaddr('1:0:0:2:0:0:3:4.0.1').host, '1::2:0:0:3:4');
    assert.equal(parseUaddr('1:0:2:3:4:5:6:7.0.1').host, '1:0:2:3:4:5:6:7');
  });

  test('strict: malformed text is refused with ERR_RPCBIND_UADDR', () => {
    for (const bad of [
      '',
      '127.0.0.1',
      '127.0.0.1.0',
      '127.0.0.1.0.256',
      '127.0.0.1.256.0',
      '127.0.0.1.-1.0',
      '127.0.0.1.+1.0',
      '127.0.0.1. 1.0',
      '127.0.0.1.01.0',
      '127.0.0.01.0.111',
      '127.0.0.256.0.111',
      '127.0.1.0.111',
      '1.2.3.4.5.0.111',
      'garbage',
      'localhost.0.111',
      '::1',
      ':::1.0.111',
      '1::2::3.0.111',
      '1:2:3:4:5:6:7:8:9.0.1',
      '1:2:3:4:5:6:7.0.1',
      'fe80::1%lo.0.111',
      '12345::1.0.111',
      '::ffff:1.2.3.256.0.1',
      '/run/rpcbind.sock',
      'x'.repeat(100),
    ]) {
      rejects(bad);
    }
  });

  test('the family must fit the netid; unknown netids are refused with ERR_RPCBIND_NETID', () => {
    rejects('::1.0.111', 'udp');
    rejects('::1.0.111', 'tcp');
    rejects('127.0.0.1.0.111', 'udp6');
    rejects('127.0.0.1.0.111', 'tcp6');
    rejects('127.0.0.1.0.111', 'local', 'ERR_RPCBIND_NETID');
    rejects('127.0.0.1.0.111', 'UDP', 'ERR_RPCBIND_NETID');
  });

  test('error messages escape control bytes of peer-supplied text', () => {
    try {
      parseUaddr('\x1b[31mred.0.1');
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof RpcbindError);
      assert.match(err.message, /\\x1b\[31mred/);
      assert.doesNotMatch(err.message, /\x1b/);
    }
  });

  test('formatUaddr writes what parseUaddr reads, and what rpcbind writes', () => {
    assert.equal(formatUaddr('0.0.0.0', 111), '0.0.0.0.0.111');
    assert.equal(formatUaddr('127.0.0.1', 776), '127.0.0.1.3.8');
    assert.equal(formatUaddr('::', 111), '::.0.111');
    assert.equal(formatUaddr('0:0::1', 65535), '::1.255.255');
    assert.equal(formatUaddr('::ffff:10.0.0.1', 2049), '::ffff:10.0.0.1.8.1');
    for (const [host, port] of [
      ['localhost', 1],
      ['127.0.0.1', 65536],
      ['127.0.0.1', -1],
      ['127.0.0.1', 1.5],
      ['fe80::1%eth0', 1],
    ] as const) {
      assert.throws(() => formatUaddr(host, port), RpcbindError);
    }
  });

  test('property: format then parse is the identity for every IPv4 and IPv6 address and port', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), (host, port) => {
        assert.deepEqual(parseUaddr(formatUaddr(host, port), 'udp'), { host, port, family: 4 });
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 65535 }), (host, port) => {
        const a = parseUaddr(formatUaddr(host, port), 'tcp6');
        assert.equal(a.port, port);
        assert.deepEqual(parseIPv6(a.host), parseIPv6(host));
        // Normal form is stable.
        assert.equal(formatUaddr(a.host, port), formatUaddr(host, port));
      }),
    );
  });

  test('property: random text never throws anything but RpcbindError', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF.:%x- ') }), (s) => {
        try {
          const a = parseUaddr(s);
          assert.ok(a.port >= 0 && a.port <= 65535);
        } catch (err) {
          assert.ok(err instanceof RpcbindError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('RFC 5952 formatting: longest zero run compressed, first on a tie, single zero kept', () => {
    assert.equal(formatIPv6([0, 0, 0, 0, 0, 0, 0, 0]), '::');
    assert.equal(formatIPv6([1, 0, 0, 1, 0, 0, 0, 1]), '1:0:0:1::1');
    assert.equal(formatIPv6([1, 0, 0, 1, 0, 0, 1, 1]), '1::1:0:0:1:1');
    assert.equal(formatIPv6([1, 0, 1, 1, 1, 1, 1, 1]), '1:0:1:1:1:1:1:1');
    assert.equal(formatIPv6([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001]), '::ffff:10.0.0.1');
  });

  test('netids, families and wildcards', () => {
    assert.deepEqual(netidInfo('udp6'), { transport: 'udp', family: 6 });
    assert.deepEqual(netidInfo('tcp'), { transport: 'tcp', family: 4 });
    assert.equal(netidInfo('local'), undefined);
    assert.equal(netidOf('tcp', 6), 'tcp6');
    assert.equal(netidOf('udp', 4), 'udp');
    assert.equal(ipFamily('10.1.2.3'), 4);
    assert.equal(ipFamily('::1'), 6);
    assert.equal(ipFamily('nsmd.test'), undefined);
    assert.ok(isWildcardHost('0.0.0.0'));
    assert.ok(isWildcardHost('::'));
    assert.ok(isWildcardHost('0:0:0:0:0:0:0:0'));
    assert.ok(!isWildcardHost('::1'));
    assert.ok(!isWildcardHost('127.0.0.1'));
  });
});
