// Model-based test: random sequences of lock, unlock, test, cancel and freeAll from several owners,
// checked step by step against a per-byte reference over offsets 0..63 plus one cell for 64..EOF.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { type LockOwner, LockTable, OFFSET_MAX, ownerKey } from '../../../src/nlm/lock-table.js';

const EOF_CELL = 64;
const OWNERS: LockOwner[] = [
  { caller: 'alpha', svid: 1, oh: Uint8Array.of(1) },
  { caller: 'alpha', svid: 2, oh: Uint8Array.of(2) },
  { caller: 'beta', svid: 1, oh: Uint8Array.of(1) },
  { caller: 'gamma', svid: 7, oh: Uint8Array.of(7, 7) },
];
const FILES = ['f0', 'f1'];

type Op =
  | { op: 'lock'; o: number; f: number; x: boolean; s: number; e: number; block: boolean }
  | { op: 'unlock'; o: number; f: number; s: number; e: number }
  | { op: 'test'; o: number; f: number; x: boolean; s: number; e: number }
  | { op: 'cancel'; o: number; f: number; x: boolean; s: number; e: number }
  | { op: 'freeAll'; caller: string };

const range = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 64 }))
  .map(([s, len]) => ({ s, e: len === 0 ? EOF_CELL : Math.min(s + len - 1, 63) }));
const who = {
  o: fc.integer({ min: 0, max: OWNERS.length - 1 }),
  f: fc.integer({ min: 0, max: FILES.length - 1 }),
};
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({ op: fc.constant('lock' as const), ...who, x: fc.boolean(), block: fc.boolean(), r: range })
      .map(({ r, ...o }) => ({ ...o, ...r })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ op: fc.constant('unlock' as const), ...who, r: range })
      .map(({ r, ...o }) => ({ ...o, ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ op: fc.constant('test' as const), ...who, x: fc.boolean(), r: range })
      .map(({ r, ...o }) => ({ ...o, ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ op: fc.constant('cancel' as const), ...who, x: fc.boolean(), r: range })
      .map(({ r, ...o }) => ({ ...o, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('freeAll' as const),
      caller: fc.constantFrom('alpha', 'beta', 'gamma'),
    }),
  },
);

interface ModelReq {
  o: number;
  x: boolean;
  s: number;
  e: number;
  data: number;
}

/** The reference: for each file, each cell maps owner index -> exclusive. */
class Model {
  cells = FILES.map(() => Array.from({ length: EOF_CELL + 1 }, () => new Map<number, boolean>()));
  queues: ModelReq[][] = FILES.map(() => []);

  conflicts(f: number, o: number, x: boolean, s: number, e: number): boolean {
    for (let c = s; c <= e; c++)
      for (const [p, px] of this.cells[f]![c]!) if (p !== o && (x || px)) return true;
    return false;
  }
  set(f: number, o: number, x: boolean, s: number, e: number): void {
    for (let c = s; c <= e; c++) this.cells[f]![c]!.set(o, x);
  }
  clear(f: number, o: number, s: number, e: number): void {
    for (let c = s; c <= e; c++) this.cells[f]![c]!.delete(o);
  }
  grant(f: number): number[] {
    const out: number[] = [];
    for (let progress = true; progress; ) {
      progress = false;
      const q = this.queues[f]!;
      for (let i = 0; i < q.length; ) {
        const r = q[i]!;
        if (this.conflicts(f, r.o, r.x, r.s, r.e)) {
          i++;
          continue;
        }
        q.splice(i, 1);
        this.set(f, r.o, r.x, r.s, r.e);
        out.push(r.data);
        progress = true;
      }
    }
    return out;
  }
  /** Canonical held ranges: maximal runs of one owner and mode. */
  held(): string[] {
    const out: string[] = [];
    FILES.forEach((file, f) => {
      OWNERS.forEach((_, o) => {
        let run: { x: boolean; s: number } | null = null;
        for (let c = 0; c <= EOF_CELL + 1; c++) {
          const x = c <= EOF_CELL ? this.cells[f]![c]!.get(o) : undefined;
          if (run && x !== run.x) {
            out.push(fmt(file, o, run.x, BigInt(run.s), c - 1 === EOF_CELL ? OFFSET_MAX : BigInt(c - 1)));
            run = null;
          }
          if (!run && x !== undefined) run = { x, s: c };
        }
      });
    });
    return out.sort();
  }
}

function fmt(file: string, o: number, x: boolean, s: bigint, e: bigint): string {
  return `${file} ${o} ${x ? 'X' : 'S'} ${s}-${e}`;
}
const toEnd = (e: number) => (e === EOF_CELL ? OFFSET_MAX : BigInt(e));
const ownerIndex = (o: LockOwner) => OWNERS.findIndex((p) => ownerKey(p) === ownerKey(o));

function run(ops: Op[]): void {
  const table = new LockTable<number>();
  const model = new Model();
  ops.forEach((op, step) => {
    const ctx = `step ${step}: ${JSON.stringify(op)}`;
    if (op.op === 'freeAll') {
      const got = table.freeAll(op.caller).map((g) => g.data!);
      const want: number[] = [];
      FILES.forEach((_, f) => {
        OWNERS.forEach((p, o) => {
          if (p.caller === op.caller) model.clear(f, o, 0, EOF_CELL);
        });
        model.queues[f] = model.queues[f]!.filter((r) => OWNERS[r.o]!.caller !== op.caller);
        want.push(...model.grant(f));
      });
      assert.deepEqual(got.sort(), want.sort(), ctx);
    } else {
      const r = { file: FILES[op.f]!, owner: OWNERS[op.o]!, start: BigInt(op.s), end: toEnd(op.e) };
      if (op.op === 'lock') {
        const got = table.lock({ ...r, exclusive: op.x, data: step }, op.block);
        if (model.conflicts(op.f, op.o, op.x, op.s, op.e)) {
          if (op.block) {
            assert.equal(got.status, 'queued', ctx);
            const q = model.queues[op.f]!;
            const same = q.find((m) => m.o === op.o && m.x === op.x && m.s === op.s && m.e === op.e);
            if (same) same.data = step;
            else q.push({ o: op.o, x: op.x, s: op.s, e: op.e, data: step });
          } else {
            assert.equal(got.status, 'denied', ctx);
            if (got.status === 'denied') checkHolder(model, op.f, op.o, op.x, op.s, op.e, got.holder, ctx);
          }
        } else {
          assert.equal(got.status, 'granted', ctx);
          model.set(op.f, op.o, op.x, op.s, op.e);
          const want = model.grant(op.f);
          assert.deepEqual(got.status === 'granted' ? got.granted.map((g) => g.data) : null, want, ctx);
        }
      } else if (op.op === 'unlock') {
        const got = table.unlock(r).map((g) => g.data);
        model.queues[op.f] = model.queues[op.f]!.filter((m) => !(m.o === op.o && m.s <= op.e && m.e >= op.s));
        model.clear(op.f, op.o, op.s, op.e);
        assert.deepEqual(got, model.grant(op.f), ctx);
      } else if (op.op === 'test') {
        const got = table.test({ ...r, exclusive: op.x });
        if (model.conflicts(op.f, op.o, op.x, op.s, op.e)) {
          assert.ok(got, ctx);
          checkHolder(model, op.f, op.o, op.x, op.s, op.e, got, ctx);
        } else assert.equal(got, null, ctx);
      } else {
        const got = table.cancel({ ...r, exclusive: op.x });
        const q = model.queues[op.f]!;
        const i = q.findIndex((m) => m.o === op.o && m.x === op.x && m.s === op.s && m.e === op.e);
        const want = i < 0 ? null : q.splice(i, 1)[0]!.data;
        assert.equal(got?.data ?? null, want, ctx);
      }
    }
    const real = table
      .list()
      .filter((l) => l.state === 'held')
      .map((l) => fmt(l.file, ownerIndex(l.owner), l.exclusive, l.start, l.end))
      .sort();
    assert.deepEqual(real, model.held(), ctx);
    for (const caller of ['alpha', 'beta', 'gamma']) {
      const wantQueued = model.queues.reduce(
        (n, q) => n + q.filter((m) => OWNERS[m.o]!.caller === caller).length,
        0,
      );
      assert.equal(table.queuedCount(caller), wantQueued, `${ctx}: queued count of ${caller}`);
      const wantHeld = model.held().filter((h) => OWNERS[Number(h.split(' ')[1])]!.caller === caller).length;
      assert.equal(table.heldCount(caller), wantHeld, `${ctx}: held count of ${caller}`);
    }
  });
}

/** The holder returned must really hold a conflicting lock inside the requested range. */
function checkHolder(
  model: Model,
  f: number,
  o: number,
  x: boolean,
  s: number,
  e: number,
  holder: { owner: LockOwner; exclusive: boolean; start: bigint; end: bigint },
  ctx: string,
): void {
  const p = ownerIndex(holder.owner);
  assert.notEqual(p, o, `${ctx}: holder is the requester`);
  assert.ok(x || holder.exclusive, `${ctx}: shared holder returned for a shared request`);
  const hs = Number(holder.start);
  const he = holder.end === OFFSET_MAX ? EOF_CELL : Number(holder.end);
  let found = false;
  for (let c = Math.max(s, hs); c <= Math.min(e, he); c++) {
    if (model.cells[f]![c]!.get(p) === holder.exclusive) found = true;
  }
  assert.ok(
    found,
    `${ctx}: holder ${JSON.stringify({ p, hs, he })} does not overlap the request in the model`,
  );
}

it('lock table agrees with a per-byte reference model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => run(ops)),
    { numRuns: 400 },
  );
});
