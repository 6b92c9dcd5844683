import { XdrgenError } from './errors.js';

/** The kinds of token in a .x file (RFC 4506 §6.2, plus rpcgen's `%` lines). */
export type TokenKind = 'ident' | 'number' | 'punct' | 'pass' | 'eof';

/** One token with its 1-based position. `comment` is the comment text just before it, if any. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly comment: string | null;
  /** Comments before it that a blank line separates from it (section notes, file headers). */
  readonly detached: string | null;
  /** A comment that starts on this token's line, after it (`int x; /* like this *\/`). */
  trailing: string | null;
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', '<', '>', ';', ',', '=', ':', '*']);

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

/**
 * Splits a .x source into tokens. Comments (`/* *\/` and `//`) are dropped but remembered: the
 * comments between two tokens are attached to the second as `comment`, for doc comments.
 * A line whose first non-blank character is `%` is one `pass` token (rpcgen pass-through).
 */
export function tokenize(src: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let comments: { text: string; endLine: number }[] = [];
  const n = src.length;
  const fail = (msg: string, at = i): never => {
    throw new XdrgenError('ERR_XDRGEN_SYNTAX', file, line, at - lineStart + 1, msg);
  };
  const push = (kind: TokenKind, text: string, startLine: number, startCol: number): void => {
    // The last comment is the token's doc when no blank line separates them.
    const last = comments[comments.length - 1];
    const attached = last !== undefined && last.endLine >= startLine - 1 ? last.text : null;
    const detached = (attached === null ? comments : comments.slice(0, -1)).map((c) => c.text);
    tokens.push({
      kind,
      text,
      line: startLine,
      column: startCol,
      comment: attached,
      detached: detached.length > 0 ? detached.join('\n\n') : null,
      trailing: null,
    });
    comments = [];
  };
  // A comment that starts on the line of the token before it trails that token; others lead the next.
  const addComment = (text: string, startLine: number): void => {
    const last = tokens[tokens.length - 1];
    if (last && last.line === startLine && comments.length === 0 && last.kind !== 'pass') {
      last.trailing = last.trailing === null ? text : `${last.trailing}\n${text}`;
    } else {
      comments.push({ text, endLine: line });
    }
  };
  let atLineStart = true;
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '%' && atLineStart) {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      push('pass', src.slice(i + 1, j).replace(/\r$/, ''), line, i - lineStart + 1);
      i = j;
      continue;
    }
    atLineStart = false;
    if (c === '/' && src[i + 1] === '*') {
      const startLine = line;
      const startCol = i - lineStart + 1;
      const end = src.indexOf('*/', i + 2);
      if (end < 0) {
        throw new XdrgenError('ERR_XDRGEN_SYNTAX', file, startLine, startCol, 'unterminated comment');
      }
      const body = src.slice(i + 2, end);
      for (let k = i; k < end; k++) {
        if (src[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      addComment(body, startLine);
      i = end + 2;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      addComment(src.slice(i + 2, j), line);
      i = j;
      continue;
    }
    const col = i - lineStart + 1;
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(src[j]!)) j++;
      push('ident', src.slice(i, j), line, col);
      i = j;
      continue;
    }
    if (
      (c >= '0' && c <= '9') ||
      (c === '-' && src[i + 1] !== undefined && src[i + 1]! >= '0' && src[i + 1]! <= '9')
    ) {
      let j = i + 1;
      while (j < n && isIdentPart(src[j]!)) j++;
      const text = src.slice(i, j);
      if (!/^-?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text)) fail(`bad number '${text}'`);
      push('number', text, line, col);
      i = j;
      continue;
    }
    if (PUNCT.has(c)) {
      push('punct', c, line, col);
      i++;
      continue;
    }
    fail(`unexpected character '${c}'`);
  }
  push('eof', '', line, n - lineStart + 1);
  return tokens;
}

/** The value of a numeric literal token: decimal, hex (0x) or octal (leading 0), maybe negative. */
export function numberValue(text: string): number {
  const neg = text.startsWith('-');
  const t = neg ? text.slice(1) : text;
  let v: number;
  if (/^0[xX]/.test(t)) v = Number.parseInt(t.slice(2), 16);
  else if (t.length > 1 && t.startsWith('0')) v = Number.parseInt(t.slice(1), 8);
  else v = Number.parseInt(t, 10);
  return neg ? -v : v;
}
