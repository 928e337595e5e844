/**
 * `check-task --error N --warn N`: how many failure and warning items the report shows (DM's
 * `filterResults`, dm/checker/checker.go). Successful results are dropped; an item with
 * several errors is counted per error, one without errors per result; the summary keeps the
 * full counts. Pure.
 */
import type { CheckError, CheckReport, CheckResult } from './check-report.js';

/** DM's `DefaultErrorCnt` and `DefaultWarnCnt`. */
export const DEFAULT_ERROR_COUNT = 10;
export const DEFAULT_WARN_COUNT = 10;

export function filterResults(report: CheckReport, errCnt: number, warnCnt: number): CheckReport {
  let errLeft = errCnt;
  let warnLeft = warnCnt;
  /** Take one item of this severity if the budget allows. */
  const take = (sev: 'fail' | 'warn' | 'success'): boolean => {
    if (sev === 'warn') return warnLeft-- > 0;
    if (sev === 'fail') return errLeft-- > 0;
    return false;
  };
  const results: CheckResult[] = [];
  for (const r of report.results) {
    if (r.state === 'success') continue;
    if (!r.errors || r.errors.length === 0) {
      if (take(r.state)) results.push(r);
      continue;
    }
    const errors: CheckError[] = r.errors.filter((e) => take(e.severity));
    if (errors.length > 0) results.push({ ...r, errors });
  }
  return { ...report, results };
}
