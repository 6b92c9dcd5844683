import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressFamily, isLoopback, isPrivilegedPort, normalizeAddress } from '../../../src/rpc/address.js';

describe('address helpers', () => {
  it('gives v4-mapped IPv6 addresses as IPv4', () => {
    assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeAddress('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizeAddress('::1'), '::1');
    assert.equal(normalizeAddress('fd00::1'), 'fd00::1');
    assert.equal(normalizeAddress('10.0.0.1'), '10.0.0.1');
    assert.equal(normalizeAddress('::ffff:zzz'), '::ffff:zzz');
    assert.equal(addressFamily('::ffff:127.0.0.1'), 4);
    assert.equal(addressFamily('::1'), 6);
    assert.equal(addressFamily('not an address'), 0);
  });

  it('knows loopback: 127/8, ::1 and their mapped forms, nothing else', () => {
    for (const a of ['127.0.0.1', '127.255.1.2', '::1', '::ffff:127.0.0.10', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopback(a), true, a);
    }
    for (const a of [
      '10.0.0.1',
      '128.0.0.1',
      '::',
      '::2',
      'fe80::1',
      '::ffff:10.0.0.1',
      '127.example',
      '1.127.0.0',
    ]) {
      assert.equal(isLoopback(a), false, a);
    }
  });

  it('calls ports 1-1023 privileged', () => {
    assert.equal(isPrivilegedPort(1023), true);
    assert.equal(isPrivilegedPort(600), true);
    assert.equal(isPrivilegedPort(1024), false);
    assert.equal(isPrivilegedPort(0), false);
  });
});
