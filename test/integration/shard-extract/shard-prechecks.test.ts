import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runPrechecks } from '../../../src/checker/index.js';
import type { CheckReport } from '../../../src/pkg/api/check-report.js';
import { parseSourceConfig } from '../../../src/pkg/config/source-config.js';
import { toSubTaskConfigs } from '../../../src/pkg/config/subtask.js';
import { parseTaskConfig } from '../../../src/pkg/config/task-config.js';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';

/**
 * check-task's sharding items against real servers: two sources whose shard tables merge
 * into `merged.t` (and `merged.same`), run the way DM runs them (shard-mode set, a mode that
 * dumps, a fresh task), skippable with ignore-checking-items.
 */
describe('sharding prechecks (schema_of_shard_tables, auto_increment_ID) against real MariaDB', () => {
  let a: MariadbInstance;
  let b: MariadbInstance;
  let down: MariadbInstance;

  before(async () => {
    [a, b, down] = await Promise.all([
      startMariadb({ serverId: 31 }),
      startMariadb({ serverId: 32 }),
      startMariadb({ serverId: 33, noBinlog: true }),
    ]);
    await a.query(
      'CREATE DATABASE shard_1; CREATE TABLE shard_1.t_1 (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10));' +
        'CREATE TABLE shard_1.same_1 (id INT PRIMARY KEY, v VARCHAR(10))',
    );
    await b.query(
      'CREATE DATABASE shard_2; CREATE TABLE shard_2.t_2 (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20));' +
        'CREATE TABLE shard_2.same_2 (id INT PRIMARY KEY, v VARCHAR(10))',
    );
  });
  after(async () => {
    await Promise.all([a?.destroy(), b?.destroy(), down?.destroy()]);
  });

  const subtasks = (head: string, ignore: string[] = []): SubTaskConfig[] => {
    const task = parseTaskConfig(`name: shardchk
${head}
ignore-checking-items: ${JSON.stringify(ignore)}
target-database: {host: 127.0.0.1, port: ${down.port}, user: root, password: ""}
mysql-instances:
  - source-id: s1
    block-allow-list: ba
    route-rules: [t, same]
  - source-id: s2
    block-allow-list: ba
    route-rules: [t, same]
block-allow-list:
  ba:
    do-dbs: ["~^shard_"]
routes:
  t:
    schema-pattern: "shard_*"
    table-pattern: "t_*"
    target-schema: merged
    target-table: t
  same:
    schema-pattern: "shard_*"
    table-pattern: "same_*"
    target-schema: merged
    target-table: same
`);
    const src = (id: string, db: MariadbInstance) =>
      parseSourceConfig(
        `source-id: ${id}\nfrom: {host: 127.0.0.1, port: ${db.port}, user: root, password: ""}\n`,
      );
    return toSubTaskConfigs(
      task,
      new Map([
        ['s1', src('s1', a)],
        ['s2', src('s2', b)],
      ]),
    );
  };
  const shardResults = (r: CheckReport) => r.results.filter((x) => x.item === 'schema_of_shard_tables');

  it('pessimistic: different structures fail with DM wording; auto-increment keys warn; equal ones pass', async () => {
    const report = await runPrechecks(subtasks('task-mode: all\nshard-mode: pessimistic'));
    const [same, t] = shardResults(report);
    assert.equal(same?.name, 'sharding table `merged`.`same` consistency checking');
    assert.equal(same?.state, 'success');
    assert.equal(same?.extra, 'sourceID s1 on sharding `merged`.`same`');
    assert.equal(t?.name, 'sharding table `merged`.`t` consistency checking');
    assert.equal(t?.state, 'fail');
    assert.equal(t?.instruction, 'please set same table structure for sharding tables');
    assert.deepEqual(
      t?.errors?.map((e) => e.short_error),
      [
        "sourceID s1 table `shard_1`.`t_1` of sharding `merged`.`t` have auto-increment key, please make sure them don't conflict in target table!",
        "sourceID s2 table `shard_2`.`t_2` of sharding `merged`.`t` have auto-increment key, please make sure them don't conflict in target table!",
        'different column definition',
      ],
    );
    assert.equal(t?.errors?.[2]?.self, 'sourceID s1 table `shard_1`.`t_1` column v varchar(10)');
    assert.equal(t?.errors?.[2]?.other, 'sourceID s2 table `shard_2`.`t_2` column v varchar(20)');
    assert.equal(report.summary.passed, false);
  });

  it('optimistic joins compatible structures; auto_increment_ID ignored drops the warnings', async () => {
    await b.query('ALTER TABLE shard_2.t_2 MODIFY v VARCHAR(10)');
    try {
      const warned = shardResults(await runPrechecks(subtasks('task-mode: all\nshard-mode: optimistic')));
      const t = warned.find((x) => x.name.includes('`merged`.`t`'));
      assert.equal(t?.name, 'optimistic sharding table `merged`.`t` consistency checking');
      assert.equal(t?.state, 'warn');
      assert.equal(t?.extra, 'auto-increment key checking');
      assert.match(t?.instruction ?? '', /^If happen conflict, please handle it by yourself/);
      const quiet = shardResults(
        await runPrechecks(subtasks('task-mode: all\nshard-mode: optimistic', ['auto_increment_ID'])),
      );
      assert.deepEqual(
        quiet.map((x) => x.state),
        ['success', 'success'],
      );
    } finally {
      await b.query('ALTER TABLE shard_2.t_2 MODIFY v VARCHAR(20)');
    }
  });

  it('not run: ignored, without shard-mode, in incremental mode, or once the task has checkpoints', async () => {
    assert.deepEqual(
      shardResults(
        await runPrechecks(subtasks('task-mode: all\nshard-mode: pessimistic', ['schema_of_shard_tables'])),
      ),
      [],
    );
    assert.deepEqual(shardResults(await runPrechecks(subtasks('task-mode: all'))), []);
    assert.deepEqual(
      shardResults(await runPrechecks(subtasks('task-mode: incremental\nshard-mode: pessimistic'))),
      [],
    );
    await down.query(
      'CREATE DATABASE dm_meta; CREATE TABLE dm_meta.shardchk_syncer_checkpoint (id VARCHAR(32) PRIMARY KEY)',
    );
    assert.deepEqual(
      shardResults(await runPrechecks(subtasks('task-mode: all\nshard-mode: pessimistic'))),
      [],
    );
  });
});
