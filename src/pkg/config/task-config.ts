/**
 * `parseTaskConfig`: DM's task.yaml → TaskConfig (named rules resolved per instance, defaults
 * filled from defaults.ts). Checks follow DM's `TaskConfig.adjust()`: dangling rule names,
 * `xxx-config-name` together with an inline `xxx`, duplicate source-ids, global rules no
 * instance uses, bad durations and enum values. Every error names the key path and line.
 */
import { invalidTimeZone } from '../binlog/time-zone.js';
import { E, type ErrorDef } from '../errors/index.js';
import { isCheckingItem } from './checking-items.js';
import { TARGET_DEFAULT_PORT, TASK_DEFAULTS } from './defaults.js';
import { TASK_IGNORED_KEYS, warnIgnoredKeys } from './dm-ignored-keys.js';
import { maybeDecrypt } from './encrypt.js';
import { checkFilterEvent } from './filter-event-check.js';
import { b, list, n, normaliseDb, normaliseFilterRule, nz, type Raw, s, sub } from './normalise.js';
import { taskSchema } from './schema/task-schema.js';
import { dropNulls, schemaIssues } from './schema-check.js';
import type { ParseOptions } from './source-config.js';
import {
  checkExprFilter,
  checkExtractors,
  mapValues,
  normaliseBal,
  normaliseExprFilter,
  normaliseRoute,
  validRegex,
} from './task-rules.js';
import { normaliseLoader, normaliseMydumper, normaliseSyncer } from './task-units.js';
import type { ShardMode, TaskConfig, TaskMode, ValidatorConfig } from './types.js';
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
  // DM's IsForeignKeyChecksEnabled: the target session keeps FK checks on (value ON or 1).
  const foreignKeyChecks = Object.entries(sub(sub(r['target-database']).session)).some(
    ([k, v]) =>
      k.toLowerCase() === 'foreign_key_checks' &&
      ['on', '1'].includes(
        String(v)
          .replace(/^[ '"]+|[ '"]+$/g, '')
          .toLowerCase(),
      ),
  );
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
    const syncer = unit('syncer', syncers, (raw, path) => {
      const c = normaliseSyncer(raw, path, bad);
      if (foreignKeyChecks) {
        // DM's CheckForeignKeyChecksSyncerOptions: with foreign_key_checks=1 downstream, the
        // options that change DML statement boundaries are refused. Both default on here
        // (off in DM): unset, they take DM's default instead.
        for (const [key, field] of [
          ['compact', 'compact'],
          ['multiple-rows', 'multipleRows'],
        ] as const) {
          if (raw[key] === undefined) c[field] = false;
          else if (c[field])
            bad(
              E.configForeignKeyChecksOption,
              [...path, key],
              `\`${key}\` is not supported when foreign_key_checks=1`,
            );
        }
      }
      return c;
    });
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
