import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DmError, E } from '../errors/index.js';
import { GOOD } from './config-test-util.js';
import { DM_TASK_ADVANCED } from './fixtures/dm-samples.js';
import { parseSourceConfig } from './source-config.js';
import { toSubTaskConfigs } from './subtask.js';
import { parseTaskConfig } from './task-config.js';

describe('toSubTaskConfigs', () => {
  it('resolves rules per instance and merges the source', () => {
    const t = parseTaskConfig(DM_TASK_ADVANCED);
    const src = (id: string) =>
      parseSourceConfig(`source-id: ${id}\nfrom: {host: h, user: u, password: p}\nenable-gtid: true\n`);
    const subs = toSubTaskConfigs(
      t,
      new Map([
        ['instance118-4306', src('instance118-4306')],
        ['instance118-5306', src('instance118-5306')],
      ]),
    );
    assert.equal(subs.length, 2);
    assert.equal(subs[0]?.routes.length, 2);
    assert.equal(subs[0]?.filters.length, 2);
    assert.equal(subs[1]?.filters.length, 1);
    assert.equal(subs[0]?.from.password, 'p');
    assert.equal(subs[0]?.enableGtid, true);
    assert.equal(subs[0]?.loader.dir, './dumped_data.test');
    assert.deepEqual(subs[0]?.blockAllowList?.doDbs, ['~^test.*', 'do']);
  });

  it('unknown source-id → sourceNotFound', () => {
    assert.throws(
      () => toSubTaskConfigs(parseTaskConfig(GOOD), new Map()),
      (e: unknown) => e instanceof DmError && e.code === E.sourceNotFound.code,
    );
  });
});

describe('toSubTaskConfigs: time zone (DM AdjustWithTimeZone)', () => {
  const src = new Map([['s1', parseSourceConfig('source-id: s1\nfrom: {host: h, user: u, password: p}\n')]]);
  const subOf = (yaml: string) => toSubTaskConfigs(parseTaskConfig(yaml), src)[0];

  it('sets the session time_zone of both ends to the task zone, overriding the session key', () => {
    const t = GOOD.replace('  password: ""\n', '  password: ""\n  session:\n    TIME_ZONE: "+01:00"\n');
    const sub = subOf(`${t}timezone: "+8:00"\n`);
    assert.equal(sub?.timezone, '+8:00');
    assert.deepEqual(sub?.to.session, { time_zone: '+08:00' });
    assert.deepEqual(sub?.from.session, { time_zone: '+08:00' });
    assert.deepEqual(subOf(`${GOOD}timezone: UTC\n`)?.to.session, { time_zone: '+00:00' });
    assert.deepEqual(subOf(`${GOOD}timezone: Asia/Shanghai\n`)?.to.session, { time_zone: 'Asia/Shanghai' });
  });

  it('without timezone takes the target session time_zone (DM reads its session zone), else UTC', () => {
    const t = GOOD.replace('  password: ""\n', '  password: ""\n  session:\n    time_zone: "-05:00"\n');
    const sub = subOf(t);
    assert.equal(sub?.timezone, '-05:00');
    assert.deepEqual(sub?.from.session, { time_zone: '-05:00' });
    const plain = subOf(GOOD);
    assert.equal(plain?.timezone, '');
    assert.equal(plain?.to.session, undefined);
  });
});
