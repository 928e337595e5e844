/**
 * JSON schema of DM's task.yaml (dm/config/task.go). Every key DM accepts is accepted by the
 * schema; what each does here is checked in task-config.ts: keys DM ignores too get the coded
 * warning of dm-ignored-keys.ts, keys with no counterpart here are refused there (20051), and
 * docs/config-reference.md has the table. `column-mappings` is refused when non-empty, as DM.
 * `mariadb2tidb` (newer DM only) is accepted only switched off.
 */
import { TASK_MODES } from '../types.js';
import {
  bool,
  dbSchema,
  filterRuleSchema,
  int,
  type JsonSchema,
  namedMap,
  obj,
  securitySchema,
  str,
  strList,
  strOrNum,
  uint,
} from './common-schema.js';

const mydumperSchema = obj({
  'mydumper-path': str,
  threads: uint,
  'chunk-filesize': strOrNum,
  'statement-size': uint,
  rows: uint,
  where: str,
  'skip-tz-utc': bool,
  'extra-args': str,
});

const loaderSchema = obj({
  'pool-size': uint,
  dir: str,
  'sorting-dir-physical': str,
  'import-mode': str,
  'on-duplicate': str,
  'on-duplicate-logical': str,
  'on-duplicate-physical': str,
  'disk-quota-physical': strOrNum,
  'checksum-physical': str,
  analyze: str,
  'range-concurrency': uint,
  'compress-kv-pairs': str,
  'pd-addr': str,
  /** TLS of the physical import (TiDB Lightning) only: warned, see dm-ignored-keys.ts. */
  security: securitySchema,
});

const syncerSchema = obj({
  'meta-file': str,
  'worker-count': uint,
  batch: uint,
  'queue-size': uint,
  'checkpoint-flush-interval': uint,
  compact: bool,
  'multiple-rows': bool,
  'max-retry': int,
  'auto-fix-gtid': bool,
  'enable-gtid': bool,
  'disable-detect': bool,
  'safe-mode': bool,
  'safe-mode-duration': str,
  'enable-ansi-quotes': bool,
});

const validatorSchema = obj({
  mode: { enum: ['none', 'fast', 'full'] },
  'worker-count': uint,
  'validate-interval': str,
  'check-interval': str,
  'row-error-delay': str,
  'meta-flush-interval': str,
  'batch-query-size': uint,
  'max-pending-row-size': str,
  'max-pending-row-count': uint,
  'start-time': str,
});

const tableRefSchema = obj({ 'db-name': str, 'tbl-name': str });
const balSchema = obj({
  'do-tables': { type: 'array', items: tableRefSchema },
  'do-dbs': strList,
  'ignore-tables': { type: 'array', items: tableRefSchema },
  'ignore-dbs': strList,
});

const routeSchema = obj({
  'schema-pattern': str,
  'table-pattern': str,
  'target-schema': str,
  'target-table': str,
  'extract-table': obj({ 'table-regexp': str, 'target-column': str }),
  'extract-schema': obj({ 'schema-regexp': str, 'target-column': str }),
  'extract-source': obj({ 'source-regexp': str, 'target-column': str }),
});

const exprFilterSchema = obj({
  schema: str,
  table: str,
  'insert-value-expr': str,
  'update-old-value-expr': str,
  'update-new-value-expr': str,
  'delete-value-expr': str,
});

const instanceSchema = obj(
  {
    'source-id': str,
    meta: obj({ 'binlog-name': str, 'binlog-pos': uint, 'binlog-gtid': str }),
    'filter-rules': strList,
    'column-mapping-rules': strList,
    'route-rules': strList,
    'expression-filters': strList,
    'black-white-list': str,
    'block-allow-list': str,
    'mydumper-config-name': str,
    mydumper: mydumperSchema,
    'mydumper-thread': uint,
    'loader-config-name': str,
    loader: loaderSchema,
    'loader-thread': uint,
    'syncer-config-name': str,
    syncer: syncerSchema,
    'syncer-thread': uint,
    'validator-config-name': str,
  },
  ['source-id'],
);

export const taskSchema: JsonSchema = obj(
  {
    name: str,
    'task-mode': { enum: [...TASK_MODES] },
    'is-sharding': bool,
    'shard-mode': { enum: ['', 'pessimistic', 'optimistic'] },
    'strict-optimistic-shard-mode': bool,
    'ignore-checking-items': strList,
    'meta-schema': str,
    'enable-heartbeat': bool,
    'heartbeat-update-interval': int,
    'heartbeat-report-interval': int,
    timezone: str,
    'case-sensitive': bool,
    collation_compatible: { enum: ['', 'loose', 'strict'] },
    mariadb2tidb: obj({
      mode: str,
      'enabled-rules': strList,
      'disabled-rules': strList,
      'strict-mode': bool,
    }),
    'target-database': dbSchema(['host']),
    'mysql-instances': { type: 'array', minItems: 1, items: instanceSchema },
    'online-ddl': bool,
    'shadow-table-rules': strList,
    'trash-table-rules': strList,
    'online-ddl-scheme': { enum: ['', 'pt', 'gh-ost'] },
    routes: namedMap(routeSchema),
    filters: namedMap(filterRuleSchema),
    'column-mappings': { type: 'object', maxProperties: 0 },
    'expression-filter': namedMap(exprFilterSchema),
    'black-white-list': namedMap(balSchema),
    'block-allow-list': namedMap(balSchema),
    mydumpers: namedMap(mydumperSchema),
    loaders: namedMap(loaderSchema),
    syncers: namedMap(syncerSchema),
    validators: namedMap(validatorSchema),
    'clean-dump-file': bool,
    'ansi-quotes': bool,
    'remove-meta': bool,
    experimental: obj({ 'async-checkpoint-flush': bool }),
  },
  ['name', 'task-mode', 'target-database', 'mysql-instances'],
);
