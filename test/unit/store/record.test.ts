// The nfs-utils record line, byte for byte (seen written by Debian's rpc.statd 2.6.2 on x86-64).
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { describe, it } from 'node:test';
import {
  formatRecordLine,
  LOOPBACK_FIELD,
  monNameProblem,
  parseRecordFile,
  parseRecordLine,
} from '../../../src/store/record.js';

const le = endianness() === 'LE';

describe('record line', () => {
  it('127.0.0.1 as a host-order s_addr', () => {
    assert.equal(LOOPBACK_FIELD, le ? '0100007f' : '7f000001');
  });

  it('formats and parses the line rpc.statd writes for the kernel lockd', {
    skip: !le && 'little-endian vector',
  }, () => {
    // callback address 127.0.0.1, prog 100021 (0x186b5), vers 4, proc 16, priv 16 zero bytes,
    // mon_name, my_name
    const line =
      '0100007f 000186b5 00000004 00000010 00000000000000000000000000000000 127.0.0.10 127.0.0.1\n';
    const rec = {
      monName: '127.0.0.10',
      myName: '127.0.0.1',
      prog: 100021,
      vers: 4,
      proc: 16,
      priv: new Uint8Array(16),
    };
    assert.equal(formatRecordLine(rec), line);
    const parsed = parseRecordLine(line.slice(0, -1));
    assert.ok(parsed);
    assert.deepEqual({ ...parsed, priv: [...parsed.priv] }, { ...rec, priv: [...rec.priv] });
  });

  it('writes priv as 32 lowercase hex digits and reads uppercase too', () => {
    const priv = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i);
    const line = formatRecordLine({ monName: 'h', myName: 'm', prog: 1, vers: 2, proc: 3, priv });
    assert.match(line, / f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff h m\n$/);
    const upper = `${LOOPBACK_FIELD} 00000001 00000002 00000003 F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF h m`;
    assert.deepEqual([...parseRecordLine(upper)!.priv], [...priv]);
  });

  it('keeps an empty my_name (a trailing space)', () => {
    const rec = { monName: 'h', myName: '', prog: 1, vers: 2, proc: 3, priv: new Uint8Array(16) };
    const line = formatRecordLine(rec);
    assert.ok(line.endsWith(' h \n'));
    assert.equal(parseRecordLine(line.slice(0, -1))!.myName, '');
  });

  it('refuses broken lines', () => {
    const good = '0100007f 000186b5 00000004 00000010 00000000000000000000000000000000 host me';
    assert.ok(parseRecordLine(good));
    for (const bad of [
      '',
      'garbage',
      good.replace('000186b5', '186b5'), // short field
      good.replace('00000000000000000000000000000000', '0000'), // short priv
      good.replace('000186b5', '0001 6b5'),
      good.replace(' host ', ' .host '), // hidden name
      good.replace(' host ', ' a/b '), // path
      `${good} extra`, // eighth field
      `${good}\r`,
      good.replace('0100007f', 'zzzzzzzz'),
    ]) {
      assert.equal(parseRecordLine(bad), null, JSON.stringify(bad));
    }
  });

  it('a file is a host only when every line is a record', () => {
    const l = (n: string) => `${LOOPBACK_FIELD} 000186b5 00000004 00000010 ${'0'.repeat(32)} ${n} me\n`;
    assert.equal(parseRecordFile(l('a') + l('a').replace('me', 'you'))!.length, 2);
    assert.equal(parseRecordFile(l('a').slice(0, -1))!.length, 1); // last newline missing
    assert.equal(parseRecordFile(''), null);
    assert.equal(parseRecordFile('\n'), null);
    assert.equal(parseRecordFile(`${l('a')}junk\n`), null);
    assert.equal(parseRecordFile(l('a').slice(0, 40)), null); // torn
  });

  it('names: what the file system or the line format cannot hold is refused', () => {
    assert.equal(monNameProblem('server.example.com'), null);
    assert.equal(monNameProblem('fe80::1%eth0'), null);
    assert.equal(monNameProblem('\u00ff\u0080'), null);
    for (const bad of ['', '.', '..', '.x', 'a/b', 'a\0', 'a b', 'a\u000bb', '\u0100', 'x'.repeat(256)]) {
      assert.notEqual(monNameProblem(bad), null, JSON.stringify(bad));
    }
  });
});
