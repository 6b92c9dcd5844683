import type {
  ConstDef,
  Decl,
  Definition,
  EnumDef,
  EnumMember,
  Pos,
  ProcDef,
  ProgramDefNode,
  Spec,
  StructDef,
  TypedefDef,
  TypeSpec,
  UnionArm,
  UnionDef,
  Value,
  VersionDef,
} from './ast.js';
import { XdrgenError } from './errors.js';
import { numberValue, type Token, tokenize } from './lexer.js';

/** Words that cannot name anything (RFC 4506 §6.4, plus rpcgen's program syntax). */
const KEYWORDS = new Set([
  'bool',
  'case',
  'const',
  'default',
  'double',
  'quadruple',
  'enum',
  'float',
  'hyper',
  'int',
  'opaque',
  'string',
  'struct',
  'switch',
  'typedef',
  'union',
  'unsigned',
  'void',
  'program',
  'version',
  'long',
]);

/** Parses a .x source into a syntax tree; throws XdrgenError with the line of the first error. */
export function parse(src: string, file: string): Spec {
  return new Parser(tokenize(src, file), file).spec();
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private fail(t: Token, msg: string): never {
    throw new XdrgenError('ERR_XDRGEN_SYNTAX', this.file, t.line, t.column, msg);
  }

  private describe(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : `'${t.text}'`;
  }

  private is(text: string): boolean {
    const t = this.peek();
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.i++;
    return true;
  }

  private expect(text: string, what = `'${text}'`): Token {
    const t = this.peek();
    if (!this.is(text)) this.fail(t, `expected ${what}, found ${this.describe(t)}`);
    return this.next();
  }

  private identifier(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, `expected ${what}, found ${this.describe(t)}`);
    if (KEYWORDS.has(t.text)) this.fail(t, `expected ${what}, found keyword '${t.text}'`);
    return this.next();
  }

  private value(what: string): Value {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'num', value: numberValue(t.text), text: t.text };
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      this.next();
      return { kind: 'ident', name: t.text, line: t.line, column: t.column };
    }
    return this.fail(t, `expected ${what} (a number or a constant's name), found ${this.describe(t)}`);
  }

  private pos(t: Token): Pos {
    return { line: t.line, column: t.column };
  }

  private doc(t: Token): string | null {
    return t.comment;
  }

  spec(): Spec {
    const definitions: Definition[] = [];
    while (this.peek().kind !== 'eof') {
      const first = this.peek();
      const def: Definition = this.definition();
      def.note = first.detached;
      definitions.push(def);
    }
    return { file: this.file, definitions };
  }

  private definition(): Definition {
    const t = this.peek();
    if (t.kind === 'pass') {
      this.next();
      return { kind: 'pass', text: t.text, ...this.pos(t) };
    }
    if (t.kind !== 'ident') this.fail(t, `expected a definition, found ${this.describe(t)}`);
    switch (t.text) {
      case 'const':
        return this.constDef();
      case 'typedef':
        return this.typedefDef();
      case 'enum':
        return this.enumDef();
      case 'struct':
        return this.structDef();
      case 'union':
        return this.unionDef();
      case 'program':
        return this.programDef();
      default:
        return this.fail(
          t,
          `expected a definition (const, typedef, enum, struct, union, program), found '${t.text}'`,
        );
    }
  }

  private constDef(): ConstDef {
    const start = this.expect('const');
    const name = this.identifier('a constant name');
    this.expect('=');
    const value = this.value('the constant value');
    const semi = this.expect(';');
    return {
      kind: 'const',
      name: name.text,
      value,
      doc: this.doc(start) ?? semi.trailing,
      ...this.pos(name),
    };
  }

  private typedefDef(): TypedefDef {
    const start = this.expect('typedef');
    const decl = this.declaration(false);
    if (decl.type.kind === 'void') this.fail(start, 'typedef of void');
    const semi = this.expect(';');
    const doc = this.doc(start) ?? semi.trailing;
    return { kind: 'typedef', name: decl.name, decl, doc, line: decl.line, column: decl.column };
  }

  private enumDef(): EnumDef {
    const start = this.expect('enum');
    const name = this.identifier('an enum name');
    const members = this.enumBody();
    this.expect(';');
    return { kind: 'enum', name: name.text, members, doc: this.doc(start), ...this.pos(name) };
  }

  private enumBody(): EnumMember[] {
    this.expect('{');
    const members: EnumMember[] = [];
    do {
      if (this.is('}') && members.length > 0) break; // a trailing comma, as C allows
      const t = this.identifier('an enum member name');
      this.expect('=', "'=' (every enum member needs a value)");
      const value = this.value('the member value');
      const valueTok = this.tokens[this.i - 1]!;
      const comma = this.is(',') ? this.peek() : null;
      const doc = t.comment ?? valueTok.trailing ?? comma?.trailing ?? null;
      members.push({ name: t.text, value, doc, ...this.pos(t) });
    } while (this.accept(','));
    this.expect('}');
    return members;
  }

  private structDef(): StructDef {
    const start = this.expect('struct');
    const name = this.identifier('a struct name');
    const fields = this.structBody();
    this.expect(';');
    return { kind: 'struct', name: name.text, fields, doc: this.doc(start), ...this.pos(name) };
  }

  private structBody(): Decl[] {
    this.expect('{');
    const fields: Decl[] = [];
    do {
      const t = this.peek();
      const d = this.declaration(false);
      if (d.type.kind === 'void') this.fail(t, 'void is not allowed as a struct member');
      const semi = this.expect(';');
      d.doc = t.comment ?? semi.trailing;
      fields.push(d);
    } while (!this.is('}'));
    this.expect('}');
    return fields;
  }

  private unionDef(): UnionDef {
    const start = this.expect('union');
    const name = this.identifier('a union name');
    this.expect('switch', "'switch'");
    this.expect('(');
    const discriminant = this.declaration(false);
    this.expect(')');
    this.expect('{');
    const arms: UnionArm[] = [];
    let defaultArm: Decl | null = null;
    while (this.is('case')) {
      const first = this.peek();
      const labels: Value[] = [];
      while (this.accept('case')) {
        labels.push(this.value('a case value'));
        this.expect(':');
      }
      const decl = this.declaration(true);
      const semi = this.expect(';');
      decl.doc = semi.trailing;
      arms.push({ labels, decl, ...this.pos(first) });
    }
    if (arms.length === 0) this.fail(this.peek(), `expected 'case', found ${this.describe(this.peek())}`);
    if (this.accept('default')) {
      this.expect(':');
      defaultArm = this.declaration(true);
      this.expect(';');
    }
    this.expect('}', "'}' (default must be the last arm)");
    this.expect(';');
    return {
      kind: 'union',
      name: name.text,
      discriminant,
      arms,
      defaultArm,
      doc: this.doc(start),
      ...this.pos(name),
    };
  }

  /** A type specifier; `struct X`, `enum X`, `union X` name X. */
  private typeSpec(allowVoid: boolean): TypeSpec & { tok: Token } {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, `expected a type, found ${this.describe(t)}`);
    switch (t.text) {
      case 'void':
        if (!allowVoid) this.fail(t, 'void is not allowed here');
        this.next();
        return { kind: 'void', tok: t };
      case 'unsigned': {
        this.next();
        if (this.accept('hyper')) return { kind: 'prim', prim: 'uhyper', tok: t };
        if (this.accept('int') || this.accept('long')) return { kind: 'prim', prim: 'uint', tok: t };
        return { kind: 'prim', prim: 'uint', tok: t }; // bare `unsigned`, as rpcgen reads it
      }
      case 'int':
      case 'long':
        this.next();
        return { kind: 'prim', prim: 'int', tok: t };
      case 'hyper':
        this.next();
        return { kind: 'prim', prim: 'hyper', tok: t };
      case 'float':
        this.next();
        return { kind: 'prim', prim: 'float', tok: t };
      case 'double':
        this.next();
        return { kind: 'prim', prim: 'double', tok: t };
      case 'bool':
        this.next();
        return { kind: 'prim', prim: 'bool', tok: t };
      case 'quadruple':
        return this.fail(t, 'quadruple (RFC 4506 §4.8) is not supported');
      case 'opaque':
        this.next();
        return { kind: 'opaque', tok: t };
      case 'string':
        this.next();
        return { kind: 'string', tok: t };
      case 'struct':
      case 'enum':
      case 'union': {
        this.next();
        if (this.is('{')) this.fail(this.peek(), `an inline ${t.text} needs a name: define it on its own`);
        const n = this.identifier(`a ${t.text} name`);
        return { kind: 'ref', name: n.text, line: n.line, column: n.column, tok: t };
      }
      default: {
        const n = this.identifier('a type');
        return { kind: 'ref', name: n.text, line: n.line, column: n.column, tok: t };
      }
    }
  }

  private declaration(allowVoid: boolean): Decl {
    const spec = this.typeSpec(allowVoid);
    const { tok, ...type } = spec;
    if (type.kind === 'void') return { name: '', type, shape: { kind: 'one' }, ...this.pos(tok) };
    if (this.accept('*')) {
      if (type.kind === 'opaque' || type.kind === 'string') this.fail(tok, `${type.kind} cannot be optional`);
      const name = this.identifier('a name');
      return { name: name.text, type, shape: { kind: 'optional' }, ...this.pos(name) };
    }
    const name = this.identifier('a name');
    const base = { name: name.text, type, ...this.pos(name) };
    if (this.accept('[')) {
      if (type.kind === 'string') this.fail(name, "a string has a maximum, not a fixed size: use '<>'");
      const size = this.value('an array size');
      this.expect(']');
      return { ...base, shape: { kind: 'fixed', size } };
    }
    if (this.accept('<')) {
      const max = this.is('>') ? null : this.value('a maximum size');
      this.expect('>');
      return { ...base, shape: { kind: 'var', max } };
    }
    if (type.kind === 'opaque') this.fail(name, "opaque needs a size: '[n]' or '<max>'");
    if (type.kind === 'string') this.fail(name, "string needs a maximum: '<max>' or '<>'");
    return { ...base, shape: { kind: 'one' } };
  }

  private programDef(): ProgramDefNode {
    const start = this.expect('program');
    const name = this.identifier('a program name');
    this.expect('{');
    const versions: VersionDef[] = [];
    do versions.push(this.versionDef());
    while (this.is('version'));
    this.expect('}', "'}' or 'version'");
    this.expect('=');
    const number = this.value('the program number');
    this.expect(';');
    return { kind: 'program', name: name.text, number, versions, doc: this.doc(start), ...this.pos(name) };
  }

  private versionDef(): VersionDef {
    const start = this.expect('version');
    const name = this.identifier('a version name');
    this.expect('{');
    const procs: ProcDef[] = [];
    do procs.push(this.procDef());
    while (!this.is('}'));
    this.expect('}');
    this.expect('=');
    const number = this.value('the version number');
    this.expect(';');
    return { name: name.text, number, procs, doc: this.doc(start), ...this.pos(name) };
  }

  /** A procedure type: any type specifier, also a bare `string` or `opaque` (unbounded). */
  private procType(): TypeSpec {
    const { tok: _tok, ...type } = this.typeSpec(true);
    return type;
  }

  private procDef(): ProcDef {
    const first = this.peek();
    const res = this.procType();
    const name = this.identifier('a procedure name');
    this.expect('(');
    const args = this.procType();
    if (this.is(',')) this.fail(this.peek(), 'procedures take one argument (use a struct)');
    this.expect(')');
    this.expect('=');
    const number = this.value('the procedure number');
    this.expect(';');
    return { name: name.text, number, args, res, doc: this.doc(first), ...this.pos(name) };
  }
}
