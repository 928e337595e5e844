/**
 * mydumper `extra-args`: the dumpling flags DM parses out of it (dm/pkg/dumpling/utils.go
 * `ParseExtraArgs`, tokens split like bash). The flags that tune what our dump unit does are
 * applied; the ones that would need another dump engine feature are refused with the reason
 * (DM itself only logs a warning for a flag it cannot parse, which would be a setting that
 * quietly does nothing). Pure.
 */
import type { Consistency } from './types.js';

export const CONSISTENCIES = ['auto', 'flush', 'snapshot', 'lock', 'none'] as const;

/** The settings `extra-args` overrides (undefined = not given). */
export interface DumpExtraArgs {
  consistency?: Consistency;
  statementSize?: number;
  /** `-F/--filesize`, in MB (0 = no size limit). */
  chunkFilesizeMb?: number;
  rows?: number;
  threads?: number;
  where?: string;
  /** `-B/--database` (repeatable, comma-separated). */
  databases?: string[];
  /** `-T/--tables-list`: `db.tbl` names (an unqualified name is taken in each `-B` database). */
  tables?: { schema: string; table: string }[];
  /** One entry per refused or malformed flag: the flag as written and why. */
  problems: { arg: string; why: string }[];
}

/** Flags refused, with why (each would change what is dumped in a way we do not implement). */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['filter', 'use block-allow-list to choose the tables to dump'],
  [
    'snapshot',
    'dumping at a given snapshot position is not supported; the dump takes its own consistent snapshot',
  ],
  ['no-views', 'views are always dumped here (their definitions); skipping them is not built'],
  ['escape-backslash', 'string escaping follows the upstream sql_mode and cannot be changed'],
  ['ca', 'set from.security.ssl-ca in the source config'],
  ['cert', 'set from.security.ssl-cert in the source config'],
  ['key', 'set from.security.ssl-key in the source config'],
  ['transactional-consistency', 'the dump is always transactionally consistent'],
]);

const SHORT: Readonly<Record<string, string>> = {
  B: 'database',
  T: 'tables-list',
  t: 'threads',
  F: 'filesize',
  s: 'statement-size',
  r: 'rows',
  W: 'no-views',
  f: 'filter',
};
/** Flags applied here. */
const KNOWN = new Set([
  'consistency',
  'no-locks',
  'statement-size',
  'rows',
  'threads',
  'filesize',
  'where',
  'database',
  'tables-list',
]);
const BOOL_FLAGS = new Set(['no-views', 'escape-backslash', 'no-locks', 'transactional-consistency']);

/** Split like DM's `ParseArgLikeBash`: whitespace-separated, one layer of quotes removed. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** `64`, "64MiB", "1GB" → MB (a bare number is MB, as DM's `ParseFileSize`). */
export function sizeToMb(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(String(v));
  if (!m) return undefined;
  const num = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (unit === '' && !m[3]) return num;
  const pow = { '': -2, k: -1, m: 0, g: 1, t: 2, p: 3 }[unit] ?? 0;
  return num * 1024 ** pow;
}

export function parseDumpExtraArgs(text: string): DumpExtraArgs {
  const out: DumpExtraArgs = { problems: [] };
  const args = splitArgs(text);
  let noLocks = false;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const m = /^(--?)([A-Za-z][\w-]*)(?:=(.*))?$/.exec(raw);
    if (!m) {
      out.problems.push({ arg: raw, why: 'not a flag (extra-args takes dumpling flags only)' });
      continue;
    }
    const name = m[1] === '-' && m[2]!.length === 1 ? (SHORT[m[2]!] ?? m[2]!) : m[2]!;
    const refused = REFUSED.get(name);
    if (refused === undefined && !KNOWN.has(name)) {
      out.problems.push({ arg: raw, why: 'unknown dumpling flag' });
      continue;
    }
    let value = m[3];
    if (!BOOL_FLAGS.has(name) && value === undefined) {
      value = args[i + 1];
      if (value === undefined) {
        out.problems.push({ arg: raw, why: 'needs a value' });
        continue;
      }
      i++;
    }
    if (refused !== undefined) {
      out.problems.push({ arg: raw, why: `not supported: ${refused}` });
      continue;
    }
    const v = value ?? '';
    const uint = (): number | undefined => {
      if (/^\d+$/.test(v)) return Number(v);
      out.problems.push({ arg: raw, why: `expected a non-negative integer, got ${JSON.stringify(v)}` });
      return undefined;
    };
    switch (name) {
      case 'consistency': {
        const c = v.toLowerCase();
        if ((CONSISTENCIES as readonly string[]).includes(c)) out.consistency = c as Consistency;
        else
          out.problems.push({
            arg: raw,
            why: `unknown --consistency "${v}", expected one of: ${CONSISTENCIES.join(', ')}`,
          });
        break;
      }
      case 'no-locks':
        noLocks = true;
        break;
      case 'statement-size': {
        const n = uint();
        if (n !== undefined) out.statementSize = n;
        break;
      }
      case 'rows': {
        const n = uint();
        if (n !== undefined) out.rows = n;
        break;
      }
      case 'threads': {
        const n = uint();
        if (n !== undefined && n > 0) out.threads = n;
        else if (n !== undefined) out.problems.push({ arg: raw, why: 'threads must be > 0' });
        break;
      }
      case 'filesize': {
        const mb = sizeToMb(v);
        if (mb === undefined) out.problems.push({ arg: raw, why: `invalid size ${JSON.stringify(v)}` });
        else out.chunkFilesizeMb = mb;
        break;
      }
      case 'where':
        out.where = v;
        break;
      case 'database':
        out.databases = [...(out.databases ?? []), ...v.split(',').filter((x) => x !== '')];
        break;
      case 'tables-list':
        for (const name of v.split(',').filter((x) => x !== '')) {
          const dot = name.indexOf('.');
          const list = out.tables ?? [];
          out.tables = list;
          if (dot > 0) list.push({ schema: name.slice(0, dot), table: name.slice(dot + 1) });
          else list.push({ schema: '', table: name });
        }
        break;
      default:
        out.problems.push({ arg: raw, why: 'unknown dumpling flag' });
    }
  }
  // Unqualified `-T` names belong to the `-B` databases (DM's sample `-B test -T t1,t2`).
  if (out.tables?.some((x) => x.schema === '')) {
    const dbs = out.databases ?? [];
    if (dbs.length === 0)
      out.problems.push({
        arg: '-T',
        why: 'tables-list names must be qualified (db.tbl) unless -B gives the database',
      });
    out.tables = out.tables.flatMap((x) =>
      x.schema !== '' ? [x] : dbs.map((d) => ({ schema: d, table: x.table })),
    );
  }
  // DM: `--no-locks` is `--consistency none`, and conflicts with any other consistency.
  if (noLocks) {
    if (out.consistency === undefined || out.consistency === 'auto') out.consistency = 'none';
    else if (out.consistency !== 'none')
      out.problems.push({
        arg: '--no-locks',
        why: 'cannot both specify `--no-locks` and `--consistency` other than `none`',
      });
  }
  return out;
}
