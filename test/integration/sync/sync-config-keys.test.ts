import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { parseSourceConfig } from '../../../src/pkg/config/source-config.js';
import { toSubTaskConfigs } from '../../../src/pkg/config/subtask.js';
import { parseTaskConfig } from '../../../src/pkg/config/task-config.js';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import { checkpointTableName } from '../../../src/sync/checkpoint.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, destroyAll, startPair, tempDir } from '../../harness/index.js';
import { endSync, masterPos } from './sync-helpers.js';

const logger = pino({ level: process.env.DM_TEST_LOG ? 'debug' : 'silent' });

/**
 * Task keys whose behaviour no other test drove from a DM task.yaml: `case-sensitive` (how
 * block-allow-list, route and filter patterns match names), block-allow-list `do-tables`,
 * a filter's `sql-pattern`, `meta-schema` (where the checkpoint lives) and
 * `checkpoint-flush-interval` (when it is saved). Each subtask config here comes from task.yaml and source.yaml
 * text through the loaders (parseTaskConfig → toSubTaskConfigs), as a worker gets it.
 *
 * Two sync units read the same binlog: `case-sensitive: false` (DM's default) matches the
 * upper-case patterns `CS1`.`KEEP` against the upstream's `cs1`.`keep`; `case-sensitive: true`
 * does not, and only its exact-case `cs1`.`sentinel` arrives.
 */
describe('sync unit from task.yaml: case-sensitive, do-tables, sql-pattern', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  const units: { unit: SyncUnit; ac: AbortController; run: Promise<{ errors: unknown[] }> }[] = [];

  const subtask = (
    name: string,
    caseSensitive: boolean,
    target: string,
    meta: { binlogName: string; binlogPos: number },
    flushInterval: number,
  ): SubTaskConfig => {
    const source = parseSourceConfig(
      stringify({
        'source-id': 's1',
        // replica ids above 1,000,000: the harness gives its servers ids below 20,000
        'server-id': 1_000_000 + Math.floor(Math.random() * 1_000_000),
        from: { host: up.host, port: up.port, user: 'root', password: '' },
      }),
      'source.yaml',
    );
    const task = parseTaskConfig(
      stringify({
        name,
        'task-mode': 'incremental',
        'case-sensitive': caseSensitive,
        'meta-schema': `dm_meta_${name}`,
        'target-database': { host: down.host, port: down.port, user: 'root', password: '' },
        'mysql-instances': [
          {
            'source-id': 's1',
            meta: { 'binlog-name': meta.binlogName, 'binlog-pos': meta.binlogPos },
            'block-allow-list': 'ba',
            'route-rules': ['to-target', 'sentinel'],
            'filter-rules': ['no-idx'],
            syncer: {
              'worker-count': 2,
              batch: 20,
              'checkpoint-flush-interval': flushInterval,
              'safe-mode-duration': '0s',
            },
          },
        ],
        'block-allow-list': {
          ba: {
            'do-tables': [
              { 'db-name': 'CS1', 'tbl-name': 'KEEP' },
              { 'db-name': 'cs1', 'tbl-name': 'sentinel' },
            ],
          },
        },
        routes: {
          'to-target': { 'schema-pattern': 'CS1', 'target-schema': target },
          sentinel: { 'schema-pattern': 'cs1', 'table-pattern': 'sentinel', 'target-schema': target },
        },
        filters: {
          'no-idx': {
            'schema-pattern': 'CS1',
            'table-pattern': 'KEEP',
            'sql-pattern': ['ADD INDEX idx_v'],
            action: 'Ignore',
          },
        },
      }),
      'task.yaml',
    );
    const [sub] = toSubTaskConfigs(task, new Map([['s1', source]]));
    assert.ok(sub);
    return sub;
  };

  before(async () => {
    [up, down] = await startPair();
    await up.query(
      'CREATE DATABASE cs1; CREATE TABLE cs1.keep (id INT PRIMARY KEY, v INT);' +
        'CREATE TABLE cs1.other (id INT PRIMARY KEY); CREATE TABLE cs1.sentinel (id INT PRIMARY KEY)',
    );
    // the target tables exist downstream (created before the start position, as a dump would)
    for (const t of ['r_ci', 'r_cs']) {
      await down.query(
        `CREATE DATABASE ${t}; CREATE TABLE ${t}.keep (id INT PRIMARY KEY, v INT); CREATE TABLE ${t}.sentinel (id INT PRIMARY KEY)`,
      );
    }
    await down.query('DROP TABLE r_cs.keep');
    const pos = await masterPos(up);
    for (const [name, cs, target, flush] of [
      ['ci', false, 'r_ci', 1],
      ['cs', true, 'r_cs', 3600],
    ] as const) {
      const unit = new SyncUnit(subtask(name, cs, target, pos, flush), {
        logger,
        workDir: tempDir(`dm-sync-keys-${name}-`),
      });
      await unit.init();
      const ac = new AbortController();
      units.push({ unit, ac, run: unit.process(ac.signal) });
    }
  });

  after(async () => {
    const errors = [];
    for (const u of units) errors.push(await endSync(u.unit, u.ac, u.run));
    await destroyAll(up, down);
    assert.deepEqual(
      errors,
      units.map(() => []),
    );
  });

  const waitSame = async (schema: string, table: string, target: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const a = await crcSum(up, schema, table);
      const b = await crcSum(down, target, table).catch(() => undefined);
      if (JSON.stringify(a) === JSON.stringify(b)) return;
      assert.ok(Date.now() < deadline, `${target}.${table} differs: ${JSON.stringify([a, b])}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  it('case-insensitive by default: CS1.KEEP matches cs1.keep; sql-pattern drops the DDL; exact case only when case-sensitive', async () => {
    await up.query(
      'INSERT INTO cs1.keep VALUES (1,1),(2,2),(3,3); INSERT INTO cs1.other VALUES (1),(2);' +
        'ALTER TABLE cs1.keep ADD INDEX idx_v (v); UPDATE cs1.keep SET v = 20 WHERE id = 2; DELETE FROM cs1.keep WHERE id = 3;' +
        'INSERT INTO cs1.keep VALUES (4,4); INSERT INTO cs1.sentinel VALUES (1),(2),(3)',
    );
    // case-sensitive: false — cs1.keep arrives under the upper-case patterns
    await waitSame('cs1', 'keep', 'r_ci');
    await waitSame('cs1', 'sentinel', 'r_ci');
    // case-sensitive: true — only the exact-case sentinel arrives
    await waitSame('cs1', 'sentinel', 'r_cs');
    // the sentinel rows came after every keep change in the binlog; give the other table's
    // appliers a moment, then: no keep table was created or written under r_cs
    await new Promise((r) => setTimeout(r, 2_000));
    const cs = await down.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'r_cs' AND TABLE_NAME = 'keep'",
    );
    assert.equal(Number(cs[0]?.n), 0, 'case-sensitive: true must not match cs1.keep to CS1.KEEP');
    // do-tables: cs1.other is in no rule, so it is nowhere downstream
    const other = await down.query<{ s: string }>(
      "SELECT TABLE_SCHEMA AS s FROM information_schema.TABLES WHERE TABLE_NAME = 'other'",
    );
    assert.deepEqual(other, []);
    // sql-pattern: the ADD INDEX was ignored (upstream has the index, downstream not)
    const idx = async (db: MariadbInstance, schema: string) =>
      Number(
        (
          await db.query<{ n: number }>(
            `SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '${schema}' AND TABLE_NAME = 'keep' AND INDEX_NAME = 'idx_v'`,
          )
        )[0]?.n,
      );
    assert.equal(await idx(up, 'cs1'), 1);
    assert.equal(await idx(down, 'r_ci'), 0);
    // checkpoint-flush-interval: 1 s (ci) has saved the end of the binlog; 3600 s (cs) has
    // not saved any position past its start yet (it flushes on that interval or at stop)
    const end = await masterPos(up);
    const saved = async (name: string) => {
      const [r] = await down.query<{ f: string; p: number }>(
        `SELECT binlog_name AS f, binlog_pos AS p FROM dm_meta_${name}.${checkpointTableName(name)} WHERE is_global = 1`,
      );
      return r ? `${r.f}:${r.p}` : 'none';
    };
    const deadline = Date.now() + 10_000;
    while ((await saved('ci')) !== `${end.binlogName}:${end.binlogPos}`) {
      assert.ok(Date.now() < deadline, `ci checkpoint ${await saved('ci')}, end ${JSON.stringify(end)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const csSaved = await saved('cs');
    assert.notEqual(
      csSaved,
      `${end.binlogName}:${end.binlogPos}`,
      'a 3600 s flush interval flushed within seconds',
    );
    // meta-schema: each unit keeps its checkpoint in its own meta schema downstream
    const metas = await down.query<{ s: string; t: string }>(
      "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'dm\\_meta\\_%' ORDER BY 1, 2",
    );
    assert.deepEqual(
      [...new Set(metas.map((m) => m.s))],
      ['dm_meta_ci', 'dm_meta_cs'],
      JSON.stringify(metas),
    );
    for (const name of ['ci', 'cs'])
      assert.ok(
        metas.some((m) => m.s === `dm_meta_${name}` && m.t === checkpointTableName(name)),
        JSON.stringify(metas),
      );
  });
});
