import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTaskConfig } from '../pkg/config/index.js';
import { E, isDmError } from '../pkg/errors/index.js';
import { PASSWORD_MASK, taskConfigToJson, taskJsonToDoc, taskJsonToYaml } from './task-json.js';

/** A DM OpenAPI Task with every field we map given explicitly (so it round-trips exactly). */
function dmTask(): Record<string, unknown> {
  return {
    name: 'task-1',
    task_mode: 'all',
    shard_mode: 'pessimistic',
    strict_optimistic_shard_mode: false,
    meta_schema: 'dm_meta',
    timezone: '+08:00',
    enhance_online_schema_change: true,
    on_duplicate: 'error',
    ignore_checking_items: ['version'],
    target_config: {
      host: '127.0.0.1',
      port: 4000,
      user: 'root',
      password: 'pw',
      session: { foreign_key_checks: '0' },
    },
    binlog_filter_rule: {
      'rule-1': { ignore_event: ['delete'], ignore_sql: ['^DROP'] },
    },
    // Per source, whole-schema rules first: GET lists do-dbs before do-tables.
    table_migrate_rule: [
      { source: { source_name: 'mysql-01', schema: 'crm', table: '' } },
      {
        source: { source_name: 'mysql-01', schema: 'shop', table: 'orders' },
        target: { schema: 'mall', table: 'all_orders' },
        binlog_filter_rule: ['rule-1'],
      },
      {
        source: { source_name: 'mysql-02', schema: 'shop', table: 'orders' },
        target: { schema: 'mall', table: 'all_orders' },
      },
    ],
    source_config: {
      full_migrate_conf: {
        export_threads: 8,
        import_threads: 32,
        data_dir: './exported',
        consistency: 'snapshot',
        import_mode: 'logical',
      },
      incr_migrate_conf: { repl_threads: 12, repl_batch: 200, safe_mode: true },
      source_conf: [
        { source_name: 'mysql-01', binlog_name: 'mysql-bin.000003', binlog_pos: 1234, binlog_gtid: '' },
        { source_name: 'mysql-02' },
      ],
    },
  };
}

function codeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(isDmError(err), String(err));
    return err.code;
  }
  assert.fail('no error thrown');
}

describe('DM OpenAPI task JSON → task config', () => {
  it('maps migrate rules to block-allow-list, routes and filters as DM does', () => {
    const cfg = parseTaskConfig(taskJsonToYaml(dmTask()), 'api');
    assert.equal(cfg.name, 'task-1');
    assert.equal(cfg.taskMode, 'all');
    assert.equal(cfg.shardMode, 'pessimistic');
    assert.equal(cfg.onlineDdl, true);
    assert.deepEqual(cfg.ignoreCheckingItems, ['version']);
    assert.deepEqual(cfg.targetDatabase, {
      host: '127.0.0.1',
      port: 4000,
      user: 'root',
      password: 'pw',
      session: { foreign_key_checks: '0' },
    });
    assert.equal(cfg.timezone, '+08:00');
    const [i1, i2] = cfg.mysqlInstances;
    assert.ok(i1 && i2);
    assert.equal(i1.sourceId, 'mysql-01');
    assert.deepEqual(i1.meta, { binlogName: 'mysql-bin.000003', binlogPos: 1234, binlogGtid: '' });
    assert.equal(i2.meta, undefined);
    // Rule with table → do-tables; rule with empty table → do-dbs.
    const bal1 = cfg.blockAllowList[i1.blockAllowList ?? ''];
    assert.deepEqual(bal1, {
      doDbs: ['crm'],
      ignoreDbs: [],
      doTables: [{ dbName: 'shop', tblName: 'orders' }],
      ignoreTables: [],
    });
    // The same route on two sources is one rule, shared (DM's getGenerateName).
    assert.equal(i1.routeRules.length, 1);
    assert.deepEqual(i1.routeRules, i2.routeRules);
    assert.deepEqual(cfg.routes[i1.routeRules[0] ?? ''], {
      schemaPattern: 'shop',
      tablePattern: 'orders',
      targetSchema: 'mall',
      targetTable: 'all_orders',
    });
    // The filter template is instantiated on the rule's patterns, action Ignore.
    assert.deepEqual(i1.filterRules, ['rule-1']);
    assert.deepEqual(i2.filterRules, []);
    assert.deepEqual(cfg.filters['rule-1'], {
      schemaPattern: 'shop',
      tablePattern: 'orders',
      events: ['delete'],
      sqlPattern: ['^DROP'],
      action: 'Ignore',
    });
    // Unit settings apply to every source.
    for (const i of [i1, i2]) {
      assert.equal(i.mydumper.threads, 8);
      assert.equal(i.mydumper.consistency, 'snapshot');
      assert.equal(i.loader.poolSize, 32);
      assert.equal(i.loader.dir, './exported');
      assert.equal(i.loader.onDuplicateLogical, 'error');
      assert.equal(i.syncer.workerCount, 12);
      assert.equal(i.syncer.batch, 200);
      assert.equal(i.syncer.safeMode, true);
    }
  });

  it('timezone, safe_mode and the physical-import fields reach the task keys DM maps them to', () => {
    const t = dmTask();
    const sc = t.source_config as { full_migrate_conf: Record<string, unknown> };
    Object.assign(sc.full_migrate_conf, {
      sorting_dir: './sort',
      disk_quota: '80G',
      checksum: 'off',
      analyze: 'off',
      range_concurrency: 2,
      'compress-kv-pairs': 'gz',
      pd_addr: '127.0.0.1:2379',
      on_duplicate_physical: 'manual',
    });
    const doc = taskJsonToDoc(t) as {
      timezone?: string;
      'mysql-instances': { loader: Record<string, unknown> }[];
    };
    assert.equal(doc.timezone, '+08:00');
    assert.deepEqual(doc['mysql-instances'][0]?.loader, {
      'pool-size': 32,
      dir: './exported',
      'import-mode': 'logical',
      'on-duplicate-logical': 'error',
      'sorting-dir-physical': './sort',
      'disk-quota-physical': '80G',
      'checksum-physical': 'off',
      analyze: 'off',
      'compress-kv-pairs': 'gz',
      'pd-addr': '127.0.0.1:2379',
      'on-duplicate-physical': 'manual',
      'range-concurrency': 2,
    });
    // the task parser takes them as it takes them from a task.yaml (DM ignores them with logical import)
    const warned: string[] = [];
    parseTaskConfig(taskJsonToYaml(t), 'api', { warn: (w) => warned.push(`${w.def.code} ${w.key}`) });
    for (const k of ['sorting-dir-physical', 'checksum-physical', 'analyze', 'pd-addr', 'range-concurrency'])
      assert.ok(warned.includes(`20050 mysql-instances[0].loader.${k}`), `${k}: ${warned.join(', ')}`);
    const none = taskConfigToJson(
      parseTaskConfig(taskJsonToYaml({ ...dmTask(), timezone: undefined }), 'api'),
    );
    assert.equal('timezone' in none, false);
  });

  it('fills DM defaults: meta_schema dm_meta, online DDL on, overwrite = replace', () => {
    const t = dmTask();
    delete t.meta_schema;
    delete t.enhance_online_schema_change;
    t.on_duplicate = 'overwrite';
    delete t.source_config;
    t.source_config = { source_conf: [{ source_name: 'mysql-01' }] };
    const cfg = parseTaskConfig(taskJsonToYaml(t), 'api');
    assert.equal(cfg.metaSchema, 'dm_meta');
    assert.equal(cfg.onlineDdl, true);
    assert.equal(cfg.mysqlInstances[0]?.loader.onDuplicateLogical, 'replace');
    assert.equal(cfg.mysqlInstances[0]?.mydumper.threads, 4);
  });

  it('a task without migrate rules migrates everything (no block-allow-list)', () => {
    const t = dmTask();
    t.table_migrate_rule = [];
    const doc = taskJsonToDoc(t);
    assert.equal(doc['block-allow-list'], undefined);
    assert.equal(doc.filters, undefined);
    const cfg = parseTaskConfig(taskJsonToYaml(t), 'api');
    assert.equal(cfg.mysqlInstances[0]?.blockAllowList, undefined);
  });

  it('round-trips: JSON → config → JSON gives the posted task back', () => {
    const cfg = parseTaskConfig(taskJsonToYaml(dmTask()), 'api');
    const back = taskConfigToJson(cfg, { showPassword: true });
    assert.deepEqual(back, dmTask(), JSON.stringify(back, null, 1));
    // And the JSON of the reparsed config is a fixed point.
    const again = taskConfigToJson(parseTaskConfig(taskJsonToYaml(back), 'api'), { showPassword: true });
    assert.deepEqual(again, back);
  });

  it('masks the target password unless asked', () => {
    const cfg = parseTaskConfig(taskJsonToYaml(dmTask()), 'api');
    const json = taskConfigToJson(cfg) as { target_config: { password: string } };
    assert.equal(json.target_config.password, PASSWORD_MASK);
  });

  it('a missing required field is a coded error naming its JSON path', () => {
    const t = dmTask();
    delete (t.target_config as Record<string, unknown>).host;
    delete t.task_mode;
    let msg = '';
    try {
      taskJsonToDoc(t);
    } catch (err) {
      assert.ok(isDmError(err));
      assert.equal(err.code, E.configMissingKey.code);
      msg = err.message;
    }
    assert.match(msg, /task\.task_mode is required/);
    assert.match(msg, /task\.target_config\.host is required/);
    const noSources = dmTask();
    delete noSources.source_config;
    assert.equal(
      codeOf(() => taskJsonToDoc(noSources)),
      E.configMissingKey.code,
    );
    assert.equal(
      codeOf(() => taskJsonToDoc(undefined)),
      E.configMissingKey.code,
    );
  });

  it('wrong types, bad enums and unknown filter templates are coded errors', () => {
    const t1 = dmTask();
    (t1.target_config as Record<string, unknown>).port = '4000';
    assert.equal(
      codeOf(() => taskJsonToDoc(t1)),
      E.configWrongType.code,
    );
    const t2 = dmTask();
    t2.task_mode = 'everything';
    assert.equal(
      codeOf(() => taskJsonToDoc(t2)),
      E.configInvalidValue.code,
    );
    const t3 = dmTask();
    (t3.table_migrate_rule as { binlog_filter_rule?: string[] }[])[0] = {
      ...(t3.table_migrate_rule as object[])[0],
      binlog_filter_rule: ['nope'],
    };
    let msg = '';
    try {
      taskJsonToDoc(t3);
    } catch (err) {
      assert.ok(isDmError(err));
      assert.equal(err.code, E.configInvalidValue.code);
      msg = err.message;
    }
    assert.match(msg, /table_migrate_rule\[0\]\.binlog_filter_rule\[0\].*"nope"/);
  });

  it('TLS contents go through saveSecurity; without it they are refused', () => {
    const t = dmTask();
    (t.target_config as Record<string, unknown>).security = {
      ssl_ca_content: 'CA',
      ssl_cert_content: 'CERT',
      ssl_key_content: 'KEY',
    };
    assert.equal(
      codeOf(() => taskJsonToDoc(t)),
      E.configInvalidValue.code,
    );
    const saved: string[] = [];
    const doc = taskJsonToDoc(t, {
      saveSecurity: (owner, sec) => {
        saved.push(owner, sec.sslCaContent);
        return { sslCa: '/x/ca.pem', sslCert: '/x/cert.pem', sslKey: '/x/key.pem' };
      },
    });
    assert.deepEqual(saved, ['task-task-1-target', 'CA']);
    assert.deepEqual((doc['target-database'] as Record<string, unknown>).security, {
      'ssl-ca': '/x/ca.pem',
      'ssl-cert': '/x/cert.pem',
      'ssl-key': '/x/key.pem',
    });
  });
});
