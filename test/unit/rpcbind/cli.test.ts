import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js');

function nsmd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('nsmd rpcbind and nsmd rpcinfo on loopback', () => {
  let daemon: ChildProcess;
  let port: string;
  let log = '';

  before(async () => {
    daemon = spawn(process.execPath, [MAIN, 'rpcbind', '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    port = await new Promise<string>((resolve, reject) => {
      daemon.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        const m = /listening on \S+ udp (\d+) tcp (\d+)/.exec(log);
        if (m) {
          assert.equal(m[1], m[2]);
          resolve(m[1]!);
        }
      });
      daemon.once('exit', (code) => reject(new Error(`nsmd rpcbind exited ${code}: ${log}`)));
    });
  });
  after(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });

  test('rpcinfo -p lists the embedded rpcbind as rpcinfo -p would', async () => {
    const r = await nsmd(['rpcinfo', '-p', '127.0.0.1', '--rpcbind-port', port]);
    assert.equal(r.code, 0, r.stderr);
    const p = port.padStart(7);
    assert.equal(
      r.stdout,
      [
        '   program vers proto   port  service',
        `    100000    4   tcp${p}  portmapper`,
        `    100000    3   tcp${p}  portmapper`,
        `    100000    2   tcp${p}  portmapper`,
        `    100000    4   udp${p}  portmapper`,
        `    100000    3   udp${p}  portmapper`,
        `    100000    2   udp${p}  portmapper`,
        '',
      ].join('\n'),
    );
    const json = await nsmd(['rpcinfo', '-p', '::1', '--rpcbind-port', port, '--json']);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout)[0], {
      program: 100000,
      version: 4,
      protocol: 'tcp',
      port: Number(port),
      service: 'portmapper',
    });
  });

  test('rpcinfo -u/-t without a version checks every version the server has', async () => {
    for (const [flag, host] of [
      ['-u', '127.0.0.1'],
      ['-t', '::1'],
    ] as const) {
      const r = await nsmd(['rpcinfo', flag, host, 'portmapper', '--rpcbind-port', port]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [2, 3, 4].map((v) => `program 100000 version ${v} ready and waiting\n`).join(''),
        `${flag} ${host}`,
      );
    }
  });

  test('rpcinfo -u with a version it does not have: not available, the range on stderr, exit 1', async () => {
    const r = await nsmd(['rpcinfo', '-u', '127.0.0.1', '100000', '7', '--rpcbind-port', port]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'program 100000 version 7 is not available\n');
    assert.match(r.stderr, /low version = 2, high version = 4/);
  });

  test('rpcinfo -n calls the given port without asking rpcbind', async () => {
    const r = await nsmd(['rpcinfo', '-t', '127.0.0.1', '100000', '3', '-n', port]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'program 100000 version 3 ready and waiting\n');
  });

  test('failures exit 1 with one line on stderr', async () => {
    const notRegistered = await nsmd(['rpcinfo', '-u', '127.0.0.1', 'status', '--rpcbind-port', port]);
    assert.equal(notRegistered.code, 1);
    assert.equal(notRegistered.stdout, '');
    assert.match(notRegistered.stderr, /^nsmd: 127\.0\.0\.1: program 100024 is not registered for udp\n$/);
    const unknown = await nsmd(['rpcinfo', '-u', '127.0.0.1', 'nosuchprog']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /nosuchprog is an unknown service/);
  });

  test('bad usage exits 2', async () => {
    for (const args of [
      ['rpcinfo'],
      ['rpcinfo', '-p', '-u', '127.0.0.1'],
      ['rpcinfo', '-u', '127.0.0.1'],
      ['rpcinfo', '-u', '127.0.0.1', '100000', 'x'],
      ['rpcinfo', '-u', '127.0.0.1', '100000', '2', '--json'],
      ['rpcinfo', '-p', '127.0.0.1', '--rpcbind-port', '70000'],
      ['rpcinfo', '--bogus'],
      ['rpcbind', '--port', 'x'],
      ['rpcbind', '--host', 'not-an-address'],
      ['rpcbind', 'extra'],
    ]) {
      const r = await nsmd(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
  });

  test('nsmd rpcbind exits 0 on SIGTERM', async () => {
    daemon.kill('SIGTERM');
    const [code] = await once(daemon, 'exit');
    assert.equal(code, 0);
  });
});
