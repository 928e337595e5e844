/** Prechecks (`check-task`, and before `start-task`). */
export {
  checkReportError,
  type PrecheckOptions,
  runPrechecks,
  unknownCheckingItems,
} from './run-prechecks.js';
export type { CheckError, CheckReport, CheckResult, CheckState } from './types.js';
