import type { SubTaskConfig } from '../config/types.js';
import { dmError, E } from '../errors/index.js';
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

export interface PrecheckOptions {
  /** Items to skip in addition to each subtask's `ignore-checking-items` (`all` skips all). */
  ignore?: string[];
  /** Connect timeout per server, ms (default 5000). */
  connectTimeoutMs?: number;
}

/** Runs the prechecks of a task's subtasks (src/checker's `runPrechecks`, handed to the master by src/cmd). */
export type Prechecker = (subtasks: SubTaskConfig[], opts?: PrecheckOptions) => Promise<CheckReport>;

/** The coded error start-task/check-task return when a report did not pass (DM's 26005). */
export function checkReportError(report: CheckReport) {
  return dmError(
    E.checkFailed,
    `fail to check synchronization configuration with type: check was failed, please see detail\n\tdetail: ${JSON.stringify(report, null, '\t')}`,
    { context: { report } },
  );
}
