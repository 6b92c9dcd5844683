import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import {
  bindReservedPort,
  chooseListenPort,
  freeReservedPorts,
  parseBindresvportBlacklist,
  probeBind,
  reservedPortChooser,
} from '../../../src/ports/choose.js';
import { PortsError } from '../../../src/ports/errors.js';
import { loadRegistry } from '../../../src/ports/registry.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

// Debian's file, as shipped.
const BLACKLIST = `#
# This file contains a list of port numbers between 600 and 1024,
# which should not be used by bindresvport.
#
631	# cups
636	# ldaps
774	# rpasswd
783	# spamd
993	# imaps
  # indented comment
notaport
`;

describe('chooseListenPort', () => {
  test('776 when the probe binds it, with the reason for the log', async () => {
    const c = await chooseListenPort({ probe: async () => {} });
    assert.equal(c.port, 776);
    assert.match(c.reason, /776.*wpages/);
  });
  test('an ephemeral port (0) without the privilege', async () => {
    const c = await chooseListenPort({ probe: () => Promise.reject(errno('EACCES')) });
    assert.deepEqual(c.port, 0);
    assert.match(c.reason, /needs root or CAP_NET_BIND_SERVICE/);
  });
  test('an ephemeral port when a real socket already holds the port', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '::', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const c = await chooseListenPort({ port });
      assert.equal(c.port, 0);
      assert.match(c.reason, new RegExp(`${port} is already in use`));
    } finally {
      server.close();
    }
  });
  test('probeBind binds and releases a free port over TCP and UDP', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '::', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    await probeBind(port);
    await probeBind(port); // released: a second probe binds again
  });
});

describe('reserved ports for outgoing calls', () => {
  const registry = loadRegistry();
  const blacklist = parseBindresvportBlacklist(BLACKLIST);

  test('the blacklist parser keeps numbers and skips comments', () => {
    assert.deepEqual([...blacklist], [631, 636, 774, 783, 993]);
  });

  test('never a live IANA service, a blacklisted port, a used port, or the listen port', () => {
    const free = freeReservedPorts({ registry, blacklist, inUse: new Set([703]) });
    for (const taken of [631, 993, 636, 873, 853, 776, 783, 703])
      assert.ok(!free.includes(taken), `${taken}`);
    assert.ok(free.length > 100, `many candidates remain (${free.length})`);
    assert.ok(free.every((p) => p >= 600 && p <= 1023));
    for (const p of free) assert.equal(registry.assigned(p).length, 0, `${p} has no assignment`);
    assert.ok(free.includes(725)); // unassigned in IANA's table
  });

  test('the whole reserved range on request; a ghost port only when not excluded', () => {
    const free = freeReservedPorts({
      registry,
      blacklist: new Set(),
      inUse: new Set(),
      low: 1,
      high: 1023,
      exclude: [],
    });
    assert.ok(free.some((p) => p < 600));
    assert.ok(free.includes(776), 'wpages is a ghost: allowed when not the listen port');
    assert.throws(
      () => freeReservedPorts({ registry, blacklist, inUse: new Set(), low: 1000, high: 1024 }),
      RangeError,
    );
  });

  test('bindReservedPort skips ports in use and returns the socket', async () => {
    const tried: number[] = [];
    const r = await bindReservedPort(
      async (port) => {
        tried.push(port);
        if (port !== 725) throw errno('EADDRINUSE');
        return { bound: port };
      },
      { candidates: [703, 708, 725, 750], random: () => 0 },
    );
    assert.deepEqual(r, { socket: { bound: 725 }, port: 725 });
    assert.ok(tried.includes(725));
  });

  test('bindReservedPort: no privilege and nothing left are errors with codes', async () => {
    await assert.rejects(
      bindReservedPort(() => Promise.reject(errno('EACCES')), { candidates: [703] }),
      (e: unknown) => e instanceof PortsError && e.code === 'ERR_PORTS_NO_PRIVILEGE',
    );
    await assert.rejects(
      bindReservedPort(() => Promise.reject(errno('EADDRINUSE')), { candidates: [703, 708] }),
      (e: unknown) => e instanceof PortsError && e.code === 'ERR_PORTS_EXHAUSTED',
    );
  });

  test('the order of tries varies with the random source', async () => {
    const first = async (random: () => number) =>
      (await bindReservedPort(async (p) => p, { candidates: [703, 708, 717, 718], random })).port;
    assert.notEqual(await first(() => 0), await first(() => 0.999));
  });

  test('reservedPortChooser hands out safe ports in varying order, before and after a refresh', async () => {
    let now = 0;
    const choose = reservedPortChooser({
      registry,
      blacklist,
      inUse: new Set(),
      now: () => now,
      refreshMs: 1000,
    });
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) seen.add((await choose(async (p) => p)).port);
    now = 5000;
    const { port } = await choose(async (p) => p);
    assert.ok(port >= 600 && port <= 1023 && port !== 776 && !blacklist.has(port));
    assert.ok(seen.size > 1);
  });
});
