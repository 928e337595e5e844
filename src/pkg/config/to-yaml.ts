/**
 * Normalised configs back to DM-style YAML (kebab-case keys, defaults filled), for
 * `config source|task` and `config export`. The output parses back to the same config.
 */
import { stringify } from 'yaml';
import type { DbConfig, DbSecurity, FilterRule, SourceConfig, TaskConfig } from './types.js';

export interface ToYamlOptions {
  /** Replace passwords by "******" (what DM shows users). Default false. */
  hidePassword?: boolean;
}

function db(d: DbConfig, opts: ToYamlOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {
    host: d.host,
    port: d.port,
    user: d.user,
    password: opts.hidePassword && d.password !== '' ? '******' : d.password,
  };
  if (d.session && Object.keys(d.session).length > 0) out.session = { ...d.session };
  if (d.security) {
    out.security = securityToYaml(d.security, opts);
  }
  return out;
}

/**
 * Inline certificate/key contents are kept (the config must parse back to the same one) except
 * in what users are shown: DM leaves `ssl-*-bytes` out of its JSON (`json:"-"`).
 */
function securityToYaml(sec: DbSecurity, opts: ToYamlOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (sec.sslCa) out['ssl-ca'] = sec.sslCa;
  if (sec.sslCert) out['ssl-cert'] = sec.sslCert;
  if (sec.sslKey) out['ssl-key'] = sec.sslKey;
  if (sec.certAllowedCn?.length) out['cert-allowed-cn'] = [...sec.certAllowedCn];
  if (!opts.hidePassword) {
    if (sec.sslCaBytes) out['ssl-ca-bytes'] = sec.sslCaBytes;
    if (sec.sslCertBytes) out['ssl-cert-bytes'] = sec.sslCertBytes;
    if (sec.sslKeyBytes) out['ssl-key-bytes'] = sec.sslKeyBytes;
  }
  return out;
}

function filterRule(f: FilterRule): Record<string, unknown> {
  const out: Record<string, unknown> = { 'schema-pattern': f.schemaPattern };
  if (f.tablePattern) out['table-pattern'] = f.tablePattern;
  if (f.events.length) out.events = f.events;
  if (f.sqlPattern.length) out['sql-pattern'] = f.sqlPattern;
  out.action = f.action;
  return out;
}

export function sourceToYaml(c: SourceConfig, opts: ToYamlOptions = {}): string {
  const out: Record<string, unknown> = {
    'source-id': c.sourceId,
    flavor: c.flavor,
    enable: c.enable ?? true,
    'enable-gtid': c.enableGtid,
    'enable-relay': c.enableRelay,
    'relay-binlog-name': c.relayBinlogName,
    'relay-binlog-gtid': c.relayBinlogGtid,
    'relay-dir': c.relayDir,
    'server-id': c.serverId,
    from: db(c.from, opts),
    purge: { interval: c.purge.interval, expires: c.purge.expires, 'remain-space': c.purge.remainSpace },
    checker: {
      'check-enable': c.checker.checkEnable,
      'backoff-rollback': c.checker.backoffRollback,
      'backoff-max': c.checker.backoffMax,
      ...(c.checker.checkInterval !== undefined ? { 'check-interval': c.checker.checkInterval } : {}),
      ...(c.checker.backoffMin !== undefined ? { 'backoff-min': c.checker.backoffMin } : {}),
      ...(c.checker.backoffJitter !== undefined ? { 'backoff-jitter': c.checker.backoffJitter } : {}),
      ...(c.checker.backoffFactor !== undefined ? { 'backoff-factor': c.checker.backoffFactor } : {}),
    },
    'case-sensitive': c.caseSensitive ?? false,
  };
  if (c.filters?.length) out.filters = c.filters.map(filterRule);
  return stringify(out, { version: '1.1' });
}

export function taskToYaml(t: TaskConfig, opts: ToYamlOptions = {}): string {
  const mapOf = <T>(m: Record<string, T>, f: (v: T) => unknown) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(v)]));
  const validators: Record<string, unknown> = {};
  const out: Record<string, unknown> = {
    name: t.name,
    'task-mode': t.taskMode,
    'shard-mode': t.shardMode,
    ...(t.strictOptimisticShardMode ? { 'strict-optimistic-shard-mode': true } : {}),
    'meta-schema': t.metaSchema,
    'case-sensitive': t.caseSensitive,
    timezone: t.timezone,
    'online-ddl': t.onlineDdl,
    'shadow-table-rules': t.shadowTableRules,
    'trash-table-rules': t.trashTableRules,
    'clean-dump-file': t.cleanDumpFile,
    'ignore-checking-items': t.ignoreCheckingItems,
    collation_compatible: t.collationCompatible ?? 'loose',
    'target-database': db(t.targetDatabase, opts),
    'mysql-instances': t.mysqlInstances.map((i) => {
      const o: Record<string, unknown> = { 'source-id': i.sourceId };
      if (i.meta)
        o.meta = {
          'binlog-name': i.meta.binlogName,
          'binlog-pos': i.meta.binlogPos,
          'binlog-gtid': i.meta.binlogGtid,
        };
      if (i.blockAllowList) o['block-allow-list'] = i.blockAllowList;
      if (i.routeRules.length) o['route-rules'] = i.routeRules;
      if (i.filterRules.length) o['filter-rules'] = i.filterRules;
      if (i.expressionFilters.length) o['expression-filters'] = i.expressionFilters;
      o.mydumper = {
        threads: i.mydumper.threads,
        'chunk-filesize': String(i.mydumper.chunkFilesize),
        rows: i.mydumper.rows,
        where: i.mydumper.where,
        'skip-tz-utc': i.mydumper.skipTzUtc,
        'extra-args': i.mydumper.extraArgs,
      };
      o.loader = {
        'pool-size': i.loader.poolSize,
        dir: i.loader.dir,
        'import-mode': i.loader.importMode,
        'on-duplicate-logical': i.loader.onDuplicateLogical,
      };
      o.syncer = {
        'worker-count': i.syncer.workerCount,
        batch: i.syncer.batch,
        'queue-size': i.syncer.queueSize,
        'checkpoint-flush-interval': i.syncer.checkpointFlushInterval,
        'safe-mode': i.syncer.safeMode,
        'safe-mode-duration': i.syncer.safeModeDuration,
        compact: i.syncer.compact,
        'multiple-rows': i.syncer.multipleRows,
        'enable-ansi-quotes': i.syncer.enableAnsiQuotes,
      };
      // DM has no inline validator: each instance's goes to `validators` under its own name.
      if (i.validator) {
        const v = i.validator;
        const name = `validator-${i.sourceId}`;
        validators[name] = {
          mode: v.mode,
          'worker-count': v.workerCount,
          ...(v.validateInterval ? { 'validate-interval': v.validateInterval } : {}),
          ...(v.checkInterval ? { 'check-interval': v.checkInterval } : {}),
          'row-error-delay': v.rowErrorDelay,
          'meta-flush-interval': v.metaFlushInterval,
          'batch-query-size': v.batchQuerySize,
          'max-pending-row-size': v.maxPendingRowSize,
          'max-pending-row-count': v.maxPendingRowCount,
          ...(v.startTime ? { 'start-time': v.startTime } : {}),
        };
        o['validator-config-name'] = name;
      }
      return o;
    }),
  };
  if (Object.keys(validators).length) out.validators = validators;
  if (Object.keys(t.blockAllowList).length) {
    out['block-allow-list'] = mapOf(t.blockAllowList, (r) => ({
      'do-dbs': r.doDbs,
      'ignore-dbs': r.ignoreDbs,
      'do-tables': r.doTables.map((x) => ({ 'db-name': x.dbName, 'tbl-name': x.tblName })),
      'ignore-tables': r.ignoreTables.map((x) => ({ 'db-name': x.dbName, 'tbl-name': x.tblName })),
    }));
  }
  if (Object.keys(t.routes).length) {
    out.routes = mapOf(t.routes, (r) => {
      const o: Record<string, unknown> = {
        'schema-pattern': r.schemaPattern,
        'table-pattern': r.tablePattern,
        'target-schema': r.targetSchema,
        'target-table': r.targetTable,
      };
      if (r.extractTable)
        o['extract-table'] = {
          'table-regexp': r.extractTable.tableRegexp,
          'target-column': r.extractTable.targetColumn,
        };
      if (r.extractSchema)
        o['extract-schema'] = {
          'schema-regexp': r.extractSchema.schemaRegexp,
          'target-column': r.extractSchema.targetColumn,
        };
      if (r.extractSource)
        o['extract-source'] = {
          'source-regexp': r.extractSource.sourceRegexp,
          'target-column': r.extractSource.targetColumn,
        };
      return o;
    });
  }
  if (Object.keys(t.filters).length) out.filters = mapOf(t.filters, filterRule);
  if (Object.keys(t.expressionFilter).length) {
    out['expression-filter'] = mapOf(t.expressionFilter, (e) => {
      const o: Record<string, unknown> = { schema: e.schema, table: e.table };
      if (e.insertValueExpr !== undefined) o['insert-value-expr'] = e.insertValueExpr;
      if (e.updateOldValueExpr !== undefined) o['update-old-value-expr'] = e.updateOldValueExpr;
      if (e.updateNewValueExpr !== undefined) o['update-new-value-expr'] = e.updateNewValueExpr;
      if (e.deleteValueExpr !== undefined) o['delete-value-expr'] = e.deleteValueExpr;
      return o;
    });
  }
  return stringify(out, { version: '1.1' });
}

/** `config source|task` output: YAML of either kind of config. */
export function toYaml(c: SourceConfig | TaskConfig, opts: ToYamlOptions = {}): string {
  return 'sourceId' in c ? sourceToYaml(c, opts) : taskToYaml(c, opts);
}
