import { quoteId, quoteTable } from '../../pkg/db/connect.js';
import { identValue, type Token, tokenize } from '../../pkg/sql/sql-tokens.js';

/** A table named by a DDL, with where the name sits in the text (for rewriting). */
export interface NameRef {
  schema: string;
  /** Empty for database-level names (CREATE DATABASE). */
  table: string;
  start: number;
  end: number;
}

/**
 * One analysed DDL statement. `eventName` is DM's binlog-event-filter name (`create table`,
 * `alter table`, …). `refs[0]` is the statement's subject (the table altered, created,
 * dropped…); further refs are other tables it mentions (RENAME target, LIKE source, FK
 * REFERENCES) — all of them are rewritten when routing.
 */
export interface DdlInfo {
  sql: string;
  kind: 'ddl' | 'skip' | 'unsupported';
  eventName: string;
  refs: NameRef[];
  /** For kind `skip`: why (transaction control, account management…). */
  reason?: string;
}

/** Statements DM skips by built-in rule: not schema changes of replicated tables. */
const BUILTIN_SKIP =
  /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s|FLUSH|GRANT|REVOKE|(CREATE|ALTER|DROP|RENAME)\s+(USER|ROLE)|SET\s+(PASSWORD|ROLE|DEFAULT\s+ROLE)|ANALYZE|OPTIMIZE|REPAIR|CHECK\s|INSTALL|UNINSTALL|(CREATE|ALTER|DROP)\s+((OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?(SQL\s+SECURITY\s+\w+\s+)?(ALGORITHM\s*=\s*\w+\s+)?)?(VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT|SERVER|SEQUENCE|LOGFILE|TABLESPACE)\b|CREATE\s+(AGGREGATE\s+)?FUNCTION|#\s*Dummy)/i;

class Cursor {
  i = 0;
  constructor(readonly toks: Token[]) {}
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  /** Case-insensitive keyword match at the cursor. */
  is(...words: string[]): boolean {
    return words.every((w, k) => {
      const t = this.toks[this.i + k];
      return t?.kind === 'word' && t.text.toUpperCase() === w;
    });
  }
  accept(...words: string[]): boolean {
    if (!this.is(...words)) return false;
    this.i += words.length;
    return true;
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
  /** `name` or `db.name`; undefined when the cursor is not on an identifier. */
  name(defaultSchema: string): NameRef | undefined {
    const a = this.peek();
    if (!a || (a.kind !== 'word' && a.kind !== 'qident')) return undefined;
    const dot = this.peek(1);
    const b = this.peek(2);
    if (dot?.kind === 'punct' && dot.text === '.' && b && (b.kind === 'word' || b.kind === 'qident')) {
      this.i += 3;
      return { schema: identValue(a), table: identValue(b), start: a.start, end: b.end };
    }
    this.i += 1;
    return { schema: defaultSchema, table: identValue(a), start: a.start, end: a.end };
  }
}

/**
 * Analyse one statement (already split). `defaultSchema` is the QUERY event's schema,
 * used for unqualified names.
 */
export function analyseDdl(sql: string, defaultSchema: string): DdlInfo {
  const toks = tokenize(sql).filter((t) => t.kind !== 'ws');
  const c = new Cursor(toks);
  const head = sql.trim();
  if (BUILTIN_SKIP.test(head)) return { sql, kind: 'skip', eventName: '', refs: [], reason: 'built-in skip' };
  const unsupported = (): DdlInfo => ({ sql, kind: 'unsupported', eventName: '', refs: [] });
  const ddl = (eventName: string, refs: NameRef[]): DdlInfo => ({ sql, kind: 'ddl', eventName, refs });

  if (c.accept('CREATE')) {
    c.accept('OR', 'REPLACE');
    if (c.accept('DATABASE') || c.accept('SCHEMA')) {
      c.accept('IF', 'NOT', 'EXISTS');
      const t = c.peek();
      if (!t) return unsupported();
      return ddl('create database', [{ schema: identValue(t), table: '', start: t.start, end: t.end }]);
    }
    c.accept('TEMPORARY');
    if (c.accept('TABLE')) {
      c.accept('IF', 'NOT', 'EXISTS');
      const name = c.name(defaultSchema);
      if (!name) return unsupported();
      const refs = [name];
      // CREATE TABLE … LIKE / (LIKE …) and FK REFERENCES name other tables.
      while (!c.done()) {
        if (c.accept('LIKE') || c.accept('REFERENCES')) {
          const r = c.name(defaultSchema);
          if (r) refs.push(r);
        } else if (c.is('SELECT') || c.is('AS', 'SELECT')) {
          return unsupported(); // CREATE TABLE … SELECT mixes DDL and DML.
        } else c.i++;
      }
      return ddl('create table', refs);
    }
    c.accept('ONLINE') || c.accept('OFFLINE');
    c.accept('UNIQUE') || c.accept('FULLTEXT') || c.accept('SPATIAL');
    if (c.accept('INDEX')) {
      c.accept('IF', 'NOT', 'EXISTS');
      c.i++; // index name
      while (!c.done() && !c.is('ON')) c.i++;
      if (!c.accept('ON')) return unsupported();
      const name = c.name(defaultSchema);
      return name ? ddl('create index', [name]) : unsupported();
    }
    return unsupported();
  }
  if (c.accept('DROP')) {
    if (c.accept('DATABASE') || c.accept('SCHEMA')) {
      c.accept('IF', 'EXISTS');
      const t = c.peek();
      if (!t) return unsupported();
      return ddl('drop database', [{ schema: identValue(t), table: '', start: t.start, end: t.end }]);
    }
    c.accept('TEMPORARY');
    if (c.accept('TABLE') || c.accept('TABLES')) {
      c.accept('IF', 'EXISTS');
      const refs: NameRef[] = [];
      for (;;) {
        const r = c.name(defaultSchema);
        if (!r) break;
        refs.push(r);
        const p = c.peek();
        if (p?.kind === 'punct' && p.text === ',') c.i++;
        else break;
      }
      return refs.length ? ddl('drop table', refs) : unsupported();
    }
    c.accept('ONLINE') || c.accept('OFFLINE');
    if (c.accept('INDEX')) {
      c.accept('IF', 'EXISTS');
      c.i++;
      if (!c.accept('ON')) return unsupported();
      const name = c.name(defaultSchema);
      return name ? ddl('drop index', [name]) : unsupported();
    }
    return unsupported();
  }
  if (c.accept('ALTER')) {
    c.accept('ONLINE');
    c.accept('IGNORE');
    if (c.accept('DATABASE') || c.accept('SCHEMA')) {
      const t = c.peek();
      const named =
        t &&
        (t.kind === 'qident' ||
          (t.kind === 'word' && !/^(DEFAULT|CHARACTER|CHARSET|COLLATE|UPGRADE|COMMENT)$/i.test(t.text)));
      return ddl(
        'alter database',
        named ? [{ schema: identValue(t), table: '', start: t.start, end: t.end }] : [],
      );
    }
    if (!c.accept('TABLE')) return unsupported();
    c.accept('IF', 'EXISTS');
    const name = c.name(defaultSchema);
    if (!name) return unsupported();
    const refs = [name];
    let prevComma = true;
    while (!c.done()) {
      const t = c.peek() as Token;
      if (c.accept('REFERENCES')) {
        const r = c.name(defaultSchema);
        if (r) refs.push(r);
      } else if (
        prevComma &&
        c.is('RENAME') &&
        !c.is('RENAME', 'COLUMN') &&
        !c.is('RENAME', 'INDEX') &&
        !c.is('RENAME', 'KEY')
      ) {
        c.i++;
        c.accept('TO') || c.accept('AS');
        const r = c.name(defaultSchema);
        if (r) refs.push(r);
      } else c.i++;
      prevComma = t.kind === 'punct' && t.text === ',';
      if (t.kind === 'word' && t.text.toUpperCase() === 'TABLE') prevComma = false;
    }
    return ddl('alter table', refs);
  }
  if (c.accept('TRUNCATE')) {
    c.accept('TABLE');
    const name = c.name(defaultSchema);
    return name ? ddl('truncate table', [name]) : unsupported();
  }
  if (c.accept('RENAME')) {
    if (!(c.accept('TABLE') || c.accept('TABLES'))) return unsupported();
    const refs: NameRef[] = [];
    for (;;) {
      const a = c.name(defaultSchema);
      if (!a || !c.accept('TO')) return unsupported();
      const b = c.name(defaultSchema);
      if (!b) return unsupported();
      refs.push(a, b);
      const p = c.peek();
      if (p?.kind === 'punct' && p.text === ',') c.i++;
      else break;
    }
    return ddl('rename table', refs);
  }
  return unsupported();
}

/**
 * Split statements that act on several tables into one per table (DROP TABLE a, b; RENAME
 * TABLE a TO b, c TO d), so filters and routes decide per table, as DM does.
 */
export function splitPerTable(info: DdlInfo): DdlInfo[] {
  if (info.kind !== 'ddl') return [info];
  if (info.eventName === 'drop table' && info.refs.length > 1) {
    const ifExists = /\bIF\s+EXISTS\b/i.test(info.sql) ? 'IF EXISTS ' : '';
    return info.refs.map((r) => {
      const sql = `DROP TABLE ${ifExists}${quoteTable(r.schema, r.table)}`;
      return {
        ...info,
        sql,
        refs: [{ ...r, start: sql.length - quoteTable(r.schema, r.table).length, end: sql.length }],
      };
    });
  }
  if (info.eventName === 'rename table' && info.refs.length > 2) {
    const out: DdlInfo[] = [];
    for (let k = 0; k + 1 < info.refs.length; k += 2) {
      const a = info.refs[k] as NameRef;
      const b = info.refs[k + 1] as NameRef;
      const qa = quoteTable(a.schema, a.table);
      const qb = quoteTable(b.schema, b.table);
      const sql = `RENAME TABLE ${qa} TO ${qb}`;
      out.push({
        ...info,
        sql,
        refs: [
          { ...a, start: 13, end: 13 + qa.length },
          { ...b, start: 13 + qa.length + 4, end: sql.length },
        ],
      });
    }
    return out;
  }
  return [info];
}

/**
 * Rewrite every name span through `route` (which maps an upstream schema/table to the
 * downstream one; for database refs the table is empty). Names come out fully qualified, so
 * the statement runs the same whatever the session's current database.
 */
export function rewriteNames(
  info: DdlInfo,
  route: (schema: string, table: string) => { schema: string; table: string },
): string {
  const refs = [...info.refs].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const r of refs) {
    const t = route(r.schema, r.table);
    out += info.sql.slice(at, r.start) + (r.table === '' ? quoteId(t.schema) : quoteTable(t.schema, t.table));
    at = r.end;
  }
  return out + info.sql.slice(at);
}
