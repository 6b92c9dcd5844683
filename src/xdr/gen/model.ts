import type {
  Decl,
  Definition,
  EnumDef,
  Pos,
  ProgramDefNode,
  Spec,
  StructDef,
  TypedefDef,
  TypeSpec,
  UnionDef,
  Value,
} from './ast.js';
import { XdrgenError } from './errors.js';

/** A type brought in by a `%import` line: its codec is used by name, its layout is unknown. */
export interface ExternalType {
  readonly kind: 'external';
  readonly name: string;
  readonly module: string;
}

export type TypeDefinition = TypedefDef | EnumDef | StructDef | UnionDef | ExternalType;

/** What a union's discriminant is, after following typedefs. */
export type DiscKind = { kind: 'int' } | { kind: 'uint' } | { kind: 'bool' } | { kind: 'enum'; def: EnumDef };

/** A resolved union arm: its case values (numbers; bool labels are 0 and 1). */
export interface ResolvedArm {
  readonly values: number[];
  readonly labels: string[];
  readonly decl: Decl;
}

const MAX_UINT = 0xffffffff;

/**
 * Names the generated code needs for itself: reserved words of JavaScript and TypeScript, the
 * runtime's imports, and the one-letter locals and parameters of generated functions.
 */
const RESERVED = new Set([
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private protected public static yield any boolean number string symbol object never unknown bigint undefined type await async of readonly declare keyof infer is module namespace require global'.split(
    ' ',
  ),
  'XdrCodec',
  'XdrReader',
  'XdrWriter',
  'XdrError',
  'ProgramDef',
  'xdrVoid',
  'xdrInt',
  'xdrUint',
  'xdrHyper',
  'xdrUhyper',
  'xdrFloat',
  'xdrDouble',
  'xdrBool',
  'xdrString',
  'xdrOpaque',
  'Array',
  'Set',
  'Uint8Array',
  'Exclude',
  'r',
  'w',
  'v',
  'n',
  'a',
  'i',
  'd',
  'e',
]);

/**
 * The checked meaning of a parsed .x file: every name resolved, every size a number, the
 * minimum encoded size of every type, which types are recursive.
 */
export class Model {
  readonly consts = new Map<string, number>();
  readonly enumMembers = new Map<string, { value: number; enumName: string }>();
  readonly types = new Map<string, TypeDefinition>();
  readonly imports: { text: string; names: string[] }[] = [];
  readonly programs: ProgramDefNode[] = [];
  private readonly minSizes = new Map<string, number>();
  private readonly recursive = new Map<string, boolean>();
  private readonly topNames = new Map<string, Pos>();

  constructor(readonly spec: Spec) {
    for (const def of spec.definitions) this.collect(def);
    for (const def of spec.definitions) this.check(def);
    for (const name of this.types.keys()) this.typeMinSize(name, { line: 1, column: 1 });
  }

  fail(at: Pos, msg: string): never {
    throw new XdrgenError('ERR_XDRGEN_SEMANTIC', this.spec.file, at.line, at.column, msg);
  }

  private declare(name: string, at: Pos, what: string, topLevel = true): void {
    if (topLevel && RESERVED.has(name)) {
      this.fail(at, `'${name}' cannot name a ${what}: the generated TypeScript uses it (rename it)`);
    }
    const prev = this.topNames.get(name);
    if (prev) this.fail(at, `'${name}' is already defined at line ${prev.line}`);
    this.topNames.set(name, at);
  }

  private collect(def: Definition): void {
    switch (def.kind) {
      case 'pass': {
        const text = def.text.trim();
        if (!/^import\s/.test(text)) return;
        const m = /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+(['"])([^'"]+)\2\s*;?$/.exec(text);
        if (!m) this.fail(def, "a '%import' line must read: %import { a, b } from './file.js';");
        const names: string[] = [];
        for (const part of m[1]!.split(',')) {
          const p = part.trim().replace(/^type\s+/, '');
          if (p === '') continue;
          const local = p
            .split(/\s+as\s+/)
            .pop()!
            .trim();
          this.declare(local, def, 'type');
          this.types.set(local, { kind: 'external', name: local, module: m[3]! });
          names.push(local);
        }
        this.imports.push({ text, names });
        return;
      }
      case 'const':
        this.declare(def.name, def, 'constant');
        this.consts.set(def.name, this.value(def.value, def));
        return;
      case 'enum': {
        this.declare(def.name, def, 'type');
        this.types.set(def.name, def);
        for (const m of def.members) {
          if (m.name === 'encode' || m.name === 'decode') {
            this.fail(m, `enum member '${m.name}' would hide the enum's codec method`);
          }
          this.declare(m.name, m, 'enum member', false);
          const value = this.value(m.value, m);
          if (value < -0x80000000 || value > 0x7fffffff)
            this.fail(m, `enum value ${value} is not a 32-bit int`);
          this.enumMembers.set(m.name, { value, enumName: def.name });
        }
        return;
      }
      case 'typedef':
      case 'struct':
      case 'union':
        this.declare(def.name, def, 'type');
        this.types.set(def.name, def);
        return;
      case 'program': {
        this.declare(def.name, def, 'program');
        this.consts.set(def.name, this.uint(def.number, def, 'program number'));
        const versNumbers = new Set<number>();
        for (const v of def.versions) {
          this.declare(v.name, v, 'version');
          this.declare(`${v.name}_DEF`, v, 'version table');
          const vn = this.uint(v.number, v, 'version number');
          if (versNumbers.has(vn)) this.fail(v, `version number ${vn} appears twice in program ${def.name}`);
          versNumbers.add(vn);
          this.consts.set(v.name, vn);
        }
        this.programs.push(def);
        return;
      }
    }
  }

  /** The number a Value stands for: a literal, a const defined earlier, an enum member, TRUE or FALSE. */
  value(v: Value, at: Pos): number {
    if (v.kind === 'num') {
      if (!Number.isSafeInteger(v.value)) this.fail(at, `number ${v.text} is too large`);
      return v.value;
    }
    const c = this.consts.get(v.name);
    if (c !== undefined) return c;
    const m = this.enumMembers.get(v.name);
    if (m !== undefined) return m.value;
    if (v.name === 'TRUE') return 1;
    if (v.name === 'FALSE') return 0;
    return this.fail(v, `unknown constant '${v.name}' (constants must be defined before use)`);
  }

  /** A Value that must be an unsigned 32-bit number (sizes, program numbers). */
  uint(v: Value, at: Pos, what: string): number {
    const n = this.value(v, at);
    if (n < 0 || n > MAX_UINT)
      this.fail(v.kind === 'ident' ? v : at, `${what} ${n} is not an unsigned 32-bit number`);
    return n;
  }

  /** The TypeScript expression for a size: the const's name when it is one, else the number. */
  sizeExpr(v: Value | null, at: Pos): string {
    if (v === null) return '0xffffffff';
    if (v.kind === 'ident' && this.consts.has(v.name)) return v.name;
    const n = this.uint(v, at, 'size');
    return v.kind === 'num' && /^0[xX]/.test(v.text) ? v.text : String(n);
  }

  typeDef(name: string, at: Pos): TypeDefinition {
    const t = this.types.get(name);
    if (!t) this.fail(at, `unknown type '${name}'`);
    return t;
  }

  private checkSpec(type: TypeSpec): void {
    if (type.kind === 'ref') this.typeDef(type.name, type);
  }

  private checkDecl(d: Decl): void {
    this.checkSpec(d.type);
    const s = d.shape;
    if (s.kind === 'fixed') this.uint(s.size, d, 'array size');
    if (s.kind === 'var' && s.max !== null) this.uint(s.max, d, 'maximum size');
    if (d.type.kind === 'opaque' && s.kind !== 'fixed' && s.kind !== 'var')
      this.fail(d, 'opaque needs a size');
    if (d.type.kind === 'string' && s.kind !== 'var') this.fail(d, 'string needs a maximum');
  }

  private check(def: Definition): void {
    switch (def.kind) {
      case 'typedef':
        this.checkDecl(def.decl);
        return;
      case 'struct': {
        const seen = new Set<string>();
        for (const f of def.fields) {
          if (seen.has(f.name)) this.fail(f, `member '${f.name}' appears twice in struct ${def.name}`);
          seen.add(f.name);
          this.checkDecl(f);
        }
        return;
      }
      case 'union':
        this.resolveUnion(def);
        return;
      case 'program':
        for (const v of def.versions) {
          const nums = new Set<number>();
          const names = new Set<string>();
          for (const p of v.procs) {
            const pn = this.uint(p.number, p, 'procedure number');
            if (nums.has(pn)) this.fail(p, `procedure number ${pn} appears twice in version ${v.name}`);
            if (names.has(p.name)) this.fail(p, `procedure '${p.name}' appears twice in version ${v.name}`);
            nums.add(pn);
            names.add(p.name);
            this.checkSpec(p.args);
            this.checkSpec(p.res);
          }
        }
        return;
      default:
        return;
    }
  }

  /** Follows typedefs of plain (non-array, non-optional) declarations to the underlying type. */
  base(type: TypeSpec): TypeSpec | EnumDef | StructDef | UnionDef | ExternalType | TypedefDef {
    let t: TypeSpec = type;
    for (let hops = 0; hops < 100; hops++) {
      if (t.kind !== 'ref') return t;
      const def = this.typeDef(t.name, t);
      if (def.kind !== 'typedef') return def;
      if (def.decl.shape.kind !== 'one') return def;
      t = def.decl.type;
    }
    return this.fail(
      type.kind === 'ref' ? type : { line: 1, column: 1 },
      'typedef chain too long or circular',
    );
  }

  discKind(u: UnionDef): DiscKind {
    const d = u.discriminant;
    if (d.shape.kind !== 'one')
      this.fail(d, 'a union discriminant must be a plain int, unsigned int, bool or enum');
    const b = this.base(d.type);
    if ('kind' in b && b.kind === 'prim') {
      if (b.prim === 'int') return { kind: 'int' };
      if (b.prim === 'uint') return { kind: 'uint' };
      if (b.prim === 'bool') return { kind: 'bool' };
    }
    if (b.kind === 'enum') return { kind: 'enum', def: b };
    return this.fail(d, 'a union discriminant must be int, unsigned int, bool or an enum');
  }

  /** Checks a union and returns its arms with numeric case values. */
  resolveUnion(u: UnionDef): ResolvedArm[] {
    const disc = this.discKind(u);
    const seen = new Map<number, number>();
    const names = new Set<string>([u.discriminant.name]);
    const arms: ResolvedArm[] = [];
    for (const arm of u.arms) {
      const values: number[] = [];
      const labels: string[] = [];
      for (const label of arm.labels) {
        let n = this.value(label, arm);
        const at = label.kind === 'ident' ? label : arm;
        if (disc.kind === 'enum') {
          const member = label.kind === 'ident' ? this.enumMembers.get(label.name) : undefined;
          if (label.kind === 'ident' && member && member.enumName !== disc.def.name) {
            this.fail(at, `'${label.name}' is a member of enum ${member.enumName}, not ${disc.def.name}`);
          }
          if (!disc.def.members.some((m) => this.value(m.value, m) === n)) {
            this.fail(at, `case ${n} is not a value of enum ${disc.def.name}`);
          }
        } else if (disc.kind === 'bool') {
          if (n !== 0 && n !== 1) this.fail(at, `case ${n} is not a bool (TRUE or FALSE)`);
        } else if (disc.kind === 'uint') {
          if (n < 0 || n > MAX_UINT) this.fail(at, `case ${n} is not an unsigned int`);
        } else if (n < -0x80000000 || n > 0x7fffffff) {
          this.fail(at, `case ${n} is not an int`);
        }
        n = Number(n);
        const prev = seen.get(n);
        if (prev !== undefined) this.fail(at, `case ${n} appears twice (first at line ${prev})`);
        seen.set(n, at.line);
        values.push(n);
        labels.push(label.kind === 'ident' ? label.name : label.text);
      }
      if (arm.decl.type.kind !== 'void') {
        if (names.has(arm.decl.name)) {
          this.fail(
            arm.decl,
            `arm name '${arm.decl.name}' is used twice in union ${u.name} (or names the discriminant)`,
          );
        }
        names.add(arm.decl.name);
        this.checkDecl(arm.decl);
      }
      arms.push({ values, labels, decl: arm.decl });
    }
    if (u.defaultArm && u.defaultArm.type.kind !== 'void') {
      if (names.has(u.defaultArm.name))
        this.fail(u.defaultArm, `arm name '${u.defaultArm.name}' is used twice`);
      this.checkDecl(u.defaultArm);
    }
    return arms;
  }

  /** The fewest bytes any value of a declaration encodes to (RFC 4506: everything is 4-byte aligned). */
  declMinSize(d: Decl): number {
    const s = d.shape;
    if (d.type.kind === 'void') return 0;
    if (d.type.kind === 'opaque') {
      return s.kind === 'fixed' ? (this.uint(s.size, d, 'size') + 3) & ~3 : 4;
    }
    if (d.type.kind === 'string') return 4;
    if (s.kind === 'var' || s.kind === 'optional') return 4;
    const one = this.specMinSize(d.type, d);
    return s.kind === 'fixed' ? one * this.uint(s.size, d, 'size') : one;
  }

  specMinSize(t: TypeSpec, at: Pos): number {
    switch (t.kind) {
      case 'void':
        return 0;
      case 'opaque':
      case 'string':
        return 4;
      case 'prim':
        return t.prim === 'hyper' || t.prim === 'uhyper' || t.prim === 'double' ? 8 : 4;
      case 'ref':
        return this.typeMinSize(t.name, at);
    }
  }

  /** Minimum encoded size of a named type; a type that contains itself without indirection is an error. */
  typeMinSize(name: string, at: Pos): number {
    const known = this.minSizes.get(name);
    if (known !== undefined) {
      if (known < 0)
        this.fail(at, `type '${name}' contains itself: use optional-data (*) or a variable array`);
      return known;
    }
    this.minSizes.set(name, -1);
    const def = this.typeDef(name, at);
    let size: number;
    switch (def.kind) {
      case 'external':
        size = 0; // unknown layout: only maxima bound its arrays
        break;
      case 'enum':
        size = 4;
        break;
      case 'typedef':
        size = this.declMinSize(def.decl);
        break;
      case 'struct':
        size = def.fields.reduce((sum, f) => sum + this.declMinSize(f), 0);
        break;
      case 'union': {
        const arms = [...def.arms.map((a) => a.decl), ...(def.defaultArm ? [def.defaultArm] : [])];
        size = 4 + Math.min(...arms.map((d) => this.declMinSize(d)));
        break;
      }
    }
    this.minSizes.set(name, size);
    return size;
  }

  /** Names of the types a declaration refers to. */
  private refs(name: string): string[] {
    const def = this.types.get(name);
    if (!def) return [];
    const fromDecl = (d: Decl): string[] => (d.type.kind === 'ref' ? [d.type.name] : []);
    switch (def.kind) {
      case 'typedef':
        return fromDecl(def.decl);
      case 'struct':
        return def.fields.flatMap(fromDecl);
      case 'union':
        return [
          ...def.arms.flatMap((a) => fromDecl(a.decl)),
          ...(def.defaultArm ? fromDecl(def.defaultArm) : []),
        ];
      default:
        return [];
    }
  }

  /** Whether a type can contain a value of its own type (through optional-data or arrays). */
  isRecursive(name: string): boolean {
    const known = this.recursive.get(name);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    const stack = [...this.refs(name)];
    let found = false;
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t === name) {
        found = true;
        break;
      }
      if (seen.has(t)) continue;
      seen.add(t);
      stack.push(...this.refs(t));
    }
    this.recursive.set(name, found);
    return found;
  }

  /**
   * If the struct is a linked list (its last member is an optional pointer to the struct itself,
   * directly or through a typedef), the index of that member; else -1.
   */
  listLink(s: StructDef): number {
    const last = s.fields[s.fields.length - 1]!;
    if (last.type.kind !== 'ref') return -1;
    if (last.shape.kind === 'optional') return last.type.name === s.name ? s.fields.length - 1 : -1;
    if (last.shape.kind !== 'one') return -1;
    const def = this.types.get(last.type.name);
    if (def?.kind === 'typedef' && def.decl.shape.kind === 'optional' && def.decl.type.kind === 'ref') {
      return def.decl.type.name === s.name ? s.fields.length - 1 : -1;
    }
    return -1;
  }
}
