import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Notifier, type NotifyTransport, type StatChange } from '../../../src/nsm/notifier.js';
import { FakeClock, settle } from './helpers.js';

interface Sent {
  address: string;
  port: number;
  args: StatChange;
  at: number;
}

function fakeTransport(clock: FakeClock, opts: { fail?: (addr: string) => boolean; port?: number } = {}) {
  const sent: Sent[] = [];
  const lookups: Array<{ address: string; at: number }> = [];
  const transport: NotifyTransport = {
    async getStatdPort(address) {
      lookups.push({ address, at: clock.now() });
      if (opts.fail?.(address)) throw Object.assign(new Error('timeout'), { code: 'ERR_RPC_TIMEOUT' });
      return opts.port ?? 32765;
    },
    async notify(address, port, args) {
      sent.push({ address, port, args, at: clock.now() });
    },
  };
  return { transport, sent, lookups };
}

const resolveLiteral = async (n: string) =>
  /^[\d.]+$/.test(n) ? [n] : n === 'beta' ? ['10.0.0.8', '10.0.0.9'] : [];

describe('Notifier', () => {
  it('notifies every peer under our name, then the short name, and acknowledges each once', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock);
    const acked: string[] = [];
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      acknowledged: async (m) => void acked.push(m),
    });
    const r = await n.run(['10.0.0.1', '10.0.0.2'], ['server.example.com'], 7);
    assert.deepEqual(r, { acknowledged: 2, failed: 0 });
    assert.deepEqual(acked.sort(), ['10.0.0.1', '10.0.0.2']);
    const to1 = t.sent.filter((s) => s.address === '10.0.0.1').map((s) => s.args);
    assert.deepEqual(to1, [
      { mon_name: 'server.example.com', state: 7 },
      { mon_name: 'server', state: 7 },
    ]);
    assert.equal(n.size, 0);
  });

  it('sends every configured name', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock);
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      acknowledged: async () => {},
    });
    await n.run(['10.0.0.1'], ['nfs-vip', '10.0.0.100'], 3);
    assert.deepEqual(
      t.sent.map((s) => s.args.mon_name),
      ['nfs-vip', '10.0.0.100'],
    );
  });

  it('retries with delays doubling from 2 s up to 120 s, and gives up after max-minutes', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock, { fail: () => true });
    const acked: string[] = [];
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      maxMinutes: 15,
      acknowledged: async (m) => void acked.push(m),
    });
    let result: unknown;
    void n.run(['10.0.0.1'], ['me'], 3).then((r) => {
      result = r;
    });
    await clock.advance(16 * 60_000);
    const gaps = t.lookups.slice(1).map((l, i) => l.at - t.lookups[i]!.at);
    assert.deepEqual(gaps.slice(0, 8), [2000, 4000, 8000, 16000, 32000, 64000, 120000, 120000]);
    const last = t.lookups.at(-1)!.at - t.lookups[0]!.at;
    assert.ok(last <= 15 * 60_000, `last try ${last} ms after the first`);
    assert.deepEqual(result, { acknowledged: 0, failed: 1 });
    assert.deepEqual(acked, [], 'a peer that never answered stays in the notify list');
  });

  it('max-minutes 0 keeps trying until the peer answers', async () => {
    const clock = new FakeClock();
    let down = true;
    const t = fakeTransport(clock, { fail: () => down });
    const acked: string[] = [];
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      maxMinutes: 0,
      acknowledged: async (m) => void acked.push(m),
    });
    const done = n.run(['10.0.0.1'], ['me'], 3);
    await clock.advance(3 * 3600_000);
    assert.equal(n.size, 1);
    down = false;
    await clock.advance(121_000);
    assert.deepEqual(await done, { acknowledged: 1, failed: 0 });
    assert.deepEqual(acked, ['10.0.0.1']);
  });

  it('a peer whose statd is not registered (port 0) is retried', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock, { port: 0 });
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      acknowledged: async () => {},
    });
    void n.run(['10.0.0.1'], ['me'], 3);
    await clock.advance(7000);
    assert.equal(t.lookups.length, 3);
    assert.equal(t.sent.length, 0);
    n.close();
  });

  it('tries the addresses of a name in turn', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock, { fail: (a) => a === '10.0.0.8' });
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      acknowledged: async () => {},
    });
    const done = n.run(['beta'], ['me'], 3);
    await clock.advance(3000);
    assert.deepEqual(await done, { acknowledged: 1, failed: 0 });
    assert.deepEqual(
      t.lookups.map((l) => l.address),
      ['10.0.0.8', '10.0.0.9'],
    );
  });

  it('works on at most `concurrency` peers at once, and finishes them all', async () => {
    const clock = new FakeClock();
    let inFlight = 0;
    let peak = 0;
    const transport: NotifyTransport = {
      async getStatdPort() {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await settle();
        inFlight--;
        return 1000;
      },
      async notify() {},
    };
    const n = new Notifier({
      transport,
      resolve: resolveLiteral,
      clock,
      concurrency: 8,
      acknowledged: async () => {},
    });
    const peers = Array.from({ length: 100 }, (_, i) => `10.1.0.${i}`);
    const r = await n.run(peers, ['me'], 3);
    assert.equal(r.acknowledged, 100);
    assert.equal(peak, 8);
  });

  it('uses one timer however many peers wait', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock, { fail: () => true });
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      acknowledged: async () => {},
    });
    void n.run(
      Array.from({ length: 500 }, (_, i) => `10.2.${i >> 8}.${i & 255}`),
      ['me'],
      3,
    );
    await clock.advance(100);
    assert.equal(t.lookups.length, 500);
    assert.equal(clock.pendingTimers, 1);
    n.close();
  });

  it('a run for a peer already pending starts it over with the new state', async () => {
    const clock = new FakeClock();
    let down = true;
    const t = fakeTransport(clock, { fail: () => down });
    const n = new Notifier({
      transport: t.transport,
      resolve: resolveLiteral,
      clock,
      acknowledged: async () => {},
    });
    void n.run(['10.0.0.1'], ['me'], 3);
    await clock.advance(30_000);
    down = false;
    const r = await n.run(['10.0.0.1'], ['me'], 5);
    assert.equal(r.acknowledged, 1);
    assert.deepEqual(
      t.sent.map((s) => s.args.state),
      [5],
    );
  });
});
