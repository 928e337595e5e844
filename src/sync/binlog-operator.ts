/**
 * How the sync unit handles a query event under a pending `dmctl binlog` operation (the
 * operations themselves live in src/pkg/binlog/binlog-operator.ts, held by the worker).
 */
import type { BinlogOp } from '../pkg/binlog/binlog-operator.js';

/**
 * The query text the sync unit should handle instead of `query` under `op`: the replacement
 * for replace, the injected statements then the event for inject, the event itself for skip
 * (the caller does not execute it downstream but the schema tracker still follows it, as
 * DM's `trackOriginDDL`: later rows of the table have the new upstream shape).
 */
export function operatedQuery(op: BinlogOp | undefined, query: string): string {
  if (!op || op.kind === 'skip') return query;
  // The DDL executor splits the text again: a newline before each `;` ends a trailing
  // `-- comment` of a statement, which would otherwise swallow the separator.
  if (op.kind === 'replace') return op.sqls.join('\n;\n');
  return [...op.sqls, query].join('\n;\n');
}
