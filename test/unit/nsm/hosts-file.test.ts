import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { filesFirst, HostsFile, parseHosts } from '../../../src/nsm/hosts-file.js';
import { Resolver } from '../../../src/nsm/resolver.js';

test('parseHosts keeps every address of a name in file order, folds case, skips comments', () => {
  const t = parseHosts(
    [
      '# comment',
      '127.0.0.1\tlocalhost',
      '10.0.0.1 Alpha alpha.example.  # trailing comment',
      '::ffff:10.0.0.2 beta',
      'fd00::1 alpha',
      'not-an-address gamma',
      '10.0.0.3',
    ].join('\n'),
  );
  assert.deepEqual(t.get('alpha'), ['10.0.0.1', 'fd00::1']);
  assert.deepEqual(t.get('alpha.example'), ['10.0.0.1']);
  assert.deepEqual(t.get('beta'), ['10.0.0.2'], 'v4-mapped given as IPv4');
  assert.equal(t.get('gamma'), undefined);
  assert.equal(t.size, 4);
});

test('filesFirst follows the hosts line of nsswitch.conf', () => {
  assert.equal(filesFirst('passwd: files\nhosts:          files mdns4_minimal dns\n'), true);
  assert.equal(filesFirst('hosts: dns files\n'), false);
  assert.equal(filesFirst('# hosts: files\n'), false);
  assert.equal(filesFirst(''), false);
});

test('HostsFile re-reads the file when it changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsmd-hosts-'));
  const path = join(dir, 'hosts');
  writeFileSync(path, '10.1.1.1 peer\n');
  let now = 0;
  const h = new HostsFile(path, 1000, () => now);
  assert.deepEqual(h.lookup('PEER'), ['10.1.1.1']);
  writeFileSync(path, '10.1.1.2 peer other\n# longer now\n');
  assert.deepEqual(h.lookup('peer'), ['10.1.1.1'], 'not re-checked within the period');
  now = 1500;
  assert.deepEqual(h.lookup('peer'), ['10.1.1.2']);
  assert.deepEqual(h.lookup('other'), ['10.1.1.2']);
});

test('the resolver answers names in the hosts table without a lookup, and others through it', async () => {
  const asked: string[] = [];
  const r = new Resolver({
    hosts: { lookup: (n) => (n === 'filed' ? ['10.2.0.1'] : undefined) },
    lookup: async (n) => {
      asked.push(n);
      return [{ address: '10.2.0.9', family: 4 }];
    },
  });
  assert.deepEqual(await r.resolve('FILED'), ['10.2.0.1']);
  assert.deepEqual(r.cached('filed'), ['10.2.0.1']);
  assert.deepEqual(await r.resolve('elsewhere'), ['10.2.0.9']);
  assert.deepEqual(asked, ['elsewhere']);
});
