import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { monName, privOf, writeMonitorRecords } from '../../../bench/names.js';
import { pairRatios, spread } from '../../../bench/stats.js';
import { barChart, esc, fmt, lineChart, svgDocument } from '../../../bench/svg.js';

describe('bench statistics', () => {
  test('median and spread of an odd and an even number of runs', () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3, values: [3, 1, 2] });
    assert.equal(spread([4, 1, 2, 3]).median, 2.5);
    assert.equal(spread([]).n, 0);
    // A run that produced nothing (NaN) is not a measurement.
    assert.deepEqual(spread([Number.NaN, 5]).values, [Number.NaN, 5]);
    assert.equal(spread([Number.NaN, 5]).n, 1);
  });

  test('ratios are taken run by run and skip runs without a baseline', () => {
    assert.deepEqual(pairRatios([10, 30, 5], [5, 10, 0]), [2, 3]);
  });
});

describe('bench monitor records', () => {
  test('names are distinct IPv4 literals and wrap octets correctly', () => {
    assert.equal(monName(0), '10.200.0.1');
    assert.equal(monName(254), '10.200.0.255');
    assert.equal(monName(255), '10.200.1.0');
    assert.equal(monName(65535), '10.201.0.0');
    const seen = new Set(Array.from({ length: 70_000 }, (_, i) => monName(i)));
    assert.equal(seen.size, 70_000);
  });

  test('records are written in the nfs-utils sm/ layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsmd-bench-unit-'));
    try {
      const owner = { uid: process.getuid!(), gid: process.getgid!() };
      writeMonitorRecords(dir, 3, owner);
      assert.deepEqual(readdirSync(join(dir, 'sm')).sort(), ['10.200.0.1', '10.200.0.2', '10.200.0.3']);
      const line = readFileSync(join(dir, 'sm', '10.200.0.2'), 'utf8');
      // callback address 127.0.0.1 as a little-endian s_addr, prog 100021, vers 4, proc 16, priv, names
      const priv = Buffer.from(privOf(1)).toString('hex');
      assert.equal(line, `0100007f 000186b5 00000004 00000010 ${priv} 10.200.0.2 127.0.0.1\n`);
      assert.match(priv, /^[0-9a-f]{32}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench SVG writer', () => {
  const chart = {
    title: 'rate <vs> size & more',
    categories: ['0', '1,000'],
    yLabel: 'calls/s',
    series: [
      { name: 'a', color: '#f00', values: [100, 10] },
      { name: 'b', color: '#00f', values: [1000, null] },
    ],
  };

  test('escapes text and formats numbers briefly', () => {
    assert.equal(esc('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
    assert.equal(fmt(1234), '1.2k');
    assert.equal(fmt(871_375), '871k');
    assert.equal(fmt(2_500_000), '2.5M');
    assert.equal(fmt(0.095), '0.095');
    assert.equal(fmt(12.34), '12.3');
  });

  test('a document holds both charts, escaped, with a point per value and n/a for a missing bar', () => {
    const box = { x: 0, y: 0, width: 500, height: 300 };
    const doc = svgDocument(1000, 300, [
      lineChart({ ...chart, logY: true }, box),
      barChart(chart, { ...box, x: 500 }),
    ]);
    assert.match(doc, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(doc.trimEnd().endsWith('</svg>'));
    assert.ok(doc.includes('rate &lt;vs&gt; size &amp; more'));
    assert.ok(!doc.includes('<vs>'));
    assert.equal((doc.match(/<circle /g) ?? []).length, 3);
    assert.equal((doc.match(/<polyline /g) ?? []).length, 1);
    assert.ok(doc.includes('>n/a<'));
    assert.ok(!/NaN|undefined|Infinity/.test(doc));
  });
});
