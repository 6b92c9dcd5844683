import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lookupFromDump, type PmapMapping, programsOnPort, rpcProgramName } from '../../../src/ports/rpc.js';
import { parseRpcNames } from '../../../src/rpcbind/rpcent.js';

// What Debian's rpcbind answers to PMAPPROC_DUMP with rpc.statd on 776 and a kernel lockd.
const DUMP: PmapMapping[] = [
  { prog: 100000, vers: 4, prot: 6, port: 111 },
  { prog: 100000, vers: 3, prot: 6, port: 111 },
  { prog: 100000, vers: 2, prot: 6, port: 111 },
  { prog: 100000, vers: 2, prot: 17, port: 111 },
  { prog: 100024, vers: 1, prot: 17, port: 776 },
  { prog: 100024, vers: 1, prot: 6, port: 776 },
  { prog: 100021, vers: 1, prot: 17, port: 40001 },
  { prog: 100021, vers: 4, prot: 17, port: 40001 },
  { prog: 100021, vers: 3, prot: 17, port: 40001 },
  { prog: 300999, vers: 1, prot: 17, port: 40001 },
];

describe('RPC programs on a port', () => {
  const names = parseRpcNames('portmapper 100000 portmap sunrpc\nstatus 100024\n# nlockmgr 100021\n');

  test('groups versions per program and keeps only the transport asked', () => {
    assert.deepEqual(programsOnPort(DUMP, 776, 'udp', names), [{ prog: 100024, name: 'status', vers: [1] }]);
    assert.deepEqual(programsOnPort(DUMP, 111, 'tcp', names), [
      { prog: 100000, name: 'portmapper', vers: [2, 3, 4] },
    ]);
    assert.deepEqual(programsOnPort(DUMP, 111, 'udp', names), [
      { prog: 100000, name: 'portmapper', vers: [2] },
    ]);
    assert.deepEqual(programsOnPort(DUMP, 40001, 'tcp', names), []);
  });

  test('names missing from /etc/rpc come from the built-in table, else the number', () => {
    assert.deepEqual(programsOnPort(DUMP, 40001, 'udp', names), [
      { prog: 100021, name: 'nlockmgr', vers: [1, 3, 4] },
      { prog: 300999, name: '300999', vers: [1] },
    ]);
    assert.equal(rpcProgramName(100024, names), 'status');
  });

  test('lookupFromDump asks rpcbind once for any number of ports', async () => {
    let calls = 0;
    const lookup = lookupFromDump({
      dump: async () => {
        calls++;
        return DUMP;
      },
      names,
    });
    assert.equal((await lookup(776, 'tcp'))[0]!.prog, 100024);
    assert.equal((await lookup(111, 'udp'))[0]!.prog, 100000);
    assert.equal(calls, 1);
  });

  test('a failing rpcbind rejects the lookup', async () => {
    const lookup = lookupFromDump({ dump: () => Promise.reject(new Error('timeout')), names });
    await assert.rejects(lookup(776, 'udp'), /timeout/);
  });
});
