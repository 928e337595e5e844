/** Prechecks (`check-task`, and before `start-task`). */

export { DEFAULT_ERROR_COUNT, DEFAULT_WARN_COUNT, filterResults } from './filter-results.js';
export {
  checkReportError,
  type PrecheckOptions,
  runPrechecks,
  unknownCheckingItems,
} from './run-prechecks.js';
export type { CheckError, CheckReport, CheckResult, CheckState } from './types.js';
