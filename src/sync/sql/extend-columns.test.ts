import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowsEvent } from '../../pkg/binlog/types.js';
import { DmError, E } from '../../pkg/errors/index.js';
import { TableRouter } from '../../pkg/router/table-router.js';
import { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import { changeKeys } from '../causality.js';
import { rowChanges } from '../row-changes.js';
import { batchSql } from './batch-sql.js';
import { changeSql, formatStmt } from './dml-sql.js';
import { extendStructure, stripExtendColumns, upstreamViewOf } from './extend-columns.js';

function table(ddl: string, schema = 'shard_1'): TableStructure {
  const t = new SchemaTracker();
  t.applyDdl(ddl, schema);
  const s = t.list()[0];
  assert.ok(s);
  return s;
}

const router = new TableRouter(
  [
    {
      schemaPattern: 'shard_*',
      tablePattern: 't_*',
      targetSchema: 'merged',
      targetTable: 't',
      extractTable: { tableRegexp: 't_(.*)', targetColumn: 'c_table' },
      extractSchema: { schemaRegexp: 'shard_(.*)', targetColumn: 'c_schema' },
      extractSource: { sourceRegexp: '(.*)', targetColumn: 'c_source' },
    },
  ],
  { caseSensitive: false },
);
const ext = router.extendColumns('shard_1', 't_a', "src'1");
assert.ok(ext);
const target = { schema: 'merged', table: 't' };
const t = table('CREATE TABLE t_a (id int primary key, v varchar(10))');

function ev(type: RowsEvent['type'], rows: RowsEvent['rows']): RowsEvent {
  return { type, schema: 'shard_1', table: 't_a', rows } as RowsEvent;
}
const sql = (e: RowsEvent, safe = false) =>
  rowChanges(e, t, target, ext).flatMap((c) => changeSql(c, safe).map(formatStmt));

describe('route extraction in DML (extended columns)', () => {
  it('INSERT / REPLACE write the extracted values, escaped', () => {
    assert.deepEqual(sql(ev('write_rows', [[1, 'x']])), [
      "INSERT INTO `merged`.`t` (`id`,`v`,`c_table`,`c_schema`,`c_source`) VALUES (1,'x','a','1','src\\'1')",
    ]);
    assert.deepEqual(sql(ev('write_rows', [[1, 'x']]), true), [
      "REPLACE INTO `merged`.`t` (`id`,`v`,`c_table`,`c_schema`,`c_source`) VALUES (1,'x','a','1','src\\'1')",
    ]);
  });

  it('UPDATE and DELETE find the row by its key plus the extracted values (another shard may share the id)', () => {
    const where = "`id` = 1 AND `c_table` = 'a' AND `c_schema` = '1' AND `c_source` = 'src\\'1'";
    assert.deepEqual(sql(ev('update_rows', [{ before: [1, 'x'], after: [1, 'y'] }])), [
      `UPDATE \`merged\`.\`t\` SET \`id\` = 1, \`v\` = 'y', \`c_table\` = 'a', \`c_schema\` = '1', \`c_source\` = 'src\\'1' WHERE ${where} LIMIT 1`,
    ]);
    assert.deepEqual(sql(ev('delete_rows', [[1, 'x']])), [
      `DELETE FROM \`merged\`.\`t\` WHERE ${where} LIMIT 1`,
    ]);
    // Safe mode: a key change deletes the old row of this shard only, then REPLACEs.
    assert.deepEqual(sql(ev('update_rows', [{ before: [1, 'x'], after: [2, 'x'] }]), true), [
      `DELETE FROM \`merged\`.\`t\` WHERE ${where} LIMIT 1`,
      "REPLACE INTO `merged`.`t` (`id`,`v`,`c_table`,`c_schema`,`c_source`) VALUES (2,'x','a','1','src\\'1')",
    ]);
  });

  it('batches (multiple rows) and causality keys use the widened structure', () => {
    const changes = rowChanges(
      ev('delete_rows', [
        [1, 'x'],
        [2, 'y'],
      ]),
      t,
      target,
      ext,
    );
    const stmts = batchSql(
      changes.map((change) => ({ change, safe: false })),
      true,
    ).map(formatStmt);
    assert.equal(stmts.length, 1);
    assert.match(stmts[0] ?? '', /WHERE \(`id` = 1 AND `c_table` = 'a'.*\) OR \(`id` = 2 AND/);
    const other = router.extendColumns('shard_2', 't_a', 's2');
    assert.ok(other);
    const k1 = changeKeys(rowChanges(ev('write_rows', [[1, 'x']]), t, target, ext)[0]!);
    const k2 = changeKeys(rowChanges(ev('write_rows', [[1, 'x']]), t, target, other)[0]!);
    assert.notDeepEqual(k1, k2, 'the same id in two shards is not a conflict');
  });

  it('without extraction nothing changes; the widened structure is cached', () => {
    assert.deepEqual(
      rowChanges(ev('write_rows', [[1, 'x']]), t, target).flatMap((c) => changeSql(c, false).map(formatStmt)),
      ["INSERT INTO `merged`.`t` (`id`,`v`) VALUES (1,'x')"],
    );
    assert.equal(extendStructure(t, ext), extendStructure(t, ext));
  });

  it('an upstream table that has an extended column is refused with a coded error', () => {
    const bad = table('CREATE TABLE t_a (id int primary key, c_table varchar(10))');
    assert.throws(
      () => extendStructure(bad, ext),
      (e: unknown) =>
        e instanceof DmError && e.code === E.extendColumns.code && /must not contain/.test(e.message),
    );
  });

  it('the downstream merged table is read back without its extended columns, refused when it lacks one', () => {
    const down = table(
      'CREATE TABLE t (id int, v varchar(10), c_table varchar(20), c_schema varchar(20), c_source varchar(20), PRIMARY KEY (id, c_table, c_schema, c_source))',
      'merged',
    );
    const up = upstreamViewOf(down, ext.columns);
    assert.deepEqual(
      up.columns.map((c) => c.name),
      ['id', 'v'],
    );
    assert.deepEqual(up.uniqueKeys[0]?.columns, ['id']);
    assert.deepEqual(
      stripExtendColumns(down, ['C_TABLE']).columns.length,
      4,
      'names compare case-insensitively',
    );
    const lacking = table(
      'CREATE TABLE t (id int primary key, v varchar(10), c_table varchar(20))',
      'merged',
    );
    assert.throws(
      () => upstreamViewOf(lacking, ext.columns),
      (e: unknown) =>
        e instanceof DmError &&
        e.code === E.extendColumns.code &&
        e.message.includes('must contain extended columns ["c_schema","c_source"]'),
    );
  });
});
