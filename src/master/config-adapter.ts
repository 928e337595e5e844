/**
 * The master's single door to the config modules (so their owners can move things without
 * touching every master file). The checker is not imported: src/cmd hands the master its
 * prechecks (`LeaderCtx.prechecks`, typed by src/pkg/api/check-report.ts).
 */
import { encryptPassword, looksEncrypted } from '../pkg/config/encrypt.js';

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
