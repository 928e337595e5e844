import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SPEC_OPERATIONS, type SpecOperation } from '../../../src/master/openapi/spec.js';
import { checkResponse } from '../../../src/master/openapi/validator.js';
import type { MariadbInstance } from '../../harness/index.js';
import {
  apiSource,
  apiTask,
  destroyAll,
  httpCall,
  startPair,
  stopChild,
  stopProcs,
  waitTableEqual,
} from '../../harness/index.js';
import type { MasterSpec, Proc } from '../cluster/cluster-process.js';
import { spawnWorker, startSoloMaster, until } from '../cluster/cluster-process.js';

/**
 * Walks every operation of DM's OpenAPI spec (all 43) against a real cluster — dm-master
 * with its etcd, two dm-workers, two MariaDB servers — checking each answer against the
 * spec's response schema for its status. Along the way update-task (PUT /tasks/{name}) is
 * proven end to end: while the task is paused a new table is allowed and a filter changes;
 * after resume the new table's rows arrive (CHECKSUM TABLE equal) and the filter applies.
 */
describe('DM OpenAPI: every endpoint of the spec against a real cluster', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let spec: MasterSpec;
  const procs: Proc[] = [];
  let w1: Proc | undefined;
  let base = '';
  const covered = new Set<string>();

  type Res = { status: number; body: Record<string, unknown> & unknown[] };
  /** Call `opId` (path params filled in), check the answer against the spec, record coverage. */
  async function op(
    opId: string,
    params: Record<string, string> = {},
    body?: unknown,
    query = '',
  ): Promise<Res> {
    const o = SPEC_OPERATIONS.find((x) => x.operationId === opId) as SpecOperation;
    assert.ok(o, opId);
    const path = o.path.replace(/\{([^}]+)\}/g, (_, n: string) => encodeURIComponent(params[n] ?? ''));
    const res = await httpCall(`${base}${path}${query}`, o.method.toUpperCase(), body);
    const text = res.text;
    const json = res.contentType.includes('json') && text ? JSON.parse(text) : text;
    const problem = checkResponse(o, res.status, json);
    assert.equal(problem, undefined, `${problem} — ${text.slice(0, 400)}`);
    covered.add(opId);
    return { status: res.status, body: json };
  }
  const ctl = async (command: string, body: unknown) =>
    (await fetch(`${base}/api/ctl/${command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as { result: boolean; msg: string };

  const S = { 'source-name': 'mysql-01' };
  const T = { 'task-name': 't-walk', 'source-name': 'mysql-01' };
  const source = () => apiSource('mysql-01', up);
  const task = (extra: Record<string, unknown> = {}) =>
    apiTask(
      't-walk',
      down,
      [
        {
          source: { source_name: 'mysql-01', schema: 'shop', table: 'orders' },
          target: { schema: 'mall', table: 'orders' },
        },
      ],
      extra,
    );
  const stageOf = async () =>
    (
      (await op('DMAPIGetTaskStatus', T)).body as unknown as {
        data: { stage: string; unit: string; sync_status: { synced: boolean } | null }[];
      }
    ).data[0];
  const equal = (table: string) => waitTableEqual(up, `shop.${table}`, down, `mall.${table}`, 45_000);

  before(async () => {
    [up, down] = await startPair({ up: { serverId: 41 }, down: { serverId: 42 } });
    await up.query(`CREATE DATABASE shop;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(32));
      INSERT INTO shop.orders VALUES (1,'a'),(2,'b'),(3,'c');`);
    const m = await startSoloMaster();
    ({ spec, base } = m);
    procs.push(m.proc);
    w1 = await spawnWorker('w1', spec.addr, 3);
    procs.push(w1);
    procs.push(await spawnWorker('w2', spec.addr, 3));
  });

  after(async () => {
    await stopProcs(procs);
    await destroyAll(up, down);
  });

  it('docs, spec and cluster', async () => {
    const html = await op('GetDocHTML');
    assert.match(String(html.body), /DM OpenAPI/);
    const doc = await op('GetDocJSON');
    assert.equal(Object.keys((doc.body as unknown as { paths: object }).paths).length, 31);
    const info = await op('DMAPIGetClusterInfo');
    assert.ok(Number((info.body as unknown as { cluster_id: number }).cluster_id) > 0);
    const topo = { grafana_topology: { host: '127.0.0.1', port: 3000 } };
    assert.deepEqual((await op('DMAPIUpdateClusterInfo', {}, topo)).body.topology, topo);
    assert.deepEqual((await op('DMAPIGetClusterInfo')).body.topology, topo);
    assert.equal((await op('DMAPIGetClusterMasterList')).body.total, 1);
    await until(async () => (await op('DMAPIGetClusterWorkerList')).body.total === 2, 30_000, 'two workers');
  });

  it('sources: create, read, update, status, upstream schemas and tables', async () => {
    const bad = await op('DMAPICreateSource', {}, { source: { source_name: 'x' } });
    assert.equal(bad.body.error_code, 20004, 'a key missing in the source config, as in a source.yaml');
    const created = await op('DMAPICreateSource', {}, { source: source(), worker_name: 'w1' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await until(
      async () =>
        ((await op('DMAPIGetSourceStatus', S)).body.data as { worker_name: string }[])[0]?.worker_name ===
        'w1',
      20_000,
      'bound to w1',
    );
    assert.equal(
      (await op('DMAPIGetSourceList', {}, undefined, '?with_status=true&enable_relay=false')).body.total,
      1,
    );
    assert.equal((await op('DMAPIGetSource', { 'source-name': 'nope' })).status, 404);
    assert.equal(
      (await op('DMAPIGetSource', S, undefined, '?with_status=true')).body.source_name,
      'mysql-01',
    );
    const upd = await op('DMAPIUpdateSource', S, { source: { ...source(), purge: { interval: 600 } } });
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    assert.deepEqual((await op('DMAPIGetSourceSchemaList', S)).body, ['shop']);
    assert.deepEqual((await op('DMAPIGetSourceTableList', { ...S, 'schema-name': 'shop' })).body, ['orders']);
  });

  it('relay enable, purge, disable; transfer to another worker', async () => {
    assert.equal((await op('DMAPIEnableRelay', S, {})).status, 200);
    let relay: { stage: string; master_binlog: string; relay_catch_up_master: boolean } | undefined;
    await until(
      async () => {
        relay = ((await op('DMAPIGetSourceStatus', S)).body.data as { relay_status?: typeof relay }[])[0]
          ?.relay_status;
        return relay?.stage === 'Running' && relay.relay_catch_up_master;
      },
      30_000,
      'relay running',
    );
    const file = /\(([^,]+),/.exec(relay?.master_binlog ?? '')?.[1] ?? '';
    assert.notEqual(file, '', JSON.stringify(relay));
    const purged = await op('DMAPIPurgeRelay', S, { relay_binlog_name: file });
    assert.equal(purged.status, 200, JSON.stringify(purged.body));
    assert.equal((await op('DMAPIDisableRelay', S, {})).status, 200);
    assert.equal((await op('DMAPITransferSource', S, { worker_name: 'w2' })).status, 200);
    await until(
      async () =>
        ((await op('DMAPIGetSourceStatus', S)).body.data as { worker_name: string }[])[0]?.worker_name ===
        'w2',
      20_000,
      'bound to w2',
    );
  });

  it('tasks: create, list, targets, start, schemas and table structures', async () => {
    const c = await op('DMAPICreateTask', {}, { task: task() });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(
      (await op('DMAPIGetTaskList', {}, undefined, '?with_status=true&source_name_list=mysql-01')).body.total,
      1,
    );
    assert.equal((await op('DMAPIGetTask', { 'task-name': 'nope' })).status, 404);
    assert.equal((await op('DMAPIGetTask', T, undefined, '?with_status=true')).body.name, 't-walk');
    const targets = await op('DMAPIGetTaskMigrateTargets', T, undefined, '?schema_pattern=sh*');
    assert.deepEqual(targets.body.data, [
      { source_schema: 'shop', source_table: 'orders', target_schema: 'mall', target_table: 'orders' },
    ]);
    assert.equal((await op('DMAPIStartTask', T, {})).status, 200);
    await until(async () => (await stageOf())?.sync_status?.synced === true, 60_000, 'synced');
    await equal('orders');
    assert.deepEqual((await op('DMAPIGetSchemaListByTaskAndSource', T)).body, ['shop']);
    assert.deepEqual((await op('DMAPIGetTableListByTaskAndSource', { ...T, 'schema-name': 'shop' })).body, [
      'orders',
    ]);
    const tbl = { ...T, 'schema-name': 'shop', 'table-name': 'orders' };
    assert.match(String((await op('DMAPIGetTableStructure', tbl)).body.schema_create_sql), /CREATE TABLE/);
    assert.equal((await ctl('pause-task', { task: 't-walk' })).result, true);
    await until(async () => (await stageOf())?.stage === 'Paused', 20_000, 'paused');
    assert.equal((await op('DMAPIDeleteTableStructure', tbl)).status, 204);
    const put = await op('DMAPIOperateTableStructure', tbl, { schema_source: 'upstream' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  });

  it('update-task on the paused task: a new table and a filter apply after resume; refusals coded', async () => {
    const mode = await op('DMAPIUpdateTask', T, { task: task({ task_mode: 'full' }) });
    assert.equal(mode.status, 400);
    assert.equal(mode.body.error_code, 40081, JSON.stringify(mode.body));
    assert.match(String(mode.body.error_msg), /task-mode/);
    const target = await op('DMAPIUpdateTask', T, {
      task: task({ target_config: { host: '127.0.0.1', port: up.port, user: 'root', password: '' } }),
    });
    assert.equal(target.body.error_code, 40081, JSON.stringify(target.body));
    assert.match(String(target.body.error_msg), /target-database/);
    // Rows written while paused: a new table, and a delete the new filter ignores.
    await up.query(`CREATE TABLE shop.extra (id INT PRIMARY KEY, v VARCHAR(16));
      INSERT INTO shop.extra VALUES (1,'x'),(2,'y');`);
    const next = task({
      binlog_filter_rule: { 'no-delete': { ignore_event: ['delete'] } },
      table_migrate_rule: [
        {
          source: { source_name: 'mysql-01', schema: 'shop', table: 'orders' },
          target: { schema: 'mall', table: 'orders' },
          binlog_filter_rule: ['no-delete'],
        },
        {
          source: { source_name: 'mysql-01', schema: 'shop', table: 'extra' },
          target: { schema: 'mall', table: 'extra' },
        },
      ],
    });
    const u = await op('DMAPIUpdateTask', T, { task: next });
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.equal((await ctl('resume-task', { task: 't-walk' })).result, true);
    await until(async () => (await stageOf())?.stage === 'Running', 20_000, 'running');
    await equal('extra');
    await up.query("DELETE FROM shop.orders WHERE id = 1; INSERT INTO shop.orders VALUES (4,'marker')");
    await until(
      async () =>
        Number(
          (await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM mall.orders WHERE id = 4'))[0]?.n,
        ) === 1,
      30_000,
      'marker',
    );
    const kept = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM mall.orders WHERE id = 1');
    assert.equal(Number(kept[0]?.n), 1, 'the delete is ignored by the filter added by update-task');
    const running = await op('DMAPIUpdateTask', T, { task: next });
    assert.equal(running.body.error_code, 46035, 'a running task is refused');
  });

  it('templates, converter, disable/enable source', async () => {
    assert.equal((await op('DMAPICreateTaskTemplate', {}, task())).status, 201);
    assert.equal((await op('DMAPIGetTaskTemplateList')).body.total, 1);
    assert.equal((await op('DMAPIGetTaskTemplate', T)).body.name, 't-walk');
    assert.equal(
      (await op('DMAPUpdateTaskTemplate', T, task({ task_mode: 'incremental' }))).body.task_mode,
      'incremental',
    );
    const imp = await op('DMAPIImportTaskTemplate', {}, { overwrite: true });
    assert.deepEqual(imp.body.success_task_list, ['t-walk']);
    assert.equal((await op('DMAPIDeleteTaskTemplate', T)).status, 204);
    assert.equal((await op('DMAPIConvertTask', {}, { task: task() })).status, 201);
    assert.equal((await op('DMAPIDisableSource', S)).status, 200);
    await until(async () => (await stageOf())?.stage === 'Stopped', 20_000, 'stopped by disable');
    assert.equal((await op('DMAPIEnableSource', S)).status, 200);
    await until(async () => (await stageOf())?.stage === 'Running', 20_000, 'running after enable');
  });

  it('stop and delete the task and source; offline members', async () => {
    assert.equal((await op('DMAPIStopTask', T, {})).status, 200);
    assert.equal((await op('DMAPIDeleteTask', T, undefined, '?force=true')).status, 204);
    assert.equal((await op('DMAPIDeleteSource', S)).status, 204);
    const m = await op('DMAPIOfflineMasterNode', { 'master-name': 'no-such-master' });
    assert.equal(m.body.error_code, 38048);
    await stopChild((w1 as Proc).child, 10_000);
    await until(
      async () =>
        ((await op('DMAPIGetClusterWorkerList')).body.data as { name: string; bound_stage: string }[]).find(
          (w) => w.name === 'w1',
        )?.bound_stage === 'offline',
      30_000,
      'w1 offline',
    );
    assert.equal((await op('DMAPIOfflineWorkerNode', { 'worker-name': 'w1' })).status, 204);
    assert.deepEqual(
      SPEC_OPERATIONS.map((o) => o.operationId).filter((id) => !covered.has(id)),
      [],
      'every operation of the spec was called',
    );
  });
});
