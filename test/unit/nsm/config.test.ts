import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, statdConfigFrom } from '../../../src/nsm/config.js';
import { haCalloutRunner } from '../../../src/nsm/hacallout.js';

describe('statdConfigFrom', () => {
  it('reads the [statd] keys of an nfs.conf and ignores the rest', () => {
    const c = statdConfigFrom(`
# nfs.conf
[general]
pipefs-directory=/run/rpc_pipefs
port = 9
[statd]
port = 776   # statd's port
outgoing-port=777
name = nfs-vip.example.com
State-Directory-Path = /srv/nfs/statd
ha-callout = "/usr/local/sbin/nsm-ha"
no-notify = yes
unknown-key = 1
[lockd]
port = 32768
`);
    assert.deepEqual(c, {
      port: 776,
      outgoingPort: 777,
      names: ['nfs-vip.example.com'],
      stateDir: '/srv/nfs/statd',
      haCallout: '/usr/local/sbin/nsm-ha',
      noNotify: true,
    });
  });

  it('is empty without a [statd] section, and refuses bad values', () => {
    assert.deepEqual(statdConfigFrom('[nfsd]\nthreads=8\n'), {});
    assert.throws(() => statdConfigFrom('[statd]\nport = 99999\n'), ConfigError);
    assert.throws(() => statdConfigFrom('[statd]\nno-notify = maybe\n'), ConfigError);
    assert.throws(() => statdConfigFrom('[statd]\nthis is not a line\n'), ConfigError);
  });
});

describe('haCalloutRunner', () => {
  it('runs PROG EVENT ARGS without a shell, and survives a failing program', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nsmd-ha-'));
    const out = join(dir, 'calls');
    const prog = join(dir, 'callout');
    // One write per run, so concurrent runs do not interleave their lines.
    await writeFile(
      prog,
      `#!/bin/sh\nline=$(printf '%s|' "$@")\necho "$line" >> ${out}\n[ "$1" != del-client ]\n`,
    );
    await chmod(prog, 0o755);
    const run = haCalloutRunner({ program: prog });
    run('add-client', 'alpha; rm -rf /', 'me');
    run('del-client', 'alpha', 'me');
    run('sm-notify', 'alpha', '10.0.0.1', 5);
    await run.idle();
    const lines = (await readFile(out, 'utf8')).trim().split('\n').sort();
    assert.deepEqual(lines, [
      'add-client|alpha; rm -rf /|me|',
      'del-client|alpha|me|',
      'sm-notify|alpha|10.0.0.1|5|',
    ]);
  });

  it('kills a program that runs too long', async () => {
    const run = haCalloutRunner({ program: '/bin/sleep', timeoutMs: 100 });
    const t = Date.now();
    run('add-client', '30', 'x');
    await run.idle();
    assert.ok(Date.now() - t < 5000);
  });
});
