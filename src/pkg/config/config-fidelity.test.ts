/**
 * Issue 11 item 5: DM's valid forms accepted with DM's behaviour, and DM keys that would do
 * nothing here refused with a coded error naming the key, the file and the line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDmError } from '../errors/index.js';
import { BinlogEventFilter } from '../filter/binlog-event-filter.js';
import { ExpressionFilter } from '../filter/expression-filter.js';
import { autoResumePolicy } from './auto-resume.js';
import { parseDumpExtraArgs } from './dump-extra-args.js';
import { DM_TASK_ADVANCED } from './fixtures/dm-samples.js';
import { parseSourceConfig } from './source-config.js';
import { parseTaskConfig } from './task-config.js';

const task = (mydumper: string, extra = ''): string => `name: t1
task-mode: all
target-database: {host: 127.0.0.1, user: root}
mysql-instances:
  - source-id: s1
    mydumper:
${mydumper}
${extra}`;

const refused = (fn: () => unknown, line: number, re: RegExp): void => {
  assert.throws(fn, (e) => isDmError(e) && e.message.startsWith(`task.yaml:${line}: `) && re.test(e.message));
};

describe('config fidelity: task', () => {
  it('chunk-filesize 0 = no size limit (DM ParseFileSize → UnspecifiedSize); units as DM', () => {
    assert.equal(
      parseTaskConfig(task('      chunk-filesize: 0')).mysqlInstances[0]!.mydumper.chunkFilesize,
      0,
    );
    assert.equal(
      parseTaskConfig(task('      chunk-filesize: "1GiB"')).mysqlInstances[0]!.mydumper.chunkFilesize,
      1024,
    );
    refused(() => parseTaskConfig(task('      chunk-filesize: "lots"')), 7, /chunk-filesize/);
  });

  it('statement-size and extra-args flags drive the dump', () => {
    const m = parseTaskConfig(task('      statement-size: 5000')).mysqlInstances[0]!.mydumper;
    assert.equal(m.statementSize, 5000);
    const x = parseTaskConfig(
      task('      extra-args: "--statement-size=100 -t 2 -F 8 -r 1000 --where \'id>1\' --no-locks"'),
    ).mysqlInstances[0]!.mydumper;
    assert.deepEqual(
      [x.statementSize, x.threads, x.chunkFilesize, x.rows, x.where, x.consistency],
      [100, 2, 8, 1000, 'id>1', 'none'],
    );
    refused(() => parseTaskConfig(task('      extra-args: "--snapshot 123"')), 7, /snapshot.*not supported/);
    refused(() => parseTaskConfig(task('      extra-args: "--bogus"')), 7, /unknown dumpling flag/);
    refused(
      () => parseTaskConfig(task('      extra-args: "--no-locks --consistency flush"')),
      7,
      /--no-locks/,
    );
  });

  it("DM's task_advanced.yaml `-B test -T t1,t2` narrows the dump to test.t1, test.t2", () => {
    const i = parseTaskConfig(DM_TASK_ADVANCED).mysqlInstances[0]!;
    assert.deepEqual(i.mydumper.dumpOnly?.doTables, [
      { dbName: 'test', tblName: 't1' },
      { dbName: 'test', tblName: 't2' },
    ]);
    assert.equal(i.mydumper.consistency, 'none');
    assert.deepEqual(parseDumpExtraArgs('-T t1').problems.length, 1);
  });

  it('collation_compatible: loose accepted, strict refused with why', () => {
    assert.equal(
      parseTaskConfig(task('      threads: 4', 'collation_compatible: loose')).collationCompatible,
      'loose',
    );
    refused(
      () => parseTaskConfig(task('      threads: 4', 'collation_compatible: strict')),
      8,
      /not supported/,
    );
  });

  it('YAML keys are kept as written (e02: is the name "e02", not a number)', () => {
    const t = parseTaskConfig(`name: t1
task-mode: all
target-database: {host: 127.0.0.1, user: root}
mysql-instances:
  - source-id: s1
    route-rules: [e02, "1"]
routes:
  e02: {schema-pattern: a, target-schema: b}
  1: {schema-pattern: c, target-schema: d}
`);
    assert.deepEqual(Object.keys(t.routes).sort(), ['1', 'e02']);
  });

  it('filter action Error: parsed, and a matched event is Error (the task stops with 36014)', () => {
    const t = parseTaskConfig(`name: t1
task-mode: all
target-database: {host: 127.0.0.1, user: root}
mysql-instances:
  - source-id: s1
    filter-rules: [f]
filters:
  f: {schema-pattern: db, table-pattern: t, events: [delete], action: Error}
`);
    assert.equal(t.filters.f!.action, 'Error');
    const f = new BinlogEventFilter([t.filters.f!], { caseSensitive: false });
    assert.equal(f.filter('db', 't', 'delete'), 'Error');
    assert.equal(f.filter('db', 't', 'insert'), 'Do');
  });

  it("expression filters with NOW(), ->, ->> and b'…' are accepted and evaluated", () => {
    const cols = ['id', 'ts', 'j', 'b'];
    const f = (expr: string) =>
      new ExpressionFilter([{ schema: 'db', table: 't', insertValueExpr: expr }], { caseSensitive: false });
    assert.equal(f('ts > NOW()').skipInsert('db', 't', cols, [1, '2999-01-01 00:00:00', null, 0]), true);
    assert.equal(f('ts > NOW()').skipInsert('db', 't', cols, [1, '2000-01-01 00:00:00', null, 0]), false);
    assert.equal(f('j->"$.id" = 2').skipInsert('db', 't', cols, [1, null, '{"id":2}', 0]), true);
    assert.equal(f("j->>'$.n' = 'x'").skipInsert('db', 't', cols, [1, null, '{"n":"x"}', 0]), true);
    assert.equal(f("b = b'1111'").skipInsert('db', 't', cols, [1, null, null, 15]), true);
    assert.equal(f("b = b'1111'").skipInsert('db', 't', cols, [1, null, null, 14]), false);
  });
});

describe('config fidelity: source checker', () => {
  const src = (checker: string) => `source-id: s1
from: {host: 127.0.0.1, user: root}
checker:
${checker}
`;
  it('drives the auto-resume policy', () => {
    const c = parseSourceConfig(
      src(
        '  check-enable: false\n  backoff-rollback: 10m\n  backoff-max: 2m\n  backoff-min: 2s\n  backoff-factor: 3\n  backoff-jitter: false\n  check-interval: 5s',
      ),
    ).checker;
    assert.deepEqual(autoResumePolicy(c), {
      enabled: false,
      initialMs: 2000,
      maxMs: 120_000,
      factor: 3,
      jitter: 0,
      rollbackMs: 600_000,
      minDelayMs: 5000,
    });
    assert.equal(autoResumePolicy(undefined).maxMs, 300_000);
  });
  it('refuses a bad factor or min > max with the line', () => {
    assert.throws(
      () => parseSourceConfig(src('  backoff-factor: 0.5'), 's.yaml'),
      (e) => isDmError(e) && /^s\.yaml:4: checker\.backoff-factor/.test(e.message),
    );
    assert.throws(
      () => parseSourceConfig(src('  backoff-min: 10m\n  backoff-max: 1m'), 's.yaml'),
      (e) => isDmError(e) && /backoff-min must not exceed/.test(e.message),
    );
  });
});
