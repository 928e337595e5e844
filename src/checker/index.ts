/** Prechecks (`check-task`, and before `start-task`). */

export { DEFAULT_ERROR_COUNT, DEFAULT_WARN_COUNT, filterResults } from '../pkg/api/check-filter.js';
export {
  type CheckError,
  type CheckReport,
  type CheckResult,
  type CheckState,
  checkReportError,
  type PrecheckOptions,
} from '../pkg/api/check-report.js';
export { runPrechecks, unknownCheckingItems } from './run-prechecks.js';
