/**
 * DM's conflict tables of an optimistic lock (dm/pkg/shardddl/optimism/lock.go:
 * `noConflictForConflictTables`, `noConflictForFinalTables`, `allTableSmaller`,
 * `allTableLarger`), pure, over our column lists. A shard table whose DDL conflicts with the
 * other shards (RENAME COLUMN, a type no other shard's type fits into, ADD COLUMN NOT NULL
 * without a default) becomes a *conflict table*: its DDL is not run downstream and (in DM's
 * default, non-strict mode) its worker holds the table's DML until every shard ran a DDL with
 * the same effect. The conflict is resolved when the *final* schemas (each conflict table at
 * its schema after the DDL, the others as they are) agree: no final schema still has what a
 * conflict DDL removed (DM: "all tables smaller") and every final schema has what it added
 * ("all tables larger").
 */
import { joinSchemas } from '../../pkg/shardddl/optimism/joined-schema.js';
import type { SchemaColumn } from '../../pkg/shardddl/optimism/types.js';

/** One conflict DDL: the table's schema before and after it. */
export interface ConflictChange {
  prev: SchemaColumn[];
  post: SchemaColumn[];
}

const same = (a: SchemaColumn, b: SchemaColumn): boolean =>
  a.name.toLowerCase() === b.name.toLowerCase() && a.type === b.type && a.unsigned === b.unsigned;

/** Columns of `a` that `b` does not have identically. */
function minus(a: SchemaColumn[], b: SchemaColumn[]): SchemaColumn[] {
  return a.filter((x) => !b.some((y) => same(x, y)));
}

/**
 * True when every change's effect holds over `tables`: they join, no table (nor their join)
 * keeps a column a change removed, and every table has every column a change added.
 */
export function changesAgree(changes: ConflictChange[], tables: SchemaColumn[][]): boolean {
  const joined = joinSchemas(tables);
  if (!joined.ok) return false;
  for (const c of changes) {
    const removed = minus(c.prev, c.post);
    const added = minus(c.post, c.prev);
    if (removed.some((r) => joined.columns.some((j) => same(r, j)))) return false;
    for (const t of tables) if (added.some((a) => !t.some((x) => same(a, x)))) return false;
  }
  return true;
}

/** Same columns (name, type, signedness), in any order. */
export function sameColumns(a: SchemaColumn[], b: SchemaColumn[]): boolean {
  if (a.length !== b.length) return false;
  const key = (c: SchemaColumn) => `${c.name.toLowerCase()}:${c.type}:${c.unsigned}`;
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.every((x, i) => x === sb[i]);
}
