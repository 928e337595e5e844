/** Config (20xxx) and checker (26xxx) errors. Composed into `E` by ../catalog.ts. */
import { def } from '../error-def.js';

export const CONFIG_ERRORS = {
  // --- config (20xxx)
  configParse: def(20001, 'config', 'internal', 'medium', 'Fix the YAML syntax at the line shown.'),
  configUnknownKey: def(
    20002,
    'config',
    'internal',
    'medium',
    'Remove or correct the key named; see the sample with `-p`.',
  ),
  configWrongType: def(20003, 'config', 'internal', 'medium', 'Give the key a value of the type shown.'),
  configMissingKey: def(20004, 'config', 'internal', 'medium', 'Add the required key.'),
  configInvalidValue: def(20005, 'config', 'internal', 'medium', 'Use one of the allowed values.'),
  configDanglingRef: def(
    20006,
    'config',
    'internal',
    'medium',
    'Define the named rule in the task config, or remove the reference.',
  ),
  /** DM's ErrConfigUnsupportedForeignKeyChecksOption (dm/config/task.go CheckForeignKeyChecksSyncerOptions). */
  configForeignKeyChecksOption: def(
    20080,
    'config',
    'internal',
    'medium',
    'Please disable `foreign_key_checks`, or disable this syncer option in task configuration file.',
  ),
  configDecrypt: def(
    20007,
    'config',
    'internal',
    'medium',
    "The password looks encrypted but cannot be decrypted; encrypt it with this cluster's `dmctl encrypt` or use plain text.",
  ),

  // --- checker (26xxx)
  checkFailed: def(
    26005,
    'dm-master',
    'internal',
    'medium',
    'Fix the failing precheck items, or list them in ignore-checking-items.',
  ),
  configIgnoredByDm: def(
    20050,
    'config',
    'internal',
    'low',
    'DM ignores this key too; remove it from the config.',
  ),
  configNotSupported: def(
    20051,
    'config',
    'internal',
    'medium',
    'Remove the key or use the value shown; docs/config-reference.md lists what is refused and why.',
  ),
} as const;
