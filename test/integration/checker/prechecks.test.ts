import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runPrechecks } from '../../../src/checker/index.js';
import type { CheckReport } from '../../../src/pkg/api/check-report.js';
import { parseSourceConfig } from '../../../src/pkg/config/source-config.js';
import { toSubTaskConfigs } from '../../../src/pkg/config/subtask.js';
import { parseTaskConfig } from '../../../src/pkg/config/task-config.js';
import type { SubTaskConfig, TaskMode } from '../../../src/pkg/config/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';

function subtasks(
  up: { port: number; user: string; password: string },
  down: { port: number },
  mode: TaskMode = 'all',
  instanceExtra = '',
): SubTaskConfig[] {
  const task = parseTaskConfig(`name: chk
task-mode: ${mode}
target-database: {host: 127.0.0.1, port: ${down.port}, user: root, password: ""}
mysql-instances:
  - source-id: s1
    block-allow-list: ba
${instanceExtra}
block-allow-list:
  ba:
    do-dbs: ["app"]
`);
  const source = parseSourceConfig(
    `source-id: s1\nfrom: {host: 127.0.0.1, port: ${up.port}, user: "${up.user}", password: "${up.password}"}\n`,
  );
  return toSubTaskConfigs(task, new Map([['s1', source]]));
}

function item(report: CheckReport, name: string) {
  const r = report.results.find((x) => x.item === name);
  assert.ok(r, `no result for ${name}: ${JSON.stringify(report.results.map((x) => x.item))}`);
  return r;
}

describe('prechecks against real MariaDB', () => {
  let good: MariadbInstance;
  let stmt: MariadbInstance;
  before(async () => {
    [good, stmt] = await Promise.all([
      startMariadb({ serverId: 11 }),
      startMariadb({ serverId: 12, args: ['--binlog-format=STATEMENT'] }),
    ]);
    await good.query(
      'CREATE DATABASE app; CREATE TABLE app.with_pk (id INT PRIMARY KEY, v INT); CREATE TABLE app.with_uk (a INT NOT NULL, UNIQUE KEY (a));' +
        "CREATE USER 'norepl'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, RELOAD, LOCK TABLES ON *.* TO 'norepl'@'%';",
    );
  });
  after(async () => {
    await Promise.all([good?.destroy(), stmt?.destroy()]);
  });

  it('a good MariaDB passes every item, in DM report shape', async () => {
    const report = await runPrechecks(subtasks(good, good));
    assert.equal(report.summary.passed, true, JSON.stringify(report, null, 1));
    assert.equal(report.summary.failed, 0);
    assert.equal(report.summary.warning, 0);
    assert.equal(report.summary.total, report.results.length);
    for (const name of [
      'version',
      'dump_privilege',
      'replication_privilege',
      'server_id',
      'binlog_enable',
      'binlog_format',
      'binlog_row_image',
      'table_schema',
      'conn_number',
      'target_privilege',
    ]) {
      assert.equal(item(report, name).state, 'success', name);
    }
    const r = item(report, 'binlog_format');
    assert.equal(r.name, 'mysql_binlog_format');
    assert.equal(typeof r.id, 'number');
    assert.equal(r.extra, `address of db instance - 127.0.0.1:${good.port}`);
  });

  it('binlog_format=STATEMENT fails binlog_format with an instruction', async () => {
    const report = await runPrechecks(subtasks(stmt, good, 'incremental'));
    const r = item(report, 'binlog_format');
    assert.equal(r.state, 'fail');
    assert.equal(r.errors?.[0]?.severity, 'fail');
    assert.match(r.errors?.[0]?.short_error ?? '', /binlog_format is STATEMENT, and should be ROW/);
    assert.match(r.instruction, /binlog_format=ROW/);
    assert.equal(report.summary.passed, false);
    assert.equal(item(report, 'binlog_enable').state, 'success');
  });

  it('a user without REPLICATION SLAVE fails replication_privilege', async () => {
    const report = await runPrechecks(subtasks({ port: good.port, user: 'norepl', password: 'pw' }, good));
    const r = item(report, 'replication_privilege');
    assert.equal(r.state, 'fail');
    assert.match(r.errors?.[0]?.short_error ?? '', /REPLICATION SLAVE/);
    assert.equal(item(report, 'dump_privilege').state, 'success');
  });

  it('a wrong password fails fast with a clear message', async () => {
    const t0 = Date.now();
    const report = await runPrechecks(subtasks({ port: good.port, user: 'dm', password: 'wrong' }, good));
    assert.ok(Date.now() - t0 < 5000, 'must not hang');
    const r = item(report, 'source_connection');
    assert.equal(r.state, 'fail');
    assert.match(r.errors?.[0]?.short_error ?? '', /Access denied/);
    assert.equal(report.summary.passed, false);
  });

  it('an unreachable upstream fails fast', async () => {
    const t0 = Date.now();
    const report = await runPrechecks(subtasks({ port: 1, user: 'dm', password: 'x' }, good), {
      connectTimeoutMs: 2000,
    });
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(item(report, 'source_connection').state, 'fail');
  });

  it('a table without PK/UK warns (only tables the block-allow-list keeps)', async () => {
    await good.query(
      'CREATE TABLE app.no_key (a INT, b INT); CREATE DATABASE other; CREATE TABLE other.no_key2 (a INT)',
    );
    try {
      const report = await runPrechecks(subtasks(good, good, 'full'));
      const r = item(report, 'table_schema');
      assert.equal(r.state, 'warn');
      assert.equal(r.errors?.[0]?.severity, 'warn');
      assert.match(r.errors?.[0]?.short_error ?? '', /`app`\.`no_key`/);
      assert.doesNotMatch(r.errors?.[0]?.short_error ?? '', /no_key2/);
      assert.equal(report.summary.passed, true, 'warnings do not fail the check');
      assert.equal(report.summary.warning, 1);
      assert.equal(
        report.results.some((x) => x.item === 'binlog_format'),
        false,
        'full mode has no binlog items',
      );
    } finally {
      await good.query('DROP TABLE app.no_key; DROP DATABASE other');
    }
  });

  it('meta_position fails for a purged/missing binlog file; ignore-checking-items skips items', async () => {
    const subs = subtasks(
      good,
      good,
      'incremental',
      '    meta: {binlog-name: nope-bin.000042, binlog-pos: 4}',
    );
    const report = await runPrechecks(subs);
    assert.equal(item(report, 'meta_position').state, 'fail');
    const skipped = await runPrechecks(subs, { ignore: ['meta_position', 'binlog_format'] });
    assert.equal(
      skipped.results.some((x) => x.item === 'meta_position' || x.item === 'binlog_format'),
      false,
    );
    assert.equal(skipped.summary.passed, true);
    const none = await runPrechecks(subs, { ignore: ['all'] });
    assert.equal(none.summary.total, 0);
  });
});
