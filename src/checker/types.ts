/** The check-task report, in DM's JSON shape (dm/pkg/checker `Results`). */

export type CheckState = 'success' | 'fail' | 'warn';

export interface CheckError {
  severity: 'fail' | 'warn';
  short_error: string;
  /** DM: the reference side of a mismatch (sharding checks). */
  self?: string;
  /** DM: the other side of a mismatch (sharding checks). */
  other?: string;
}

export interface CheckResult {
  id: number;
  /** DM's checker name, e.g. `mysql_binlog_format`. */
  name: string;
  desc: string;
  state: CheckState;
  errors?: CheckError[];
  instruction: string;
  extra: string;
  /** Ours: the `ignore-checking-items` name of this check (e.g. `binlog_format`). */
  item: string;
}

export interface CheckReport {
  results: CheckResult[];
  summary: { passed: boolean; total: number; successful: number; failed: number; warning: number };
}
