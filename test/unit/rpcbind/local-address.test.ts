import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type InterfaceAddress, localAddressFor } from '../../../src/rpcbind/local-address.js';

const ifaces = (): InterfaceAddress[] => [
  { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' },
  { address: '10.199.0.1', netmask: '255.255.255.0', family: 'IPv4' },
  { address: '192.0.2.7', netmask: '255.255.255.240', family: 'IPv4' },
  { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6' },
  { address: 'fd00:199::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' },
  { address: 'fe80::1%veth0', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' },
];

describe('local address for a caller (rpcbind address merging)', () => {
  test('the address the call arrived on wins when the socket knows it', () => {
    assert.equal(localAddressFor('10.199.0.2', false, '10.199.0.1', 4, ifaces), '10.199.0.1');
    assert.equal(localAddressFor('10.199.0.2', false, '::ffff:10.199.0.1', 4, ifaces), '10.199.0.1');
    assert.equal(localAddressFor('::1', true, '::1', 6, ifaces), '::1');
  });
  test('a wildcard socket (UDP): loopback callers get loopback', () => {
    assert.equal(localAddressFor('127.0.0.1', true, '::', 4, ifaces), '127.0.0.1');
    assert.equal(localAddressFor('::1', true, '::', 6, ifaces), '::1');
  });
  test('a wildcard socket: other callers get the interface on their network', () => {
    assert.equal(localAddressFor('10.199.0.2', false, '::', 4, ifaces), '10.199.0.1');
    assert.equal(localAddressFor('192.0.2.14', false, '0.0.0.0', 4, ifaces), '192.0.2.7');
    assert.equal(localAddressFor('192.0.2.17', false, '0.0.0.0', 4, ifaces), undefined);
    assert.equal(localAddressFor('fd00:199::5', false, '::', 6, ifaces), 'fd00:199::1');
    assert.equal(
      localAddressFor('fe80::2', false, '::', 6, ifaces),
      undefined,
      'scoped addresses are not given out',
    );
  });
  test('a family the caller did not come from: interface of that family on its network, if any', () => {
    assert.equal(localAddressFor('10.199.0.2', false, '10.199.0.1', 6, ifaces), undefined);
  });
});
