import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DmError, E } from '../errors/index.js';
import { compileExpression } from './expression-eval.js';
import { ExpressionFilter, validateExpression } from './expression-filter.js';

const cols = ['id', 'c', 'name', 'j', 'd'];

function ins(expr: string, row: (string | number | null)[], caseSensitive = false): boolean {
  const f = new ExpressionFilter([{ schema: 'db', table: 't', insertValueExpr: expr }], { caseSensitive });
  return f.skipInsert('db', 't', cols, row);
}

describe('ExpressionFilter', () => {
  it("DM's doc example: c % 2 = 0", () => {
    assert.equal(ins('c % 2 = 0', [1, 4, 'a', null, null]), true);
    assert.equal(ins('c % 2 = 0', [1, 3, 'a', null, null]), false);
    assert.equal(ins('c % 2 = 0', [1, null, 'a', null, null]), false, 'NULL never skips');
  });

  it('comparisons with MySQL number/string semantics', () => {
    assert.equal(ins("c > '10'", [1, 9, '', null, null]), false, "9 > '10' numerically is false");
    assert.equal(ins('c > 10', [1, '12.50', '', null, null]), true, 'decimal string vs number');
    assert.equal(ins("name = 'abc'", [1, 0, 'abc', null, null]), true);
    assert.equal(ins("name < 'b'", [1, 0, 'abc', null, null]), true, 'string compare');
    assert.equal(ins("d >= '2020-01-01' AND d < '2021-01-01'", [1, 0, '', null, '2020-06-01']), true);
  });

  it('logic, IN, BETWEEN, IS NULL, LIKE, NOT', () => {
    const row = [5, 7, 'hello', null, null];
    assert.equal(ins('id IN (1, 5, 9)', row), true);
    assert.equal(ins('id NOT IN (1, 2)', row), true);
    assert.equal(ins('id NOT IN (1, NULL)', row), false, 'NOT IN with NULL is unknown');
    assert.equal(ins('c BETWEEN 5 AND 7', row), true);
    assert.equal(ins('c NOT BETWEEN 5 AND 7', row), false);
    assert.equal(ins('j IS NULL AND name IS NOT NULL', row), true);
    assert.equal(ins("name LIKE 'he%o'", row), true);
    assert.equal(ins("name LIKE 'h_llo' OR id = 0", row), true);
    assert.equal(ins("name NOT LIKE 'x%'", row), true);
    assert.equal(ins('NOT (id = 5)', row), false);
    assert.equal(ins('j = 1 OR id = 5', row), true, 'NULL OR TRUE is TRUE');
    assert.equal(ins('j = 1 AND id = 5', row), false, 'NULL AND TRUE is NULL');
    assert.equal(ins('id + c * 2 = 19 AND c / 0 IS NULL AND -id < 0', row), true);
  });

  it('functions', () => {
    const row = [1, -3, 'héllo', '{"a":{"b":[10,20]}}', null];
    assert.equal(ins('LENGTH(name) = 6 AND CHAR_LENGTH(name) = 5', row), true);
    assert.equal(ins("UPPER(name) = 'HÉLLO' AND LOWER('AB') = 'ab'", row), true);
    assert.equal(ins('ABS(c) = 3', row), true);
    assert.equal(ins("CONCAT(name, '!') = 'héllo!'", row), true);
    assert.equal(ins("JSON_EXTRACT(j, '$.a.b[1]') = 20", row), true);
    assert.equal(ins('IFNULL(d, 7) = 7 AND COALESCE(d, j, 1) IS NOT NULL', row), true);
  });

  it('column names are case-insensitive; table matching follows caseSensitive', () => {
    assert.equal(ins('ID = 1', [1, 0, '', null, null]), true);
    const f = new ExpressionFilter([{ schema: 'DB', table: 'T', deleteValueExpr: 'id = 1' }], {
      caseSensitive: false,
    });
    assert.equal(f.skipDelete('db', 't', cols, [1, 0, '', null, null]), true);
    assert.equal(f.hasRules('db', 't'), true);
    assert.equal(f.skipInsert('db', 't', cols, [1, 0, '', null, null]), false, 'no insert expr');
    const cs = new ExpressionFilter([{ schema: 'DB', table: 'T', deleteValueExpr: 'id = 1' }], {
      caseSensitive: true,
    });
    assert.equal(cs.hasRules('db', 't'), false);
  });

  it('update: old AND new must match when both are set', () => {
    const f = new ExpressionFilter(
      [{ schema: 'db', table: 't', updateOldValueExpr: 'c = 1', updateNewValueExpr: 'c = 2' }],
      { caseSensitive: false },
    );
    assert.equal(f.skipUpdate('db', 't', cols, [1, 1, '', null, null], [1, 2, '', null, null]), true);
    assert.equal(f.skipUpdate('db', 't', cols, [1, 1, '', null, null], [1, 3, '', null, null]), false);
    const onlyNew = new ExpressionFilter([{ schema: 'db', table: 't', updateNewValueExpr: 'c > 100' }], {
      caseSensitive: false,
    });
    assert.equal(onlyNew.skipUpdate('db', 't', cols, [1, 1, '', null, null], [1, 101, '', null, null]), true);
  });

  it('unsupported syntax is a config error when built, not at row time', () => {
    assert.match(validateExpression('c = ') ?? '', /syntax error/);
    assert.match(validateExpression('SLEEP(1) > c') ?? '', /unsupported function SLEEP/);
    assert.match(validateExpression('c IN (SELECT 1)') ?? '', /./);
    assert.equal(validateExpression('c % 2 = 0'), undefined);
    assert.throws(
      () =>
        new ExpressionFilter([{ schema: 'd', table: 't', insertValueExpr: 'SOUNDEX(c) = 1' }], {
          caseSensitive: false,
        }),
      (e: unknown) => e instanceof DmError && e.code === E.configInvalidValue.code,
    );
  });
});

describe('expression filter clock in the task zone', () => {
  it('NOW()/CURDATE() read the clock in the zone; UTC_DATE() in UTC', () => {
    const at = (expr: string, tz: string) => compileExpression(expr, tz)(() => undefined);
    // +14:00 and -12:00 are 26 h apart: never the same date.
    assert.notEqual(at('CURDATE()', '+14:00'), at('CURDATE()', '-12:00'));
    assert.equal(at('UTC_DATE()', '+14:00'), at('UTC_DATE()', '-12:00'));
    assert.equal(at('CURDATE()', ''), at('UTC_DATE()', '+14:00'));
    assert.match(String(at('NOW(3)', 'Asia/Shanghai')), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  });
});
