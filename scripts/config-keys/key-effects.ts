/**
 * Where each key of DM's configs (scripts/config-keys/dm-keys.ts) lands in the config the
 * units consume (EFFECTS), which keys have no effect by design and why (NO_EFFECT), and the
 * tests that prove what the resolved field then does (BEHAVIOUR). Asserted by
 * test/integration/security/config-key-effects.test.ts; printed in docs/config-reference.md by
 * scripts/config-key-table.ts.
 */
import type { ConfigKind } from './dm-keys.js';

type Obj = Record<string, unknown>;

/**
 * One effect: the corpus key set to `value` (with the corpus sample's `with`, plus `with` here)
 * puts `want` at `at` in the resolved config; without the key (same `with`) `at` holds
 * something else.
 */
export interface Effect {
  readonly value: unknown;
  readonly at: string;
  readonly want: unknown;
  readonly with?: Obj;
}

const e = (value: unknown, at: string, want: unknown = value, w?: Obj): Effect => ({
  value,
  at,
  want,
  ...(w ? { with: w } : {}),
});

const CERT = { 'ssl-cert': '/c/cert.pem', 'ssl-key': '/c/key.pem' };

/** dm-master's and dm-worker's cluster TLS keys (the same in both configs). */
const clusterTls = (): Record<string, Effect> => ({
  'ssl-ca': e('/c/ca.pem', 'tls.sslCa', '/c/ca.pem', CERT),
  'ssl-cert': e('/c/c2.pem', 'tls.sslCert', '/c/c2.pem', { 'ssl-ca': '/c/ca.pem', 'ssl-key': '/c/key.pem' }),
  'ssl-key': e('/c/k2.pem', 'tls.sslKey', '/c/k2.pem', { 'ssl-ca': '/c/ca.pem', 'ssl-cert': '/c/cert.pem' }),
  'cert-allowed-cn': e(['dm-a'], 'tls.certAllowedCn', ['dm-a'], { 'ssl-ca': '/c/ca.pem', ...CERT }),
});
const sec = (p: string, at: string): Record<string, Effect> => ({
  [`${p}ssl-ca`]: e('/c/ca.pem', `${at}.sslCa`),
  [`${p}ssl-cert`]: e('/c/c2.pem', `${at}.sslCert`),
  [`${p}ssl-key`]: e('/c/k2.pem', `${at}.sslKey`),
  [`${p}cert-allowed-cn`]: e(['dm-a'], `${at}.certAllowedCn`),
  [`${p}ssl-ca-bytes`]: e('PEM-CA', `${at}.sslCaBytes`),
  [`${p}ssl-cert-bytes`]: e('PEM-CERT', `${at}.sslCertBytes`),
  [`${p}ssl-key-bytes`]: e('PEM-KEY', `${at}.sslKeyBytes`),
  [`${p}ssl-ca-base64`]: e('UEVNLUNB', `${at}.sslCaBytes`, 'PEM-CA'),
  [`${p}ssl-cert-base64`]: e('UEVNLUNFUlQ=', `${at}.sslCertBytes`, 'PEM-CERT'),
  [`${p}ssl-key-base64`]: e('UEVNLUtFWQ==', `${at}.sslKeyBytes`, 'PEM-KEY'),
});

const db = (p: string, at: string): Record<string, Effect> => ({
  [`${p}.host`]: e('10.1.2.3', `${at}.host`),
  [`${p}.port`]: e(3307, `${at}.port`),
  [`${p}.user`]: e('dm_user', `${at}.user`),
  [`${p}.password`]: e('pw-1', `${at}.password`),
  [`${p}.session`]: e({ sql_mode: 'ANSI_QUOTES' }, `${at}.session.sql_mode`, 'ANSI_QUOTES'),
  ...sec(`${p}.security.`, `${at}.security`),
});

const filterRule = (p: string, at: string): Record<string, Effect> => ({
  [`${p}.schema-pattern`]: e('db*', `${at}.schemaPattern`),
  [`${p}.table-pattern`]: e('t*', `${at}.tablePattern`),
  [`${p}.events`]: e(['drop table'], `${at}.events`),
  [`${p}.sql-pattern`]: e(['^DROP\\s+PROCEDURE'], `${at}.sqlPattern`),
  [`${p}.action`]: e('Error', `${at}.action`),
});

/** The task's resolved config is `{ sub: SubTaskConfig }` (what one worker runs). */
const SUB = 'sub';
export const EFFECTS: Record<ConfigKind, Record<string, Effect>> = {
  task: {
    name: e('task-b', `${SUB}.name`),
    'task-mode': e('full', `${SUB}.taskMode`),
    'is-sharding': e(true, `${SUB}.shardMode`, 'pessimistic'),
    'shard-mode': e('optimistic', `${SUB}.shardMode`),
    'strict-optimistic-shard-mode': e(true, `${SUB}.strictOptimisticShardMode`),
    'ignore-checking-items': e(['version'], `${SUB}.ignoreCheckingItems`),
    'meta-schema': e('dm_meta_b', `${SUB}.metaSchema`),
    timezone: e('+08:00', `${SUB}.to.session.time_zone`, '+08:00'),
    'case-sensitive': e(true, `${SUB}.caseSensitive`),
    'online-ddl': e(false, `${SUB}.onlineDdl`),
    'shadow-table-rules': e(['^_(.+)_tmp$'], `${SUB}.shadowTableRules`),
    'trash-table-rules': e(['^_(.+)_trash$'], `${SUB}.trashTableRules`),
    // DM: a scheme turns online DDL on (here on by default, so shown over online-ddl: false)
    'online-ddl-scheme': e('gh-ost', `${SUB}.onlineDdl`, true, { 'online-ddl': false }),
    'clean-dump-file': e(false, `${SUB}.cleanDumpFile`),
    ...db('target-database', `${SUB}.to`),
    'mysql-instances.*.source-id': e('s2', `${SUB}.from.port`, 3399),
    'mysql-instances.*.meta.binlog-name': e('mysql-bin.000009', `${SUB}.meta.binlogName`),
    'mysql-instances.*.meta.binlog-pos': e(1234, `${SUB}.meta.binlogPos`),
    'mysql-instances.*.meta.binlog-gtid': e('0-1-100', `${SUB}.meta.binlogGtid`),
    'mysql-instances.*.filter-rules': e(['f2'], `${SUB}.filters.0.schemaPattern`, 'db9', {
      'filters.f2': { 'schema-pattern': 'db9', events: ['drop table'], action: 'Ignore' },
      'filters.f1': null,
    }),
    'mysql-instances.*.route-rules': e(['r2'], `${SUB}.routes.0.targetSchema`, 'db8', {
      'routes.r2': { 'schema-pattern': 'db1', 'target-schema': 'db8' },
      'routes.r1': null,
    }),
    'mysql-instances.*.expression-filters': e(['e2'], `${SUB}.expressionFilters.0.deleteValueExpr`, 'c < 0', {
      'expression-filter.e2': { schema: 'db1', table: 't1', 'delete-value-expr': 'c < 0' },
      'expression-filter.e1': null,
    }),
    'mysql-instances.*.block-allow-list': e('ba2', `${SUB}.blockAllowList.doDbs`, ['db7'], {
      'block-allow-list.ba2': { 'do-dbs': ['db7'] },
    }),
    'mysql-instances.*.black-white-list': e('ba2', `${SUB}.blockAllowList.doDbs`, ['db7'], {
      'block-allow-list.ba2': { 'do-dbs': ['db7'] },
    }),
    'mysql-instances.*.mydumper-config-name': e('g2', `${SUB}.mydumper.threads`, 7, {
      'mydumpers.g2': { threads: 7 },
      'mydumpers.g': null,
    }),
    'mysql-instances.*.mydumper': e({ threads: 5 }, `${SUB}.mydumper.threads`, 5),
    'mysql-instances.*.mydumper-thread': e(6, `${SUB}.mydumper.threads`),
    'mysql-instances.*.loader-config-name': e('g2', `${SUB}.loader.poolSize`, 9, {
      'loaders.g2': { 'pool-size': 9 },
      'loaders.g': null,
    }),
    'mysql-instances.*.loader': e({ 'pool-size': 8 }, `${SUB}.loader.poolSize`, 8),
    'mysql-instances.*.loader-thread': e(12, `${SUB}.loader.poolSize`),
    'mysql-instances.*.syncer-config-name': e('g2', `${SUB}.syncer.batch`, 33, {
      'syncers.g2': { batch: 33 },
      'syncers.g': null,
    }),
    'mysql-instances.*.syncer': e({ batch: 50 }, `${SUB}.syncer.batch`, 50),
    'mysql-instances.*.syncer-thread': e(12, `${SUB}.syncer.workerCount`),
    'mysql-instances.*.validator-config-name': e('g2', `${SUB}.validator.mode`, 'fast', {
      'validators.g2': { mode: 'fast' },
      'validators.g': null,
    }),
    'routes.*.schema-pattern': e('db5', `${SUB}.routes.0.schemaPattern`),
    'routes.*.table-pattern': e('t_*', `${SUB}.routes.0.tablePattern`),
    'routes.*.target-schema': e('db6', `${SUB}.routes.0.targetSchema`),
    'routes.*.target-table': e('t', `${SUB}.routes.0.targetTable`),
    'routes.*.extract-table.table-regexp': e('t_(.*)', `${SUB}.routes.0.extractTable.tableRegexp`),
    'routes.*.extract-table.target-column': e('c_t', `${SUB}.routes.0.extractTable.targetColumn`),
    'routes.*.extract-schema.schema-regexp': e('db(.*)', `${SUB}.routes.0.extractSchema.schemaRegexp`),
    'routes.*.extract-schema.target-column': e('c_s', `${SUB}.routes.0.extractSchema.targetColumn`),
    'routes.*.extract-source.source-regexp': e('s(.*)', `${SUB}.routes.0.extractSource.sourceRegexp`),
    'routes.*.extract-source.target-column': e('c_src', `${SUB}.routes.0.extractSource.targetColumn`),
    ...filterRule('filters.*', `${SUB}.filters.0`),
    'expression-filter.*.schema': e('db3', `${SUB}.expressionFilters.0.schema`),
    'expression-filter.*.table': e('t3', `${SUB}.expressionFilters.0.table`),
    'expression-filter.*.insert-value-expr': e('c % 2 = 0', `${SUB}.expressionFilters.0.insertValueExpr`),
    'expression-filter.*.update-old-value-expr': e('c = 1', `${SUB}.expressionFilters.0.updateOldValueExpr`),
    'expression-filter.*.update-new-value-expr': e('c = 2', `${SUB}.expressionFilters.0.updateNewValueExpr`),
    'expression-filter.*.delete-value-expr': e('c > 1', `${SUB}.expressionFilters.0.deleteValueExpr`),
    'block-allow-list.*.do-dbs': e(['db4'], `${SUB}.blockAllowList.doDbs`),
    'block-allow-list.*.ignore-dbs': e(['mysql'], `${SUB}.blockAllowList.ignoreDbs`),
    'block-allow-list.*.do-tables': e(
      [{ 'db-name': 'db1', 'tbl-name': 't1' }],
      `${SUB}.blockAllowList.doTables`,
      [{ dbName: 'db1', tblName: 't1' }],
    ),
    'block-allow-list.*.ignore-tables': e(
      [{ 'db-name': 'db1', 'tbl-name': 'log' }],
      `${SUB}.blockAllowList.ignoreTables`,
      [{ dbName: 'db1', tblName: 'log' }],
    ),
    'black-white-list': e({ ba: { 'do-dbs': ['db5'] } }, `${SUB}.blockAllowList.doDbs`, ['db5']),
    'mydumpers.*.threads': e(8, `${SUB}.mydumper.threads`),
    'mydumpers.*.chunk-filesize': e('128', `${SUB}.mydumper.chunkFilesize`, 128),
    'mydumpers.*.statement-size': e(5000, `${SUB}.mydumper.statementSize`),
    'mydumpers.*.rows': e(1000, `${SUB}.mydumper.rows`),
    'mydumpers.*.where': e('id > 0', `${SUB}.mydumper.where`),
    'mydumpers.*.extra-args': e('--consistency none', `${SUB}.mydumper.consistency`, 'none'),
    'loaders.*.pool-size': e(7, `${SUB}.loader.poolSize`),
    // DM suffixes the dump dir with the task name
    'loaders.*.dir': e('./d2', `${SUB}.loader.dir`, './d2.t1'),
    'loaders.*.on-duplicate-logical': e('error', `${SUB}.loader.onDuplicateLogical`),
    'syncers.*.worker-count': e(5, `${SUB}.syncer.workerCount`),
    'syncers.*.batch': e(50, `${SUB}.syncer.batch`),
    'syncers.*.queue-size': e(2048, `${SUB}.syncer.queueSize`),
    'syncers.*.checkpoint-flush-interval': e(15, `${SUB}.syncer.checkpointFlushInterval`),
    'syncers.*.compact': e(false, `${SUB}.syncer.compact`),
    'syncers.*.multiple-rows': e(false, `${SUB}.syncer.multipleRows`),
    'syncers.*.safe-mode': e(true, `${SUB}.syncer.safeMode`),
    'syncers.*.safe-mode-duration': e('90s', `${SUB}.syncer.safeModeDuration`),
    'validators.*.mode': e('full', `${SUB}.validator.mode`),
    'validators.*.worker-count': e(6, `${SUB}.validator.workerCount`),
    'validators.*.validate-interval': e('20s', `${SUB}.validator.validateInterval`),
    'validators.*.check-interval': e('7s', `${SUB}.validator.checkInterval`),
    'validators.*.row-error-delay': e('31m', `${SUB}.validator.rowErrorDelay`),
    'validators.*.meta-flush-interval': e('6m', `${SUB}.validator.metaFlushInterval`),
    'validators.*.batch-query-size': e(200, `${SUB}.validator.batchQuerySize`),
    'validators.*.max-pending-row-size': e('600m', `${SUB}.validator.maxPendingRowSize`),
    'validators.*.max-pending-row-count': e(10000, `${SUB}.validator.maxPendingRowCount`),
  },
  source: {
    enable: e(false, 'enable'),
    'enable-gtid': e(true, 'enableGtid'),
    'relay-dir': e('./relay_b', 'relayDir'),
    flavor: e('mariadb', 'flavor'),
    'enable-relay': e(true, 'enableRelay'),
    'relay-binlog-name': e('mysql-bin.000002', 'relayBinlogName'),
    'relay-binlog-gtid': e('0-1-5', 'relayBinlogGtid'),
    'source-id': e('mysql-replica-01', 'sourceId'),
    ...db('from', 'from'),
    'purge.interval': e(1800, 'purge.interval'),
    'purge.expires': e(24, 'purge.expires'),
    'purge.remain-space': e(20, 'purge.remainSpace'),
    'checker.check-enable': e(false, 'checker.checkEnable'),
    'checker.backoff-rollback': e('10m', 'checker.backoffRollback'),
    'checker.backoff-max': e('10m', 'checker.backoffMax'),
    'checker.check-interval': e('5s', 'checker.checkInterval'),
    'checker.backoff-min': e('2s', 'checker.backoffMin'),
    'checker.backoff-jitter': e(false, 'checker.backoffJitter'),
    'checker.backoff-factor': e(3, 'checker.backoffFactor'),
    'server-id': e(101, 'serverId'),
    'case-sensitive': e(true, 'caseSensitive'),
    ...filterRule('filters.*', 'filters.0'),
  },
  master: {
    name: e('master1', 'name'),
    'log-level': e('debug', 'logLevel'),
    'log-file': e('dm-master.log', 'logFile'),
    'log-format': e('text', 'logFormat'),
    'master-addr': e(':8361', 'masterAddr'),
    'advertise-addr': e('10.0.0.1:8261', 'advertiseAddr'),
    'data-dir': e('data.m', 'dataDir'),
    'peer-urls': e('127.0.0.1:8391', 'peerUrls', 'http://127.0.0.1:8391'),
    'advertise-peer-urls': e('http://10.0.0.1:8291', 'advertisePeerUrls'),
    'initial-cluster': e('m1=http://10.0.0.1:8291', 'initialCluster'),
    'initial-cluster-state': e('existing', 'initialClusterState'),
    join: e('127.0.0.1:8261', 'join', ['127.0.0.1:8261']),
    'max-txn-ops': e(2048, 'etcdFlags', ['--max-txn-ops=2048']),
    'max-request-bytes': e(1572864, 'etcdFlags', ['--max-request-bytes=1572864']),
    'auto-compaction-mode': e('periodic', 'etcdFlags', ['--auto-compaction-mode=periodic']),
    'auto-compaction-retention': e('1h', 'etcdFlags', ['--auto-compaction-retention=1h']),
    'quota-backend-bytes': e(2147483648, 'etcdFlags', ['--quota-backend-bytes=2147483648']),
    openapi: e(false, 'openapi'),
    // DM: `[experimental] openapi = true` turns the OpenAPI on (here on by default, so shown over openapi = false)
    'experimental.openapi': e(true, 'openapi', true, { openapi: false }),
    'secret-key-path': e('/keys/secret.key', 'secretKeyPath'),
    ...clusterTls(),
  },
  worker: {
    name: e('worker1', 'name'),
    'log-level': e('debug', 'logLevel'),
    'log-file': e('dm-worker.log', 'logFile'),
    'log-format': e('text', 'logFormat'),
    join: e('10.0.0.1:8261,10.0.0.2:8261', 'join', ['10.0.0.1:8261', '10.0.0.2:8261']),
    'worker-addr': e(':8362', 'workerAddr'),
    'advertise-addr': e('10.0.0.1:8262', 'advertiseAddr'),
    'keepalive-ttl': e(60, 'keepaliveTtl'),
    'relay-keepalive-ttl': e(1800, 'relayKeepaliveTtl'),
    'relay-dir': e('./relay_b', 'relayDir'),
    ...clusterTls(),
  },
};

/**
 * Keys with no effect here by design. `warned`: accepted with 20050 because DM ignores them too
 * (reason in the warning itself, src/pkg/config/dm-ignored-keys.ts). `only-default`: DM's
 * default value is accepted and changes nothing; every other value is refused (a sample of
 * which is in DM_REFUSED_VALUES). `refused`: the key itself is refused. `none`: accepted, and
 * nothing reads it (the reason given).
 */
export type NoEffect =
  | { readonly why: 'warned' | 'only-default' | 'refused' }
  | { readonly why: 'none'; readonly reason: string };
const warned = { why: 'warned' } as const;
const onlyDefault = { why: 'only-default' } as const;
const refused = { why: 'refused' } as const;

const WARNED_SEC = (p: string) =>
  Object.fromEntries(
    [
      'ssl-ca-bytes',
      'ssl-cert-bytes',
      'ssl-key-bytes',
      'ssl-ca-base64',
      'ssl-cert-base64',
      'ssl-key-base64',
    ].map((k) => [`${p}${k}`, warned]),
  );

export const NO_EFFECT: Record<ConfigKind, Record<string, NoEffect>> = {
  task: {
    'enable-heartbeat': warned,
    'heartbeat-update-interval': warned,
    'heartbeat-report-interval': warned,
    'ansi-quotes': warned,
    'remove-meta': warned,
    'target-database.max-allowed-packet': warned,
    'mydumpers.*.mydumper-path': warned,
    'mydumpers.*.skip-tz-utc': warned,
    'loaders.*.on-duplicate': warned,
    'loaders.*.sorting-dir-physical': warned,
    'loaders.*.on-duplicate-physical': warned,
    'loaders.*.disk-quota-physical': warned,
    'loaders.*.checksum-physical': warned,
    'loaders.*.analyze': warned,
    'loaders.*.range-concurrency': warned,
    'loaders.*.compress-kv-pairs': warned,
    'loaders.*.pd-addr': warned,
    'loaders.*.security.ssl-ca': warned,
    'syncers.*.meta-file': warned,
    'syncers.*.max-retry': warned,
    'syncers.*.auto-fix-gtid': warned,
    'syncers.*.enable-gtid': warned,
    'syncers.*.disable-detect': warned,
    'syncers.*.enable-ansi-quotes': warned,
    collation_compatible: onlyDefault,
    'experimental.async-checkpoint-flush': onlyDefault,
    // logical (also its old names sql/loader) is the one import mode: physical and import-into are TiDB-only
    'loaders.*.import-mode': onlyDefault,
    'validators.*.start-time': refused,
    'mysql-instances.*.column-mapping-rules': refused,
    'column-mappings.*.schema-pattern': refused,
    'column-mappings.*.table-pattern': refused,
    'column-mappings.*.source-column': refused,
    'column-mappings.*.target-column': refused,
    'column-mappings.*.expression': refused,
    'column-mappings.*.arguments': refused,
    'column-mappings.*.create-table-query': refused,
  },
  source: {
    'auto-fix-gtid': warned,
    'meta-dir': warned,
    charset: warned,
    'from.max-allowed-packet': warned,
    tracer: warned,
  },
  master: {
    'log-rotate': warned,
    ...WARNED_SEC(''),
    'rpc-timeout': onlyDefault,
    'rpc-rate-limit': onlyDefault,
    'rpc-rate-burst': onlyDefault,
    'v1-sources-path': onlyDefault,
    'config-file': {
      why: 'none',
      reason: 'the path of the file being read; DM records it and reads nothing from it',
    },
  },
  worker: {
    'log-rotate': warned,
    'redact-info-log': warned,
    ...WARNED_SEC(''),
    'config-file': {
      why: 'none',
      reason: 'the path of the file being read; DM records it and reads nothing from it',
    },
  },
};

/**
 * Tests that prove what a key's resolved field does (paths from the repository root). Most
 * drive the units with the resolved config object (SubTaskConfig, SourceConfig, flags), whose
 * field EFFECTS ties to the key; the config-key tests drive them from DM config text. A key
 * without an entry has its effect on the resolved config asserted only.
 */
const I = 'test/integration/';
export const BEHAVIOUR: Record<ConfigKind, Record<string, readonly string[]>> = {
  task: {
    'task-mode': [`${I}worker/worker-full.test.ts`, `${I}worker/worker-all.test.ts`],
    'shard-mode': [`${I}shard/optimistic.test.ts`],
    'strict-optimistic-shard-mode': [
      `${I}shard/optimistic.test.ts`,
      `${I}shard/optimistic-nonstrict.test.ts`,
    ],
    'ignore-checking-items': [`${I}checker/prechecks.test.ts`],
    'meta-schema': [`${I}sync/sync-config-keys.test.ts`],
    timezone: [`${I}security/task-timezone.test.ts`],
    'case-sensitive': [`${I}sync/sync-config-keys.test.ts`],
    'online-ddl': [`${I}sync/sync-online-ddl.test.ts`],
    'clean-dump-file': [`${I}load/load.test.ts`],
    'target-database.security.ssl-ca': [`${I}security/tls-upstream-downstream.test.ts`],
    'target-database.security.cert-allowed-cn': [`${I}security/tls-upstream-downstream.test.ts`],
    'target-database.security.ssl-ca-bytes': [`${I}security/tls-upstream-downstream.test.ts`],
    'mysql-instances.*.meta.binlog-gtid': [`${I}sync/sync-gtid.test.ts`],
    'mysql-instances.*.block-allow-list': [
      `${I}sync/sync-filters.test.ts`,
      `${I}sync/sync-config-keys.test.ts`,
    ],
    'mysql-instances.*.route-rules': [`${I}sync/sync-filters.test.ts`],
    'mysql-instances.*.filter-rules': [`${I}sync/sync-filters.test.ts`],
    'mysql-instances.*.expression-filters': [`${I}security/task-timezone.test.ts`],
    'mysql-instances.*.validator-config-name': [`${I}validation/validator.test.ts`],
    'routes.*.schema-pattern': [`${I}sync/sync-filters.test.ts`, `${I}sync/sync-config-keys.test.ts`],
    'routes.*.table-pattern': [`${I}sync/sync-filters.test.ts`],
    'routes.*.target-schema': [`${I}sync/sync-filters.test.ts`],
    'routes.*.target-table': [`${I}sync/sync-filters.test.ts`, `${I}load/load.test.ts`],
    'routes.*.extract-table.table-regexp': [`${I}shard-extract/extract.test.ts`],
    'routes.*.extract-table.target-column': [`${I}shard-extract/extract.test.ts`],
    'routes.*.extract-schema.schema-regexp': [`${I}shard-extract/extract.test.ts`],
    'routes.*.extract-schema.target-column': [`${I}shard-extract/extract.test.ts`],
    'routes.*.extract-source.source-regexp': [`${I}shard-extract/extract.test.ts`],
    'routes.*.extract-source.target-column': [`${I}shard-extract/extract.test.ts`],
    'filters.*.schema-pattern': [`${I}sync/sync-filters.test.ts`],
    'filters.*.table-pattern': [`${I}sync/sync-filters.test.ts`],
    'filters.*.events': [`${I}sync/sync-filters.test.ts`],
    'filters.*.sql-pattern': [`${I}sync/sync-config-keys.test.ts`],
    'filters.*.action': [`${I}sync/sync-filters.test.ts`, 'src/pkg/filter/binlog-event-filter.test.ts'],
    'expression-filter.*.insert-value-expr': [`${I}security/task-timezone.test.ts`],
    'block-allow-list.*.do-dbs': [`${I}sync/sync-filters.test.ts`],
    'block-allow-list.*.do-tables': [`${I}sync/sync-config-keys.test.ts`],
    'block-allow-list.*.ignore-tables': [`${I}sync/sync-filters.test.ts`],
    'block-allow-list.*.ignore-dbs': ['src/pkg/filter/block-allow-list.test.ts'],
    'mydumpers.*.rows': [`${I}dump/dump.test.ts`, `${I}dump/sampled-split.test.ts`],
    'mydumpers.*.chunk-filesize': ['src/dump/chunk-plan.test.ts'],
    'mydumpers.*.extra-args': [`${I}dump/dump.test.ts`],
    'loaders.*.dir': [`${I}load/load.test.ts`],
    'loaders.*.on-duplicate-logical': [`${I}load/load.test.ts`],
    'syncers.*.batch': [`${I}sync/sync-merge.test.ts`, `${I}sync/sync-compact.test.ts`],
    'syncers.*.worker-count': [`${I}sync/sync-compact.test.ts`, `${I}sync/sync-crash.test.ts`],
    'syncers.*.checkpoint-flush-interval': [
      `${I}sync/sync-config-keys.test.ts`,
      `${I}sync/sync-crash.test.ts`,
      `${I}sync/sync-clean-restart.test.ts`,
    ],
    'syncers.*.compact': [`${I}sync/sync-compact.test.ts`],
    'syncers.*.multiple-rows': [`${I}sync/sync-merge.test.ts`],
    'syncers.*.safe-mode': [`${I}sync/sync-merge.test.ts`],
    'syncers.*.safe-mode-duration': [
      `${I}sync/sync-clean-restart.test.ts`,
      `${I}sync/sync-first-flush.test.ts`,
    ],
    'validators.*.mode': [`${I}validation/validator.test.ts`],
  },
  source: {
    'enable-gtid': [`${I}sync/sync-gtid.test.ts`],
    'enable-relay': [`${I}worker/worker-relay-switch.test.ts`],
    'relay-dir': [`${I}worker/worker-relay.test.ts`],
    'relay-binlog-gtid': [`${I}relay/relay-gtid.test.ts`],
    'server-id': [`${I}binlog-client/server-id.test.ts`],
    'from.security.ssl-ca': [`${I}security/tls-upstream-downstream.test.ts`],
    'from.security.cert-allowed-cn': [`${I}security/tls-upstream-downstream.test.ts`],
    'purge.interval': [`${I}relay/relay-purge-config.test.ts`, 'src/relay/relay-purger.test.ts'],
    'purge.expires': ['src/relay/relay-purger.test.ts'],
    'purge.remain-space': [`${I}relay/relay-purge-config.test.ts`, 'src/relay/relay-purger.test.ts'],
    'checker.check-enable': ['src/pkg/config/config-fidelity.test.ts'],
    'checker.backoff-min': ['src/pkg/config/config-fidelity.test.ts'],
    'checker.backoff-max': ['src/pkg/config/config-fidelity.test.ts'],
    'checker.backoff-factor': ['src/pkg/config/config-fidelity.test.ts'],
    'checker.backoff-rollback': ['src/pkg/config/config-fidelity.test.ts'],
  },
  master: {
    'ssl-ca': [`${I}security/cluster-tls.test.ts`],
    'cert-allowed-cn': [`${I}security/cluster-tls.test.ts`],
    'secret-key-path': ['src/pkg/config/encrypt.test.ts'],
  },
  worker: {
    'keepalive-ttl': [`${I}ha/worker-failover.test.ts`],
    'ssl-ca': [`${I}security/cluster-tls.test.ts`],
    'cert-allowed-cn': [`${I}security/cluster-tls.test.ts`],
  },
};
