import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import ts from 'typescript';
import { compile, parse, XdrgenError } from '../../../src/xdr/gen/index.js';
import { decode, encode, XdrError, XdrReader } from '../../../src/xdr/index.js';
import { load, ROOT, tempDir } from './helpers.js';

/** Asserts that compiling src fails at line:column with a message matching re. */
function compileError(src: string, line: number, column: number | null, re: RegExp): void {
  assert.throws(
    () => compile(src, { file: 'bad.x' }),
    (err: unknown) => {
      assert.ok(err instanceof XdrgenError, String(err));
      assert.equal(err.line, line, err.message);
      if (column !== null) assert.equal(err.column, column, err.message);
      assert.match(err.message, re);
      assert.ok(err.message.startsWith(`bad.x:${line}:`), err.message);
      return true;
    },
  );
}

describe('xdrgen: errors name the line and column', () => {
  it('syntax errors', () => {
    compileError('const A = 1;\nstruct s { int a }\n', 2, 18, /expected ';', found '}'/);
    compileError('struct s {\n  string name;\n};', 2, 10, /string needs a maximum/);
    compileError('typedef opaque x;', 1, 16, /opaque needs a size/);
    compileError('/* open\n\ncomment', 1, 1, /unterminated comment/);
    compileError('const A = 1;\n  const B = @;', 2, 13, /unexpected character '@'/);
    compileError('struct s { quadruple q; };', 1, 12, /quadruple .* not supported/);
    compileError('struct s { struct { int a; } inner; };', 1, 19, /inline struct needs a name/);
    compileError('program P { version V { int F(int, int) = 1; } = 1; } = 1;', 1, 34, /one argument/);
    compileError('enum ec { A };', 1, 13, /every enum member needs a value/);
    compileError('struct int { int a; };', 1, 8, /keyword 'int'/);
    compileError('union u switch (int d) { default: void; };', 1, 26, /expected 'case'/);
    compileError('const N = 0x1g;', 1, 11, /bad number/);
  });
  it('meaning errors', () => {
    compileError('struct s {\n  foo a;\n};', 2, 3, /unknown type 'foo'/);
    compileError('struct s { int a<MAX>; };', 1, 18, /unknown constant 'MAX'/);
    compileError('const A = 1;\nconst A = 2;', 2, 7, /'A' is already defined at line 1/);
    compileError('struct s { int a; int a; };', 1, 23, /member 'a' appears twice/);
    compileError('struct s { int a[-1]; };', 1, 16, /not an unsigned 32-bit number/);
    compileError('struct s { s inner; };', 1, 14, /contains itself/);
    compileError(
      'enum ec { A = 1, B = 2 };\nunion u switch (ec d) {\n  case 3: void;\n};',
      3,
      3,
      /case 3 is not a value of enum ec/,
    );
    compileError(
      'union u switch (int d) {\n  case 1: void;\n  case 1: void;\n};',
      3,
      3,
      /case 1 appears twice/,
    );
    compileError('union u switch (int d) { case 1: int d; };', 1, 38, /names the discriminant/);
    compileError('union u switch (string d<>) { case 1: void; };', 1, 24, /discriminant must be/);
    compileError('struct v { int a; };', 1, 8, /'v' cannot name a type/);
    compileError('struct delete { int a; };', 1, 8, /'delete' cannot name a type/);
    compileError('enum ec { encode = 1 };', 1, 11, /would hide the enum's codec/);
    compileError(
      'program P { version V { void A(void) = 1; void B(void) = 1; } = 1; } = 9;',
      1,
      48,
      /procedure number 1 appears twice/,
    );
    compileError('%import nothing useful', 1, 1, /'%import' line must read/);
  });
});

const KITCHEN = `
/* A file header. */

%#include <rpc/rpc.h>
const MAXN = 4;              /* bound used by name */
typedef int ints<MAXN>;
typedef opaque hash[3];
typedef string name<8>;
typedef unsigned long ulong_t;

/** Colours. */
enum color { RED = 1, GREEN = 2, BLUE = -3 };

struct point {
  hyper x;
  unsigned hyper y;
  float f;
  double d;
  bool b;
};

union shape switch (color c) {
  case RED:
  case GREEN:
    point p;
  case BLUE:
    void;
};

union u_int switch (int k) {
  case 1: int one;
  case -1: string neg<>;
  default: opaque other<2>;
};

union u_bool switch (bool flag) {
  case TRUE: name n;
  case FALSE: void;
};

union u_uint switch (unsigned int k) {
  case 0xffffffff: void;
};

struct node {
  int value;
  node *next;
};

struct tree {
  int v;
  tree *left;
  tree *right;
};

struct nest {
  nest kids<>;
};

struct holder {
  point pts[2];
  color cs<>;
  node *maybe;
  ints xs;
  hash h;
  name nm;
  u_int un;
  ulong_t big;
};

program TESTPROG {
  version TESTVERS {
    void NULLPROC(void) = 0;
    int SUM(ints) = 1;
    string NAME(void) = 2;
    holder ECHO(holder) = 3;
    color PAINT(shape) = 4;
  } = 1;
} = 0x20000001;
`;

describe('xdrgen: every construct, run', () => {
  let m: Record<string, any>;
  before(async () => {
    m = await load(KITCHEN);
  });

  const rt = (codec: any, v: unknown): Buffer => {
    const b = encode(codec, v);
    assert.equal(b.length % 4, 0);
    // Decoded opaques are views of the input; decode from a plain Uint8Array to compare with plain ones.
    assert.deepEqual(decode(codec, new Uint8Array(b)), v);
    return b;
  };

  it('constants, enums as values and codecs', () => {
    assert.equal(m.MAXN, 4);
    assert.equal(m.color.RED, 1);
    assert.equal(m.color.BLUE, -3);
    assert.equal(rt(m.color, -3).toString('hex'), 'fffffffd');
    assert.throws(() => decode(m.color, Buffer.from('00000003', 'hex')), XdrError);
    assert.equal(m.TESTPROG, 0x20000001);
    assert.equal(m.TESTVERS, 1);
  });
  it('typedefs of arrays, opaque and string keep their bounds', () => {
    rt(m.ints, [1, -2, 3, 4]);
    assert.throws(() => encode(m.ints, [1, 2, 3, 4, 5]), { code: 'ERR_XDR_LIMIT' });
    assert.throws(() => decode(m.ints, Buffer.from(`00000005${'00000000'.repeat(5)}`, 'hex')), {
      code: 'ERR_XDR_LIMIT',
    });
    assert.equal(rt(m.hash, Uint8Array.of(1, 2, 3)).toString('hex'), '01020300');
    rt(m.name, '12345678');
    assert.throws(() => encode(m.name, '123456789'), { code: 'ERR_XDR_LIMIT' });
    rt(m.ulong_t, 0xffffffff);
  });
  it('structs with every scalar type', () => {
    const p = { x: -(2n ** 63n), y: 2n ** 64n - 1n, f: 0.25, d: -1e300, b: true };
    assert.equal(rt(m.point, p).length, 8 + 8 + 4 + 8 + 4);
  });
  it('unions on an enum, with case lists and void arms', () => {
    const p = { x: 1n, y: 2n, f: 0, d: 0, b: false };
    assert.equal(rt(m.shape, { c: 1, p }).length, 4 + 32);
    rt(m.shape, { c: 2, p });
    assert.equal(rt(m.shape, { c: -3 }).toString('hex'), 'fffffffd');
  });
  it('unions on int with a default arm', () => {
    assert.equal(rt(m.u_int, { k: 1, one: 7 }).toString('hex'), '0000000100000007');
    rt(m.u_int, { k: -1, neg: 'x' });
    assert.equal(rt(m.u_int, { k: 42, other: Uint8Array.of(9) }).toString('hex'), '0000002a0000000109000000');
    assert.throws(() => decode(m.u_int, Buffer.from('000000070000000300000000', 'hex')), {
      code: 'ERR_XDR_LIMIT',
    });
  });
  it('unions on bool and unsigned int; a value with no arm is refused', () => {
    rt(m.u_bool, { flag: true, n: 'ok' });
    assert.equal(rt(m.u_bool, { flag: false }).toString('hex'), '00000000');
    assert.equal(rt(m.u_uint, { k: 0xffffffff }).toString('hex'), 'ffffffff');
    assert.throws(
      () => decode(m.u_uint, Buffer.from('00000001', 'hex')),
      (e: unknown) => e instanceof XdrError && e.code === 'ERR_XDR_VALUE' && e.offset === 0,
    );
    assert.throws(() => encode(m.u_uint, { k: 1 }), { code: 'ERR_XDR_VALUE' });
  });
  it('linked lists decode and encode in a loop: 100,000 entries, no stack, no depth limit', () => {
    let list: { value: number; next: unknown } | null = null;
    for (let i = 99_999; i >= 0; i--) list = { value: i, next: list };
    const b = encode(m.node, list);
    assert.equal(b.length, 100_000 * 8);
    const back = decode(m.node, b) as { value: number; next: any };
    let n = 0;
    for (let cur: any = back; cur; cur = cur.next) assert.equal(cur.value, n++);
    assert.equal(n, 100_000);
  });
  it('other recursive types are depth-limited (optional-data and arrays)', () => {
    let deep: any = null;
    for (let i = 0; i < 100; i++) deep = { v: i, left: deep, right: null };
    const b = encode(m.tree, deep);
    assert.throws(() => decode(m.tree, b), { code: 'ERR_XDR_DEPTH' });
    const r = new XdrReader(b, 0, b.length, 200);
    assert.deepEqual(m.tree.decode(r), deep);
    let shallow: any = null;
    for (let i = 0; i < 10; i++)
      shallow = { v: i, left: shallow, right: { v: -i - 1, left: null, right: null } };
    rt(m.tree, shallow);
    let n: any = { kids: [] };
    for (let i = 0; i < 63; i++) n = { kids: [n, { kids: [] }] };
    rt(m.nest, n);
    n = { kids: [n] };
    assert.throws(() => decode(m.nest, encode(m.nest, n)), { code: 'ERR_XDR_DEPTH' });
  });
  it('fixed arrays, variable arrays of enums, optional-data, nested typedefs', () => {
    const pt = { x: 0n, y: 0n, f: 0, d: 0, b: false };
    const h = {
      pts: [pt, { ...pt, b: true }],
      cs: [1, 2, -3],
      maybe: { value: 1, next: { value: 2, next: null } },
      xs: [],
      h: Uint8Array.of(0xff, 0, 1),
      nm: '',
      un: { k: 0, other: new Uint8Array(0) },
      big: 1,
    };
    rt(m.holder, h);
    rt(m.holder, { ...h, maybe: null });
    assert.throws(() => encode(m.holder, { ...h, pts: [pt] }), { code: 'ERR_XDR_VALUE' });
    assert.throws(() => encode(m.holder, { ...h, cs: [4] }), { code: 'ERR_XDR_VALUE' });
  });
  it('program tables: numbers, names and codecs', () => {
    const def = m.TESTVERS_DEF;
    assert.equal(def.name, 'TESTVERS');
    assert.equal(def.prog, 0x20000001);
    assert.equal(def.vers, 1);
    assert.deepEqual(Object.keys(def.procs), ['NULLPROC', 'SUM', 'NAME', 'ECHO', 'PAINT']);
    assert.equal(def.procs.SUM.proc, 1);
    assert.equal(def.procs.SUM.args, m.ints);
    assert.equal(encode(def.procs.SUM.res, -1).toString('hex'), 'ffffffff');
    assert.equal(decode(def.procs.NAME.res, Buffer.from('0000000161000000', 'hex')), 'a');
    assert.equal(encode(def.procs.NULLPROC.args, undefined).length, 0);
    assert.equal(def.procs.PAINT.res, m.color);
  });
});

describe('xdrgen: output', () => {
  it('starts with the header, keeps comments and pass-through lines', () => {
    const out = compile(KITCHEN, { file: 'spec/kitchen.x', runtime: '../xdr/index.js' });
    const lines = out.split('\n');
    assert.equal(lines[0], '// Generated by xdrgen from spec/kitchen.x. Do not edit.');
    assert.match(lines[1]!, /^import \{/);
    assert.ok(out.includes("} from '../xdr/index.js';\n"));
    assert.ok(out.includes('// A file header.'));
    assert.ok(out.includes('// #include <rpc/rpc.h>'));
    assert.ok(out.includes('/** bound used by name */\nexport const MAXN = 4;'));
    assert.ok(out.includes('/** Colours. */\nexport type color = 1 | 2 | -3;'));
    assert.ok(
      out.includes('export const TESTPROG = 0x20000001;') ||
        out.includes('export const TESTPROG = 536870913;'),
    );
    assert.ok(out.includes('r.arrayLength(MAXN, 4)'), 'bounds use the constant and the element size');
    assert.ok(out.endsWith('} as const satisfies ProgramDef;\n'));
  });
  it('type-checks under strict TypeScript with no unused names', () => {
    const dir = tempDir('nsmd-xdrgen-tsc-');
    const file = path.join(dir, 'kitchen.mts');
    const runtime = path.join(ROOT, 'src/xdr/index.js');
    writeFileSync(file, compile(KITCHEN, { file: 'kitchen.x', runtime }));
    const program = ts.createProgram([file], {
      strict: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noFallthroughCasesInSwitch: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, []);
  });
  it('%import lines are copied to the imports and their names are types', () => {
    const out = compile("%import { status } from './sm_inter.js';\nstruct s { status st<2>; };", {
      file: 'a.x',
    });
    assert.ok(out.split('\n').slice(0, 4).includes("import { status } from './sm_inter.js';"));
    assert.ok(out.includes('status.decode(r)'));
    assert.ok(out.includes('r.arrayLength(2, 0)'), 'an imported type has no known minimum size');
  });
  it('parse() gives the syntax tree', () => {
    const spec = parse('const A = 010;\nstruct s { int *p; };', 'p.x');
    assert.equal(spec.definitions.length, 2);
    assert.deepEqual(spec.definitions[0], {
      kind: 'const',
      name: 'A',
      value: { kind: 'num', value: 8, text: '010' },
      doc: null,
      line: 1,
      column: 7,
      note: null,
    });
  });
  it('the committed src/proto files are what spec/*.x compiles to (npm run gen:check)', () => {
    const specs = readdirSync(path.join(ROOT, 'spec')).filter((n) => n.endsWith('.x'));
    assert.ok(specs.length >= 4);
    for (const name of specs) {
      const src = readFileSync(path.join(ROOT, 'spec', name), 'utf8');
      const want = compile(src, { file: `spec/${name}`, runtime: '../xdr/index.js' });
      const have = readFileSync(path.join(ROOT, 'src/proto', name.replace(/\.x$/, '.ts')), 'utf8');
      assert.ok(have === want, `src/proto/${name.replace(/\.x$/, '.ts')} is stale: run npm run gen`);
    }
  });
});
