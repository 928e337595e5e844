/**
 * A small MySQL lexer for DDL text: enough to split statements, find the words that name
 * tables and databases, and rewrite exactly those spans (routing) while leaving every other
 * byte of the statement untouched. We do not regenerate SQL from node-sql-parser's AST:
 * it drops clauses it does not model (checked: ALTER … ADD UNIQUE KEY does not even parse),
 * and a DDL that silently loses a clause downstream is worse than one that fails.
 */
export type TokenKind = 'ws' | 'word' | 'qident' | 'string' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  start: number;
  end: number;
}

/** Tokenise; comments (including executable `/*! … *\/` ones) count as whitespace. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number): void => {
    out.push({ kind, text: sql.slice(start, end), start, end });
  };
  while (i < n) {
    const c = sql[i] as string;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i] as string)) i++;
      push('ws', start, i);
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && /[\s]/.test(sql[i + 2] ?? ' '))) {
      while (i < n && sql[i] !== '\n') i++;
      push('ws', start, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      push('ws', start, i);
    } else if (c === '`') {
      i++;
      while (i < n) {
        if (sql[i] === '`' && sql[i + 1] === '`') i += 2;
        else if (sql[i] === '`') {
          i++;
          break;
        } else i++;
      }
      push('qident', start, i);
    } else if (c === "'" || c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '\\') i += 2;
        else if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) {
          i++;
          break;
        } else i++;
      }
      push('string', start, i);
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.$]/.test(sql[i] as string)) i++;
      push(/^[0-9]+$|^[0-9.]+(e[0-9]+)?$/i.test(sql.slice(start, i)) ? 'number' : 'word', start, i);
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i] as string)) i++;
      push('word', start, i);
    } else {
      i++;
      push('punct', start, i);
    }
  }
  return out;
}

/** The identifier a word/qident token names (backticks removed, `` `` `` unescaped). */
export function identValue(t: Token): string {
  return t.kind === 'qident' ? t.text.slice(1, -1).replace(/``/g, '`') : t.text;
}

/** Split a QUERY event's text into statements at top-level `;` (empty ones dropped). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (const t of tokenize(sql)) {
    if (t.kind === 'punct' && t.text === ';') {
      out.push(sql.slice(from, t.start));
      from = t.end;
    }
  }
  out.push(sql.slice(from));
  return out.map((s) => s.trim()).filter((s) => tokenize(s).some((t) => t.kind !== 'ws'));
}
