import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { hideTaskPassword, taskYamlForSources } from './config-ops.js';

const TASK = [
  '# my task',
  'name: t1',
  'target-database:',
  '  host: 127.0.0.1',
  '  password: "s3cret" # downstream',
  'mysql-instances:',
  '  - source-id: a',
  '    block-allow-list: bal',
  '  - source-id: b',
  '    block-allow-list: bal',
  '',
].join('\n');

describe('taskYamlForSources', () => {
  it('keeps the YAML as written when every instance runs', () => {
    assert.equal(taskYamlForSources(TASK, ['a', 'b']), TASK);
  });
  it('drops the instances whose subtask does not exist, keeping comments', () => {
    const out = taskYamlForSources(TASK, ['b']);
    assert.deepEqual(
      (parse(out) as { 'mysql-instances': { 'source-id': string }[] })['mysql-instances'].map(
        (i) => i['source-id'],
      ),
      ['b'],
    );
    assert.match(out, /^# my task$/m);
  });
  it('leaves YAML without mysql-instances alone', () => {
    assert.equal(taskYamlForSources('name: x\n', []), 'name: x\n');
  });
});

describe('hideTaskPassword', () => {
  it('shows the downstream password as ******', () => {
    const out = hideTaskPassword(TASK);
    assert.equal(
      (parse(out) as { 'target-database': { password: string } })['target-database'].password,
      '******',
    );
    assert.doesNotMatch(out, /s3cret/);
  });
  it('keeps an empty or absent password', () => {
    const t = 'name: x\ntarget-database:\n  host: h\n  password: ""\n';
    assert.equal(hideTaskPassword(t), t);
    assert.equal(hideTaskPassword('name: x\n'), 'name: x\n');
  });
});
