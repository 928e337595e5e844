import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesView,
  classify,
  createTableColumns,
  extendInsert,
  rewriteCreateDatabase,
  rewriteCreateTable,
  rewriteCreateView,
  rewriteInsert,
  routeViewBody,
  splitInsert,
  stripDefiner,
} from './statement-rewrite.js';

describe('statement rewrite', () => {
  it('classifies', () => {
    assert.equal(classify('\n/* x */ INSERT INTO t VALUES (1)'), 'insert');
    assert.equal(classify('/*!40101 SET NAMES binary*/'), 'other');
    assert.equal(classify('CREATE TABLE `t` (a int)'), 'create-table');
    assert.equal(classify('CREATE DATABASE /*!32312 IF NOT EXISTS*/ `d`'), 'create-database');
  });

  it('rewrites INSERT targets and verbs', () => {
    const s = '\nINSERT INTO `t1` (`a`,`b`) VALUES\n(1,2)';
    assert.equal(rewriteInsert(s, 'm', 't', 'replace'), 'REPLACE INTO `m`.`t` (`a`,`b`) VALUES\n(1,2)');
    assert.equal(
      rewriteInsert('INSERT INTO d.t1 VALUES (1)', 'm', 't', 'ignore'),
      'INSERT IGNORE INTO `m`.`t` VALUES (1)',
    );
    assert.equal(
      rewriteInsert('INSERT INTO `a``b` VALUES (1)', 'x', 'y`z', 'error'),
      'INSERT INTO `x`.`y``z` VALUES (1)',
    );
    assert.equal(rewriteInsert('SET x=1', 'm', 't', 'error'), null);
  });

  it('rewrites CREATE TABLE / DATABASE names', () => {
    assert.equal(
      rewriteCreateTable('CREATE TABLE `t1` (\n `id` int\n) ENGINE=InnoDB', 'merged', 't'),
      'CREATE TABLE IF NOT EXISTS `merged`.`t` (\n `id` int\n) ENGINE=InnoDB',
    );
    assert.equal(
      rewriteCreateDatabase(
        'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `d1` /*!40100 DEFAULT CHARACTER SET utf8mb4 */',
        'x',
      ),
      'CREATE DATABASE IF NOT EXISTS `x` /*!40100 DEFAULT CHARACTER SET utf8mb4 */',
    );
    assert.equal(rewriteCreateDatabase('CREATE DATABASE `d1`', 'x'), 'CREATE DATABASE IF NOT EXISTS `x`');
  });

  it('handles non-ASCII names as byte views', () => {
    const v = bytesView('tä');
    assert.equal(v.length, 3);
    assert.equal(
      Buffer.from(rewriteInsert('INSERT INTO t VALUES (1)', 'd', v, 'error') ?? '', 'latin1').toString(),
      'INSERT INTO `d`.`tä` VALUES (1)',
    );
  });

  it('routes CREATE VIEW names', () => {
    assert.equal(
      rewriteCreateView(
        'CREATE ALGORITHM=UNDEFINED VIEW `mix`.`v` AS select `mix`.`t`.`a` AS `a` from `mix`.`t`',
        'x',
        'y',
      ),
      'CREATE ALGORITHM=UNDEFINED VIEW `x`.`y` AS select `mix`.`t`.`a` AS `a` from `mix`.`t`',
    );
  });

  it('routes the tables a view body reads, columns included, and leaves others byte for byte', () => {
    const route = (s: string, t: string) =>
      s === 'shard_1' && /^t_\d+$/.test(t) ? { schema: 'merged', table: 't' } : { schema: s, table: t };
    assert.equal(
      routeViewBody(
        'CREATE VIEW `shard_1`.`v` AS select `shard_1`.`t_1`.`a` AS `a`,`o`.`x`.`b` AS `b` from (`shard_1`.`t_1` join `o`.`x`)',
        route,
      ),
      'CREATE VIEW `shard_1`.`v` AS select `merged`.`t`.`a` AS `a`,`o`.`x`.`b` AS `b` from (`merged`.`t` join `o`.`x`)',
    );
    assert.equal(
      routeViewBody('CREATE VIEW `a``b`.`v` AS select 1', route),
      'CREATE VIEW `a``b`.`v` AS select 1',
    );
  });

  it('strips DEFINER', () => {
    assert.equal(
      stripDefiner(
        'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1',
      ),
      'CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1',
    );
  });

  it('splits oversized INSERTs on row boundaries', () => {
    const sql = "INSERT INTO `d`.`t` (`a`) VALUES (1,'x),('),(2,'y'),(3,'z')";
    const parts = splitInsert(sql, 45);
    assert.deepEqual(parts, [
      "INSERT INTO `d`.`t` (`a`) VALUES (1,'x),(')",
      "INSERT INTO `d`.`t` (`a`) VALUES (2,'y')",
      "INSERT INTO `d`.`t` (`a`) VALUES (3,'z')",
    ]);
    assert.deepEqual(splitInsert(sql, 1000), [sql]);
  });
});

describe('route extraction in the full phase (extendInsert)', () => {
  const names = ['`c_table`', '`c_schema`'];
  const values = ["'01'", "'it''s'"];

  it('appends the extended columns to the column list and their values to every row', () => {
    const sql = "REPLACE INTO `m`.`t` (`id`,`v`) VALUES\n(1,'a,(b)'),\n(2,'x\\')')";
    assert.equal(
      extendInsert(sql, names, values),
      "REPLACE INTO `m`.`t` (`id`,`v`,`c_table`,`c_schema`) VALUES\n(1,'a,(b)','01','it''s'),\n(2,'x\\')','01','it''s')",
    );
  });

  it('names the columns of a dump without a column list (mydumper without --complete-insert)', () => {
    const sql = 'INSERT INTO `m`.`t` VALUES (1,NULL),(2,0x41);';
    assert.equal(
      extendInsert(sql, names, values, ['`id`', '`v`']),
      "INSERT INTO `m`.`t` (`id`,`v`,`c_table`,`c_schema`) VALUES (1,NULL,'01','it''s'),(2,0x41,'01','it''s');",
    );
    assert.equal(extendInsert(sql, names, values), null, 'no column names known');
  });

  it('an extended INSERT still splits into whole rows', () => {
    const sql = extendInsert('INSERT INTO `t` (`a`) VALUES (1),(2),(3)', ['`c`'], ["'x'"]) ?? '';
    assert.deepEqual(splitInsert(sql, 40), [
      "INSERT INTO `t` (`a`,`c`) VALUES (1,'x')",
      "INSERT INTO `t` (`a`,`c`) VALUES (2,'x')",
      "INSERT INTO `t` (`a`,`c`) VALUES (3,'x')",
    ]);
  });

  it('reads column names from a dumped CREATE TABLE', () => {
    const ddl =
      'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `we``ird` varchar(3) DEFAULT NULL,\n  `g` int AS (`id`+1) VIRTUAL,\n  PRIMARY KEY (`id`),\n  KEY `k` (`we``ird`)\n) ENGINE=InnoDB';
    assert.deepEqual(createTableColumns(ddl), ['`id`', '`we``ird`', '`g`']);
  });
});
