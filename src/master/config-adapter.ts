/**
 * The master's single door to the config and checker modules. `runPrechecks` is a
 * TEMPORARY pass-through until src/checker lands; then this file re-exports it.
 */
import { encryptPassword, looksEncrypted } from '../pkg/config/encrypt.js';
import type { SubTaskConfig } from '../pkg/config/types.js';

export {
  parseSourceConfig,
  parseTaskConfig,
  sourceConfigSample,
  taskConfigSample,
  toSubTaskConfigs,
  toYaml,
} from '../pkg/config/index.js';

/** DM check-task report. */
export interface CheckReport {
  results: {
    id: number;
    name: string;
    desc: string;
    state: 'success' | 'warn' | 'fail';
    errors?: unknown[];
  }[];
  summary: { passed: boolean; total: number; successful: number; failed: number; warning: number };
}

/** TEMPORARY shim: prechecks always pass until src/checker lands. */
export async function runPrechecks(
  _subtasks: SubTaskConfig[],
  _opts: { ignore: string[] },
): Promise<CheckReport> {
  return { results: [], summary: { passed: true, total: 0, successful: 0, failed: 0, warning: 0 } };
}

/** Encrypt a password at rest with the cluster key (no-op when already encrypted). */
export function sealPassword(password: string, keyHex: string): string {
  return password === '' || looksEncrypted(password) ? password : encryptPassword(password, keyHex);
}
