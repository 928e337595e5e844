import { quoteId } from '../pkg/db/connect.js';
import {
  cellText,
  deleteSql,
  keyOf,
  literal,
  type Row,
  replaceSql,
  rowIdentity,
  type TableShape,
} from './diff-sql.js';
import { ANNOTATION_STYLE, renderTable } from './text-table.js';

export interface RowDiff {
  rowsAdd: number;
  rowsDelete: number;
  /** Fix statements in key order (upstream rows first), as the tool writes them. */
  sqls: string[];
}

/**
 * Row-by-row comparison of one chunk (only for chunks whose checksums differ). Rows are paired
 * by key; rows equal in every compared column cancel; a key on both sides with different values
 * becomes an annotated REPLACE (+1/-1), a key only upstream a REPLACE (+1), only downstream a
 * DELETE (-1). Memory is one chunk of each side.
 */
export function compareRows(
  up: readonly Row[],
  down: readonly Row[],
  cols: readonly string[],
  shape: TableShape,
  target: { schema: string; table: string },
): RowDiff {
  const downByKey = new Map<string, Row[]>();
  for (const r of down) {
    const k = keyOf(r, shape.key);
    const l = downByKey.get(k);
    if (l) l.push(r);
    else downByKey.set(k, [r]);
  }
  const out: RowDiff = { rowsAdd: 0, rowsDelete: 0, sqls: [] };
  const upByKey = new Map<string, Row[]>();
  for (const r of up) {
    const k = keyOf(r, shape.key);
    const l = upByKey.get(k);
    if (l) l.push(r);
    else upByKey.set(k, [r]);
  }
  for (const [k, ups] of upByKey) {
    const downs = [...(downByKey.get(k) ?? [])];
    downByKey.delete(k);
    const rest: Row[] = [];
    for (const u of ups) {
      const id = rowIdentity(u, cols);
      const i = downs.findIndex((d) => rowIdentity(d, cols) === id);
      if (i >= 0) downs.splice(i, 1);
      else rest.push(u);
    }
    for (const u of rest) {
      const d = downs.shift();
      out.rowsAdd++;
      if (d) {
        out.rowsDelete++;
        out.sqls.push(annotatedReplace(target, cols, u, d));
      } else out.sqls.push(replaceSql(target.schema, target.table, cols, u));
    }
    for (const d of downs) {
      out.rowsDelete++;
      out.sqls.push(deleteSql(target.schema, target.table, cols, shape, d));
    }
  }
  for (const downs of downByKey.values()) {
    for (const d of downs) {
      out.rowsDelete++;
      out.sqls.push(deleteSql(target.schema, target.table, cols, shape, d));
    }
  }
  return out;
}

/** `GenerateReplaceDMLWithAnnotation`: the differing columns in a comment, then the REPLACE. */
function annotatedReplace(
  target: { schema: string; table: string },
  cols: readonly string[],
  src: Row,
  dst: Row,
): string {
  const header = ['diff columns'];
  const a = ['source data'];
  const b = ['target data'];
  for (const c of cols) {
    const s = src[c] ?? null;
    const t = dst[c] ?? null;
    if ((s === null) === (t === null) && cellText(s) === cellText(t)) continue;
    header.push(quoteId(c));
    a.push(literal(s));
    b.push(literal(t));
  }
  return `/*\n${renderTable(header, [a, b], ANNOTATION_STYLE)}*/\n${replaceSql(target.schema, target.table, cols, src)}`;
}
