import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { SOURCE_BASE, TASK_BASE, tryKey, withKey } from '../../../scripts/config-key-table.js';
import { DM_KEYS, DM_REFUSED_VALUES, type DmKey } from '../../../scripts/config-keys/dm-keys.js';
import { parseSourceConfig } from '../../../src/pkg/config/source-config.js';
import { parseTaskConfig } from '../../../src/pkg/config/task-config.js';
import type { TaskConfig } from '../../../src/pkg/config/types.js';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  startMaster,
  startWorker,
  waitMasterReady,
  waitWorkerRegistered,
} from '../../harness/cluster.js';
import { httpCall } from '../../harness/dm-api.js';
import { type MariadbInstance, startMariadb } from '../../harness/mariadb.js';
import { tempDir } from '../../harness/tmp.js';

type Obj = Record<string, unknown>;

/**
 * The corpus of scripts/config-keys/dm-keys.ts through DM's OpenAPI, as a DM user would send
 * it: `POST /api/v1/tasks/converters` (task.yaml → Task JSON and back), `POST /api/v1/tasks`
 * with the converted task, `POST /api/v1/sources` with the Source JSON of a source.yaml. The
 * outcome must be the one dmctl gets (config-keys-entry-points.test.ts ties the in-process
 * loader, `tryKey`, to dmctl): the same refusals with the same code, line and key, and for one
 * task and one source carrying every key the JSON forms express, the same stored config
 * whichever way it was created (GET of the API and `dmctl config`).
 */
describe('config keys: the OpenAPI agrees with dmctl', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let master: MasterProcess;
  let worker: DmProcess;
  const dir = tempDir('dm-keys-api-');
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await httpCall(`http://${master.addr}${path}`, method, body);
    let json: Obj = {};
    try {
      json = JSON.parse(r.text) as Obj;
    } catch {
      // empty or non-JSON answer
    }
    return { status: r.status, json, text: r.text };
  };

  before(async () => {
    up = await startMariadb({ serverId: 53 });
    down = await startMariadb({ serverId: 54, noBinlog: true });
    await up.query('CREATE DATABASE db1; CREATE TABLE db1.t1 (id INT PRIMARY KEY, c INT)');
    master = await startMaster({ name: 'm1' });
    await waitMasterReady(master.addr);
    worker = await startWorker('w1', master.addr);
    await waitWorkerRegistered(master.addr, 'w1');
    const f = join(dir, 'source.yaml');
    writeFileSync(f, stringify(withKey(SOURCE_BASE, { key: 'from.port', value: up.port })));
    const r = await dmctl(master.addr, 'operate-source', 'create', f);
    assert.equal(r.json.result, true, r.stdout);
  });

  after(async () => {
    await worker?.stop();
    await master?.stop();
    await Promise.all([up?.destroy(), down?.destroy()]);
  });

  const taskBase = () => withKey(TASK_BASE, { key: 'target-database.port', value: down.port });
  /** "20005: task.yaml:52: key: why" → the same message as the converter names its input. */
  const asConverterSays = (detail: string) =>
    detail.replace(/^\d+: /, '').replaceAll('task.yaml:', 'task_config_file:');

  it('POST /tasks/converters: every corpus task key is refused or accepted as the loader says', async () => {
    let refused = 0;
    let accepted = 0;
    for (const k of [...DM_KEYS.task, ...DM_REFUSED_VALUES.task]) {
      const o = tryKey('task', k);
      const yaml = stringify(withKey(taskBase(), k));
      const r = await api('POST', '/api/v1/tasks/converters', { task_config_file: yaml });
      const what = `${k.key}: ${JSON.stringify(k.value)}: ${r.text}`;
      if (o.kind === 'refused') {
        refused++;
        assert.equal(r.status, 400, what);
        assert.equal(String(r.json.error_code), o.detail.split(':')[0], what);
        // same file line, key path and reason as dmctl's loader gives for task.yaml
        assert.ok(String(r.json.error_msg).includes(asConverterSays(o.detail)), `${what}\nwant ${o.detail}`);
        continue;
      }
      accepted++;
      assert.equal(r.status, 201, what);
      // the Task JSON DM's converter gives is itself a task the converter (and POST /tasks) takes
      const back = await api('POST', '/api/v1/tasks/converters', { task: r.json.task });
      assert.equal(back.status, 201, `${k.key} back: ${back.text}`);
    }
    assert.ok(refused >= 8 && accepted >= 100, `${refused} refused, ${accepted} accepted`);
  });

  it('dmctl check-task gives the converter`s code for every refused corpus task key', async () => {
    const refusedKeys = [...DM_KEYS.task, ...DM_REFUSED_VALUES.task].filter(
      (k) => tryKey('task', k).kind === 'refused',
    );
    // one per distinct (key, value): the column-mappings samples all fail on the same block
    const seen = new Set<string>();
    for (const k of refusedKeys) {
      const id = k.key.startsWith('column-mappings')
        ? 'column-mappings'
        : `${k.key}=${JSON.stringify(k.value)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const yaml = stringify(withKey(taskBase(), k));
      const f = join(dir, 'task-bad.yaml');
      writeFileSync(f, yaml);
      const ctl = await dmctl(master.addr, 'check-task', f);
      const out = ctl.stdout + ctl.stderr;
      const conv = await api('POST', '/api/v1/tasks/converters', { task_config_file: yaml });
      assert.equal(/code=(\d+)/.exec(out)?.[1], String(conv.json.error_code), `${id}: ${out}\n${conv.text}`);
      // both name the key path and the line
      const at = /task_config_file:(\d+): ([^:\s]+)/.exec(String(conv.json.error_msg));
      assert.ok(at, conv.text);
      assert.ok(out.includes(`:${at[1]}: ${at[2]}`), `${id}: dmctl says ${out}\nconverter says ${conv.text}`);
    }
    assert.ok(seen.size >= 8, [...seen].join(', '));
  });

  /** Every task key DM's Task JSON carries, each off its default. */
  const jsonTask = (name: string): Obj => {
    let t = taskBase();
    for (const [key, value] of [
      ['name', name],
      ['meta-schema', 'dm_meta_k'],
      ['timezone', '+08:00'],
      ['online-ddl', false],
      ['shard-mode', 'optimistic'],
      ['strict-optimistic-shard-mode', true],
      ['ignore-checking-items', ['version']],
      ['target-database.session', { foreign_key_checks: '0' }],
      ['mysql-instances.*.meta', { 'binlog-name': 'mysql-bin.000001', 'binlog-pos': 4 }],
      ['mysql-instances.*.expression-filters', null],
      ['expression-filter', null],
      ['block-allow-list.*', { 'do-dbs': ['db1'], 'do-tables': [{ 'db-name': 'db3', 'tbl-name': 't3' }] }],
      ['mydumpers.*', { threads: 2, 'extra-args': '--consistency none' }],
      ['loaders.*', { 'pool-size': 3, dir: join(dir, 'dumped'), 'on-duplicate-logical': 'error' }],
      ['syncers.*', { 'worker-count': 5, batch: 77, 'safe-mode': true }],
    ] as const) {
      t = withKey(t, { key, value } as DmKey);
    }
    return t;
  };

  /** What of a stored task DM's Task JSON expresses, with rules resolved (their names differ). */
  const expressed = (c: TaskConfig) => {
    const i = c.mysqlInstances[0]!;
    return {
      taskMode: c.taskMode,
      metaSchema: c.metaSchema,
      timezone: c.timezone,
      onlineDdl: c.onlineDdl,
      shardMode: c.shardMode,
      strict: c.strictOptimisticShardMode ?? false,
      ignore: c.ignoreCheckingItems,
      to: { ...c.targetDatabase, password: undefined },
      meta: i.meta,
      bal: i.blockAllowList ? c.blockAllowList[i.blockAllowList] : undefined,
      routes: i.routeRules.map((n) => c.routes[n]),
      filters: i.filterRules.map((n) => c.filters[n]),
      threads: i.mydumper.threads,
      consistency: i.mydumper.consistency,
      loader: i.loader,
      syncer: { workerCount: i.syncer.workerCount, batch: i.syncer.batch, safeMode: i.syncer.safeMode },
    };
  };

  it('a task through converter + POST /tasks is stored as the same task dmctl start-task stores', async () => {
    const f = join(dir, 'task-ctl.yaml');
    writeFileSync(f, stringify(jsonTask('tk-ctl')));
    const st = await dmctl(master.addr, 'start-task', f);
    assert.equal(st.json.result, true, st.stdout + st.stderr);

    const conv = await api('POST', '/api/v1/tasks/converters', {
      task_config_file: stringify(jsonTask('tk-api')),
    });
    assert.equal(conv.status, 201, conv.text);
    const created = await api('POST', '/api/v1/tasks', { task: conv.json.task });
    assert.equal(created.status, 201, created.text);

    const viaCtl = await api('GET', '/api/v1/tasks/tk-ctl');
    const viaApi = await api('GET', '/api/v1/tasks/tk-api');
    assert.equal(viaCtl.status, 200, viaCtl.text);
    assert.deepEqual({ ...viaApi.json, name: 'tk-ctl' }, viaCtl.json);
    // the JSON-expressible keys survive the JSON form (timezone and safe_mode were dropped once)
    const t = viaApi.json as {
      timezone?: string;
      target_config: { session?: Obj };
      source_config: { incr_migrate_conf: Obj; full_migrate_conf: Obj };
    };
    assert.equal(t.timezone, '+08:00');
    assert.deepEqual(t.target_config.session, { foreign_key_checks: '0' });
    assert.deepEqual(t.source_config.incr_migrate_conf, { repl_threads: 5, repl_batch: 77, safe_mode: true });
    assert.equal(t.source_config.full_migrate_conf.consistency, 'none');

    // and what the workers get (`dmctl config task`, parsed by the one loader) is the same
    const cfgOf = async (name: string) => {
      const r = await dmctl(master.addr, 'config', 'task', name);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return parseTaskConfig(String(r.json.cfg), `${name}.yaml`);
    };
    const a = expressed(await cfgOf('tk-ctl'));
    const b = expressed(await cfgOf('tk-api'));
    assert.deepEqual(b, a);
    assert.equal(a.syncer.safeMode, true);
    assert.equal(a.timezone, '+08:00');
    assert.equal(a.loader.onDuplicateLogical, 'error');
  });

  /** source.yaml keys with their DM `Source` JSON form (dm.yaml `Source`), each off its default. */
  const SOURCE_KEYS: [yamlKey: string, jsonKey: string, value: unknown][] = [
    ['flavor', 'flavor', 'mariadb'],
    ['enable-gtid', 'enable_gtid', true],
    ['enable', 'enable', false],
    ['purge.interval', 'purge.interval', 1800],
    ['purge.expires', 'purge.expires', 24],
    ['purge.remain-space', 'purge.remain_space', 20],
    ['enable-relay', 'relay_config.enable_relay', false],
    ['relay-binlog-name', 'relay_config.relay_binlog_name', 'mysql-bin.000001'],
    ['relay-dir', 'relay_config.relay_dir', './relay_k'],
  ];

  const sourceYaml = (id: string, extra: [string, unknown][] = []) => {
    let s = withKey(SOURCE_BASE, { key: 'from.port', value: up.port });
    s = withKey(s, { key: 'source-id', value: id });
    s = withKey(s, { key: 'filters', value: null });
    for (const [k, v] of extra) s = withKey(s, { key: k, value: v });
    return s;
  };
  const sourceJson = (id: string, extra: [string, unknown][] = []): Obj => {
    let s: Obj = {
      source_name: id,
      host: '127.0.0.1',
      port: up.port,
      user: 'root',
      password: '',
      enable_gtid: false,
      enable: true,
    };
    for (const [k, v] of extra) s = withKey(s, { key: k, value: v });
    return s;
  };

  it('POST /sources stores the source operate-source create stores', async () => {
    const f = join(dir, 'source-ctl.yaml');
    writeFileSync(
      f,
      stringify(
        sourceYaml(
          's-ctl',
          SOURCE_KEYS.map(([y, , v]) => [y, v]),
        ),
      ),
    );
    const c = await dmctl(master.addr, 'operate-source', 'create', f);
    assert.equal(c.json.result, true, c.stdout);
    const p = await api('POST', '/api/v1/sources', {
      source: sourceJson(
        's-api',
        SOURCE_KEYS.map(([, j, v]) => [j, v]),
      ),
    });
    assert.equal(p.status, 201, p.text);
    const viaCtl = await api('GET', '/api/v1/sources/s-ctl');
    const viaApi = await api('GET', '/api/v1/sources/s-api');
    assert.equal(viaCtl.status, 200, viaCtl.text);
    assert.deepEqual({ ...viaApi.json, source_name: 's-ctl' }, viaCtl.json);
    const cfgOf = async (name: string) => {
      const r = await dmctl(master.addr, 'config', 'source', name);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const { sourceId: _id, ...rest } = parseSourceConfig(String(r.json.cfg), `${name}.yaml`);
      // server-id is picked at random when a source is created without one
      return { ...rest, serverId: 0 };
    };
    const a = await cfgOf('s-ctl');
    assert.deepEqual(await cfgOf('s-api'), a);
    // each key reached the stored config (not its default)
    assert.equal(a.flavor, 'mariadb');
    assert.equal(a.enableGtid, true);
    assert.equal(a.enable, false);
    assert.deepEqual(a.purge, { interval: 1800, expires: 24, remainSpace: 20 });
    assert.equal(a.relayBinlogName, 'mysql-bin.000001');
  });

  it('a refused source value gives the same code through dmctl and POST /sources, naming the key', async () => {
    for (const [y, j, v] of [
      ['flavor', 'flavor', 'oracle'],
      ['purge.interval', 'purge.interval', 'often'],
      ['enable-gtid', 'enable_gtid', 'yes please'],
    ] as const) {
      const f = join(dir, 'source-bad.yaml');
      writeFileSync(f, stringify(sourceYaml('s-bad', [[y, v]])));
      const c = await dmctl(master.addr, 'operate-source', 'create', f);
      const out = c.stdout + c.stderr;
      const code = /code=(\d+)/.exec(out)?.[1];
      assert.ok(code, `${y}: ${out}`);
      assert.match(out, new RegExp(`:\\d+: ${y.replace('.', '\\.')}`), `${y}: ${out}`);
      const p = await api('POST', '/api/v1/sources', { source: sourceJson('s-bad', [[j, v]]) });
      assert.equal(p.status, 400, `${j}: ${p.text}`);
      assert.equal(String(p.json.error_code), code, `${y} dmctl: ${out}\n${j} api: ${p.text}`);
      assert.ok(String(p.json.error_msg).includes(j.split('.').pop()!), `${j}: ${p.text}`);
    }
  });

  it('a refused task value gives the same code through dmctl start-task and POST /tasks', async () => {
    const ok = await api('POST', '/api/v1/tasks/converters', {
      task_config_file: stringify(withKey(taskBase(), { key: 'name', value: 'tk-bad' })),
    });
    assert.equal(ok.status, 201, ok.text);
    const good = ok.json.task as Obj;
    for (const [y, j, v] of [
      ['syncers.*.batch', 'source_config.incr_migrate_conf.repl_batch', 'many'],
      ['shard-mode', 'shard_mode', 'sometimes'],
      ['timezone', 'timezone', 'SYSTEM'],
      ['task-mode', 'task_mode', null],
    ] as const) {
      const f = join(dir, 'task-bad.yaml');
      writeFileSync(
        f,
        stringify(withKey(withKey(taskBase(), { key: 'name', value: 'tk-bad' }), { key: y, value: v })),
      );
      const c = await dmctl(master.addr, 'start-task', f);
      const out = c.stdout + c.stderr;
      const code = /code=(\d+)/.exec(out)?.[1];
      assert.ok(code, `${y}: ${out}`);
      assert.match(out, new RegExp(y.split('.').pop()!), `${y}: ${out}`);
      const p = await api('POST', '/api/v1/tasks', { task: withKey(good, { key: j, value: v }) });
      assert.equal(p.status, 400, `${j}: ${p.text}`);
      assert.equal(String(p.json.error_code), code, `${y} dmctl: ${out}\n${j} api: ${p.text}`);
      assert.ok(String(p.json.error_msg).includes(j.split('.').pop()!), `${j}: ${p.text}`);
    }
  });
});
