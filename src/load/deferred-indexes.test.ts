import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addIndexesSql, deferSecondaryIndexes } from './deferred-indexes.js';

const SBTEST = [
  'CREATE TABLE `sbtest1` (',
  '  `id` int(11) NOT NULL AUTO_INCREMENT,',
  '  `k` int(11) NOT NULL DEFAULT 0,',
  "  `c` char(120) NOT NULL DEFAULT '',",
  '  PRIMARY KEY (`id`),',
  '  KEY `k_1` (`k`)',
  ') ENGINE=InnoDB AUTO_INCREMENT=10001 DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;',
].join('\n');

describe('deferSecondaryIndexes', () => {
  it('moves a trailing KEY out and fixes the comma before it', () => {
    const d = deferSecondaryIndexes(SBTEST);
    assert.deepEqual(d.names, ['k_1']);
    assert.deepEqual(d.clauses, ['ADD KEY `k_1` (`k`)']);
    assert.match(d.create, /PRIMARY KEY \(`id`\)\n\) ENGINE=InnoDB/);
    assert.doesNotMatch(d.create, /k_1/);
  });

  it('keeps PRIMARY, UNIQUE, FULLTEXT and SPATIAL keys; defers several KEYs with options', () => {
    const sql = [
      'CREATE TABLE `t` (',
      '  `id` int NOT NULL,',
      '  `a` varchar(20) DEFAULT NULL,',
      '  `b` int DEFAULT NULL,',
      '  `doc` text,',
      '  PRIMARY KEY (`id`),',
      '  UNIQUE KEY `ua` (`a`),',
      "  KEY `ab` (`a`(10),`b`) USING BTREE COMMENT 'x (y)',",
      '  FULLTEXT KEY `ft` (`doc`),',
      '  INDEX `we``ird` (`b` DESC),',
      '  KEY `bb` (`b`)',
      ') ENGINE=InnoDB;',
    ].join('\n');
    const d = deferSecondaryIndexes(sql);
    assert.deepEqual(d.names, ['ab', 'we`ird', 'bb']);
    assert.deepEqual(d.clauses, [
      "ADD KEY `ab` (`a`(10),`b`) USING BTREE COMMENT 'x (y)'",
      'ADD INDEX `we``ird` (`b` DESC)',
      'ADD KEY `bb` (`b`)',
    ]);
    assert.match(d.create, /UNIQUE KEY `ua` \(`a`\),\n {2}FULLTEXT KEY `ft` \(`doc`\)\n\) ENGINE/);
  });

  it('defers nothing on a table with a foreign key or without secondary keys', () => {
    const fk = SBTEST.replace(
      '  KEY `k_1` (`k`)',
      '  KEY `k_1` (`k`),\n  CONSTRAINT `f` FOREIGN KEY (`k`) REFERENCES `p` (`id`)',
    );
    assert.deepEqual(deferSecondaryIndexes(fk), { create: fk, names: [], clauses: [] });
    const plain = 'CREATE TABLE `p` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;';
    assert.deepEqual(deferSecondaryIndexes(plain), { create: plain, names: [], clauses: [] });
  });

  it('does not take a column named key for an index', () => {
    const sql = 'CREATE TABLE `t` (\n  `key` int DEFAULT NULL,\n  KEY `key` (`key`)\n) ENGINE=InnoDB;';
    const d = deferSecondaryIndexes(sql);
    assert.deepEqual(d.names, ['key']);
    assert.equal(d.create, 'CREATE TABLE `t` (\n  `key` int DEFAULT NULL\n) ENGINE=InnoDB;');
  });
});

describe('addIndexesSql', () => {
  it('adds every deferred index in one ALTER, nothing when there is none', () => {
    const d = { clauses: ['ADD KEY `a` (`x`)', 'ADD KEY `B` (`y`)'] };
    assert.equal(addIndexesSql('`d`.`t`', d), 'ALTER TABLE `d`.`t` ADD KEY `a` (`x`), ADD KEY `B` (`y`)');
    assert.equal(addIndexesSql('`d`.`t`', { clauses: [] }), null);
  });
});
