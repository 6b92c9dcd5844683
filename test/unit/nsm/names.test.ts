import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalAddress, canonicalName, checkName, shortName } from '../../../src/nsm/names.js';

describe('checkName', () => {
  it('accepts ordinary host names and addresses', () => {
    for (const n of [
      'alpha',
      'alpha.example.com',
      '10.0.0.1',
      '::1',
      'fe80::1',
      'a'.repeat(1024),
      'h\xe9te',
    ]) {
      assert.equal(checkName(n), null, n);
    }
  });
  it('refuses what could reach a path or a terminal', () => {
    assert.equal(checkName(''), 'empty');
    assert.equal(checkName('a'.repeat(1025)), 'too-long');
    assert.equal(checkName('../etc/passwd'), 'leading-dot');
    assert.equal(checkName('.hidden'), 'leading-dot');
    assert.equal(checkName('a/b'), 'slash');
    assert.equal(checkName('host\0x'), 'control-char');
    assert.equal(checkName('host\nx'), 'control-char');
    assert.equal(checkName('host\x7f'), 'control-char');
    assert.equal(checkName('%s%s%n'), null, 'format strings are harmless text here');
  });
});

describe('canonicalName', () => {
  const table: Array<[string, string]> = [
    ['ALPHA.Example.COM.', 'alpha.example.com'],
    ['alpha', 'alpha'],
    ['10.0.0.1', '10.0.0.1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:0a00:0001', '10.0.0.1'],
    ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['fe80::1%ETH0', 'fe80::1%eth0'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
  ];
  for (const [input, want] of table) {
    it(`${input} -> ${want}`, () => assert.equal(canonicalName(input), want));
  }
  it('keeps non-ASCII bytes as they are', () => assert.equal(canonicalName('H\xc9'), 'h\xc9'));
  it('returns the same string when nothing changes (no copy per record)', () => {
    const s = ['host', '-1.example'].join('');
    assert.equal(canonicalName(s), s);
  });
});

describe('canonicalAddress / shortName', () => {
  it('is null for names', () => assert.equal(canonicalAddress('alpha'), null));
  it('gives the first label of a DNS name', () => {
    assert.equal(shortName('alpha.example.com'), 'alpha');
    assert.equal(shortName('alpha'), null);
    assert.equal(shortName('10.0.0.1'), null);
    assert.equal(shortName('alpha.'), null);
  });
});
