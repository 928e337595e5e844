import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionInitSql } from '../db/connect.js';
import { isDmError } from '../errors/index.js';
import { parseTaskConfig } from './task-config.js';

const task = (session: string, syncer = '') => `name: t
task-mode: incremental
target-database:
  host: 127.0.0.1
  port: 3306
  user: root
  password: ""
${session}
mysql-instances:
  - source-id: s1
    syncer-config-name: g
syncers:
  g:
    batch: 10
${syncer}`;

/** DM: dm/config/task.go IsForeignKeyChecksEnabled / CheckForeignKeyChecksSyncerOptions, pkg/conn/basedb.go. */
describe('target session foreign_key_checks, as DM', () => {
  it('off by default on every connection unless the session sets it', () => {
    const base = { host: 'h', port: 1, user: 'u', password: '' };
    assert.ok(sessionInitSql(base).includes('SET SESSION foreign_key_checks = 0'));
    const on = sessionInitSql({ ...base, session: { FOREIGN_KEY_CHECKS: '1' } });
    assert.ok(!on.includes('SET SESSION foreign_key_checks = 0'), on.join('; '));
    assert.ok(
      on.some((s) => /FOREIGN_KEY_CHECKS = '1'/.test(s)),
      on.join('; '),
    );
  });

  it('with foreign_key_checks=1, compact and multiple-rows take DM`s default (off) when unset', () => {
    for (const v of ['1', 'ON', "'on'"]) {
      const c = parseTaskConfig(task(`  session:\n    foreign_key_checks: "${v}"`));
      const s = c.mysqlInstances[0]!.syncer;
      assert.deepEqual([s.compact, s.multipleRows], [false, false], v);
    }
    // checks off (or unset): our defaults (both on)
    for (const session of ['  session:\n    foreign_key_checks: "0"', '']) {
      const s = parseTaskConfig(task(session)).mysqlInstances[0]!.syncer;
      assert.deepEqual([s.compact, s.multipleRows], [true, true], session);
    }
  });

  it('with foreign_key_checks=1, compact or multiple-rows set true is refused (20080), naming key and line', () => {
    for (const key of ['compact', 'multiple-rows']) {
      assert.throws(
        () => parseTaskConfig(task('  session:\n    foreign_key_checks: 1', `    ${key}: true`), 'task.yaml'),
        (e) =>
          isDmError(e) &&
          e.code === 20080 &&
          e.message.includes(`task.yaml:16: syncers.g.${key}`) &&
          e.message.includes('not supported when foreign_key_checks=1'),
      );
      // set false explicitly: accepted
      const s = parseTaskConfig(task('  session:\n    foreign_key_checks: 1', `    ${key}: false`))
        .mysqlInstances[0]!.syncer;
      assert.equal(key === 'compact' ? s.compact : s.multipleRows, false);
    }
  });
});
