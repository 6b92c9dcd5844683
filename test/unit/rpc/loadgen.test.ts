import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, runLoad } from '../../../bench/loadgen.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { nativeUdpStatus } from '../../../src/rpc/udp-native.js';
import { TEST_PROG, TEST_V1 } from './fixtures.js';

// The generator's UDP side on node:dgram, and on the native addon when it is built.
const generators = nativeUdpStatus().available ? (['dgram', 'native'] as const) : (['dgram'] as const);

describe('load generator', () => {
  it('falls back to node:dgram, or says the native generator is missing', async () => {
    const base = { host: '127.0.0.1', port: 9, transport: 'udp', prog: TEST_PROG, vers: 1, proc: 0 } as const;
    const r = await runLoad({ ...base, window: 1, durationMs: 50 });
    assert.equal(r.generator, nativeUdpStatus().available ? 'native' : 'dgram');
    if (!nativeUdpStatus().available) {
      await assert.rejects(
        runLoad({ ...base, window: 1, durationMs: 50, generator: 'native' }),
        /unavailable/,
      );
    }
  });

  for (const generator of generators) {
    it(`${generator}: keeps a window in flight, stops at the count, and counts errors`, async () => {
      await windowCountErrors(generator);
    });

    it(`${generator}: is bounded by time and counts lost calls against a silent port`, async () => {
      await silentPort(generator);
    });

    it(`${generator}: spreads the window over threads, IPv6 too`, async () => {
      const server = new RpcServer();
      server.addProgram(TEST_V1, { ADD1: (x) => x + 1 });
      const udp = await server.listenUdp({ host: '::1' });
      const r = await runLoad({
        host: '::1',
        port: udp,
        transport: 'udp',
        prog: TEST_PROG,
        vers: 1,
        proc: 0,
        window: 8,
        threads: 2,
        count: 400,
        durationMs: 5000,
        generator,
      });
      assert.equal(r.generator, generator);
      assert.equal(r.completed, 400);
      assert.equal(r.errors + r.lost, 0);
      await server.close();
    });
  }
});

async function windowCountErrors(generator: 'native' | 'dgram'): Promise<void> {
  const server = new RpcServer();
  server.addProgram(TEST_V1, { ADD1: (x) => x + 1 });
  const udp = await server.listenUdp({ host: '127.0.0.1' });
  const tcp = await server.listenTcp({ host: '::1' });
  const base = { prog: TEST_PROG, vers: 1, window: 16, count: 500, durationMs: 5000, generator };
  const u = await runLoad({ ...base, host: '127.0.0.1', port: udp, transport: 'udp', proc: 0 });
  assert.equal(u.generator, generator);
  assert.equal(u.completed, 500);
  assert.equal(u.errors + u.lost, 0);
  assert.ok(u.latencyUs.p50 > 0 && u.latencyUs.p50 <= u.latencyUs.p99 && u.latencyUs.p99 <= u.latencyUs.max);
  const t = await runLoad({
    ...base,
    host: '::1',
    port: tcp,
    transport: 'tcp',
    proc: 1,
    args: Buffer.alloc(4),
  });
  assert.equal(t.completed, 500);
  assert.equal(t.generator, 'net');
  // Procedure 9 does not exist: every reply is PROC_UNAVAIL, counted as an error.
  const e = await runLoad({ ...base, host: '127.0.0.1', port: udp, transport: 'udp', proc: 9, count: 50 });
  assert.equal(e.completed, 0);
  assert.equal(e.errors, 50);
  await server.close();
}

async function silentPort(generator: 'native' | 'dgram'): Promise<void> {
  const r = await runLoad({
    host: '127.0.0.1',
    port: 9,
    transport: 'udp',
    prog: TEST_PROG,
    vers: 1,
    proc: 0,
    window: 4,
    durationMs: 300,
    retransmitMs: 50,
    timeoutMs: 100,
    generator,
  });
  assert.equal(r.generator, generator);
  assert.equal(r.completed, 0);
  assert.ok(r.lost >= 4);
  assert.ok(r.retransmits >= 4);
  assert.ok(r.elapsedMs >= 290 && r.elapsedMs < 1000);
}

describe('Histogram', () => {
  it('gives exact percentiles below 1024 µs and ~0.2% above', () => {
    const h = new Histogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    assert.equal(h.percentile(50), 500);
    assert.equal(h.percentile(99), 990);
    const big = new Histogram();
    big.record(123_456);
    const p = big.percentile(50);
    assert.ok(Math.abs(p - 123_456) / 123_456 < 0.003, `${p}`);
    assert.equal(big.summary().max, 123_456);
  });
});
