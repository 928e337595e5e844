import type { DbConfig } from '../pkg/config/types.js';
import { quoteTable } from '../pkg/db/connect.js';
import { renderTable, SUMMARY_STYLE } from './text-table.js';

/** sync-diff-inspector's `TableLack`: 0 both sides exist, 1 upstream lacks it, 2 downstream. */
export const TABLE_LACK = { none: 0, upstream: 1, downstream: 2 } as const;
export type TableLack = (typeof TABLE_LACK)[keyof typeof TABLE_LACK];

/** Result of one target table (the tool's `TableResult`). */
export interface TableResult {
  schema: string;
  table: string;
  structEqual: boolean;
  dataSkip: boolean;
  dataEqual: boolean;
  upCount: number;
  downCount: number;
  rowsAdd: number;
  rowsDelete: number;
  tableLack: TableLack;
  error?: string;
}

export type Verdict = 'pass' | 'fail' | 'error';

/** `Report.Result`: error wins, then a difference in a table that exists on both sides. */
export function verdict(results: readonly TableResult[]): Verdict {
  if (results.some((r) => r.error)) return 'error';
  const failed = results.some((r) => r.tableLack === TABLE_LACK.none && (!r.structEqual || !r.dataEqual));
  return failed ? 'fail' : 'pass';
}

function counts(results: readonly TableResult[]) {
  let pass = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.structEqual && r.dataEqual) pass++;
    else if (r.tableLack !== TABLE_LACK.none) skipped++;
    else failed++;
  }
  return { pass, failed, skipped };
}

function dbText(db: DbConfig): string {
  return `host = ${JSON.stringify(db.host)}\nport = ${db.port}\nuser = ${JSON.stringify(db.user)}\n`;
}

/** summary.txt, laid out as `Report.CommitSummary` writes it. */
export function summaryText(
  results: readonly TableResult[],
  sources: readonly DbConfig[],
  target: DbConfig,
  elapsedMs: number,
  totalBytes: number,
): string {
  const byName = [...results].sort((a, b) =>
    quoteTable(a.schema, a.table).localeCompare(quoteTable(b.schema, b.table)),
  );
  let s = 'Summary\n\n\n\nSource Database\n\n\n\n';
  for (const db of sources) s += `${dbText(db)}\n`;
  s += `Target Databases\n\n\n\n${dbText(target)}\n`;
  s += 'Comparison Result\n\n\n\n';
  s += 'The table structure and data in following tables are equivalent\n\n';
  const equal = byName.filter((r) => r.structEqual && r.dataEqual);
  if (equal.length) {
    s += renderTable(
      ['Table', 'UpCount', 'DownCount'],
      equal.map((r) => [quoteTable(r.schema, r.table), String(r.upCount), String(r.downCount)]),
      SUMMARY_STYLE,
    );
    s += '\n\n';
  }
  const c = counts(results);
  if (verdict(results) === 'fail' || c.skipped) {
    s += 'The following tables contains inconsistent data\n\n';
    s += renderTable(
      ['Table', 'Result', 'Structure equality', 'Data diff rows', 'UpCount', 'DownCount'],
      byName
        .filter((r) => !(r.structEqual && r.dataEqual))
        .map((r) => [
          quoteTable(r.schema, r.table),
          r.tableLack === TABLE_LACK.none ? 'succeed' : 'skipped',
          String(r.structEqual),
          `+${r.rowsAdd}/-${r.rowsDelete}`,
          String(r.upCount),
          String(r.downCount),
        ]),
      SUMMARY_STYLE,
    );
  }
  const sec = elapsedMs / 1000;
  s += `\nTime Cost: ${sec.toFixed(6)}s\n`;
  s += `Average Speed: ${(sec > 0 ? totalBytes / (1024 * 1024 * sec) : 0).toFixed(6)}MB/s\n`;
  return s;
}

/** What the tool prints on stdout at the end (`Report.Print`). */
export function stdoutText(results: readonly TableResult[], outputDir: string, fixDir: string): string {
  const c = counts(results);
  const total = c.pass + c.failed + c.skipped;
  const logRef = `You can view the comparison details through '${outputDir}/sync_diff.log'\n`;
  const v = verdict(results);
  if (v === 'pass' && c.skipped === 0) {
    return `A total of ${total} table have been compared and all are equal.\n${logRef}`;
  }
  if (v === 'error') {
    let s = 'Error in comparison process:\n';
    for (const r of results) {
      if (r.error) s += `${r.error} error occurred in ${quoteTable(r.schema, r.table)}\n`;
    }
    return s + logRef;
  }
  let s = '';
  for (const r of results) {
    const name = quoteTable(r.schema, r.table);
    if (!r.structEqual) {
      if (r.dataSkip) {
        if (r.tableLack === TABLE_LACK.upstream)
          s += `The data of ${name} does not exist in upstream database\n`;
        else if (r.tableLack === TABLE_LACK.downstream) {
          s += `The data of ${name} does not exist in downstream database\n`;
        } else s += `The structure of ${name} is not equal, and data-check is skipped\n`;
      } else s += `The structure of ${name} is not equal\n`;
    }
    if (!r.dataEqual && r.tableLack === TABLE_LACK.none) s += `The data of ${name} is not equal\n`;
  }
  s += '\nThe rest of tables are all equal.\n\n';
  s += `A total of ${total} tables have been compared, ${c.pass} tables finished, ${c.failed} tables failed, ${c.skipped} tables skipped.\n`;
  s += `The patch file has been generated in \n\t'${fixDir}/'\n`;
  return s + logRef;
}
