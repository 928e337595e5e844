import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import {
  apiSource,
  apiTask,
  destroyAll,
  httpCall,
  startPair,
  stopProcs,
  waitTableEqual,
} from '../../harness/index.js';
import { type MasterSpec, type Proc, spawnWorker, startSoloMaster, until } from './cluster-process.js';

/**
 * DM's OpenAPI task lifecycle through HTTP only, as a DM user's script drives it: a real
 * dm-master (with its etcd), a real dm-worker, two real MariaDB servers. Source and task
 * are posted in DM's JSON forms; the task is created (not started), started, synced (data
 * proven equal by the servers' CHECKSUM TABLE, under the routed name), stopped (config kept),
 * started again, and deleted.
 */
describe('DM OpenAPI: create / start / stop / delete a task from DM JSON', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let spec: MasterSpec;
  const procs: Proc[] = [];
  let base = '';

  type Res = { status: number; body: Record<string, unknown> };
  async function call(method: string, path: string, body?: unknown): Promise<Res> {
    const { status, text } = await httpCall(`${base}${path}`, method, body);
    return { status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  type SubStatus = {
    stage: string;
    unit: string;
    sync_status: { synced?: boolean } | null;
    error_msg?: string;
  };
  const statusOf = async (): Promise<SubStatus | undefined> =>
    ((await call('GET', '/api/v1/tasks/t-api/status')).body.data as SubStatus[] | undefined)?.[0];

  async function waitSynced(what: string): Promise<void> {
    let last: SubStatus | undefined;
    await until(
      async () => {
        last = await statusOf();
        if (last?.error_msg) throw new Error(`task failed: ${last.error_msg}`);
        return last?.unit === 'Sync' && last.sync_status?.synced === true;
      },
      60_000,
      `${what} (last ${JSON.stringify(last)})`,
    );
  }

  /** Upstream shop.orders and downstream mall.all_orders have the same rows (server checksums). */
  const waitEqual = () => waitTableEqual(up, 'shop.orders', down, 'mall.all_orders', 30_000);

  const dmTask = () =>
    apiTask(
      't-api',
      down,
      [
        {
          source: { source_name: 'mysql-01', schema: 'shop', table: 'orders' },
          target: { schema: 'mall', table: 'all_orders' },
          binlog_filter_rule: ['no-delete'],
        },
      ],
      {
        binlog_filter_rule: { 'no-delete': { ignore_event: ['delete'] } },
        source_config: {
          full_migrate_conf: { export_threads: 2, import_threads: 2, data_dir: './dumped_data' },
          incr_migrate_conf: { repl_threads: 4, repl_batch: 50 },
          source_conf: [{ source_name: 'mysql-01' }],
        },
      },
    );

  before(async () => {
    [up, down] = await startPair({ up: { serverId: 31 }, down: { serverId: 32 } });
    await up.query(`CREATE DATABASE shop;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, amount DECIMAL(10,2), note VARCHAR(64));
      CREATE TABLE shop.not_migrated (id INT PRIMARY KEY);
      INSERT INTO shop.not_migrated VALUES (1), (2);`);
    const rows = Array.from({ length: 3000 }, (_, i) => [i + 1, (i * 1.25).toFixed(2), `row ${i}`]);
    await up.query('INSERT INTO shop.orders VALUES ?', [rows]);
    const m = await startSoloMaster();
    ({ spec, base } = m);
    procs.push(m.proc);
    procs.push(await spawnWorker('w1', spec.addr, 5));
    await until(
      async () => ((await call('GET', '/api/v1/cluster/workers')).body.total as number) === 1,
      30_000,
      'worker registered',
    );
  });

  after(async () => {
    await stopProcs(procs);
    await destroyAll(up, down);
  });

  it('creates the source from DM Source JSON', async () => {
    const r = await call('POST', '/api/v1/sources', {
      source: apiSource('mysql-01', up),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.source_name, 'mysql-01');
    assert.equal(r.body.port, up.port);
    const bad = await call('POST', '/api/v1/sources', { source: { source_name: 'x', port: 1 } });
    assert.equal(bad.status, 400);
    // Refused by the spec itself (DM's Source requires host, user, …), with the code a
    // source.yaml missing a key gets (20004).
    assert.equal(bad.body.error_code, 20004, JSON.stringify(bad.body));
    assert.match(String(bad.body.error_msg), /body\.source must have required property 'host'/);
    // The scheduler binds the new source to the free worker asynchronously.
    let got = await call('GET', '/api/v1/sources/mysql-01?with_status=true');
    const boundTo = (): string | undefined =>
      (got.body.status_list as { worker_name: string }[] | undefined)?.[0]?.worker_name;
    await until(
      async () => {
        got = await call('GET', '/api/v1/sources/mysql-01?with_status=true');
        return boundTo() === 'w1';
      },
      15_000,
      'source bound to w1',
    );
    assert.equal(got.body.password, '******');
    assert.equal(boundTo(), 'w1');
  });

  it('POST {"task": …} creates the task without starting it', async () => {
    const r = await call('POST', '/api/v1/tasks', { task: dmTask() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const task = r.body.task as Record<string, unknown>;
    assert.equal(task.name, 't-api');
    assert.equal(typeof r.body.check_result, 'string');
    const again = await call('POST', '/api/v1/tasks', { task: dmTask() });
    assert.equal(again.status, 400, 'a second create of the same task is refused');
    const got = await call('GET', '/api/v1/tasks/t-api?with_status=true');
    assert.equal(got.status, 200);
    const list = got.body.status_list as SubStatus[];
    assert.equal(list[0]?.stage, 'Stopped');
    await new Promise((r) => setTimeout(r, 1_500));
    const [mall] = await down.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'mall'",
    );
    assert.equal(Number(mall?.n), 0, 'a created task must not migrate anything');
  });

  it('start refuses bad arguments; an incremental task needs a start position', async () => {
    const bad = await call('POST', '/api/v1/tasks/t-api/start', { safe_mode_time_duration: 'soon' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 20005, JSON.stringify(bad.body));
    const badTime = await call('POST', '/api/v1/tasks/t-api/start', { start_time: '2021-02-30 00:00:00' });
    assert.equal(badTime.status, 400, 'a start_time that is no date is refused at start');
    assert.match(String(badTime.body.error_msg), /start-time/, JSON.stringify(badTime.body));
    // DM answers 400 with the error code (404 only for GET of a missing task or source).
    const nope = await call('POST', '/api/v1/tasks/nope/start', {});
    assert.equal(nope.status, 400);
    assert.equal(nope.body.error_code, 38005, JSON.stringify(nope.body));
    const incr = await call('POST', '/api/v1/tasks', {
      task: { ...dmTask(), name: 't-incr', task_mode: 'incremental' },
    });
    assert.equal(incr.status, 201, JSON.stringify(incr.body));
    const s = await call('POST', '/api/v1/tasks/t-incr/start', {});
    assert.equal(s.status, 400);
    assert.equal(s.body.error_code, 20004, JSON.stringify(s.body));
    assert.match(String(s.body.error_msg), /start_time/);
    assert.equal((await call('DELETE', '/api/v1/tasks/t-incr')).status, 204);
    // DM's CreateTaskRequest requires "task" (task YAML goes through dmctl start-task).
    const neither = await call('POST', '/api/v1/tasks', { task_config: 'name: x' });
    assert.equal(neither.status, 400);
    assert.equal(neither.body.error_code, 49010, JSON.stringify(neither.body));
    assert.equal((await call('GET', '/api/v1/tasks')).body.total, 1);
  });

  it('start runs it; the routed table equals the source (full + incremental)', async () => {
    const r = await call('POST', '/api/v1/tasks/t-api/start', { remove_meta: false });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await waitSynced('synced after start');
    await up.query("INSERT INTO shop.orders VALUES (5001, 1.5, 'after start'), (5002, 2.5, 'x')");
    await up.query("UPDATE shop.orders SET note = 'changed' WHERE id <= 100");
    await waitEqual();
    const skipped = await down.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_NAME = 'not_migrated'",
    );
    assert.equal(Number(skipped[0]?.n), 0, 'tables outside table_migrate_rule are not migrated');
  });

  it('GET answers DM Task JSON', async () => {
    const all = await call('GET', '/api/v1/tasks');
    assert.equal(all.body.total, 1);
    const task = (all.body.data as Record<string, unknown>[])[0] as Record<string, unknown>;
    assert.equal(task.name, 't-api');
    assert.equal(task.task_mode, 'all');
    assert.deepEqual(task.table_migrate_rule, dmTask().table_migrate_rule);
    assert.deepEqual(task.binlog_filter_rule, dmTask().binlog_filter_rule);
    assert.deepEqual((task.source_config as { source_conf: unknown }).source_conf, [
      { source_name: 'mysql-01' },
    ]);
    assert.equal(task.status_list, undefined);
    const one = await call('GET', '/api/v1/tasks/t-api?with_status=true');
    assert.equal((one.body.status_list as SubStatus[])[0]?.stage, 'Running');
    assert.equal((await call('GET', '/api/v1/tasks/nope')).status, 404);
    // DM's converter: Task JSON → task.yaml → Task JSON keeps the migrate rules.
    const conv = await call('POST', '/api/v1/tasks/converters', { task: dmTask() });
    assert.equal(conv.status, 201, JSON.stringify(conv.body));
    assert.match(String(conv.body.task_config_file), /target-schema: mall/);
    const back = await call('POST', '/api/v1/tasks/converters', {
      task_config_file: conv.body.task_config_file,
    });
    assert.equal(back.status, 201, JSON.stringify(back.body));
    const t = back.body.task as { table_migrate_rule: unknown; target_config: { port: number } };
    assert.deepEqual(t.table_migrate_rule, dmTask().table_migrate_rule);
    assert.equal(t.target_config.port, down.port);
  });

  it('delete refuses a running task; stop keeps it and start resumes it', async () => {
    const refused = await call('DELETE', '/api/v1/tasks/t-api');
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const s = await call('POST', '/api/v1/tasks/t-api/stop', {});
    assert.equal(s.status, 200, JSON.stringify(s.body));
    await until(async () => (await statusOf())?.stage === 'Stopped', 30_000, 'Stopped');
    await up.query("INSERT INTO shop.orders VALUES (6001, 6.5, 'while stopped')");
    await new Promise((r) => setTimeout(r, 2_000));
    const none = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM mall.all_orders WHERE id = 6001');
    assert.equal(Number(none[0]?.n), 0, 'a stopped task must not apply');
    assert.equal((await call('GET', '/api/v1/tasks/t-api')).status, 200, 'stop keeps the task');
    const again = await call('POST', '/api/v1/tasks/t-api/start', {});
    assert.equal(again.status, 200, JSON.stringify(again.body));
    await waitSynced('synced after restart');
    await waitEqual();
  });

  it("the task's binlog_filter_rule (ignore delete) applies to the rule's table", async () => {
    await up.query('DELETE FROM shop.orders WHERE id = 5002');
    await up.query("INSERT INTO shop.orders VALUES (5003, 3.5, 'marker')");
    await until(
      async () =>
        Number(
          (await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM mall.all_orders WHERE id = 5003'))[0]
            ?.n,
        ) === 1,
      30_000,
      'marker row',
    );
    const kept = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM mall.all_orders WHERE id = 5002');
    assert.equal(Number(kept[0]?.n), 1, 'delete ignored by the binlog filter rule');
  });

  it('delete removes the task and its checkpoint tables', async () => {
    assert.equal((await call('POST', '/api/v1/tasks/t-api/stop', {})).status, 200);
    const d = await call('DELETE', '/api/v1/tasks/t-api');
    assert.equal(d.status, 204, JSON.stringify(d.body));
    assert.equal((await call('GET', '/api/v1/tasks/t-api')).status, 404);
    assert.equal((await call('GET', '/api/v1/tasks')).body.total, 0);
    const meta = await down.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'dm_meta' AND TABLE_NAME LIKE 't-api%'",
    );
    assert.equal(Number(meta[0]?.n), 0, 'checkpoint tables dropped');
    assert.equal((await call('DELETE', '/api/v1/tasks/t-api')).status, 400);
  });
});
