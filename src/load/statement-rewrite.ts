import type { OnDuplicate } from '../pkg/config/types.js';
import { skipNoise } from './sql-splitter.js';

/**
 * Rewriting dump statements for the downstream (pure). All strings are latin1 views of the
 * file's bytes; names passed in must be latin1 views too (see `bytesView`).
 */

/** The latin1 view of a JS string's UTF-8 bytes (what a name looks like inside file text). */
export function bytesView(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** The JS string of a latin1-view name (its bytes read as UTF-8). */
export function fromBytesView(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** Backtick-quote a latin1-view name. */
export function q(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** An identifier: `quoted` (with `` escapes) or a bare word. */
const ID = '(?:`(?:[^`]|``)*`|[A-Za-z0-9_$\\u0080-\\u00ff]+)';
const INSERT_RE = new RegExp(
  `^(?:INSERT(?:\\s+IGNORE)?|REPLACE)\\s+(?:INTO\\s+)?${ID}(?:\\s*\\.\\s*${ID})?`,
  'i',
);
const CREATE_TABLE_RE = new RegExp(
  `^CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${ID}(?:\\s*\\.\\s*${ID})?`,
  'i',
);
const CREATE_DB_RE = new RegExp(
  `^CREATE\\s+(?:DATABASE|SCHEMA)\\s+(?:/\\*!32312\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s*)?(?:\\*/\\s*)?${ID}`,
  'i',
);

const CREATE_VIEW_RE = new RegExp(
  `(\\bVIEW\\s+)${ID}(?:\\s*\\.\\s*${ID})?(\\s+(?:\\([^)]*\\)\\s*)?AS\\b)`,
  'i',
);

/** Point `CREATE … VIEW [db.]v AS` at the routed target (the view body is left as dumped). */
export function rewriteCreateView(sql: string, db: string, view: string): string {
  return sql.replace(CREATE_VIEW_RE, (_m, pre: string, post: string) => `${pre}${q(db)}.${q(view)}${post}`);
}

const QUALIFIED = /`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`/g;

/**
 * Route the tables a view body reads: every `` `db`.`t` `` pair (SHOW CREATE VIEW writes
 * qualified names, `` `db`.`t`.`col` `` for columns) is replaced by its routed target, so a
 * view over merged shard tables reads the merged table downstream. `route` gets and returns
 * latin1-view names; pairs it leaves unchanged stay byte for byte.
 */
export function routeViewBody(
  sql: string,
  route: (schema: string, table: string) => { schema: string; table: string },
): string {
  const as = /\sAS\s/i.exec(sql);
  if (!as) return sql;
  const head = sql.slice(0, as.index + as[0].length);
  const body = sql.slice(head.length).replace(QUALIFIED, (m, db: string, t: string) => {
    const s = db.replace(/``/g, '`');
    const n = t.replace(/``/g, '`');
    const r = route(s, n);
    return r.schema === s && r.table === n ? m : `${q(r.schema)}.${q(r.table)}`;
  });
  return head + body;
}

export type StatementKind = 'insert' | 'create-table' | 'create-database' | 'other';

export function classify(sql: string): StatementKind {
  const i = skipNoise(sql, 0);
  const head = sql.slice(i, i + 16).toUpperCase();
  if (head.startsWith('INSERT') || head.startsWith('REPLACE')) return 'insert';
  if (/^CREATE\s+TABLE/.test(head)) return 'create-table';
  if (/^CREATE\s+(DATABASE|SCHEMA)/.test(head)) return 'create-database';
  return 'other';
}

const VERB: Record<OnDuplicate, string> = {
  replace: 'REPLACE INTO',
  ignore: 'INSERT IGNORE INTO',
  error: 'INSERT INTO',
};

/**
 * `INSERT INTO t … VALUES …` → `<verb> `db`.`tbl` … VALUES …`. Returns null when the text is
 * not an INSERT/REPLACE we understand.
 */
export function rewriteInsert(sql: string, db: string, table: string, onDup: OnDuplicate): string | null {
  const i = skipNoise(sql, 0);
  const m = INSERT_RE.exec(sql.slice(i, i + 4096));
  if (!m) return null;
  return `${VERB[onDup]} ${q(db)}.${q(table)}${sql.slice(i + m[0].length)}`;
}

/** `CREATE TABLE [IF NOT EXISTS] x` → `CREATE TABLE IF NOT EXISTS `db`.`tbl``. */
export function rewriteCreateTable(sql: string, db: string, table: string): string | null {
  const i = skipNoise(sql, 0);
  const m = CREATE_TABLE_RE.exec(sql.slice(i, i + 4096));
  if (!m) return null;
  return `CREATE TABLE IF NOT EXISTS ${q(db)}.${q(table)}${sql.slice(i + m[0].length)}`;
}

/** `CREATE DATABASE x …` → `CREATE DATABASE IF NOT EXISTS `db` …` (keeps charset options). */
export function rewriteCreateDatabase(sql: string, db: string): string | null {
  const i = skipNoise(sql, 0);
  const m = CREATE_DB_RE.exec(sql.slice(i, i + 4096));
  if (!m) return null;
  return `CREATE DATABASE IF NOT EXISTS ${q(db)}${sql.slice(i + m[0].length)}`;
}

/** Drop `DEFINER=user@host` so the downstream user needs no SUPER/SET USER to create views. */
export function stripDefiner(sql: string): string {
  return sql.replace(
    /\bDEFINER\s*=\s*(?:`(?:[^`]|``)*`|'[^']*'|[^\s@]+)@(?:`(?:[^`]|``)*`|'[^']*'|\S+)\s*/i,
    '',
  );
}

/**
 * Split an INSERT whose text exceeds `maxLen` into several INSERTs of whole rows, each under
 * `maxLen` when possible (a single row larger than that is returned alone). `sql` must be a
 * rewritten INSERT: `<head> VALUES (…),(…)…`.
 */
export function splitInsert(sql: string, maxLen: number): string[] {
  if (sql.length <= maxLen) return [sql];
  const v = VALUES_RE.exec(sql);
  if (!v) return [sql];
  const head = sql.slice(0, v.index + v[0].length);
  const out: string[] = [];
  let cur = '';
  for (const [a, b] of tupleRanges(sql, v.index + v[0].length)) {
    const t = sql.slice(a, b);
    if (cur && cur.length + 1 + t.length > maxLen) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur},${t}` : head + t;
  }
  if (cur) out.push(cur);
  return out;
}

const VALUES_RE = /\)\s*VALUES\s*|\bVALUES\s*/i;

/** `[start, end)` of every top-level `(…)` tuple from `from` on (quotes and escapes honoured). */
function tupleRanges(sql: string, from: number): [number, number][] {
  const tuples: [number, number][] = [];
  let depth = 0;
  let start = -1;
  let quote = 0;
  for (let i = from; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (quote) {
      if (c === 92) i++;
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === 39 || c === 34) quote = c;
    else if (c === 40) {
      if (depth++ === 0) start = i;
    } else if (c === 41 && --depth === 0) tuples.push([start, i + 1]);
  }
  return tuples;
}

/**
 * Route extraction in the full phase: a rewritten INSERT (`<verb> `db`.`t` [(cols)] VALUES
 * (…),…`) with the extended columns appended to its column list and their constant values
 * (`values`: SQL literals) to every row. Dumps without a column list (mydumper without
 * `--complete-insert`) need the table's `columns` (quoted, latin1 view) to name the ones the
 * rows fill. Returns null when the statement has no column list and `columns` is not given.
 */
export function extendInsert(
  sql: string,
  names: readonly string[],
  values: readonly string[],
  columns?: readonly string[],
): string | null {
  const v = VALUES_RE.exec(sql);
  if (!v) return null;
  const extraNames = names.map((n) => `,${n}`).join('');
  const extraValues = values.map((x) => `,${x}`).join('');
  let head: string;
  if (v[0].startsWith(')')) {
    head = `${sql.slice(0, v.index)}${extraNames}${sql.slice(v.index, v.index + v[0].length)}`;
  } else {
    if (!columns || columns.length === 0) return null;
    head = `${sql.slice(0, v.index).trimEnd()} (${columns.join(',')}${extraNames}) VALUES `;
  }
  let out = head;
  let last = v.index + v[0].length;
  for (const [, b] of tupleRanges(sql, last)) {
    out += `${sql.slice(last, b - 1)}${extraValues})`;
    last = b;
  }
  return out + sql.slice(last);
}

/**
 * Column names (quoted, latin1 view) of the CREATE TABLE in a dump schema file, in order:
 * SHOW CREATE TABLE writes one `` `name` type… `` line per column before the keys.
 */
export function createTableColumns(sql: string): string[] {
  const open = sql.indexOf('(');
  if (open < 0) return [];
  const out: string[] = [];
  for (const line of sql.slice(open + 1).split('\n')) {
    const m = /^\s*(`(?:[^`]|``)+`)\s/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}
