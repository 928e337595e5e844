import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { dmWorkerMetrics } from '../pkg/metrics/dm-metrics.js';
import type { DmlJob } from './job.js';
import { SyncStats } from './sync-stats.js';

const labels = { task: 't1', source_id: 'src-1' };

/** The value the registry exposes for our labels (what a Prometheus scrape would read). */
async function gauge(r: Registry, name: string): Promise<number | undefined> {
  const m = r.getSingleMetric(name);
  assert.ok(m, `${name} registered`);
  const got = await m.get();
  return got.values.find((v) => v.labels.task === labels.task && v.labels.source_id === labels.source_id)
    ?.value;
}

describe('SyncStats', () => {
  it('averages the last 10 s of events and publishes the same value as recentTps', async () => {
    const start = 1_000_000;
    let now = start;
    const r = new Registry();
    const s = new SyncStats(labels, r, () => now);
    // 12 s of traffic: 50 events/s for 2 s, then 100 events/s for 10 s.
    for (let sec = 0; sec < 12; sec++) {
      const n = sec < 2 ? 50 : 100;
      for (let i = 0; i < n; i++) {
        now = start + sec * 1000 + Math.floor((i * 1000) / n);
        s.record();
      }
    }
    now = start + 11_999;
    const st = s.rates();
    assert.equal(st.totalEvents, 1100);
    assert.equal(st.totalTps, Math.round(1100 / 11.999));
    // The window holds the last 10 one-second buckets (seconds 2..11): 10 × 100 events.
    assert.equal(st.recentTps, 100);
    assert.equal(await gauge(r, 'dm_syncer_recent_tps'), st.recentTps);
    // One second later the oldest full bucket (second 2) has left the window.
    now += 1000;
    assert.equal(s.rates().recentTps, 90);
    assert.equal(await gauge(r, 'dm_syncer_recent_tps'), 90);
  });

  it('publishes when a new second of events begins, and decays to 0 when they stop', async () => {
    let now = 0;
    const r = new Registry();
    const s = new SyncStats(labels, r, () => now);
    for (let i = 0; i < 300; i++) {
      now = i * 10; // 100 events/s for 3 s
      s.record();
    }
    now = 3000;
    s.record(); // opens a new second: publishes without anyone calling rates()
    const published = await gauge(r, 'dm_syncer_recent_tps');
    assert.equal(published, 30); // 301 events over the 10 s window
    assert.equal(s.rates().recentTps, published);
    now += 20_000; // idle
    assert.equal(s.rates().recentTps, 0);
    assert.equal(await gauge(r, 'dm_syncer_recent_tps'), 0);
  });

  it('sets the lag gauge, starts it at 0, and computes nothing without a registry', async () => {
    const r = new Registry();
    const s = new SyncStats(labels, r, () => 0);
    assert.equal(await gauge(r, 'dm_syncer_replication_lag_gauge'), 0);
    s.setLag(() => 42);
    assert.equal(await gauge(r, 'dm_syncer_replication_lag_gauge'), 42);
    const bare = new SyncStats(labels, undefined, () => 0);
    bare.setLag(() => assert.fail('lag computed with no gauge to set'));
    bare.record();
    assert.equal(bare.rates().totalEvents, 1);
  });

  it('shares one gauge between units of one registry, told apart by labels', async () => {
    const r = new Registry();
    new SyncStats(labels, r, () => 0).setLag(() => 1);
    new SyncStats({ task: 't2', source_id: 'src-1' }, r, () => 0).setLag(() => 2);
    assert.equal(await gauge(r, 'dm_syncer_replication_lag_gauge'), 1);
    const all = await r.getSingleMetric('dm_syncer_replication_lag_gauge')?.get();
    assert.equal(all?.values.length, 2);
  });

  it("counts finished jobs and transactions and sets binlog positions under DM's names and labels", async () => {
    const r = new Registry();
    dmWorkerMetrics(r, 'w1');
    const s = new SyncStats(labels, r, () => 0);
    const job = (type: 'insert' | 'update', table: string) =>
      ({ change: { type, target: { schema: 'db', table } } }) as unknown as DmlJob;
    s.applied([job('insert', 'a'), job('insert', 'a'), job('update', 'b')], 3, 0.01);
    s.transaction();
    s.positions({ file: 'mysql-bin.000012', pos: 900 }, { file: 'mysql-bin.000011', pos: 40 });
    s.setLag(() => 3);
    const text = await r.metrics();
    assert.match(
      text,
      /dm_syncer_finished_jobs_total\{type="insert",task="t1",queueNo="3",source_id="src-1",worker="w1",target_schema="db",target_table="a"\} 2/,
    );
    assert.match(text, /dm_syncer_finished_transaction_total\{task="t1",source_id="src-1",worker="w1"\} 1/);
    assert.match(text, /dm_syncer_binlog_file\{node="master",task="t1",source_id="src-1"\} 12/);
    assert.match(text, /dm_syncer_binlog_pos\{node="syncer",task="t1",source_id="src-1"\} 40/);
    assert.match(
      text,
      /dm_syncer_replication_lag_bucket\{le="4",task="t1",source_id="src-1",worker="w1"\} 1/,
    );
    assert.match(text, /dm_syncer_txn_duration_time_count\{task="t1",source_id="src-1",worker="w1"\} 1/);
  });
});
