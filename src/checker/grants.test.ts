import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasGlobal, hasOnSchema, parseGrants, REPL_CLIENT, REPL_SLAVE } from './grants.js';

describe('parseGrants', () => {
  it('MySQL 5.7 style', () => {
    const g = parseGrants([
      "GRANT SELECT, RELOAD, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'dm'@'%'",
      "GRANT INSERT, UPDATE (a, b) ON `app`.* TO 'dm'@'%'",
    ]);
    assert.equal(hasGlobal(g, ['RELOAD']), true);
    assert.equal(hasGlobal(g, REPL_SLAVE), true);
    assert.equal(hasGlobal(g, REPL_CLIENT), true);
    assert.equal(hasOnSchema(g, 'app', 'INSERT'), true);
    assert.equal(hasOnSchema(g, 'app', 'UPDATE'), true);
    assert.equal(hasOnSchema(g, 'other', 'INSERT'), false);
  });

  it('MariaDB 10.5+ names and ALL PRIVILEGES', () => {
    const g = parseGrants(["GRANT SELECT, BINLOG MONITOR ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*AB'"]);
    assert.equal(hasGlobal(g, REPL_CLIENT), true);
    assert.equal(hasGlobal(g, REPL_SLAVE), false);
    const all = parseGrants(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION']);
    assert.equal(hasGlobal(all, REPL_SLAVE), true);
    assert.equal(hasOnSchema(all, 'x', 'DROP'), true);
  });

  it('ignores roles and proxy lines', () => {
    const g = parseGrants(["GRANT PROXY ON ''@'%' TO 'root'@'localhost'", 'GRANT `r1` TO `u`@`%`']);
    assert.equal(g.global.size, 0);
  });
});
