/** Config parsing, defaults, samples and encryption: the public face of this folder. */
export { CHECKING_ITEMS, type CheckingItem, isCheckingItem } from './checking-items.js';
export {
  LOADER_DEFAULTS,
  MYDUMPER_DEFAULTS,
  SOURCE_DEFAULTS,
  SYNCER_DEFAULTS,
  TASK_DEFAULTS,
} from './defaults.js';
export { parseGoDuration } from './duration.js';
export * from './encrypt.js';
export { sourceConfigSample, taskConfigSample } from './samples.js';
export { type ParseOptions, parseSourceConfig } from './source-config.js';
export { toSubTaskConfigs } from './subtask.js';
export { parseTaskConfig } from './task-config.js';
export { sourceToYaml, taskToYaml, toYaml } from './to-yaml.js';
export * from './types.js';
