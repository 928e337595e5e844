/**
 * DM's OpenAPI `Task` JSON ⇄ our task config, as DM's `OpenAPITaskToSubTaskConfigs` and
 * `SubTaskConfigsToOpenAPITask` (dm/config/task_converters.go) do it:
 *
 * - `table_migrate_rule[]` per source: a rule with `target.schema|table` becomes a route
 *   (source schema/table patterns → target); every rule adds its schema (empty `table`) to the
 *   source's block-allow-list `do-dbs`, or its schema+table to `do-tables`; each name in the
 *   rule's `binlog_filter_rule` instantiates that template as an Ignore filter on the rule's
 *   schema/table patterns.
 * - `source_config.full_migrate_conf` / `incr_migrate_conf` apply to every source (mydumper
 *   threads and `--consistency`, loader pool-size/dir/import-mode, syncer worker-count/batch);
 *   `source_conf[]` gives the sources and their start position (`meta`).
 *
 * The forward direction produces DM task.yaml text, so every check (schema, rule references,
 * enums, prechecks) stays in the one task-config parser and `startTask`/`createTask`.
 */
import { stringify } from 'yaml';
import type { FilterRule, TaskConfig } from '../pkg/config/types.js';
import { TASK_MODES } from '../pkg/config/types.js';
import { type Json, JsonReader, readSecurity, type SaveSecurity } from './task-json-reader.js';

export interface TaskJsonOptions {
  /** Where TLS contents in `target_config.security` go (the HTTP edge writes files). */
  saveSecurity?: SaveSecurity;
}

/** What DM shows instead of a password (`ObfuscatedPasswordForFeedback`). */
export const PASSWORD_MASK = '******';

const SHARD_MODES = ['pessimistic', 'optimistic'] as const;
/** DM 6.x says replace|error|ignore; DM 5.x said overwrite|error (overwrite = replace). */
const ON_DUPLICATE = ['replace', 'error', 'ignore', 'overwrite'] as const;
const CONSISTENCY = ['auto', 'flush', 'snapshot', 'lock', 'none'] as const;

/** Name generator that gives identical rules one shared name (as DM's getGenerateName). */
class RuleNames<T> {
  private readonly byContent = new Map<string, string>();
  readonly rules: Record<string, T> = {};
  constructor(private readonly prefix: string) {}
  name(rule: T, preferred?: string): string {
    const key = JSON.stringify(rule);
    const known = this.byContent.get(key);
    if (known) return known;
    let name = preferred && !(preferred in this.rules) ? preferred : '';
    for (let i = this.byContent.size + 1; name === ''; i++) {
      const cand = `${this.prefix}-${String(i).padStart(2, '0')}`;
      if (!(cand in this.rules)) name = cand;
    }
    this.byContent.set(key, name);
    this.rules[name] = rule;
    return name;
  }
}

/**
 * DM `Task` JSON → task.yaml document (kebab-case keys, as a user would write it). Throws a
 * coded config error naming every missing or mistyped field by its JSON path.
 */
export function taskJsonToDoc(task: unknown, opts: TaskJsonOptions = {}): Json {
  const r = new JsonReader('task');
  if (task === null || typeof task !== 'object' || Array.isArray(task)) {
    r.obj({ task }, 'task', 'body', true);
    r.done();
  }
  const t = task as Json;
  const P = 'task';
  const name = r.str(t, 'name', P, { required: true }) ?? '';
  const doc: Json = { name };
  doc['task-mode'] = r.str(t, 'task_mode', P, { required: true, oneOf: TASK_MODES });
  const shard = r.str(t, 'shard_mode', P, { oneOf: SHARD_MODES });
  if (shard) doc['shard-mode'] = shard;
  if (r.bool(t, 'strict_optimistic_shard_mode', P)) doc['strict-optimistic-shard-mode'] = true;
  // DM's Task.Adjust: meta_schema defaults to dm_meta; the spec defaults online DDL on.
  doc['meta-schema'] = r.str(t, 'meta_schema', P, { dflt: 'dm_meta' }) || 'dm_meta';
  doc['online-ddl'] = r.bool(t, 'enhance_online_schema_change', P, { dflt: true });
  const tz = r.str(t, 'timezone', P);
  if (tz) doc.timezone = tz;
  const ignore = r.strList(t, 'ignore_checking_items', P);
  if (ignore?.length) doc['ignore-checking-items'] = ignore;
  const onDupRaw = r.str(t, 'on_duplicate', P, { oneOf: ON_DUPLICATE });
  const onDup = onDupRaw === 'overwrite' ? 'replace' : onDupRaw;

  const target = r.obj(t, 'target_config', P, true);
  if (target) {
    const tp = `${P}.target_config`;
    const db: Json = {
      host: r.str(target, 'host', tp, { required: true }),
      port: r.int(target, 'port', tp, { required: true }),
      user: r.str(target, 'user', tp, { required: true }),
      password: r.str(target, 'password', tp, { dflt: '' }),
    };
    const sec = readSecurity(r, target, 'security', tp, `task-${name}-target`, opts.saveSecurity);
    if (sec) db.security = sec;
    // DM's TaskTargetSession: only foreign_key_checks ("0" | "1"), as DM's converter.
    const session = r.obj(target, 'session', tp);
    const fkc = session
      ? r.str(session, 'foreign_key_checks', `${tp}.session`, { oneOf: ['0', '1'] })
      : undefined;
    if (fkc !== undefined) db.session = { foreign_key_checks: fkc };
    doc['target-database'] = db;
  }

  // binlog_filter_rule: name → template {ignore_event, ignore_sql}.
  const templates = new Map<string, { events: string[]; sql: string[] }>();
  const bfr = r.obj(t, 'binlog_filter_rule', P);
  for (const key of Object.keys(bfr ?? {})) {
    const bp = `${P}.binlog_filter_rule`;
    const rule = r.obj(bfr ?? {}, key, bp);
    if (!rule) continue;
    templates.set(key, {
      events: r.strList(rule, 'ignore_event', `${bp}.${key}`) ?? [],
      sql: r.strList(rule, 'ignore_sql', `${bp}.${key}`) ?? [],
    });
  }

  const sc = r.obj(t, 'source_config', P, true);
  const scp = `${P}.source_config`;
  const full = sc ? r.obj(sc, 'full_migrate_conf', scp) : undefined;
  const incr = sc ? r.obj(sc, 'incr_migrate_conf', scp) : undefined;
  const mydumper: Json = {};
  const loader: Json = {};
  const syncer: Json = {};
  if (full) {
    const fp = `${scp}.full_migrate_conf`;
    const threads = r.int(full, 'export_threads', fp);
    if (threads !== undefined) mydumper.threads = threads;
    const consistency = r.str(full, 'consistency', fp, { oneOf: CONSISTENCY });
    if (consistency) mydumper['extra-args'] = `--consistency ${consistency}`;
    const pool = r.int(full, 'import_threads', fp);
    if (pool !== undefined) loader['pool-size'] = pool;
    const dir = r.str(full, 'data_dir', fp);
    if (dir) loader.dir = dir;
    const mode = r.str(full, 'import_mode', fp);
    if (mode) loader['import-mode'] = mode;
    // DM 6.x moved on_duplicate here (on_duplicate_logical); it wins over the task-level one.
    const dupLogical = r.str(full, 'on_duplicate_logical', fp, { oneOf: ON_DUPLICATE });
    const dup = dupLogical ?? onDup;
    if (dup) loader['on-duplicate-logical'] = dup === 'overwrite' ? 'replace' : dup;
    // The physical-import fields go to the loader keys DM maps them to, so the task parser
    // treats them as in a task.yaml (warned 20050 with logical import, as DM ignores them).
    for (const [json, key] of [
      ['sorting_dir', 'sorting-dir-physical'],
      ['disk_quota', 'disk-quota-physical'],
      ['checksum', 'checksum-physical'],
      ['analyze', 'analyze'],
      ['compress-kv-pairs', 'compress-kv-pairs'],
      ['pd_addr', 'pd-addr'],
      ['on_duplicate_physical', 'on-duplicate-physical'],
    ] as const) {
      const v = r.str(full, json, fp);
      if (v !== undefined) loader[key] = v;
    }
    const ranges = r.int(full, 'range_concurrency', fp);
    if (ranges !== undefined) loader['range-concurrency'] = ranges;
    const lsec = readSecurity(r, full, 'security', fp, `task-${name}-loader`, opts.saveSecurity);
    if (lsec) loader.security = lsec;
  } else if (onDup) {
    loader['on-duplicate-logical'] = onDup;
  }
  if (incr) {
    const ip = `${scp}.incr_migrate_conf`;
    const workers = r.int(incr, 'repl_threads', ip);
    if (workers !== undefined) syncer['worker-count'] = workers;
    const batch = r.int(incr, 'repl_batch', ip);
    if (batch !== undefined) syncer.batch = batch;
    const safe = r.bool(incr, 'safe_mode', ip);
    if (safe !== undefined) syncer['safe-mode'] = safe;
  }

  // table_migrate_rule, grouped by source (rules of sources not in source_conf are ignored, as DM).
  type MigrateRule = { schema: string; table: string; tSchema?: string; tTable?: string; filters: string[] };
  const rulesBySource = new Map<string, MigrateRule[]>();
  const tmr = r.arr(t, 'table_migrate_rule', P, true) ?? [];
  for (const { item, path } of r.objects(tmr, `${P}.table_migrate_rule`)) {
    const src = r.obj(item, 'source', path, true);
    if (!src) continue;
    const sp = `${path}.source`;
    const sourceName = r.str(src, 'source_name', sp, { required: true }) ?? '';
    const rule: MigrateRule = {
      schema: r.str(src, 'schema', sp, { required: true }) ?? '',
      table: r.str(src, 'table', sp, { dflt: '' }) ?? '',
      filters: r.strList(item, 'binlog_filter_rule', path) ?? [],
    };
    const tgt = r.obj(item, 'target', path);
    if (tgt) {
      const ts = r.str(tgt, 'schema', `${path}.target`);
      const tt = r.str(tgt, 'table', `${path}.target`);
      if (ts !== undefined) rule.tSchema = ts;
      if (tt !== undefined) rule.tTable = tt;
    }
    rule.filters.forEach((f, i) => {
      if (!templates.has(f))
        r.invalid(
          `${path}.binlog_filter_rule[${i}]`,
          `filter rule "${f}" is not defined in binlog_filter_rule`,
        );
    });
    rulesBySource.set(sourceName, [...(rulesBySource.get(sourceName) ?? []), rule]);
  }

  const routes = new RuleNames<Json>('route');
  const filters = new RuleNames<Json>('filter');
  const bals = new RuleNames<Json>('balist');
  const instances: Json[] = [];
  const confs = sc ? (r.arr(sc, 'source_conf', scp, true) ?? []) : [];
  if (sc && confs.length === 0) r.invalid(`${scp}.source_conf`, 'must name at least one source');
  for (const { item, path } of r.objects(confs, `${scp}.source_conf`)) {
    const source = r.str(item, 'source_name', path, { required: true }) ?? '';
    const inst: Json = { 'source-id': source };
    const binlogName = r.str(item, 'binlog_name', path);
    const binlogPos = r.int(item, 'binlog_pos', path);
    const binlogGtid = r.str(item, 'binlog_gtid', path);
    if (binlogName !== undefined || binlogPos !== undefined || binlogGtid !== undefined) {
      const meta: Json = {};
      if (binlogName !== undefined) meta['binlog-name'] = binlogName;
      if (binlogPos !== undefined) meta['binlog-pos'] = binlogPos;
      if (binlogGtid !== undefined) meta['binlog-gtid'] = binlogGtid;
      inst.meta = meta;
    }
    const doDbs: string[] = [];
    const doTables: Json[] = [];
    const routeNames: string[] = [];
    const filterNames: string[] = [];
    for (const rule of rulesBySource.get(source) ?? []) {
      if (rule.tSchema !== undefined || rule.tTable !== undefined) {
        const route: Json = { 'schema-pattern': rule.schema, 'table-pattern': rule.table };
        route['target-schema'] = rule.tSchema ?? '';
        route['target-table'] = rule.tTable ?? '';
        pushOnce(routeNames, routes.name(route));
      }
      for (const f of rule.filters) {
        const tpl = templates.get(f);
        if (!tpl) continue;
        const filter: Json = { 'schema-pattern': rule.schema };
        if (rule.table !== '') filter['table-pattern'] = rule.table;
        if (tpl.events.length) filter.events = tpl.events;
        if (tpl.sql.length) filter['sql-pattern'] = tpl.sql;
        filter.action = 'Ignore';
        pushOnce(filterNames, filters.name(filter, f));
      }
      if (rule.table === '') pushOnce(doDbs, rule.schema);
      else doTables.push({ 'db-name': rule.schema, 'tbl-name': rule.table });
    }
    if (doDbs.length || doTables.length) {
      const bal: Json = {};
      if (doDbs.length) bal['do-dbs'] = doDbs;
      if (doTables.length) bal['do-tables'] = doTables;
      inst['block-allow-list'] = bals.name(bal);
    }
    if (routeNames.length) inst['route-rules'] = routeNames;
    if (filterNames.length) inst['filter-rules'] = filterNames;
    if (Object.keys(mydumper).length) inst.mydumper = { ...mydumper };
    if (Object.keys(loader).length) inst.loader = { ...loader };
    if (Object.keys(syncer).length) inst.syncer = { ...syncer };
    instances.push(inst);
  }
  r.done();
  doc['mysql-instances'] = instances;
  if (Object.keys(bals.rules).length) doc['block-allow-list'] = bals.rules;
  if (Object.keys(routes.rules).length) doc.routes = routes.rules;
  if (Object.keys(filters.rules).length) doc.filters = filters.rules;
  return doc;
}

/** DM `Task` JSON → DM task.yaml text (what `startTask`/`createTask` take); YAML 1.1 quoting, so `off`/`yes` stay strings for the yaml.v2-compatible parser. */
export function taskJsonToYaml(task: unknown, opts: TaskJsonOptions = {}): string {
  return stringify(taskJsonToDoc(task, opts), { version: '1.1' });
}

function pushOnce(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}

/**
 * Our normalised task config → DM `Task` JSON (for GET). Per-source unit settings are taken
 * from the first source (DM's JSON form has one set for all sources). Filters become
 * templates named after the task's filter rules and are attached to the migrate rules with
 * the same schema/table patterns (DM attaches every filter of a source to every rule of it;
 * ours round-trips what was posted). The password is masked unless `showPassword`.
 */
export function taskConfigToJson(cfg: TaskConfig, opts: { showPassword?: boolean } = {}): Json {
  const first = cfg.mysqlInstances[0];
  const filterTemplates: Json = {};
  const tableRules: Json[] = [];
  const seen = new Set<string>();
  const sourceConf: Json[] = [];

  for (const inst of cfg.mysqlInstances) {
    const src = inst.sourceId;
    const conf: Json = { source_name: src };
    if (inst.meta) {
      conf.binlog_name = inst.meta.binlogName;
      conf.binlog_pos = inst.meta.binlogPos;
      conf.binlog_gtid = inst.meta.binlogGtid;
    }
    sourceConf.push(conf);

    const filters = inst.filterRules
      .map((name) => ({ name, rule: cfg.filters[name] }))
      .filter((f): f is { name: string; rule: FilterRule } => f.rule !== undefined);
    for (const { name, rule } of filters) {
      const tpl: Json = {};
      if (rule.events.length) tpl.ignore_event = rule.events;
      if (rule.sqlPattern.length) tpl.ignore_sql = rule.sqlPattern;
      filterTemplates[name] = tpl;
    }
    const routes = inst.routeRules.map((n) => cfg.routes[n]).filter((x) => x !== undefined);
    const add = (schema: string, table: string): void => {
      const key = JSON.stringify([src, schema, table]);
      if (seen.has(key)) return;
      seen.add(key);
      const rule: Json = { source: { source_name: src, schema, table } };
      const route = routes.find((x) => x.schemaPattern === schema && x.tablePattern === table);
      if (route) {
        const target: Json = { schema: route.targetSchema };
        if (route.targetTable !== '') target.table = route.targetTable;
        rule.target = target;
      }
      const names = filters
        .filter((f) => f.rule.schemaPattern === schema && f.rule.tablePattern === table)
        .map((f) => f.name);
      if (names.length) rule.binlog_filter_rule = names;
      tableRules.push(rule);
    };
    const bal = inst.blockAllowList ? cfg.blockAllowList[inst.blockAllowList] : undefined;
    for (const db of bal?.doDbs ?? []) add(db, '');
    for (const t of bal?.doTables ?? []) add(t.dbName, t.tblName);
    for (const route of routes) add(route.schemaPattern, route.tablePattern);
  }

  const to = cfg.targetDatabase;
  const task: Json = {
    name: cfg.name,
    task_mode: cfg.taskMode,
  };
  if (cfg.shardMode) task.shard_mode = cfg.shardMode;
  task.strict_optimistic_shard_mode = cfg.strictOptimisticShardMode ?? false;
  task.meta_schema = cfg.metaSchema;
  if (cfg.timezone) task.timezone = cfg.timezone;
  task.enhance_online_schema_change = cfg.onlineDdl;
  task.on_duplicate = first?.loader.onDuplicateLogical ?? 'replace';
  if (cfg.ignoreCheckingItems.length) task.ignore_checking_items = [...cfg.ignoreCheckingItems];
  task.target_config = {
    host: to.host,
    port: to.port,
    user: to.user,
    password: opts.showPassword || to.password === '' ? to.password : PASSWORD_MASK,
  };
  // DM's projectTargetSession: only foreign_key_checks, as "0" or "1".
  const fkc = Object.entries(to.session ?? {}).find(([k]) => k.toLowerCase() === 'foreign_key_checks');
  if (fkc) {
    const on = ['1', 'on'].includes(
      String(fkc[1])
        .replace(/^[ '"]+|[ '"]+$/g, '')
        .toLowerCase(),
    );
    (task.target_config as Json).session = { foreign_key_checks: on ? '1' : '0' };
  }
  if (Object.keys(filterTemplates).length) task.binlog_filter_rule = filterTemplates;
  task.table_migrate_rule = tableRules;
  const sourceConfig: Json = {};
  if (first) {
    sourceConfig.full_migrate_conf = {
      export_threads: first.mydumper.threads,
      import_threads: first.loader.poolSize,
      data_dir: first.loader.dir,
      consistency: first.mydumper.consistency,
      import_mode: first.loader.importMode,
    };
    sourceConfig.incr_migrate_conf = {
      repl_threads: first.syncer.workerCount,
      repl_batch: first.syncer.batch,
      safe_mode: first.syncer.safeMode,
    };
  }
  sourceConfig.source_conf = sourceConf;
  task.source_config = sourceConfig;
  return task;
}
