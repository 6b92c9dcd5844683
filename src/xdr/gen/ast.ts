/** Syntax tree of a .x file (RFC 4506 §6.3 and rpcgen's program definitions, RFC 5531 §12.2). */

/** A source position, 1-based. */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

/** A constant or the name of one (a `const` or an enum member). */
export type Value =
  | { readonly kind: 'num'; readonly value: number; readonly text: string }
  | ({ readonly kind: 'ident'; readonly name: string } & Pos);

/** The built-in scalar types. `long` is read as int, as rpcgen does. */
export type Prim = 'int' | 'uint' | 'hyper' | 'uhyper' | 'float' | 'double' | 'bool';

/** A type specifier: a built-in, opaque or string (only in declarations), void, or a name. */
export type TypeSpec =
  | { readonly kind: 'prim'; readonly prim: Prim }
  | { readonly kind: 'opaque' }
  | { readonly kind: 'string' }
  | { readonly kind: 'void' }
  | ({ readonly kind: 'ref'; readonly name: string } & Pos);

/** How a declaration repeats its type: once, fixed array `[n]`, variable array `<max>`, optional `*`. */
export type Shape =
  | { readonly kind: 'one' }
  | { readonly kind: 'fixed'; readonly size: Value }
  | { readonly kind: 'var'; readonly max: Value | null }
  | { readonly kind: 'optional' };

/** A declaration: a struct field, a union arm, a typedef body, a union discriminant. */
export interface Decl extends Pos {
  readonly name: string;
  readonly type: TypeSpec;
  readonly shape: Shape;
  /** The comment before or after the declaration, if any. */
  doc?: string | null;
}

export interface ConstDef extends Pos {
  readonly kind: 'const';
  readonly name: string;
  readonly value: Value;
  readonly doc: string | null;
}

export interface TypedefDef extends Pos {
  readonly kind: 'typedef';
  readonly name: string;
  readonly decl: Decl;
  readonly doc: string | null;
}

export interface EnumMember extends Pos {
  readonly name: string;
  readonly value: Value;
  readonly doc: string | null;
}

export interface EnumDef extends Pos {
  readonly kind: 'enum';
  readonly name: string;
  readonly members: readonly EnumMember[];
  readonly doc: string | null;
}

export interface StructDef extends Pos {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly Decl[];
  readonly doc: string | null;
}

export interface UnionArm extends Pos {
  readonly labels: readonly Value[];
  readonly decl: Decl;
}

export interface UnionDef extends Pos {
  readonly kind: 'union';
  readonly name: string;
  readonly discriminant: Decl;
  readonly arms: readonly UnionArm[];
  readonly defaultArm: Decl | null;
  readonly doc: string | null;
}

export interface ProcDef extends Pos {
  readonly name: string;
  readonly number: Value;
  readonly args: TypeSpec;
  readonly res: TypeSpec;
  readonly doc: string | null;
}

export interface VersionDef extends Pos {
  readonly name: string;
  readonly number: Value;
  readonly procs: readonly ProcDef[];
  readonly doc: string | null;
}

export interface ProgramDefNode extends Pos {
  readonly kind: 'program';
  readonly name: string;
  readonly number: Value;
  readonly versions: readonly VersionDef[];
  readonly doc: string | null;
}

/** A `%` line, copied through (see docs/XDR.md). */
export interface PassDef extends Pos {
  readonly kind: 'pass';
  readonly text: string;
}

/** A comment separated from the definition after it by a blank line. */
export interface Noted {
  note?: string | null;
}

export type Definition = Noted &
  (ConstDef | TypedefDef | EnumDef | StructDef | UnionDef | ProgramDefNode | PassDef);

/** A parsed .x file. */
export interface Spec {
  readonly file: string;
  readonly definitions: readonly Definition[];
}
