import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  decodeHexAddress,
  formatIpv6,
  isListening,
  parsePasswd,
  parseProcNet,
  parseStatusUid,
  scanListeners,
  socketInodeOfLink,
} from '../../../src/ports/listeners.js';

// Captured on x86-64 (little-endian words): a node process listening on 127.0.0.2:7763 (TCP),
// ::ffff:127.0.0.1:7762 and ::1:7761 (TCP, IPv6 table), bound on 127.0.0.1:7766 and [::]:7764 (UDP),
// plus a connected UDP socket, an established connection and TIME_WAIT rows (inode 0).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1060 1 000000005e702b26 100 0 0 10 0
   1: 0200007F:1E53 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 30924 1 00000000f11110fb 100 0 0 10 0
   2: 0200007F:1E53 0100007F:B33A 01 00000000:00000000 00:00000000 00000000     0        0 30931 1 000000007e6d05c7 20 0 0 10 -1
   3: 0100007F:AD2A 0100007F:9373 06 00000000:00000000 03:00000D96 00000000     0        0 0 3 00000000944af833
   4: 0100007F:B33A 0200007F:1E53 01 00000000:00000000 00:00000000 00000000     0        0 30930 2 0000000040382598 20 0 0 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:1E52 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 30923 1 00000000a279257c 100 0 0 10 0
   1: 00000000000000000000000001000000:1E51 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 30922 1 00000000230b3818 100 0 0 10 0
   2: 00000000000000000000000001000000:D6C8 00000000000000000000000001000000:9373 06 00000000:00000000 03:00000D96 00000000     0        0 0 3 000000008b2db842
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 7178: 0100007F:1E56 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 30928 2 00000000e0a5533e 0
 7179: 0100007F:1E57 3500007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 30929 2 00000000c8710f72 0
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 7176: 00000000000000000000000000000000:1E54 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 30927 2 00000000dbcb1d0d 0
`;

describe('decodeHexAddress', () => {
  const cases: [string, 'LE' | 'BE', string][] = [
    ['0100007F', 'LE', '127.0.0.1'],
    ['7F000001', 'BE', '127.0.0.1'],
    ['00000000', 'LE', '0.0.0.0'],
    ['0A00C70A', 'LE', '10.199.0.10'],
    ['00000000000000000000000001000000', 'LE', '::1'],
    ['00000000000000000000000000000001', 'BE', '::1'],
    ['00000000000000000000000000000000', 'LE', '::'],
    ['0000000000000000FFFF00000100007F', 'LE', '::ffff:127.0.0.1'],
    ['00000000000000000000FFFF7F000001', 'BE', '::ffff:127.0.0.1'],
    ['000080FE000000000000000001000000', 'LE', 'fe80::1'],
    ['990100FD000000000000000002000000', 'LE', 'fd00:199::2'],
    ['B80D0120000000000000010001000000', 'LE', '2001:db8::1:0:0:1'],
  ];
  for (const [hex, endian, want] of cases) {
    test(`${hex} (${endian}) is ${want}`, () => assert.equal(decodeHexAddress(hex, endian), want));
  }
  test('rejects lengths other than 8 and 32 hex digits, and non-hex', () => {
    assert.throws(() => decodeHexAddress('0100007', 'LE'));
    assert.throws(() => decodeHexAddress('B80D01200000000000000100010000000', 'LE'));
    assert.throws(() => decodeHexAddress('0100007G', 'LE'));
  });
});

describe('formatIpv6 (RFC 5952)', () => {
  const bytes = (groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);
  test('compresses the longest zero run, the first one on a tie', () => {
    assert.equal(formatIpv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(bytes([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1])), '2001:db8:0:1::1');
  });
  test('leaves a single zero group alone and writes lower case', () => {
    assert.equal(formatIpv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 0xabcd])), '2001:db8:0:1:1:1:1:abcd');
  });
  test('all zeros, trailing and leading runs', () => {
    assert.equal(formatIpv6(bytes([0, 0, 0, 0, 0, 0, 0, 0])), '::');
    assert.equal(formatIpv6(bytes([0xfd00, 0x199, 0, 0, 0, 0, 0, 0])), 'fd00:199::');
    assert.equal(formatIpv6(bytes([0, 0, 0, 0, 0, 0, 0, 2])), '::2');
  });
});

describe('parseProcNet', () => {
  test('reads every row of the captured tables with address, port, state, uid and inode', () => {
    const tcp = parseProcNet(TCP, 'tcp', 'LE');
    assert.equal(tcp.length, 5);
    assert.deepEqual(tcp[1], {
      proto: 'tcp',
      family: 4,
      localAddress: '127.0.0.2',
      localPort: 7763,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 0x0a,
      uid: 0,
      inode: 30924,
    });
    const tcp6 = parseProcNet(TCP6, 'tcp', 'LE');
    assert.deepEqual(
      tcp6.map((s) => [s.family, s.localAddress, s.localPort]),
      [
        [6, '::ffff:127.0.0.1', 7762],
        [6, '::1', 7761],
        [6, '::1', 0xd6c8],
      ],
    );
  });
  test('skips the header, blank and malformed lines', () => {
    const text = `${TCP.split('\n')[0]}\n\n   9: nonsense\n  10: 0100007F:1E53 00000000:0000 0A 0:0 0:0 0 0 0 77\n`;
    assert.deepEqual(
      parseProcNet(text, 'tcp', 'LE').map((s) => s.inode),
      [77],
    );
  });
  test('listening: TCP in LISTEN, UDP bound and unconnected', () => {
    const all = [
      ...parseProcNet(TCP, 'tcp', 'LE'),
      ...parseProcNet(TCP6, 'tcp', 'LE'),
      ...parseProcNet(UDP, 'udp', 'LE'),
      ...parseProcNet(UDP6, 'udp', 'LE'),
    ];
    assert.deepEqual(
      all.filter(isListening).map((s) => `${s.proto} ${s.localAddress} ${s.localPort}`),
      [
        'tcp 0.0.0.0 2024',
        'tcp 127.0.0.2 7763',
        'tcp ::ffff:127.0.0.1 7762',
        'tcp ::1 7761',
        'udp 127.0.0.1 7766',
        'udp :: 7764',
      ],
    );
  });
});

describe('small /proc parsers', () => {
  test('socket inode of an fd link', () => {
    assert.equal(socketInodeOfLink('socket:[30924]'), 30924);
    assert.equal(socketInodeOfLink('/dev/null'), null);
    assert.equal(socketInodeOfLink('anon_inode:[eventpoll]'), null);
  });
  test('effective uid from /proc/<pid>/status', () => {
    assert.equal(
      parseStatusUid('Name:\trpc.statd\nUid:\t0\t107\t107\t107\nGid:\t0\t65534\t65534\t65534\n'),
      107,
    );
    assert.equal(parseStatusUid('Name:\tx\n'), null);
  });
  test('/etc/passwd: first name of a uid wins; comments and bad lines skipped', () => {
    const users = parsePasswd(
      'root:x:0:0:root:/root:/bin/bash\n# c\nstatd:x:107:65534::/var/lib/nfs:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\nbad\n',
    );
    assert.deepEqual(
      [...users],
      [
        [0, 'root'],
        [107, 'statd'],
      ],
    );
  });
});

describe('scanListeners over a /proc tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'nsmd-proc-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('maps inodes to processes (pid, command, user), kernel sockets, and processes sharing a socket', async () => {
    mkdirSync(join(root, 'net'));
    writeFileSync(join(root, 'net', 'tcp'), TCP);
    writeFileSync(join(root, 'net', 'tcp6'), TCP6);
    writeFileSync(join(root, 'net', 'udp'), UDP);
    // udp6: a kernel-owned bound socket (inode 0), as lockd's are
    writeFileSync(
      join(root, 'net', 'udp6'),
      `${UDP6}  100: 00000000000000000000000000000000:0308 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0 0\n`,
    );
    const proc = (pid: number, comm: string, cmdline: string[], uid: number, inodes: number[]) => {
      const dir = join(root, String(pid));
      mkdirSync(join(dir, 'fd'), { recursive: true });
      writeFileSync(join(dir, 'comm'), `${comm}\n`);
      writeFileSync(join(dir, 'cmdline'), `${cmdline.join('\0')}\0`);
      writeFileSync(join(dir, 'status'), `Name:\t${comm}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
      symlinkSync('/dev/null', join(dir, 'fd', '0'));
      inodes.forEach((inode, i) => {
        symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(i + 3)));
      });
    };
    proc(812, 'rpc.statd', ['/usr/sbin/rpc.statd', '-F', '-p', '776'], 107, [30924, 30927, 99999]);
    proc(813, 'node', ['/usr/bin/node', 'server.js'], 0, [30922, 30923, 30924]);
    const passwd = join(root, 'passwd');
    writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\nstatd:x:107:65534::/:/bin/false\n');

    const scan = await scanListeners({ procRoot: root, passwdFile: passwd, endian: 'LE' });
    assert.equal(scan.cannotSee, null);
    assert.equal(scan.processesRead, 2);
    const at = (proto: string, port: number) =>
      scan.listeners.filter((l) => l.proto === proto && l.port === port);
    const shared = at('tcp', 7763)[0]!;
    assert.equal(shared.owner, 'process');
    assert.deepEqual(
      shared.processes.map((p) => [p.pid, p.command, p.user, p.cmdline]),
      [
        [812, 'rpc.statd', 'statd', '/usr/sbin/rpc.statd -F -p 776'],
        [813, 'node', 'root', '/usr/bin/node server.js'],
      ],
    );
    assert.equal(at('udp', 7764)[0]!.processes[0]!.pid, 812);
    assert.equal(at('tcp', 7761)[0]!.address, '::1');
    const kernel = at('udp', 776)[0]!;
    assert.equal(kernel.owner, 'kernel');
    assert.deepEqual(kernel.processes, []);
    // a listening socket no process holds (another PID namespace)
    assert.equal(at('tcp', 2024)[0]!.owner, 'unknown');
    assert.equal(at('udp', 7766)[0]!.owner, 'unknown');
    // sorted by port
    const ports = scan.listeners.map((l) => l.port);
    assert.deepEqual(
      ports,
      [...ports].sort((a, b) => a - b),
    );
  });
});
