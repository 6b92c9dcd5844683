import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Listener, ProcessInfo } from '../../../src/ports/listeners.js';
import { judgePort, mostUrgent, processIsService, type VerdictCode } from '../../../src/ports/verdict.js';

const proc = (pid: number, command: string, cmdline = command): ProcessInfo => ({
  pid,
  command,
  cmdline,
  uid: 0,
  user: 'root',
});
const held = (...processes: ProcessInfo[]): Pick<Listener, 'owner' | 'processes'> => ({
  owner: 'process',
  processes,
});
const kernel: Pick<Listener, 'owner' | 'processes'> = { owner: 'kernel', processes: [] };
const hidden: Pick<Listener, 'owner' | 'processes'> = { owner: 'hidden', processes: [] };
const STATUS = { prog: 100024, name: 'status', vers: [1] };

interface Case {
  name: string;
  port: number;
  assigned: string[];
  listeners: Pick<Listener, 'owner' | 'processes'>[];
  rpc: { prog: number; name: string; vers: number[] }[] | null;
  code: VerdictCode;
  text?: string | RegExp;
  needsLook: boolean;
}

const CASES: Case[] = [
  {
    name: 'rpc.statd on 776 is the squatter of a ghost',
    port: 776,
    assigned: ['wpages'],
    listeners: [held(proc(812, 'rpc.statd'))],
    rpc: [STATUS],
    code: 'squatter',
    text: 'assigned to wpages, used by the Network Status Monitor (RPC 100024 status)',
    needsLook: false,
  },
  {
    name: 'an RPC service on a live service port is a squatter worth a look',
    port: 993,
    assigned: ['imaps'],
    listeners: [held(proc(812, 'rpc.statd'))],
    rpc: [STATUS],
    code: 'squatter',
    text: 'assigned to imaps, used by the Network Status Monitor (RPC 100024 status)',
    needsLook: true,
  },
  {
    name: 'without rpcbind, rpc.statd is still known by its name',
    port: 776,
    assigned: ['wpages'],
    listeners: [held(proc(812, 'rpc.statd'))],
    rpc: null,
    code: 'squatter',
    text: 'assigned to wpages, used by the Network Status Monitor (rpc.statd, pid 812; RPC 100024 status; rpcbind did not answer)',
    needsLook: false,
  },
  {
    name: "rpc.statd's own reserved port, registered nowhere, on a live service's port: a squatter worth a look",
    port: 650,
    assigned: ['obex'],
    listeners: [held(proc(812, 'rpc.statd'))],
    rpc: [],
    code: 'squatter',
    text: 'assigned to obex, used by the Network Status Monitor (rpc.statd, pid 812; RPC 100024 status; not registered with rpcbind on this port)',
    needsLook: true,
  },
  {
    name: 'nothing on an assigned port',
    port: 776,
    assigned: ['wpages'],
    listeners: [],
    rpc: [],
    code: 'assigned-idle',
    text: 'assigned to wpages, but nothing listens',
    needsLook: false,
  },
  {
    name: 'sshd on 22 is the assigned service',
    port: 22,
    assigned: ['ssh'],
    listeners: [held(proc(700, 'sshd', '/usr/sbin/sshd -D'))],
    rpc: [],
    code: 'assigned-service-present',
    text: 'the assigned service is there: ssh, served by sshd (pid 700)',
    needsLook: false,
  },
  {
    name: 'a daemon known under another name (cupsd for ipp)',
    port: 631,
    assigned: ['ipp'],
    listeners: [held(proc(600, 'cupsd'))],
    rpc: [],
    code: 'assigned-service-present',
    needsLook: false,
  },
  {
    name: 'rpcbind on 111 (sunrpc) is the assigned service, by name and by registration',
    port: 111,
    assigned: ['sunrpc'],
    listeners: [held(proc(500, 'rpcbind', '/sbin/rpcbind -f'))],
    rpc: [{ prog: 100000, name: 'portmapper', vers: [2, 3, 4] }],
    code: 'assigned-service-present',
    needsLook: false,
  },
  {
    name: 'the kernel nfsd on 2049 is known through its RPC registration',
    port: 2049,
    assigned: ['nfs', 'shilp'],
    listeners: [kernel],
    rpc: [{ prog: 100003, name: 'nfs', vers: [3, 4] }],
    code: 'assigned-service-present',
    needsLook: false,
  },
  {
    name: 'a plain server on 993 is unexpected',
    port: 993,
    assigned: ['imaps'],
    listeners: [held(proc(901, 'node', 'node server.js'))],
    rpc: [],
    code: 'unexpected-listener',
    text: 'assigned to imaps, but node (pid 901) listens: not the assigned service and not a registered RPC service; worth investigating',
    needsLook: true,
  },
  {
    name: 'one rogue beside the right daemon is still unexpected',
    port: 22,
    assigned: ['ssh'],
    listeners: [held(proc(700, 'sshd')), held(proc(901, 'nc'))],
    rpc: [],
    code: 'unexpected-listener',
    text: /nc \(pid 901\) listens/,
    needsLook: true,
  },
  {
    name: 'a listener whose process cannot be seen is unidentified, not accused',
    port: 22,
    assigned: ['ssh'],
    listeners: [hidden],
    rpc: [],
    code: 'unidentified-listener',
    text: /cannot see \(run as root/,
    needsLook: true,
  },
  {
    name: 'an unassigned port in use',
    port: 7777,
    assigned: [],
    listeners: [held(proc(901, 'node'))],
    rpc: [],
    code: 'unassigned-in-use',
    text: 'not assigned, used by node (pid 901)',
    needsLook: false,
  },
  {
    name: 'lockd on an ephemeral port is an unassigned port in use by an RPC service',
    port: 40001,
    assigned: [],
    listeners: [kernel],
    rpc: [{ prog: 100021, name: 'nlockmgr', vers: [1, 3, 4] }],
    code: 'unassigned-in-use',
    text: /the Network Lock Manager \(RPC 100021 nlockmgr\)/,
    needsLook: false,
  },
  {
    name: 'nothing anywhere',
    port: 725,
    assigned: [],
    listeners: [],
    rpc: [],
    code: 'unassigned-idle',
    needsLook: false,
  },
];

describe('judgePort', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const v = judgePort({
        port: c.port,
        proto: 'tcp',
        assigned: c.assigned,
        listeners: c.listeners,
        rpc: c.rpc,
      });
      assert.equal(v.code, c.code);
      assert.equal(v.needsLook, c.needsLook);
      if (typeof c.text === 'string') assert.equal(v.text, c.text);
      else if (c.text) assert.match(v.text, c.text);
    });
  }

  test('the most urgent verdict of a port wins', () => {
    const v = (code: VerdictCode) => ({ code, text: code, needsLook: false });
    assert.equal(mostUrgent([v('assigned-idle'), v('squatter')]).code, 'squatter');
    assert.equal(
      mostUrgent([v('assigned-service-present'), v('unexpected-listener')]).code,
      'unexpected-listener',
    );
    assert.equal(mostUrgent([v('unassigned-idle'), v('assigned-idle')]).code, 'assigned-idle');
  });
});

describe('processIsService', () => {
  const cases: [string, string, string, boolean][] = [
    ['ssh', 'sshd', '/usr/sbin/sshd -D', true],
    ['http', 'nginx', 'nginx: master process /usr/sbin/nginx', true],
    ['domain', 'named', '/usr/sbin/named -u bind', true],
    ['tftp', 'in.tftpd', '/usr/sbin/in.tftpd', true],
    ['imaps', 'node', 'node server.js', false],
    ['wpages', 'rpc.statd', '/sbin/rpc.statd', false],
    ['ftp', 'sshd', 'sshd', false],
  ];
  for (const [service, command, cmdline, want] of cases) {
    test(`${command} ${want ? 'is' : 'is not'} ${service}`, () =>
      assert.equal(processIsService(service, { pid: 1, command, cmdline, uid: 0, user: 'root' }), want));
  }
});
