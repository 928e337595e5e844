/**
 * Pending binlog operations of one subtask (DM's `binlog skip|replace|inject|revert|list`,
 * formerly `handle-error`): a pure holder keyed by the start position of a binlog event. The
 * sync unit asks {@link BinlogOperator.take} before it executes a query (DDL) event; the
 * worker adds and reverts operations on behalf of dmctl. It lives in the SubTask, not in the
 * unit, so operations survive pause/resume (the failed event is re-read after a resume).
 */

import { dmError, E } from '../errors/index.js';
import { splitStatements } from '../sql/sql-tokens.js';
import { compareBinlogPos, splitFilePos } from './position.js';

export const BINLOG_OP_KINDS = ['skip', 'replace', 'inject'] as const;
export type BinlogOpKind = (typeof BINLOG_OP_KINDS)[number];

/** One pending operation. */
export interface BinlogOp {
  kind: BinlogOpKind;
  /** Normalised `file:pos` of the event's start. */
  pos: string;
  /** Statements for replace (instead of the event) and inject (before the event). */
  sqls: string[];
  /** True once the sync unit has met the event (a replay gets the same operation). */
  applied?: boolean;
}

/**
 * Parse DM's `-b` argument: `mysql-bin.000001:2345` (also `(mysql-bin.000001, 2345)` as DM
 * prints positions in status). Returns the normalised `file:pos`.
 */
export function parseBinlogPos(text: string): string {
  const t = text.trim().replace(/^\(|\)$/g, '');
  const m = /^([^\s:,()]+)\s*[:,]\s*(\d+)$/.exec(t);
  if (!m) {
    throw dmError(
      E.ctlInvalidArgs,
      `invalid binlog position "${text}": expected file:pos, e.g. mysql-bin.000001:2345`,
    );
  }
  return `${m[1]}:${Number(m[2])}`;
}

/**
 * Split `"SQL1; SQL2"` into statements: the one statement splitter of the sync path (the DDL
 * executor's, over the SQL tokenizer: quotes, backticks and comments respected), so operator
 * SQL splits here exactly as the executor splits it again after {@link operatedQuery} joins it.
 */
export const splitSqls: (text: string) => string[] = splitStatements;

export class BinlogOperator {
  private readonly ops = new Map<string, BinlogOp>();

  /** Add (or overwrite, as DM does) the operation at `op.pos`. */
  set(op: BinlogOp): void {
    const pos = parseBinlogPos(op.pos);
    if (op.kind !== 'skip' && op.sqls.length === 0) {
      throw dmError(E.ctlInvalidArgs, `binlog ${op.kind} needs at least one SQL statement`);
    }
    this.ops.set(pos, { kind: op.kind, pos, sqls: op.kind === 'skip' ? [] : [...op.sqls] });
  }

  /** Cancel the pending operation at `pos`; false when there was none. */
  revert(pos: string): boolean {
    return this.ops.delete(parseBinlogPos(pos));
  }

  /** Pending operations, in position order. */
  list(): BinlogOp[] {
    return [...this.ops.values()].sort((a, b) => comparePos(a.pos, b.pos));
  }

  /**
   * The operation for the event starting at `file:pos`. It stays (marked applied): a replay
   * of the same event after a pause or crash must get the same treatment (DM removes them
   * only once the checkpoint has passed them; this holder lives as long as the subtask).
   */
  take(file: string, pos: number): BinlogOp | undefined {
    const op = this.ops.get(`${file}:${pos}`);
    if (op) op.applied = true;
    return op;
  }

  get size(): number {
    return this.ops.size;
  }
}

function comparePos(a: string, b: string): number {
  const pa = splitFilePos(a);
  const pb = splitFilePos(b);
  return compareBinlogPos(pa.file, pa.pos, pb.file, pb.pos);
}
