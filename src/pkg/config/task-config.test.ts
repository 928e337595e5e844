import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DmError, E, type ErrorDef } from '../errors/index.js';
import { expectError, GOOD } from './config-test-util.js';
import { DM_TASK_ADVANCED, DM_TASK_FULL } from './fixtures/dm-samples.js';
import { taskConfigSample } from './samples.js';
import { parseTaskConfig } from './task-config.js';
import { taskToYaml } from './to-yaml.js';

describe('parseTaskConfig: bad configs', () => {
  const cases: { name: string; text: string; def: ErrorDef; first: string }[] = [
    {
      name: 'unknown top-level key',
      text: GOOD.replace('task-mode: all', 'task-mode: all\nfoo-bar: 1'),
      def: E.configUnknownKey,
      first: 'task.yaml:3: foo-bar: unknown key',
    },
    {
      name: 'unknown nested key',
      text: GOOD.replace('    route-rules: [r1]', '    route-rules: [r1]\n    loader-threads: 3'),
      def: E.configUnknownKey,
      first: 'task.yaml:12: mysql-instances[0].loader-threads: unknown key',
    },
    {
      name: 'unknown key deep in a named rule',
      text: GOOD.replace('    target-schema: db2', '    target-schema: db2\n    target-tabel: x'),
      def: E.configUnknownKey,
      first: 'task.yaml:19: routes.r1.target-tabel: unknown key',
    },
    {
      name: 'wrong type',
      text: GOOD.replace('    route-rules: [r1]', '    route-rules: [r1]\n    loader-thread: "x"'),
      def: E.configWrongType,
      first: 'task.yaml:12: mysql-instances[0].loader-thread: expected integer, got string "x"',
    },
    {
      name: 'wrong type: list expected',
      text: GOOD.replace('do-dbs: [db1]', 'do-dbs: {a: 1}'),
      def: E.configWrongType,
      first: 'task.yaml:14: block-allow-list.ba.do-dbs: expected list, got mapping',
    },
    {
      name: 'missing required key',
      text: GOOD.replace('  host: 127.0.0.1\n', ''),
      def: E.configMissingKey,
      first: 'task.yaml:3: target-database.host: required key is missing',
    },
    {
      name: 'missing source-id',
      text: GOOD.replace('  - source-id: s1\n    block', '  - block'),
      def: E.configMissingKey,
      first: 'task.yaml:9: mysql-instances[0].source-id: required key is missing',
    },
    {
      name: 'bad enum',
      text: GOOD.replace('task-mode: all', 'task-mode: fast'),
      def: E.configInvalidValue,
      first:
        'task.yaml:2: task-mode: invalid value "fast", expected one of: all, full, incremental, dump, load',
    },
    {
      name: 'dangling route rule',
      text: GOOD.replace('route-rules: [r1]', 'route-rules: [r1, r9]'),
      def: E.configDanglingRef,
      first: 'task.yaml:11: mysql-instances[0].route-rules[1]: route rule "r9" is not defined',
    },
    {
      name: 'dangling block-allow-list',
      text: GOOD.replace('block-allow-list: ba', 'block-allow-list: x'),
      def: E.configDanglingRef,
      first: 'task.yaml:10: mysql-instances[0].block-allow-list: block-allow-list rule "x" is not defined',
    },
    {
      name: 'dangling loader-config-name',
      text: GOOD.replace('    route-rules: [r1]', '    route-rules: [r1]\n    loader-config-name: g'),
      def: E.configDanglingRef,
      first:
        'task.yaml:12: mysql-instances[0].loader-config-name: loader config "g" is not defined in loaders',
    },
    {
      name: 'dangling filter-rules and expression-filters',
      text: GOOD.replace(
        '    route-rules: [r1]',
        '    route-rules: [r1]\n    filter-rules: [f]\n    expression-filters: [e]',
      ),
      def: E.configDanglingRef,
      first: 'task.yaml:12: mysql-instances[0].filter-rules[0]: filter rule "f" is not defined',
    },
    {
      name: 'YAML syntax error',
      text: GOOD.replace('  user: root', ' user: root'),
      def: E.configParse,
      first: 'task.yaml:6: YAML syntax error: All mapping items must start at the same column',
    },
    {
      name: 'duplicate key',
      text: GOOD.replace('  user: root', '  user: root\n  port: 3'),
      def: E.configParse,
      first: 'task.yaml:7: YAML syntax error: Map keys must be unique',
    },
    {
      name: 'no instances',
      text: 'name: x\ntask-mode: full\ntarget-database: {host: h}\nmysql-instances: []\n',
      def: E.configMissingKey,
      first: 'task.yaml:4: mysql-instances: needs at least 1 item(s)',
    },
    {
      name: 'bad safe-mode-duration',
      text: GOOD.replace(
        '    route-rules: [r1]',
        '    route-rules: [r1]\n    syncer:\n      safe-mode-duration: 10 minutes',
      ),
      def: E.configInvalidValue,
      first:
        'task.yaml:13: mysql-instances[0].syncer.safe-mode-duration: invalid duration "10 minutes" (e.g. 60s, 1m30s)',
    },
    {
      name: 'bad expression',
      text: `${GOOD.replace('    route-rules: [r1]', '    route-rules: [r1]\n    expression-filters: [e]')}expression-filter:\n  e:\n    schema: db1\n    table: t\n    insert-value-expr: "c %% 2 ==="\n`,
      def: E.configInvalidValue,
      first:
        'task.yaml:24: expression-filter.e.insert-value-expr: invalid expression "c %% 2 ===": syntax error',
    },
    {
      name: 'unknown filter event',
      text: `${GOOD.replace('    route-rules: [r1]', '    route-rules: [r1]\n    filter-rules: [f]')}filters:\n  f:\n    schema-pattern: db1\n    events: ["insert", "inserts"]\n    action: Do\n`,
      def: E.configInvalidValue,
      first: 'task.yaml:23: filters.f.events[1]: unknown event type "inserts"',
    },
    {
      name: 'unknown checking item',
      text: GOOD.replace('task-mode: all', 'task-mode: all\nignore-checking-items: [binlog_format, bogus]'),
      def: E.configInvalidValue,
      first: 'task.yaml:3: ignore-checking-items[1]: unknown checking item "bogus"',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.name === 'bad expression') {
        // The parser's own message follows "syntax error"; check the prefix only.
        try {
          parseTaskConfig(c.text);
          assert.fail('expected an error');
        } catch (err) {
          assert.ok(err instanceof DmError);
          assert.equal(err.code, c.def.code);
          assert.ok(err.message.startsWith(c.first), err.message);
        }
        return;
      }
      expectError(() => parseTaskConfig(c.text), c.def, c.first);
    });
  }

  it('reports several problems at once, sorted by line', () => {
    const text = GOOD.replace('task-mode: all', 'task-mode: all\nfoo: 1').replace(
      '    route-rules: [r1]',
      '    route-rules: [r1]\n    bar: 2',
    );
    const err = expectError(() => parseTaskConfig(text), E.configUnknownKey, 'task.yaml:3: foo: unknown key');
    assert.match(err.message, /\ntask\.yaml:13: mysql-instances\[0\]\.bar: unknown key/);
  });

  it('uses the file name given', () => {
    expectError(
      () => parseTaskConfig('name: [', '/etc/dm/my-task.yaml'),
      E.configParse,
      '/etc/dm/my-task.yaml:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });

  it('rejects a global rule that no instance uses (as DM)', () => {
    const text = `${GOOD}filters:\n  f1:\n    schema-pattern: x\n    events: [all]\n    action: Ignore\n`;
    expectError(
      () => parseTaskConfig(text),
      E.configInvalidValue,
      'task.yaml:20: filters.f1: filter rule "f1" is defined but no mysql-instance uses it',
    );
  });

  it('reads plain scalars as yaml.v2: no base-60 numbers, no timestamps', () => {
    assert.equal(parseTaskConfig(`${GOOD}timezone: +08:00\n`).timezone, '+08:00');
    const v = GOOD.replace(
      '    route-rules: [r1]\n',
      '    route-rules: [r1]\n    validator-config-name: v\n',
    );
    expectError(
      () => parseTaskConfig(`${v}validators:\n  v:\n    mode: full\n    start-time: 2021-10-21 00:01:00\n`),
      E.validatorStartTime,
      'task.yaml:23: validators.v.start-time: start-time is not supported: the validator checks changes applied after it is enabled',
    );
  });

  it('refuses the time zones DM refuses (SYSTEM, Local, out-of-range offsets), at key and line', () => {
    expectError(
      () => parseTaskConfig(`${GOOD}timezone: SYSTEM\n`),
      E.configInvalidValue,
      "task.yaml:19: timezone: 'SYSTEM' or 'Local' time_zone is not supported (as DM)",
    );
    expectError(
      () => parseTaskConfig(`${GOOD}timezone: "+14:30"\n`),
      E.configInvalidValue,
      'task.yaml:19: timezone: offset "+14:30" is outside [-12:59, +14:00]',
    );
    const sess = GOOD.replace('  password: ""\n', '  password: ""\n  session:\n    time_zone: SYSTEM\n');
    expectError(
      () => parseTaskConfig(sess),
      E.configInvalidValue,
      "task.yaml:9: target-database.session.time_zone: 'SYSTEM' or 'Local' time_zone is not supported (as DM) (the task's time zone)",
    );
    assert.equal(parseTaskConfig(`${sess}timezone: "+01:00"\n`).timezone, '+01:00');
  });

  it('checks route extractors as DM (target column, regexp) and names key and line', () => {
    const ext = (body: string) => GOOD.replace('    target-schema: db2', `    target-schema: db2\n${body}`);
    expectError(
      () =>
        parseTaskConfig(ext('    extract-table:\n      table-regexp: "t_("\n      target-column: c_table')),
      E.configInvalidValue,
      'task.yaml:20: routes.r1.extract-table.table-regexp: extract-table table-regexp illegal "t_(": Invalid regular expression: /t_(/: Unterminated group',
    );
    expectError(
      () =>
        parseTaskConfig(ext('    extract-schema:\n      schema-regexp: "db(.*)"\n      target-column: ""')),
      E.configInvalidValue,
      'task.yaml:21: routes.r1.extract-schema.target-column: extract-schema needs a target-column',
    );
    expectError(
      () => parseTaskConfig(ext('    extract-source:\n      source-regexp: "~(.*)"\n      target-column: c')),
      E.configInvalidValue,
      'task.yaml:20: routes.r1.extract-source.source-regexp: source-regexp is a regular expression and must not start with "~"',
    );
    expectError(
      () =>
        parseTaskConfig(
          ext(
            '    extract-table:\n      table-regexp: "(.*)"\n      target-column: c\n    extract-source:\n      source-regexp: "(.*)"\n      target-column: C',
          ),
        ),
      E.configInvalidValue,
      'task.yaml:24: routes.r1.extract-source.target-column: column "C" is already filled by extract-table',
    );
    const ok = parseTaskConfig(
      ext('    extract-table:\n      table-regexp: "t_(.*)"\n      target-column: c_table'),
    );
    assert.deepEqual(ok.routes.r1?.extractTable, { tableRegexp: 't_(.*)', targetColumn: 'c_table' });
  });

  it('multiple-rows is on unless the task says false (our default; DM keeps it off)', () => {
    const off = parseTaskConfig(
      GOOD.replace(
        '    route-rules: [r1]\n',
        '    route-rules: [r1]\n    syncer:\n      multiple-rows: false\n',
      ),
    );
    assert.equal(off.mysqlInstances[0]?.syncer.multipleRows, false);
    assert.equal(parseTaskConfig(GOOD).mysqlInstances[0]?.syncer.multipleRows, true);
  });

  it('compact is on unless the task says false (our default; DM keeps it off)', () => {
    const off = parseTaskConfig(
      GOOD.replace('    route-rules: [r1]\n', '    route-rules: [r1]\n    syncer:\n      compact: false\n'),
    );
    assert.equal(off.mysqlInstances[0]?.syncer.compact, false);
    assert.equal(parseTaskConfig(GOOD).mysqlInstances[0]?.syncer.compact, true);
  });

  it('rejects mydumper-config-name together with mydumper', () => {
    const text = `${GOOD.replace('    route-rules: [r1]', '    route-rules: [r1]\n    mydumper-config-name: g\n    mydumper:\n      threads: 2')}mydumpers:\n  g:\n    threads: 8\n`;
    expectError(
      () => parseTaskConfig(text),
      E.configInvalidValue,
      'task.yaml:13: mysql-instances[0].mydumper: set only one of mydumper-config-name and mydumper',
    );
  });
});

describe('parseTaskConfig: defaults and DM compatibility', () => {
  it('fills DM defaults', () => {
    const t = parseTaskConfig(GOOD);
    assert.equal(t.metaSchema, 'dm_meta');
    assert.equal(t.caseSensitive, false);
    assert.equal(t.onlineDdl, true);
    assert.equal(t.cleanDumpFile, true);
    assert.equal(t.shardMode, '');
    assert.deepEqual(t.shadowTableRules, ['^_(.+)_(?:new|gho)$']);
    assert.deepEqual(t.trashTableRules, ['^_(.+)_(?:ghc|del|old)$']);
    const i = t.mysqlInstances[0]!;
    assert.deepEqual(i.mydumper, {
      threads: 4,
      chunkFilesize: 64,
      rows: 0,
      where: '',
      skipTzUtc: true,
      consistency: 'auto',
      statementSize: 1_000_000,
      extraArgs: '',
    });
    assert.deepEqual(i.loader, {
      poolSize: 16,
      dir: './dumped_data',
      onDuplicateLogical: 'replace',
      importMode: 'logical',
    });
    assert.deepEqual(i.syncer, {
      workerCount: 16,
      batch: 100,
      queueSize: 1024,
      safeMode: false,
      safeModeDuration: '60s',
      compact: true,
      multipleRows: true,
      checkpointFlushInterval: 30,
      enableAnsiQuotes: false,
    });
    assert.equal(t.targetDatabase.port, 4000);
    assert.equal(t.routes.r1?.targetSchema, 'db2');
  });

  it('thread aliases override the unit configs', () => {
    const t = parseTaskConfig(
      GOOD.replace(
        '    route-rules: [r1]',
        '    route-rules: [r1]\n    mydumper-thread: 9\n    loader-thread: 7\n    syncer-thread: 5\n    syncer:\n      worker-count: 2\n      checkpoint-flush-interval: 10',
      ),
    );
    const i = t.mysqlInstances[0]!;
    assert.equal(i.mydumper.threads, 9);
    assert.equal(i.loader.poolSize, 7);
    assert.equal(i.syncer.workerCount, 5);
    assert.equal(i.syncer.safeModeDuration, '20s');
  });

  it('accepts black-white-list and is-sharding (deprecated aliases)', () => {
    const text = GOOD.replace('block-allow-list: ba', 'black-white-list: ba')
      .replace('block-allow-list:\n  ba:', 'black-white-list:\n  ba:')
      .replace('task-mode: all', 'task-mode: all\nis-sharding: true');
    const t = parseTaskConfig(text);
    assert.equal(t.mysqlInstances[0]?.blockAllowList, 'ba');
    assert.deepEqual(t.blockAllowList.ba?.doDbs, ['db1']);
    assert.equal(t.shardMode, 'pessimistic');
  });

  it("parses DM's task_advanced.yaml unchanged", () => {
    const t = parseTaskConfig(DM_TASK_ADVANCED);
    assert.equal(t.name, 'test');
    assert.equal(t.shardMode, 'pessimistic');
    assert.equal(t.mysqlInstances.length, 2);
    const [a, b] = t.mysqlInstances;
    assert.equal(a?.mydumper.consistency, 'none');
    assert.equal(a?.mydumper.extraArgs, '-B test -T t1,t2 --consistency none');
    assert.deepEqual(a?.meta, { binlogName: 'mysql-bin.000001', binlogPos: 4, binlogGtid: '' });
    assert.equal(b?.meta?.binlogPos, 320);
    assert.deepEqual(t.filters['user-filter-1']?.sqlPattern, ['^DROP\\s+PROCEDURE', '^CREATE\\s+PROCEDURE']);
    assert.equal(t.filters['user-filter-1']?.action, 'Ignore');
    assert.deepEqual(t.blockAllowList.instance?.doTables[0], { dbName: '~^test.*', tblName: '~^t.*' });
  });

  it("parses the docs' advanced task template unchanged", () => {
    const t = parseTaskConfig(DM_TASK_FULL);
    assert.equal(t.timezone, 'Asia/Shanghai');
    assert.equal(t.targetDatabase.session?.tidb_skip_utf8_check, '1');
    assert.equal(t.targetDatabase.security?.sslCa, '/path/to/ca.pem');
    assert.equal(t.mysqlInstances[0]?.syncer.multipleRows, true);
    assert.equal(t.mysqlInstances[0]?.syncer.enableAnsiQuotes, true);
    assert.equal(t.expressionFilter.even_c?.insertValueExpr, 'c % 2 = 0');
    assert.equal(t.mysqlInstances[1]?.loader.poolSize, 16);
  });

  it('the task sample parses', () => {
    const t = parseTaskConfig(taskConfigSample());
    assert.equal(t.mysqlInstances[0]?.sourceId, 'mysql-replica-01');
  });

  it('round-trips through taskToYaml', () => {
    const t = parseTaskConfig(DM_TASK_FULL);
    const again = parseTaskConfig(taskToYaml(t));
    assert.deepEqual({ ...again, raw: '' }, { ...t, raw: '' });
  });
});

describe('validators', () => {
  const withValidator = (extra: string): string =>
    `${GOOD.replace('    route-rules: [r1]\n', '    route-rules: [r1]\n    validator-config-name: v\n')}validators:\n  v:\n    mode: full\n${extra}`;

  it('keeps worker-count and the other keys of the named validator', () => {
    const t = parseTaskConfig(withValidator('    worker-count: 2\n    row-error-delay: 2s\n'));
    const v = t.mysqlInstances[0]?.validator;
    assert.equal(v?.mode, 'full');
    assert.equal(v?.workerCount, 2);
    assert.equal(v?.rowErrorDelay, '2s');
  });

  it('refuses start-time with a coded error naming the key (never accepted and ignored)', () => {
    try {
      parseTaskConfig(withValidator('    start-time: "2024-01-01 00:00:00"\n'));
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof DmError, String(err));
      assert.match(err.message, /validators\.v\.start-time/);
      assert.match(err.toString(), /36101/);
    }
  });
});
