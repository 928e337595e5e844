/**
 * Secondary indexes built after the data, as fast loaders do (myloader's
 * `--optimize-keys`, Lightning): inserting rows into a table that already has secondary
 * indexes updates each index in key order of the row — random B-tree inserts — while
 * `ALTER TABLE … ADD KEY` on a filled table sorts the keys once and builds the tree
 * bottom-up. On the sysbench tables of `npm run bench:full` this is the larger part of the
 * loader's server time.
 *
 * Pure text work on a `SHOW CREATE TABLE` statement (what ours, mydumper's and dumpling's
 * schema files contain): one definition per line, plain indexes as `  KEY \`name\` (…)`.
 *
 * Left in place (never deferred):
 * - PRIMARY and UNIQUE keys: they define the rows (REPLACE / IGNORE on duplicates of the
 *   `on-duplicate-logical` setting need them while loading).
 * - every index of a table with a FOREIGN KEY: InnoDB needs an index on the referencing
 *   columns at CREATE time and would invent one of its own.
 * - FULLTEXT and SPATIAL indexes (InnoDB builds one FULLTEXT index per ALTER at most; they
 *   are rare enough not to matter).
 * - any index line we cannot read (it simply stays in the CREATE TABLE).
 */

/** A CREATE TABLE without its secondary indexes, and the index clauses to add afterwards. */
export interface DeferredIndexes {
  create: string;
  /** Index names, in definition order. */
  names: string[];
  /** `ADD KEY \`k\` (…)` clauses, one per name, same order. */
  clauses: string[];
}

const INDEX_LINE = /^\s+(KEY|INDEX)\s+(`(?:[^`]|``)+`)\s*(\(.*\)[^,]*?),?\s*$/i;

/** Split the secondary indexes off a CREATE TABLE statement (see the file comment). */
export function deferSecondaryIndexes(createSql: string): DeferredIndexes {
  const keep: DeferredIndexes = { create: createSql, names: [], clauses: [] };
  if (/\bFOREIGN\s+KEY\b/i.test(createSql)) return keep;
  const lines = createSql.split('\n');
  const out: string[] = [];
  const names: string[] = [];
  const clauses: string[] = [];
  for (const line of lines) {
    const m = INDEX_LINE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const [, kind = 'KEY', name = '', rest = ''] = m;
    names.push(name.slice(1, -1).replace(/``/g, '`'));
    clauses.push(`ADD ${kind.toUpperCase()} ${name} ${rest.trim()}`);
  }
  if (clauses.length === 0) return keep;
  // The definition before the removed lines may now end the list with a dangling comma.
  const close = out.findIndex((l, i) => i > 0 && /^\)/.test(l));
  if (close <= 0) return keep;
  const prev = out[close - 1] ?? '';
  out[close - 1] = prev.replace(/,\s*$/, '');
  return { create: out.join('\n'), names, clauses };
}

/** `ALTER TABLE db.t ADD KEY …, ADD KEY …` (one statement builds them all), null if none. */
export function addIndexesSql(qualifiedTable: string, d: Pick<DeferredIndexes, 'clauses'>): string | null {
  return d.clauses.length === 0 ? null : `ALTER TABLE ${qualifiedTable} ${d.clauses.join(', ')}`;
}
