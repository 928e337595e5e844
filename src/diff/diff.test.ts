import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDiffConfig } from './config.js';
import { checksumSql, chunkMeta, chunkWhere, type TableShape } from './diff-sql.js';
import { compareRows } from './row-compare.js';
import { TableFilter } from './table-filter.js';

const shape: TableShape = {
  columns: [
    { name: 'id', dataType: 'int', columnType: 'int(11)', generated: false },
    { name: 'v', dataType: 'varchar', columnType: 'varchar(8)', generated: false },
  ],
  key: ['id'],
  keyIsUnique: true,
};

describe('sync-diff pure parts', () => {
  it('table filter: last matching rule decides, ! excludes', () => {
    const f = new TableFilter(['db*.*', '!db2.*', 'db2.keep']);
    assert.equal(f.matches('db1', 't'), true);
    assert.equal(f.matches('db2', 't'), false);
    assert.equal(f.matches('db2', 'keep'), true);
    assert.equal(f.matches('other', 't'), false);
  });

  it('chunk conditions expand tuple comparisons', () => {
    assert.equal(
      chunkWhere(['a', 'b'], { lower: [1, 'x'], upper: [2, 'y'] }, 'a > 0'),
      "(`a` > 1 OR (`a` = 1 AND `b` > 'x')) AND (`a` < 2 OR (`a` = 2 AND `b` <= 'y')) AND (a > 0)",
    );
    assert.equal(chunkWhere(['a'], {}, ''), 'TRUE');
    assert.equal(chunkMeta(['a'], { lower: [5] }), 'range in sequence: (5) < (a)');
  });

  it('chunk checksum: a column whose character set differs is hashed as utf8mb4', () => {
    assert.equal(
      checksumSql('s', 't', ['id', 'v'], 'TRUE', new Set(), new Set(['v'])),
      "SELECT COUNT(*) AS cnt, BIT_XOR(CRC32(CONCAT_WS(',', `id`, CONVERT(`v` USING utf8mb4)))) AS crc FROM `s`.`t` WHERE TRUE",
    );
  });

  it('chunk checksum: ISNULL only for the nullable columns, none when all are NOT NULL', () => {
    assert.equal(
      checksumSql('s', 't', ['id', 'v'], 'TRUE', new Set(['v'])),
      "SELECT COUNT(*) AS cnt, BIT_XOR(CRC32(CONCAT_WS(',', `id`, `v`, CONCAT(ISNULL(`v`))))) AS crc FROM `s`.`t` WHERE TRUE",
    );
    assert.equal(
      checksumSql('s', 't', ['id'], '`id` > 5', new Set()),
      "SELECT COUNT(*) AS cnt, BIT_XOR(CRC32(CONCAT_WS(',', `id`))) AS crc FROM `s`.`t` WHERE `id` > 5",
    );
  });

  it('row comparison: update, insert, delete and NULL vs empty string', () => {
    const up = [
      { id: 1, v: 'a' },
      { id: 2, v: null },
      { id: 3, v: 'c' },
    ];
    const down = [
      { id: 1, v: 'a' },
      { id: 2, v: '' },
      { id: 4, v: 'd' },
    ];
    const d = compareRows(up, down, ['id', 'v'], shape, { schema: 's', table: 't' });
    assert.equal(d.rowsAdd, 2);
    assert.equal(d.rowsDelete, 2);
    assert.match(d.sqls[0]!, /REPLACE INTO `s`.`t`\(`id`,`v`\) VALUES \(2,NULL\);$/);
    assert.match(d.sqls[0]!, /source data +╏ NULL/);
    assert.equal(d.sqls[1], "REPLACE INTO `s`.`t`(`id`,`v`) VALUES (3,'c');");
    assert.equal(d.sqls[2], 'DELETE FROM `s`.`t` WHERE `id` = 4 LIMIT 1;');
  });

  it('config: unknown keys and undefined names are errors', () => {
    const base = `[data-sources.a]\nhost="h"\n[data-sources.b]\nhost="h"\n[task]\noutput-dir="/o"\nsource-instances=["a"]\ntarget-instance="b"\ntarget-check-tables=["x.*"]\n`;
    const c = parseDiffConfig(base);
    assert.equal(c.checkThreadCount, 4);
    assert.equal(c.exportFixSql, true);
    assert.equal(c.useTableChecksum, true);
    assert.equal(parseDiffConfig(`use-table-checksum = false\n${base}`).useTableChecksum, false);
    assert.throws(
      () => parseDiffConfig(`use-table-checksum = 1\n${base}`),
      /use-table-checksum must be true or false/,
    );
    assert.equal(c.dataSources.get('a')?.db.port, 3306);
    assert.throws(() => parseDiffConfig(`${base}bogus = 1\n`), /unknown key task\.bogus/);
    assert.throws(() => parseDiffConfig(base.replace('target-instance="b"', 'target-instance="zz"')), /zz/);
  });
});
