import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DdlExecutor } from './ddl-executor.js';
import { alterForReal, classifyDdl, classifyTable, onlineDdlRules } from './online-ddl.js';

const rules = onlineDdlRules({ shadowTableRules: [], trashTableRules: [] });
const one = (sql: string) => {
  const [info] = DdlExecutor.analyse('d', sql);
  assert.ok(info);
  return info;
};

describe('online DDL classification', () => {
  it('names ghost and trash tables of gh-ost and pt-osc', () => {
    assert.deepEqual(classifyTable(rules, '_t_gho'), { kind: 'ghost', real: 't' });
    assert.deepEqual(classifyTable(rules, '_my_t_new'), { kind: 'ghost', real: 'my_t' });
    assert.deepEqual(classifyTable(rules, '_t_ghc'), { kind: 'trash', real: 't' });
    assert.deepEqual(classifyTable(rules, '_t_old'), { kind: 'trash', real: 't' });
    assert.deepEqual(classifyTable(rules, 't_gho'), { kind: 'real' });
  });

  it('records ghost ALTERs, finds the cut-over, skips the tool tables', () => {
    assert.deepEqual(classifyDdl(rules, one('ALTER TABLE t ADD c INT')), { action: 'none' });
    assert.deepEqual(classifyDdl(rules, one('ALTER TABLE _t_gho ADD c INT')), {
      action: 'record',
      ghost: { schema: 'd', table: '_t_gho' },
      real: { schema: 'd', table: 't' },
    });
    assert.deepEqual(classifyDdl(rules, one('CREATE TABLE _t_gho LIKE t')), { action: 'skip' });
    assert.deepEqual(classifyDdl(rules, one('DROP TABLE _t_del')), { action: 'skip' });
    const [a, b] = DdlExecutor.analyse('d', 'RENAME TABLE t TO _t_del, _t_gho TO t');
    assert.ok(a && b);
    assert.deepEqual(classifyDdl(rules, a), { action: 'skip' });
    assert.deepEqual(classifyDdl(rules, b), {
      action: 'cutover',
      ghost: { schema: 'd', table: '_t_gho' },
      real: { schema: 'd', table: 't' },
    });
  });

  it('rewrites a ghost ALTER onto the real table', () => {
    assert.equal(
      alterForReal(
        one('ALTER TABLE `_t_gho` ADD COLUMN w INT'),
        { schema: 'd', table: '_t_gho' },
        { schema: 'd', table: 't' },
      ),
      'ALTER TABLE `d`.`t` ADD COLUMN w INT',
    );
  });
});
