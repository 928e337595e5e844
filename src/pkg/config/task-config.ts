/**
 * `parseTaskConfig`: DM's task.yaml → TaskConfig (named rules resolved per instance, defaults
 * filled from defaults.ts). Checks follow DM's `TaskConfig.adjust()`: dangling rule names,
 * `xxx-config-name` together with an inline `xxx`, duplicate source-ids, global rules no
 * instance uses, bad durations and enum values. Every error names the key path and line.
 */
import { invalidTimeZone } from '../binlog/time-zone.js';
import { E, type ErrorDef } from '../errors/index.js';
import { validateExpression } from '../filter/expression-filter.js';
import { compileExtractRegexp } from '../router/table-router.js';
import { isCheckingItem } from './checking-items.js';
import {
  LOADER_DEFAULTS,
  MYDUMPER_DEFAULTS,
  SYNCER_DEFAULTS,
  TARGET_DEFAULT_PORT,
  TASK_DEFAULTS,
} from './defaults.js';
import { TASK_IGNORED_KEYS, warnIgnoredKeys } from './dm-ignored-keys.js';
import { parseDumpExtraArgs, sizeToMb } from './dump-extra-args.js';
import { parseGoDuration } from './duration.js';
import { maybeDecrypt } from './encrypt.js';
import { checkFilterEvent } from './filter-event-check.js';
import { b, list, n, normaliseDb, normaliseFilterRule, nz, type Raw, s, sub } from './normalise.js';
import { taskSchema } from './schema/task-schema.js';
import { dropNulls, schemaIssues } from './schema-check.js';
import type { ParseOptions } from './source-config.js';
import type {
  BlockAllowListRule,
  ExpressionFilterRule,
  LoaderConfig,
  MydumperConfig,
  RouteRule,
  ShardMode,
  SyncerConfig,
  TaskConfig,
  TaskMode,
  ValidatorConfig,
} from './types.js';
import { normaliseValidator } from './validator-config.js';
import { type ConfigIssue, issuesError, type KeyPath, YamlSource } from './yaml-doc.js';

type Instance = TaskConfig['mysqlInstances'][number];

export function parseTaskConfig(text: string, file = 'task.yaml', opts: ParseOptions = {}): TaskConfig {
  const src = YamlSource.parse(text, file);
  const raw = dropNulls(src.value ?? {});
  const schemaErrs = schemaIssues(taskSchema, raw, src);
  if (schemaErrs.length > 0) throw issuesError(file, schemaErrs);
  const r = raw as Raw;
  const issues: ConfigIssue[] = [];
  const bad = (def: ErrorDef, path: KeyPath, detail: string, focus: 'key' | 'value' = 'value'): void => {
    issues.push({ def, path, line: src.lineOf(path, focus), detail });
  };

  const name = s(r.name);
  if (name === '') bad(E.configInvalidValue, ['name'], 'must not be empty');
  const taskMode = s(r['task-mode']) as TaskMode;

  let shardMode = s(r['shard-mode']) as ShardMode;
  if (shardMode === '' && b(r['is-sharding'], false)) shardMode = 'pessimistic';
  const strictOptimistic = b(r['strict-optimistic-shard-mode'], false);
  if (strictOptimistic && shardMode !== 'optimistic') {
    bad(E.configInvalidValue, ['strict-optimistic-shard-mode'], 'needs shard-mode: optimistic');
  }

  const ignoreCheckingItems = list(r['ignore-checking-items']);
  ignoreCheckingItems.forEach((item, i) => {
    if (!isCheckingItem(item))
      bad(E.configInvalidValue, ['ignore-checking-items', i], `unknown checking item "${item}"`);
  });

  // DM's `strict` adds the upstream's default collation to every CREATE DATABASE/TABLE
  // (for TiDB downstreams, whose default collations differ); that DDL rewrite is not built.
  if (s(r.collation_compatible) === 'strict') {
    bad(
      E.configInvalidValue,
      ['collation_compatible'],
      'collation_compatible: strict is not supported (DDL is replicated as written, which is what the default "loose" does)',
    );
  }

  // DM's experimental async checkpoint flush moves the flush off the DML path; the sync unit
  // here flushes checkpoints in line with the applied DML, so `true` would do nothing.
  if (b(sub(r.experimental)['async-checkpoint-flush'], false)) {
    bad(
      E.configNotSupported,
      ['experimental', 'async-checkpoint-flush'],
      'async-checkpoint-flush: true is not supported: checkpoints are flushed synchronously after the applied DML (the default, false, is what runs)',
    );
  }
  // `mariadb2tidb` rewrites MariaDB DDL for a TiDB downstream (newer DM only, not in DM v8's
  // task.go); the downstream here is MySQL/MariaDB, which takes the DDL as written.
  if (r.mariadb2tidb !== undefined && !['', 'off'].includes(s(sub(r.mariadb2tidb).mode).toLowerCase())) {
    bad(
      E.configNotSupported,
      ['mariadb2tidb', 'mode'],
      'mariadb2tidb DDL conversion is for TiDB downstreams and is not supported: DDL is replicated as written (leave mode empty or "off")',
    );
  }

  const timezone = s(r.timezone);
  const tzProblem = timezone === '' ? undefined : invalidTimeZone(timezone);
  if (tzProblem) bad(E.configInvalidValue, ['timezone'], tzProblem);
  // Without `timezone`, DM takes the zone of the target session (its time_zone variable).
  const sessionTz = Object.entries(sub(sub(r['target-database']).session)).find(
    ([k]) => k.toLowerCase() === 'time_zone',
  );
  const sessionTzProblem = timezone === '' && sessionTz ? invalidTimeZone(s(sessionTz[1])) : undefined;
  if (sessionTz && sessionTzProblem) {
    bad(
      E.configInvalidValue,
      ['target-database', 'session', sessionTz[0]],
      `${sessionTzProblem} (the task's time zone)`,
    );
  }

  let onlineDdl = b(r['online-ddl'], TASK_DEFAULTS.onlineDdl);
  if (s(r['online-ddl-scheme']) !== '') onlineDdl = true;

  // Named rule maps. black-white-list is DM's deprecated name for block-allow-list.
  const balKey =
    r['block-allow-list'] !== undefined || r['black-white-list'] === undefined
      ? 'block-allow-list'
      : 'black-white-list';
  const blockAllowList = mapValues(sub(r[balKey]), normaliseBal);
  const routes = mapValues(sub(r.routes), normaliseRoute);
  for (const [key, rule] of Object.entries(routes)) checkExtractors(key, rule, bad);
  const filters = mapValues(sub(r.filters), normaliseFilterRule);
  const expressionFilter = mapValues(sub(r['expression-filter']), normaliseExprFilter);
  for (const [key, rule] of Object.entries(expressionFilter)) {
    checkExprFilter(key, rule, bad);
  }
  for (const [key, rule] of Object.entries(filters)) {
    rule.events.forEach((e, i) => {
      checkFilterEvent(e, ['filters', key, 'events', i], src, bad, opts.warn);
    });
    rule.sqlPattern.forEach((p, i) => {
      if (!validRegex(p))
        bad(
          E.configInvalidValue,
          ['filters', key, 'sql-pattern', i],
          `invalid regular expression ${JSON.stringify(p)}`,
        );
    });
  }
  const mydumpers = sub(r.mydumpers);
  const loaders = sub(r.loaders);
  const syncers = sub(r.syncers);
  const validators = sub(r.validators);
  const used = new Set<string>();

  const seenSources = new Map<string, number>();
  const instances: Instance[] = [];
  (r['mysql-instances'] as Raw[]).forEach((inst, i) => {
    const at = (...p: (string | number)[]): KeyPath => ['mysql-instances', i, ...p];
    const sourceId = s(inst['source-id']);
    if (sourceId === '') bad(E.configInvalidValue, at('source-id'), 'must not be empty');
    const prev = seenSources.get(sourceId);
    if (prev !== undefined)
      bad(
        E.configInvalidValue,
        at('source-id'),
        `source-id "${sourceId}" is already used by mysql-instances[${prev}]`,
      );
    seenSources.set(sourceId, i);

    const ref = (key: string, names: string[], defined: Record<string, unknown>, kind: string): void => {
      const dup = new Set<string>();
      names.forEach((nm, j) => {
        if (!Object.hasOwn(defined, nm))
          bad(E.configDanglingRef, at(key, j), `${kind} "${nm}" is not defined`);
        if (dup.has(nm)) bad(E.configInvalidValue, at(key, j), `"${nm}" is listed twice`);
        dup.add(nm);
        used.add(`${kind}:${nm}`);
      });
    };
    const routeRules = list(inst['route-rules']);
    const filterRules = list(inst['filter-rules']);
    const exprFilters = list(inst['expression-filters']);
    ref('route-rules', routeRules, routes, 'route rule');
    ref('filter-rules', filterRules, filters, 'filter rule');
    ref('expression-filters', exprFilters, expressionFilter, 'expression filter');
    if (list(inst['column-mapping-rules']).length > 0) {
      bad(
        E.configInvalidValue,
        at('column-mapping-rules'),
        'column mapping is no longer supported (as in DM)',
        'key',
      );
    }

    let balName = s(inst['block-allow-list']);
    let balPath = at('block-allow-list');
    if (balName === '' && s(inst['black-white-list']) !== '') {
      balName = s(inst['black-white-list']);
      balPath = at('black-white-list');
    }
    if (balName !== '' && !Object.hasOwn(blockAllowList, balName)) {
      bad(E.configDanglingRef, balPath, `block-allow-list rule "${balName}" is not defined`);
    }

    const unit = <T>(
      key: 'mydumper' | 'loader' | 'syncer',
      defined: Raw,
      make: (raw: Raw, path: KeyPath) => T,
    ): T => {
      const refName = s(inst[`${key}-config-name`]);
      if (refName !== '' && inst[key] !== undefined) {
        bad(E.configInvalidValue, at(key), `set only one of ${key}-config-name and ${key}`, 'key');
      }
      if (refName !== '') {
        used.add(`${key}:${refName}`);
        if (!Object.hasOwn(defined, refName)) {
          bad(
            E.configDanglingRef,
            at(`${key}-config-name`),
            `${key} config "${refName}" is not defined in ${key}s`,
          );
          return make({}, at(`${key}-config-name`));
        }
        return make(sub(defined[refName]), [`${key}s`, refName]);
      }
      return make(sub(inst[key]), at(key));
    };
    const mydumper = unit('mydumper', mydumpers, (raw, path) => normaliseMydumper(raw, path, bad));
    const loader = unit('loader', loaders, (raw, path) => normaliseLoader(raw, path, bad));
    const syncer = unit('syncer', syncers, (raw, path) => normaliseSyncer(raw, path, bad));
    if (nz(inst['mydumper-thread'], 0) > 0) mydumper.threads = n(inst['mydumper-thread'], 0);
    if (nz(inst['loader-thread'], 0) > 0) loader.poolSize = n(inst['loader-thread'], 0);
    if (nz(inst['syncer-thread'], 0) > 0) syncer.workerCount = n(inst['syncer-thread'], 0);

    const validatorName = s(inst['validator-config-name']);
    let validator: ValidatorConfig | undefined;
    if (validatorName !== '' && Object.hasOwn(validators, validatorName)) {
      validator = normaliseValidator(sub(validators[validatorName]), ['validators', validatorName], bad);
      // DM replays the binlog from start-time; our validator sees the rows the applier
      // commits, so it cannot: refuse instead of accepting and ignoring it.
      if (validator.startTime !== '') {
        bad(
          E.validatorStartTime,
          ['validators', validatorName, 'start-time'],
          'start-time is not supported: the validator checks changes applied after it is enabled',
        );
      }
    }
    if (validatorName !== '') {
      used.add(`validator:${validatorName}`);
      if (!Object.hasOwn(validators, validatorName)) {
        bad(
          E.configDanglingRef,
          at('validator-config-name'),
          `validator config "${validatorName}" is not defined in validators`,
        );
      }
    }

    const out: Instance = {
      sourceId,
      routeRules,
      filterRules,
      expressionFilters: exprFilters,
      mydumper,
      loader,
      syncer,
      ...(validator ? { validator } : {}),
    };
    if (balName !== '') out.blockAllowList = balName;
    if (inst.meta !== undefined) {
      const m = sub(inst.meta);
      out.meta = {
        binlogName: s(m['binlog-name']),
        binlogPos: n(m['binlog-pos'], 4),
        binlogGtid: s(m['binlog-gtid']),
      };
      if (out.meta.binlogName === '' && out.meta.binlogGtid === '') {
        bad(E.configMissingKey, at('meta'), 'meta needs binlog-name (and binlog-pos) or binlog-gtid', 'key');
      }
    }
    instances.push(out);
  });

  // DM rejects global rules that no instance refers to (ErrConfigGlobalConfigsUnused).
  const unused = (key: string, kind: string, names: string[]): void => {
    for (const nm of names)
      if (!used.has(`${kind}:${nm}`))
        bad(
          E.configInvalidValue,
          [key, nm],
          `${kind} "${nm}" is defined but no mysql-instance uses it`,
          'key',
        );
  };
  unused('routes', 'route rule', Object.keys(routes));
  unused('filters', 'filter rule', Object.keys(filters));
  unused('expression-filter', 'expression filter', Object.keys(expressionFilter));
  unused('mydumpers', 'mydumper', Object.keys(mydumpers));
  unused('loaders', 'loader', Object.keys(loaders));
  unused('syncers', 'syncer', Object.keys(syncers));
  unused('validators', 'validator', Object.keys(validators));
  // Named loaders are adjusted even when unused (as DM does).

  if (issues.length > 0) throw issuesError(file, issues);
  warnIgnoredKeys(TASK_IGNORED_KEYS, r, src, opts.warn);

  const target = normaliseDb(sub(r['target-database']), TARGET_DEFAULT_PORT, (p) =>
    opts.encryptKey === undefined ? p : maybeDecrypt(p, opts.encryptKey),
  );
  return {
    name,
    taskMode,
    shardMode,
    metaSchema: s(r['meta-schema']) || TASK_DEFAULTS.metaSchema,
    caseSensitive: b(r['case-sensitive'], TASK_DEFAULTS.caseSensitive),
    timezone,
    onlineDdl,
    shadowTableRules:
      r['shadow-table-rules'] !== undefined
        ? list(r['shadow-table-rules'])
        : [...TASK_DEFAULTS.shadowTableRules],
    trashTableRules:
      r['trash-table-rules'] !== undefined
        ? list(r['trash-table-rules'])
        : [...TASK_DEFAULTS.trashTableRules],
    cleanDumpFile: b(r['clean-dump-file'], TASK_DEFAULTS.cleanDumpFile),
    ignoreCheckingItems,
    targetDatabase: target,
    mysqlInstances: instances,
    blockAllowList,
    routes,
    filters,
    expressionFilter,
    strictOptimisticShardMode: strictOptimistic,
    collationCompatible: s(r.collation_compatible) === 'strict' ? 'strict' : 'loose',
    raw: text,
  };
}

type Bad = (def: ErrorDef, path: KeyPath, detail: string, focus?: 'key' | 'value') => void;

function mapValues<T>(m: Raw, f: (v: Raw) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(sub(v))]));
}

function normaliseBal(raw: Raw): BlockAllowListRule {
  const tables = (v: unknown) =>
    (Array.isArray(v) ? v : []).map((t) => ({
      dbName: s(sub(t)['db-name']),
      tblName: s(sub(t)['tbl-name']),
    }));
  return {
    doDbs: list(raw['do-dbs']),
    ignoreDbs: list(raw['ignore-dbs']),
    doTables: tables(raw['do-tables']),
    ignoreTables: tables(raw['ignore-tables']),
  };
}

function normaliseRoute(raw: Raw): RouteRule {
  const rule: RouteRule = {
    schemaPattern: s(raw['schema-pattern']),
    tablePattern: s(raw['table-pattern']),
    targetSchema: s(raw['target-schema']),
    targetTable: s(raw['target-table']),
  };
  const et = sub(raw['extract-table']);
  const es = sub(raw['extract-schema']);
  const eo = sub(raw['extract-source']);
  if (raw['extract-table'] !== undefined)
    rule.extractTable = { tableRegexp: s(et['table-regexp']), targetColumn: s(et['target-column']) };
  if (raw['extract-schema'] !== undefined)
    rule.extractSchema = { schemaRegexp: s(es['schema-regexp']), targetColumn: s(es['target-column']) };
  if (raw['extract-source'] !== undefined)
    rule.extractSource = { sourceRegexp: s(eo['source-regexp']), targetColumn: s(eo['target-column']) };
  return rule;
}

/**
 * A route's extractors as DM's `TableRule.Valid` checks them: a target column and a regexp
 * that compiles (DM: "table extractor table regexp illegal"), plus what DM's docs say: the
 * regexp is a plain regular expression, never `~`-prefixed. Two extractors of one rule
 * filling the same column would write it twice in one statement.
 */
function checkExtractors(key: string, rule: RouteRule, bad: Bad): void {
  const seen = new Map<string, string>();
  const one = (kind: string, reKey: string, ex: { re: string; column: string } | undefined) => {
    if (!ex) return;
    const at = ['routes', key, kind];
    if (ex.column === '')
      bad(E.configInvalidValue, [...at, 'target-column'], `${kind} needs a target-column`);
    else if (seen.has(ex.column.toLowerCase()))
      bad(
        E.configInvalidValue,
        [...at, 'target-column'],
        `column "${ex.column}" is already filled by ${seen.get(ex.column.toLowerCase())}`,
      );
    seen.set(ex.column.toLowerCase(), kind);
    if (ex.re.startsWith('~'))
      bad(
        E.configInvalidValue,
        [...at, reKey],
        `${reKey} is a regular expression and must not start with "~"`,
      );
    else {
      try {
        compileExtractRegexp(ex.re);
      } catch (err) {
        bad(
          E.configInvalidValue,
          [...at, reKey],
          `${kind} ${reKey} illegal ${JSON.stringify(ex.re)}: ${(err as Error).message}`,
        );
      }
    }
  };
  const t = rule.extractTable;
  const sc = rule.extractSchema;
  const so = rule.extractSource;
  one('extract-table', 'table-regexp', t && { re: t.tableRegexp, column: t.targetColumn });
  one('extract-schema', 'schema-regexp', sc && { re: sc.schemaRegexp, column: sc.targetColumn });
  one('extract-source', 'source-regexp', so && { re: so.sourceRegexp, column: so.targetColumn });
}

function normaliseExprFilter(raw: Raw): ExpressionFilterRule {
  const rule: ExpressionFilterRule = { schema: s(raw.schema), table: s(raw.table) };
  if (raw['insert-value-expr'] !== undefined) rule.insertValueExpr = s(raw['insert-value-expr']);
  if (raw['update-old-value-expr'] !== undefined) rule.updateOldValueExpr = s(raw['update-old-value-expr']);
  if (raw['update-new-value-expr'] !== undefined) rule.updateNewValueExpr = s(raw['update-new-value-expr']);
  if (raw['delete-value-expr'] !== undefined) rule.deleteValueExpr = s(raw['delete-value-expr']);
  return rule;
}

function checkExprFilter(name: string, rule: ExpressionFilterRule, bad: Bad): void {
  const at = (k: string): KeyPath => ['expression-filter', name, k];
  if (rule.schema === '') bad(E.configMissingKey, ['expression-filter', name], 'schema must be set', 'key');
  if (rule.table === '') bad(E.configMissingKey, ['expression-filter', name], 'table must be set', 'key');
  const kinds = [
    rule.insertValueExpr,
    rule.updateOldValueExpr ?? rule.updateNewValueExpr,
    rule.deleteValueExpr,
  ];
  if (kinds.filter((k) => k !== undefined && k !== '').length > 1) {
    bad(
      E.configInvalidValue,
      ['expression-filter', name],
      'set only one of insert-value-expr, update-*-value-expr, delete-value-expr',
      'key',
    );
  }
  for (const [key, expr] of [
    ['insert-value-expr', rule.insertValueExpr],
    ['update-old-value-expr', rule.updateOldValueExpr],
    ['update-new-value-expr', rule.updateNewValueExpr],
    ['delete-value-expr', rule.deleteValueExpr],
  ] as const) {
    if (expr === undefined || expr === '') continue;
    const err = validateExpression(expr);
    if (err) bad(E.configInvalidValue, at(key), `invalid expression ${JSON.stringify(expr)}: ${err}`);
  }
}

function normaliseMydumper(raw: Raw, path: KeyPath, bad: Bad): MydumperConfig {
  const cfg: MydumperConfig = {
    ...MYDUMPER_DEFAULTS,
    threads: nz(raw.threads, MYDUMPER_DEFAULTS.threads),
    rows: n(raw.rows, MYDUMPER_DEFAULTS.rows),
    where: s(raw.where),
    skipTzUtc: b(raw['skip-tz-utc'], MYDUMPER_DEFAULTS.skipTzUtc),
    extraArgs: s(raw['extra-args']),
  };
  // DM: `if cfg.StatementSize > 0` — 0 keeps the default.
  if (nz(raw['statement-size'], 0) > 0) cfg.statementSize = n(raw['statement-size'], 0);
  // DM `ParseFileSize`: a bare number is MiB, else a size with a unit; 0 = no size limit
  // (dumpling's UnspecifiedSize: tables are not cut by size).
  if (raw['chunk-filesize'] !== undefined && s(raw['chunk-filesize']) !== '') {
    const mb = sizeToMb(raw['chunk-filesize']);
    if (mb === undefined)
      bad(
        E.configInvalidValue,
        [...path, 'chunk-filesize'],
        `invalid \`chunk-filesize\` ${JSON.stringify(raw['chunk-filesize'])} (MB, e.g. 64, or a size such as 1GiB; 0 = no limit)`,
      );
    else cfg.chunkFilesize = mb;
  }
  // The dumpling flags DM reads from extra-args: applied, or refused with the reason.
  const extra = parseDumpExtraArgs(cfg.extraArgs);
  for (const p of extra.problems)
    bad(E.configInvalidValue, [...path, 'extra-args'], `${JSON.stringify(p.arg)}: ${p.why}`);
  if (extra.consistency !== undefined) cfg.consistency = extra.consistency;
  if (extra.statementSize !== undefined && extra.statementSize > 0) cfg.statementSize = extra.statementSize;
  if (extra.chunkFilesizeMb !== undefined) cfg.chunkFilesize = extra.chunkFilesizeMb;
  if (extra.rows !== undefined) cfg.rows = extra.rows;
  if (extra.threads !== undefined) cfg.threads = extra.threads;
  if (extra.where !== undefined) cfg.where = extra.where;
  if (extra.tables !== undefined || extra.databases !== undefined) {
    cfg.dumpOnly = {
      doDbs: extra.tables ? [...new Set(extra.tables.map((x) => x.schema))] : (extra.databases ?? []),
      ignoreDbs: [],
      doTables: (extra.tables ?? []).map((x) => ({ dbName: x.schema, tblName: x.table })),
      ignoreTables: [],
    };
  }
  return cfg;
}

function normaliseLoader(raw: Raw, path: KeyPath, bad: Bad): LoaderConfig {
  const cfg: LoaderConfig = {
    ...LOADER_DEFAULTS,
    poolSize: nz(raw['pool-size'], LOADER_DEFAULTS.poolSize),
    dir: s(raw.dir) || LOADER_DEFAULTS.dir,
  };
  const mode = s(raw['import-mode']).toLowerCase();
  if (mode === 'physical' || mode === 'import-into')
    bad(
      E.configNotSupported,
      [...path, 'import-mode'],
      `import-mode ${mode} is TiDB-only (${mode === 'physical' ? 'Lightning local backend' : 'IMPORT INTO'}) and not supported; use logical`,
    );
  else if (mode !== '' && !['logical', 'sql', 'loader'].includes(mode)) {
    bad(
      E.configInvalidValue,
      [...path, 'import-mode'],
      `invalid value "${mode}", expected one of: logical, sql, loader`,
    );
  }
  // DM maps the deprecated `sql`/`loader` modes to logical; so do we.
  cfg.importMode = 'logical';
  // DM reads only on-duplicate-logical; the deprecated `on-duplicate` is read by nothing
  // (dm/config/task.go:298-299; warned in dm-ignored-keys.ts).
  const dup = s(raw['on-duplicate-logical']).toLowerCase();
  if (dup !== '') {
    if (dup === 'replace' || dup === 'error' || dup === 'ignore') cfg.onDuplicateLogical = dup;
    else
      bad(
        E.configInvalidValue,
        [...path, 'on-duplicate-logical'],
        `invalid value "${dup}", expected one of: replace, error, ignore`,
      );
  }
  // The physical-import keys have no effect in logical mode (in DM too), but DM's
  // LoaderConfig.adjust still refuses values outside their sets (dm/config/task.go:366-393).
  for (const [key, allowed] of [
    ['on-duplicate-physical', ['none', 'manual']],
    ['checksum-physical', ['required', 'optional', 'off']],
    ['analyze', ['required', 'optional', 'off']],
  ] as const) {
    const v = s(raw[key]).toLowerCase();
    if (v !== '' && !(allowed as readonly string[]).includes(v))
      bad(
        E.configInvalidValue,
        [...path, key],
        `invalid value "${v}", expected one of: ${allowed.join(', ')}`,
      );
  }
  return cfg;
}

function normaliseSyncer(raw: Raw, path: KeyPath, bad: Bad): SyncerConfig {
  const cfg: SyncerConfig = {
    ...SYNCER_DEFAULTS,
    workerCount: nz(raw['worker-count'], SYNCER_DEFAULTS.workerCount),
    batch: nz(raw.batch, SYNCER_DEFAULTS.batch),
    queueSize: nz(raw['queue-size'], SYNCER_DEFAULTS.queueSize),
    checkpointFlushInterval: nz(raw['checkpoint-flush-interval'], SYNCER_DEFAULTS.checkpointFlushInterval),
    safeMode: b(raw['safe-mode'], SYNCER_DEFAULTS.safeMode),
    compact: b(raw.compact, SYNCER_DEFAULTS.compact),
    multipleRows: b(raw['multiple-rows'], SYNCER_DEFAULTS.multipleRows),
    enableAnsiQuotes: b(raw['enable-ansi-quotes'], SYNCER_DEFAULTS.enableAnsiQuotes),
  };
  // DM: empty safe-mode-duration = twice the checkpoint flush interval.
  cfg.safeModeDuration = s(raw['safe-mode-duration']) || `${2 * cfg.checkpointFlushInterval}s`;
  const ms = parseGoDuration(cfg.safeModeDuration);
  if (ms === undefined || ms < 0) {
    bad(
      E.configInvalidValue,
      [...path, 'safe-mode-duration'],
      `invalid duration "${cfg.safeModeDuration}" (e.g. 60s, 1m30s)`,
    );
  } else if (cfg.safeMode && ms === 0) {
    bad(
      E.configInvalidValue,
      [...path, 'safe-mode-duration'],
      'safe-mode: true conflicts with safe-mode-duration 0s',
    );
  }
  return cfg;
}

function validRegex(p: string): boolean {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}
