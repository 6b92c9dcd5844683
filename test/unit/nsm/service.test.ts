import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Callbacks, type StatusArgs } from '../../../src/nsm/callbacks.js';
import { Notifier, type StatChange } from '../../../src/nsm/notifier.js';
import { Policy, type PolicyOptions } from '../../../src/nsm/policy.js';
import { MonitorRegistry } from '../../../src/nsm/registry.js';
import { type LookupAddress, Resolver } from '../../../src/nsm/resolver.js';
import { NsmService } from '../../../src/nsm/service.js';
import { StateManager } from '../../../src/nsm/state.js';
import { res } from '../../../src/proto/sm_inter.js';
import { type Caller, NO_REPLY } from '../../../src/rpc/types.js';
import { MemoryStore } from '../../../src/store/index.js';
import type { MyId } from '../../../src/store/types.js';
import { caller, FakeClock, priv, settle } from './helpers.js';

const HOSTS: Record<string, string[]> = {
  'alpha.example.com': ['10.0.0.1'],
  alpha: ['10.0.0.1'],
  'beta.example.com': ['10.0.0.2', '2001:db8::2'],
};

interface Setup {
  svc: NsmService;
  store: MemoryStore;
  registry: MonitorRegistry;
  state: StateManager;
  policy: Policy;
  clock: FakeClock;
  callbacks: Array<[MyId, StatusArgs]>;
  notified: Array<{ address: string; args: StatChange }>;
}

async function setup(
  opts: {
    policy?: PolicyOptions;
    lookup?: (n: string) => Promise<LookupAddress[]>;
    ha?: Array<[string, string, string, number | undefined]>;
  } = {},
): Promise<Setup> {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const snap = await store.load();
  const state = new StateManager(store, { bootId: 'boot-1' });
  await state.startUp(snap);
  const registry = new MonitorRegistry();
  const resolver = new Resolver({
    clock,
    lookup:
      opts.lookup ??
      (async (n) => {
        const a = HOSTS[n];
        if (!a) throw new Error('ENOTFOUND');
        return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      }),
  });
  const policy = new Policy({ clock, ...opts.policy });
  const callbacks: Array<[MyId, StatusArgs]> = [];
  const cb = new Callbacks({ clock, send: async (t, a) => void callbacks.push([t, a]) });
  const notified: Array<{ address: string; args: StatChange }> = [];
  let svc!: NsmService;
  const notifier = new Notifier({
    clock,
    resolve: (n) => resolver.resolve(n),
    acknowledged: (m) => svc.acknowledged(m),
    transport: {
      getStatdPort: async () => 4000,
      notify: async (address, _port, args) => void notified.push({ address, args }),
    },
  });
  const ha = opts.ha;
  svc = new NsmService({
    store,
    registry,
    resolver,
    policy,
    state,
    callbacks: cb,
    notifier,
    names: ['server.example.com'],
    ...(ha ? { haCallout: (e, a, b, st) => void ha.push([e, a, b, st]) } : {}),
  });
  return { svc, store, registry, state, policy, clock, callbacks, notified };
}

const LOCKD = { my_name: 'server', my_prog: 100021, my_vers: 4, my_proc: 16 };
const ID: MyId = { myName: 'server', prog: 100021, vers: 4, proc: 16 };
const local = caller('127.0.0.1', 700);
const mon = (name: string, p = 1, id = LOCKD) => ({ mon_id: { mon_name: name, my_id: id }, priv: priv(p) });

async function call<A>(h: ((a: A, c: Caller) => unknown) | undefined, a: A, c: Caller): Promise<any> {
  return await h!(a, c);
}

describe('NsmService SM_MON / SM_UNMON / SM_UNMON_ALL', () => {
  it('SM_MON stores durably, then replies stat_succ with the state', async () => {
    const s = await setup();
    const r = await call(s.svc.handlers.SM_MON, mon('alpha.example.com', 3), local);
    assert.deepEqual(r, { res_stat: res.stat_succ, state: 1 });
    assert.equal(s.store.disk.monitors.size, 1);
    assert.deepEqual(s.registry.find('alpha.example.com', ID)?.priv, priv(3));
  });

  it('a duplicate SM_MON updates priv without a second record', async () => {
    const s = await setup();
    await call(s.svc.handlers.SM_MON, mon('alpha', 1), local);
    await call(s.svc.handlers.SM_MON, mon('ALPHA', 2), local);
    assert.equal(s.registry.size, 1);
    const recs = [...s.store.disk.monitors.values()].flat();
    assert.equal(recs.length, 1);
    assert.deepEqual(recs[0]!.priv, priv(2));
    assert.equal(recs[0]!.monName, 'alpha');
  });

  it('refuses SM_MON from another host, bad names and foreign callback programs, storing nothing', async () => {
    const s = await setup();
    const cases: Array<[ReturnType<typeof mon>, Caller]> = [
      [mon('alpha'), caller('10.0.0.9', 700)],
      [mon('../../etc/passwd'), local],
      [mon('a/b'), local],
      [mon('x\ny'), local],
      [mon(''), local],
      [mon('alpha', 1, { ...LOCKD, my_prog: 100003 }), local],
      [mon('alpha', 1, { ...LOCKD, my_proc: 1 }), local],
      [mon('alpha', 1, { ...LOCKD, my_name: '.x' }), local],
    ];
    for (const [args, who] of cases) {
      assert.deepEqual(await call(s.svc.handlers.SM_MON, args, who), { res_stat: res.stat_fail, state: 1 });
    }
    assert.equal(s.store.disk.monitors.size, 0);
    assert.equal(s.registry.size, 0);
    assert.equal(s.policy.counts.get('not-loopback'), 1);
    assert.equal(s.policy.counts.get('callback-program'), 2);
  });

  it('a store failure answers stat_fail and changes nothing in memory', async () => {
    const s = await setup();
    s.store.injectFault('ERR_STORE_IO');
    assert.deepEqual(await call(s.svc.handlers.SM_MON, mon('alpha'), local), {
      res_stat: res.stat_fail,
      state: 1,
    });
    assert.equal(s.registry.size, 0);
  });

  it('bounds the number of records', async () => {
    const s = await setup({ policy: { maxRecords: 2 } });
    for (const n of ['10.0.0.1', '10.0.0.2']) await call(s.svc.handlers.SM_MON, mon(n), local);
    assert.equal((await call(s.svc.handlers.SM_MON, mon('10.0.0.3'), local))!.res_stat, res.stat_fail);
    assert.equal(
      (await call(s.svc.handlers.SM_MON, mon('10.0.0.2', 5), local))!.res_stat,
      res.stat_succ,
      'updates still fit',
    );
  });

  it('SM_UNMON removes the record (any spelling of its name), only from loopback', async () => {
    const s = await setup();
    await call(s.svc.handlers.SM_MON, mon('Alpha.Example.com'), local);
    const args = { mon_name: 'alpha.example.com.', my_id: LOCKD };
    assert.deepEqual(await call(s.svc.handlers.SM_UNMON, args, caller('10.0.0.9', 700)), { state: 1 });
    assert.equal(s.registry.size, 1);
    assert.deepEqual(await call(s.svc.handlers.SM_UNMON, args, local), { state: 1 });
    assert.equal(s.registry.size, 0);
    assert.equal(s.store.disk.monitors.size, 0);
  });

  it('SM_UNMON with a failing store sends no reply and keeps the record', async () => {
    const s = await setup();
    await call(s.svc.handlers.SM_MON, mon('alpha'), local);
    s.store.injectFault('ERR_STORE_IO');
    assert.equal(await call(s.svc.handlers.SM_UNMON, { mon_name: 'alpha', my_id: LOCKD }, local), NO_REPLY);
    assert.equal(s.registry.size, 1);
  });

  it('SM_UNMON_ALL removes every record of that my_id only', async () => {
    const s = await setup();
    const other = { ...LOCKD, my_vers: 3 };
    for (const n of ['10.0.0.1', '10.0.0.2', 'alpha']) await call(s.svc.handlers.SM_MON, mon(n), local);
    await call(s.svc.handlers.SM_MON, mon('10.0.0.1', 1, other), local);
    assert.deepEqual(await call(s.svc.handlers.SM_UNMON_ALL, LOCKD, local), { state: 1 });
    assert.equal(s.registry.size, 1);
    assert.equal([...s.store.disk.monitors.values()].flat().length, 1);
  });
});

describe('NsmService SM_STAT / SM_NULL', () => {
  it('SM_STAT answers succ for addresses and resolvable names (cached only for remote callers), with the state', async () => {
    const s = await setup();
    const stat = (n: string) => call(s.svc.handlers.SM_STAT, { mon_name: n }, local);
    const remote = (n: string) => call(s.svc.handlers.SM_STAT, { mon_name: n }, caller('10.0.0.5', 40000));
    assert.deepEqual(await remote('10.1.2.3'), { res_stat: res.stat_succ, state: 1 });
    assert.deepEqual(
      await remote('alpha'),
      { res_stat: res.stat_fail, state: 1 },
      'remote: no lookup on demand',
    );
    assert.deepEqual(await stat('alpha'), { res_stat: res.stat_succ, state: 1 });
    assert.deepEqual(await remote('alpha'), { res_stat: res.stat_succ, state: 1 }, 'remote: cached answer');
    assert.deepEqual(await stat('nowhere'), { res_stat: res.stat_fail, state: 1 });
    assert.deepEqual(await stat('../x'), { res_stat: res.stat_fail, state: 1 });
  });

  it('a dead resolver does not stop NULL, SM_STAT or SM_MON of address literals', async () => {
    const s = await setup({ lookup: () => new Promise(() => {}) });
    const hung = call(s.svc.handlers.SM_STAT, { mon_name: 'dead.example' }, local);
    assert.equal(await call(s.svc.handlers.SM_NULL, undefined, local), undefined);
    assert.equal(
      (await call(s.svc.handlers.SM_STAT, { mon_name: '10.0.0.1' }, local))!.res_stat,
      res.stat_succ,
    );
    assert.equal((await call(s.svc.handlers.SM_MON, mon('10.0.0.1'), local))!.res_stat, res.stat_succ);
    assert.equal((await call(s.svc.handlers.SM_MON, mon('dead.example'), local))!.res_stat, res.stat_succ);
    await s.clock.advance(5000);
    assert.equal((await hung)!.res_stat, res.stat_fail);
  });

  it('drops calls from a remote source over its rate', async () => {
    const s = await setup({ policy: { ratePerSecond: 1, rateBurst: 2 } });
    const remote = caller('10.0.0.5', 40000);
    const out = [];
    for (let i = 0; i < 4; i++) out.push(await call(s.svc.handlers.SM_NULL, undefined, remote));
    assert.deepEqual(out, [undefined, undefined, NO_REPLY, NO_REPLY]);
  });
});

describe('NsmService SM_NOTIFY', () => {
  async function monitored(policy?: PolicyOptions) {
    const s = await setup(policy ? { policy } : {});
    await call(s.svc.handlers.SM_MON, mon('alpha.example.com', 7), local);
    await call(s.svc.handlers.SM_MON, mon('10.0.0.2', 8), local);
    await settle();
    return s;
  }

  it('calls back every matching record with mon_name as recorded, the new state and priv', async () => {
    const s = await monitored();
    assert.equal(
      await call(
        s.svc.handlers.SM_NOTIFY,
        { mon_name: 'ALPHA.example.com', state: 5 },
        caller('10.0.0.1', 900),
      ),
      undefined,
    );
    await s.clock.advance(0);
    assert.deepEqual(s.callbacks, [[ID, { mon_name: 'alpha.example.com', state: 5, priv: priv(7) }]]);
  });

  it('matches a short name and a v4-mapped sender to the monitored FQDN', async () => {
    const s = await monitored();
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'alpha', state: 5 }, caller('::ffff:10.0.0.1', 900));
    await s.clock.advance(0);
    assert.equal(s.callbacks.length, 1);
    assert.equal(s.callbacks[0]![1].mon_name, 'alpha.example.com');
  });

  it('delivers each (peer, state) once: the retransmission and the short-name copy add nothing', async () => {
    const s = await monitored();
    const from = caller('10.0.0.1', 900);
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'alpha.example.com', state: 5 }, from);
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'alpha.example.com', state: 5 }, from);
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'alpha', state: 5 }, from);
    await s.clock.advance(0);
    assert.equal(s.callbacks.length, 1);
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'alpha', state: 7 }, from);
    await s.clock.advance(0);
    assert.equal(s.callbacks.length, 2, 'a later reboot is news');
  });

  it('refuses an SM_NOTIFY whose sender is not the named host (spoofing), unless trust-any-sender', async () => {
    const s = await monitored();
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: '10.0.0.2', state: 5 }, caller('10.6.6.6', 900));
    await call(
      s.svc.handlers.SM_NOTIFY,
      { mon_name: 'alpha.example.com', state: 5 },
      caller('10.0.0.2', 900),
    );
    await s.clock.advance(0);
    assert.deepEqual(s.callbacks, []);
    assert.equal(s.policy.counts.get('notify-sender-mismatch'), 2);

    const t = await monitored({ trustAnySender: true });
    await call(t.svc.handlers.SM_NOTIFY, { mon_name: '10.0.0.2', state: 5 }, caller('192.0.2.1', 900));
    await t.clock.advance(0);
    assert.equal(t.callbacks.length, 1);
  });

  it('looks no name up for an SM_NOTIFY from a stranger about a stranger', async () => {
    const looked: string[] = [];
    const s = await setup({
      lookup: async (n) => {
        looked.push(n);
        return [{ address: '10.0.0.1', family: 4 }];
      },
    });
    await call(s.svc.handlers.SM_MON, mon('alpha.example.com'), local);
    await settle();
    looked.length = 0;
    await call(
      s.svc.handlers.SM_NOTIFY,
      { mon_name: 'random-123.example', state: 5 },
      caller('10.9.9.9', 900),
    );
    await s.clock.advance(0);
    assert.deepEqual(looked, []);
    assert.equal(s.policy.counts.get('notify-unknown-host'), 1);
  });

  it('ignores SM_NOTIFY about hosts nobody monitors, and bad names', async () => {
    const s = await monitored();
    assert.equal(
      await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'gamma', state: 5 }, caller('10.0.0.3', 900)),
      undefined,
    );
    assert.equal(
      await call(s.svc.handlers.SM_NOTIFY, { mon_name: 'a/../b', state: 5 }, caller('10.0.0.3', 900)),
      undefined,
    );
    await s.clock.advance(0);
    assert.deepEqual(s.callbacks, []);
  });

  it('bounds the notifications being processed: beyond it, no reply (the peer retries)', async () => {
    const s = await setup({ policy: { maxPendingNotifications: 2 }, lookup: () => new Promise(() => {}) });
    for (let i = 0; i < 3; i++) await call(s.svc.handlers.SM_MON, mon(`host${i}`), local);
    const from = caller('10.0.0.1', 900);
    const r = [];
    for (let i = 0; i < 3; i++)
      r.push(await call(s.svc.handlers.SM_NOTIFY, { mon_name: `host${i}`, state: 3 }, from));
    assert.deepEqual(r, [undefined, undefined, NO_REPLY]);
  });
});

describe('NsmService SM_SIMU_CRASH', () => {
  it('is refused from an unprivileged port or another host', async () => {
    const s = await setup();
    await call(s.svc.handlers.SM_MON, mon('10.0.0.1'), local);
    await call(s.svc.handlers.SM_SIMU_CRASH, undefined, caller('127.0.0.1', 40000));
    await call(s.svc.handlers.SM_SIMU_CRASH, undefined, caller('10.0.0.9', 700));
    assert.equal(s.state.current, 1);
    assert.equal(s.registry.size, 1);
  });

  it('moves the monitor list to the notify list, bumps the state, and notifies each peer', async () => {
    const s = await setup();
    await call(s.svc.handlers.SM_MON, mon('10.0.0.1'), local);
    await call(s.svc.handlers.SM_MON, mon('beta.example.com'), local);
    assert.equal(await call(s.svc.handlers.SM_SIMU_CRASH, undefined, caller('127.0.0.1', 1000)), undefined);
    assert.equal(s.state.current, 3);
    assert.equal(s.store.disk.state, 3);
    assert.equal(s.registry.size, 0);
    assert.equal(s.store.disk.monitors.size, 0);
    await s.clock.advance(0);
    await settle();
    assert.deepEqual(
      s.notified
        .filter((n) => n.args.mon_name === 'server.example.com')
        .map((n) => [n.address, n.args.state])
        .sort(),
      [
        ['10.0.0.1', 3],
        ['10.0.0.2', 3],
      ],
    );
    assert.equal(s.store.disk.notify.size, 0, 'acknowledged peers leave the notify list');
    assert.equal(s.svc.notifyList.size, 0);
  });
});

describe('NsmService start-up and ha-callout', () => {
  it('resumes the notify list left by an earlier run (same boot), dropping each peer once it answered', async () => {
    const s = await setup();
    const rec = { monName: '10.0.0.7', myName: 'server', prog: 100021, vers: 4, proc: 16, priv: priv(1) };
    s.store.disk.notify.set('10.0.0.7', [rec]);
    s.svc.loadMonitors([], [rec]);
    const r = await s.svc.notifyPeers();
    assert.deepEqual(r, { acknowledged: 1, failed: 0 });
    assert.deepEqual(
      s.notified.map((n) => [n.address, n.args.mon_name, n.args.state]),
      [
        ['10.0.0.7', 'server.example.com', 1],
        ['10.0.0.7', 'server', 1],
      ],
    );
    assert.equal(s.store.disk.notify.size, 0);
  });

  it('runs the ha-callout for add-client, del-client and an accepted sm-notify', async () => {
    const ha: Array<[string, string, string, number | undefined]> = [];
    const s = await setup({ ha });
    await call(s.svc.handlers.SM_MON, mon('10.0.0.2'), local);
    await call(s.svc.handlers.SM_MON, mon('10.0.0.2', 2), local);
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: '10.0.0.2', state: 9 }, caller('10.0.0.2', 900));
    await call(s.svc.handlers.SM_NOTIFY, { mon_name: '10.0.0.2', state: 9 }, caller('10.0.0.66', 900));
    await s.clock.advance(0);
    await call(s.svc.handlers.SM_UNMON, { mon_name: '10.0.0.2', my_id: LOCKD }, local);
    assert.deepEqual(ha, [
      ['add-client', '10.0.0.2', 'server', undefined],
      ['sm-notify', '10.0.0.2', '10.0.0.2', 9],
      ['del-client', '10.0.0.2', 'server', undefined],
    ]);
  });
});
