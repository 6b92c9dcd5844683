import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatPmapDump,
  formatPmapLine,
  PMAP_HEADER,
  parseProgram,
  pmapDumpJson,
} from '../../../src/cli/commands/rpcinfo.js';
import { builtinRpcNames, parseRpcNames } from '../../../src/rpcbind/rpcent.js';

const ETC_RPC = `# comment line
portmapper\t100000\tportmap sunrpc rpcbind
status\t\t100024
nlockmgr\t100021   # trailing comment
broken\tnotanumber
tfsd\t\t100037 
status2\t100024\tstatalias
`;

describe('/etc/rpc names', () => {
  const names = parseRpcNames(ETC_RPC);
  test('numbers to names: the first line for a number wins', () => {
    assert.equal(names.nameOf(100000), 'portmapper');
    assert.equal(names.nameOf(100024), 'status');
    assert.equal(names.nameOf(100021), 'nlockmgr');
    assert.equal(names.nameOf(100037), 'tfsd');
    assert.equal(names.nameOf(4242), undefined);
  });
  test('names and aliases to numbers', () => {
    assert.equal(names.numberOf('rpcbind'), 100000);
    assert.equal(names.numberOf('sunrpc'), 100000);
    assert.equal(names.numberOf('statalias'), 100024);
    assert.equal(names.numberOf('broken'), undefined);
    assert.equal(names.numberOf('nosuch'), undefined);
  });
  test('the built-in table knows the NFS family', () => {
    const b = builtinRpcNames();
    assert.equal(b.nameOf(100024), 'status');
    assert.equal(b.numberOf('nlockmgr'), 100021);
    assert.equal(b.numberOf('portmap'), 100000);
  });
  test('PROG is a number or a known name', () => {
    assert.equal(parseProgram('100024', names), 100024);
    assert.equal(parseProgram('status', names), 100024);
    assert.equal(parseProgram('nosuch', names), undefined);
    assert.throws(() => parseProgram('99999999999', names));
  });
});

describe('rpcinfo -p formatting', () => {
  const names = parseRpcNames(ETC_RPC);
  // Lines as Debian's rpcinfo -p printed them (cat -A showed no trailing blanks on unnamed rows).
  test('columns are those of rpcinfo -p', () => {
    assert.equal(PMAP_HEADER, '   program vers proto   port  service');
    assert.equal(
      formatPmapLine({ prog: 100000, vers: 4, prot: 6, port: 111 }, names),
      '    100000    4   tcp    111  portmapper',
    );
    assert.equal(
      formatPmapLine({ prog: 100024, vers: 1, prot: 17, port: 776 }, names),
      '    100024    1   udp    776  status',
    );
    assert.equal(
      formatPmapLine({ prog: 300000, vers: 1, prot: 17, port: 2049 }, names),
      '    300000    1   udp   2049',
    );
    assert.equal(
      formatPmapLine({ prog: 1, vers: 12, prot: 33, port: 65535 }, names),
      '         1   12    33  65535',
    );
  });
  test('an empty list says so', () => {
    assert.equal(formatPmapDump([], names), 'No remote programs registered.\n');
  });
  test('header then one line per mapping', () => {
    const text = formatPmapDump(
      [
        { prog: 100000, vers: 2, prot: 6, port: 111 },
        { prog: 100000, vers: 2, prot: 17, port: 111 },
      ],
      names,
    );
    assert.equal(
      text,
      '   program vers proto   port  service\n    100000    2   tcp    111  portmapper\n    100000    2   udp    111  portmapper\n',
    );
  });
  test('--json gives one object per row', () => {
    assert.deepEqual(pmapDumpJson([{ prog: 300000, vers: 1, prot: 17, port: 2049 }], names), [
      { program: 300000, version: 1, protocol: 'udp', port: 2049, service: null },
    ]);
  });
});
