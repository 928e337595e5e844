import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { until } from '../cluster/cluster-process.js';
import { type LiveCluster, startLiveCluster } from './live-cluster.js';

const DOCS = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'grafana');

/**
 * Metric names in PromQL text: `dm_…` identifiers outside label matchers and strings
 * (`up{job="dm_master"}` names a job, not a metric).
 */
function promqlMetricNames(expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, '{}').replace(/"[^"]*"/g, '""');
  return [...bare.matchAll(/\bdm_[a-z0-9_]+/g)].map((m) => m[0]);
}

/** Every PromQL expression of a Grafana dashboard: panel targets and templating queries. */
function dashboardExprs(dash: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'definition') && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(dash);
  return out;
}

/**
 * Names a scrape exports: every `# TYPE` family (a labelled counter never incremented has no
 * sample yet but is exported, as in DM) plus, for histograms, their `_bucket/_sum/_count`.
 */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Sum of the samples of `name` whose labels include all of `labels` (undefined: none). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const got = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum = (sum ?? 0) + Number(m[2]);
  }
  return sum;
}

/**
 * DM's metric names on a real cluster (dm-master + dm-worker + MariaDB, a task replicating
 * with relay on): every metric our Grafana dashboard (docs/grafana/dm.json) and alert rules
 * (docs/grafana/dm_worker.rules.yml) query is exported by /metrics of the worker or master,
 * and the main series carry live values with DM's labels.
 */
describe("metrics: DM's names, exported by a live cluster, as the dashboard and alert rules query them", () => {
  let c: LiveCluster;
  const scrape = async (addr: string) => (await fetch(`${addr}/metrics`)).text();

  before(async () => {
    c = await startLiveCluster(61);
  });
  after(async () => {
    await c?.destroy();
  });

  it('the task replicates and the series carry its values', async () => {
    await c.up.query(
      `INSERT INTO shop.orders VALUES (4,'d'),(5,'e'); UPDATE shop.orders SET note='z' WHERE id=1`,
    );
    await c.caughtUp();
    const labels = { task: c.task, source_id: 'mysql-01' };
    let w = '';
    // Binlog positions are published once a second, relay positions every 2 s.
    await until(
      async () => {
        w = await scrape(`http://${c.workerAddr}`);
        return (
          sample(w, 'dm_syncer_binlog_file', { ...labels, node: 'syncer' }) !== undefined &&
          sample(w, 'dm_relay_binlog_file', { node: 'relay' }) !== undefined &&
          sample(w, 'dm_relay_space', { type: 'available' }) !== undefined
        );
      },
      20_000,
      'positions published',
    );
    assert.equal(sample(w, 'dm_worker_task_state', { ...labels, worker: 'w1' }), 2, 'Running = 2');
    assert.equal(
      sample(w, 'dm_syncer_finished_jobs_total', { ...labels, type: 'insert', target_schema: 'mall' }),
      2,
    );
    assert.equal(
      sample(w, 'dm_syncer_finished_jobs_total', { ...labels, type: 'update', target_table: 'orders' }),
      1,
    );
    assert.ok((sample(w, 'dm_syncer_finished_transaction_total', { ...labels, worker: 'w1' }) ?? 0) >= 2);
    assert.ok((sample(w, 'dm_syncer_txn_duration_time_count', { ...labels, worker: 'w1' }) ?? 0) >= 2);
    assert.ok(sample(w, 'dm_syncer_replication_lag_gauge', { ...labels, worker: 'w1' }) !== undefined);
    assert.ok((sample(w, 'dm_syncer_replication_lag_count', { ...labels, worker: 'w1' }) ?? 0) >= 1);
    const [master] = await c.up.query<{ File: string }>('SHOW MASTER STATUS');
    const index = Number(/\.(\d+)$/.exec(master?.File ?? '')?.[1]);
    assert.equal(sample(w, 'dm_syncer_binlog_file', { ...labels, node: 'master' }), index);
    assert.equal(sample(w, 'dm_syncer_binlog_file', { ...labels, node: 'syncer' }), index);
    assert.equal(sample(w, 'dm_relay_binlog_file', { node: 'master' }), index);
    assert.equal(sample(w, 'dm_relay_binlog_file', { node: 'relay' }), index);
    assert.ok((sample(w, 'dm_relay_space', { type: 'available' }) ?? 0) > 0);
    assert.ok(
      (sample(w, 'dm_relay_space', { type: 'capacity' }) ?? 0) >=
        (sample(w, 'dm_relay_space', { type: 'available' }) ?? 0),
    );
    assert.equal(sample(w, 'dm_loader_progress', labels), 1, 'load finished');
    assert.ok((sample(w, 'dm_loader_data_size_gauge', labels) ?? 0) > 0);
    assert.equal(sample(w, 'dm_loader_table_gauge', labels), 1);
    assert.equal(sample(w, 'dm_relay_data_corruption'), 0);
    const m = await scrape(c.base);
    assert.equal(sample(m, 'dm_master_worker_state', { worker: 'w1' }), 2, 'bound = 2');
  });

  it('pausing shows in dm_worker_task_state (the DM_task_state alert reads 3)', async () => {
    await c.api('POST', '/api/ctl/pause-task', { task: c.task });
    await until(
      async () =>
        sample(await scrape(`http://${c.workerAddr}`), 'dm_worker_task_state', { task: c.task }) === 3,
      20_000,
      'task_state 3',
    );
    await c.api('POST', '/api/ctl/resume-task', { task: c.task });
    await until(
      async () =>
        sample(await scrape(`http://${c.workerAddr}`), 'dm_worker_task_state', { task: c.task }) === 2,
      20_000,
      'task_state 2',
    );
  });

  it('every metric the dashboard and the alert rules query is exported by the worker or the master', async () => {
    const dash = JSON.parse(await readFile(join(DOCS, 'dm.json'), 'utf8')) as unknown;
    const rules = await readFile(join(DOCS, 'dm_worker.rules.yml'), 'utf8');
    const exprs = [
      ...dashboardExprs(dash),
      ...[...rules.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1] as string),
    ];
    const queried = new Set(exprs.flatMap(promqlMetricNames));
    assert.ok(queried.size >= 20, `${queried.size} names queried`);
    const exported = new Set([
      ...exportedNames(await scrape(`http://${c.workerAddr}`)),
      ...exportedNames(await scrape(c.base)),
    ]);
    const missing = [...queried].filter((n) => !exported.has(n));
    assert.deepEqual(missing, [], `queried but not exported: ${missing.join(', ')}`);
    // The names the issue names, as DM spells them.
    for (const n of [
      'dm_syncer_replication_lag_bucket',
      'dm_syncer_finished_jobs_total',
      'dm_worker_task_state',
      'dm_relay_binlog_file',
      'dm_loader_exit_with_error_count',
      'dm_mydumper_exit_with_error_count',
      'dm_master_worker_state',
    ]) {
      assert.ok(queried.has(n) && exported.has(n), n);
    }
  });
});
