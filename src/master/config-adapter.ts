/**
 * The master's single door to the config and checker modules (so their owners can move
 * things without touching every master file).
 */
import { encryptPassword, looksEncrypted } from '../pkg/config/encrypt.js';

export { type CheckReport, checkReportError, runPrechecks } from '../checker/index.js';
export {
  parseSourceConfig,
  parseTaskConfig,
  sourceConfigSample,
  taskConfigSample,
  toSubTaskConfigs,
  toYaml,
} from '../pkg/config/index.js';

/** Encrypt a password at rest with the cluster key (no-op when already encrypted). */
export function sealPassword(password: string, keyHex: string): string {
  return password === '' || looksEncrypted(password) ? password : encryptPassword(password, keyHex);
}
