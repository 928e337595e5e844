/**
 * The joined schema of optimistic sharding (DM's dm/pkg/shardddl/optimism/lock.go over
 * schemacmp), pure: the merged table must hold every shard's rows, so its schema is the
 * union of the shards' columns, each column at the widest type any shard has. Two shards
 * whose column types cannot be ordered (INT vs VARCHAR) conflict.
 */
import type { SchemaColumn } from './types.js';

export type JoinResult = { ok: true; columns: SchemaColumn[] } | { ok: false; conflict: string };

const INT_RANK: Record<string, number> = {
  tinyint: 1,
  smallint: 2,
  mediumint: 3,
  int: 4,
  integer: 4,
  bigint: 5,
};
const TEXT_RANK: Record<string, number> = { tinytext: 1, text: 2, mediumtext: 3, longtext: 4 };

/** `a` ≤ `b` as column types (every value of `a` fits `b`): -1/0/1, or undefined when incomparable. */
export function compareTypes(a: SchemaColumn, b: SchemaColumn): number | undefined {
  if (a.type === b.type && a.unsigned === b.unsigned) return 0;
  if (a.unsigned !== b.unsigned) return undefined;
  const ai = INT_RANK[a.type];
  const bi = INT_RANK[b.type];
  if (ai !== undefined && bi !== undefined) return Math.sign(ai - bi);
  const at = TEXT_RANK[a.type];
  const bt = TEXT_RANK[b.type];
  if (at !== undefined && bt !== undefined) return Math.sign(at - bt);
  const av = /^(varchar|char|varbinary|binary)\((\d+)\)$/.exec(a.type);
  const bv = /^(varchar|char|varbinary|binary)\((\d+)\)$/.exec(b.type);
  if (av && bv && av[1] === bv[1]) return Math.sign(Number(av[2]) - Number(bv[2]));
  const ad = /^decimal\((\d+),(\d+)\)$/.exec(a.type);
  const bd = /^decimal\((\d+),(\d+)\)$/.exec(b.type);
  if (ad && bd) {
    const [ap, as] = [Number(ad[1]), Number(ad[2])];
    const [bp, bs] = [Number(bd[1]), Number(bd[2])];
    if (ap - as <= bp - bs && as <= bs) return -1;
    if (bp - bs <= ap - as && bs <= as) return 1;
  }
  return undefined;
}

/** Join the shards' schemas (columns in first-seen order; names case-insensitive). */
export function joinSchemas(tables: SchemaColumn[][]): JoinResult {
  const out = new Map<string, SchemaColumn>();
  for (const cols of tables) {
    for (const c of cols) {
      const k = c.name.toLowerCase();
      const had = out.get(k);
      if (!had) {
        out.set(k, { ...c });
        continue;
      }
      const cmp = compareTypes(had, c);
      if (cmp === undefined) {
        return {
          ok: false,
          conflict: `column ${c.name} is ${describe(had)} on one shard and ${describe(c)} on another`,
        };
      }
      out.set(k, { ...(cmp < 0 ? c : had), nullable: had.nullable || c.nullable });
    }
  }
  return { ok: true, columns: [...out.values()] };
}

function describe(c: SchemaColumn): string {
  return `${c.type}${c.unsigned ? ' unsigned' : ''}`;
}

/** What one ALTER statement does, as far as optimistic coordination is concerned. */
export type AlterSpec =
  | { kind: 'add-column'; column: string; notNullNoDefault: boolean }
  | { kind: 'drop-column'; column: string }
  | { kind: 'modify-column'; column: string }
  | { kind: 'rename-column'; from: string; to: string }
  | { kind: 'add-index'; index: string }
  | { kind: 'drop-index'; index: string }
  | { kind: 'other'; text: string };

const ID = '(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
const unq = (s: string): string => (s.startsWith('`') ? s.slice(1, -1).replaceAll('``', '`') : s);

/**
 * Classify a routed single-table DDL (`ALTER TABLE x …` with one specification, `CREATE
 * INDEX`, `DROP INDEX`). Several specifications in one ALTER are `other` (DM splits them; we
 * ask the operator to).
 */
export function classifyAlter(sql: string): AlterSpec {
  const s = sql.replace(/\s+/g, ' ').trim().replace(/;$/, '');
  for (const [re, f] of STATEMENT_RULES) {
    const m = re.exec(s);
    if (m) return f(m);
  }
  const m = new RegExp(`^ALTER (?:ONLINE |IGNORE )?TABLE ${ID}(?:\\.${ID})? (.*)$`, 'i').exec(s);
  if (!m) return { kind: 'other', text: s };
  const spec = (m[3] as string).trim();
  if (hasTopLevelComma(spec)) return { kind: 'other', text: s };
  for (const [re, f] of SPEC_RULES) {
    const r = re.exec(spec);
    if (r) return f(r);
  }
  return { kind: 'other', text: s };
}

type Rule = [RegExp, (m: RegExpExecArray) => AlterSpec];
const g = (m: RegExpExecArray, i: number): string => unq(m[i] as string);

/** Whole statements: CREATE INDEX, DROP INDEX. */
const STATEMENT_RULES: Rule[] = [
  [
    new RegExp(`^CREATE (?:UNIQUE |FULLTEXT |SPATIAL )?INDEX ${ID} ON `, 'i'),
    (m) => ({ kind: 'add-index', index: g(m, 1) }),
  ],
  [new RegExp(`^DROP INDEX ${ID} ON `, 'i'), (m) => ({ kind: 'drop-index', index: g(m, 1) })],
];

/** One ALTER TABLE specification. */
const SPEC_RULES: Rule[] = [
  [
    new RegExp(
      `^ADD (?:COLUMN )?(?!INDEX\\b|KEY\\b|UNIQUE\\b|PRIMARY\\b|CONSTRAINT\\b|FULLTEXT\\b|SPATIAL\\b|FOREIGN\\b|PARTITION\\b|CHECK\\b)${ID} (.*)$`,
      'i',
    ),
    (m) => {
      const rest = m[2] as string;
      return {
        kind: 'add-column',
        column: g(m, 1),
        notNullNoDefault:
          /\bNOT NULL\b/i.test(rest) && !/\bDEFAULT\b/i.test(rest) && !/\bAUTO_INCREMENT\b/i.test(rest),
      };
    },
  ],
  [
    new RegExp(
      `^DROP (?:COLUMN )?(?!INDEX\\b|KEY\\b|PRIMARY\\b|FOREIGN\\b|CONSTRAINT\\b|PARTITION\\b|CHECK\\b)${ID}$`,
      'i',
    ),
    (m) => ({ kind: 'drop-column', column: g(m, 1) }),
  ],
  [new RegExp(`^MODIFY (?:COLUMN )?${ID} `, 'i'), (m) => ({ kind: 'modify-column', column: g(m, 1) })],
  [
    new RegExp(`^CHANGE (?:COLUMN )?${ID} ${ID} `, 'i'),
    (m) =>
      g(m, 1).toLowerCase() === g(m, 2).toLowerCase()
        ? { kind: 'modify-column', column: g(m, 1) }
        : { kind: 'rename-column', from: g(m, 1), to: g(m, 2) },
  ],
  [
    new RegExp(`^RENAME COLUMN ${ID} TO ${ID}$`, 'i'),
    (m) => ({ kind: 'rename-column', from: g(m, 1), to: g(m, 2) }),
  ],
  [
    new RegExp(`^ADD (?:UNIQUE |FULLTEXT |SPATIAL )?(?:INDEX|KEY) ${ID}`, 'i'),
    (m) => ({ kind: 'add-index', index: g(m, 1) }),
  ],
  [new RegExp(`^DROP (?:INDEX|KEY) ${ID}$`, 'i'), (m) => ({ kind: 'drop-index', index: g(m, 1) })],
];

/**
 * `ALTER TABLE x A, B` → [`ALTER TABLE x A`, `ALTER TABLE x B`] (DM splits multi-specification
 * ALTERs the same way, so each is judged on its own). Anything else comes back whole.
 */
export function splitAlter(sql: string): string[] {
  const s = sql.trim().replace(/;\s*$/, '');
  const m = new RegExp(
    `^(ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)?TABLE\\s+${ID}(?:\\s*\\.\\s*${ID})?)\\s+`,
    'i',
  ).exec(s);
  if (!m) return [sql];
  const head = m[1] as string;
  const parts = topLevelParts(s.slice(m[0].length));
  return parts.length > 1 ? parts.map((p) => `${head} ${p}`) : [sql];
}

function topLevelParts(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const i of topLevelCommas(s)) {
    out.push(s.slice(start, i).trim());
    start = i + 1;
  }
  out.push(s.slice(start).trim());
  return out.filter((p) => p !== '');
}

function hasTopLevelComma(s: string): boolean {
  return topLevelCommas(s).length > 0;
}

/** Offsets of the commas outside quotes and parentheses. */
function topLevelCommas(s: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quote) {
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) out.push(i);
  }
  return out;
}
