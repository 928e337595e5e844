import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubTaskStatus } from '../master/worker-api.js';
import { parsePositionFile, relayStartFor, type SubtaskPosition } from './relay-start.js';

function sub(
  stage: SubtaskPosition['stage'],
  unitType: SubtaskPosition['unitType'],
  pos = '',
): SubtaskPosition {
  return {
    stage,
    unitType,
    status: () => ({ sync: { syncerBinlog: pos } }) as unknown as SubTaskStatus,
  };
}

describe('relayStartFor', () => {
  it('starts at pos 4 of the oldest file a running sync unit stands in', () => {
    const start = relayStartFor([
      sub('Running', 'Sync', '(mariadb-bin.000010, 900)'),
      sub('Paused', 'Sync', '(mariadb-bin.000009, 77)'),
      sub('Running', 'Sync', '(mariadb-bin.000012, 4)'),
    ]);
    assert.deepEqual(start, { file: 'mariadb-bin.000009', pos: 4 });
  });

  it('orders files by their number, not as text', () => {
    const start = relayStartFor([
      sub('Running', 'Sync', '(b.1000000, 5)'),
      sub('Running', 'Sync', '(b.999999, 5)'),
    ]);
    assert.deepEqual(start, { file: 'b.999999', pos: 4 });
  });

  it('ignores stopped and finished subtasks', () => {
    const start = relayStartFor([
      sub('Stopped', 'Dump'),
      sub('Finished', 'Load'),
      sub('Running', 'Sync', '(f.2, 9)'),
    ]);
    assert.deepEqual(start, { file: 'f.2', pos: 4 });
  });

  it('leaves the choice to the relay when a subtask position is unknown, or there is none', () => {
    assert.equal(relayStartFor([sub('Running', 'Sync', '(f.2, 9)'), sub('Running', 'Load')]), undefined);
    assert.equal(relayStartFor([sub('Running', 'Sync', '')]), undefined);
    assert.equal(relayStartFor([sub('New', '')]), undefined);
    assert.equal(relayStartFor([]), undefined);
  });
});

describe('parsePositionFile', () => {
  it('reads DM-style (file, pos) text', () => {
    assert.equal(parsePositionFile('(mariadb-bin.000003, 1234)'), 'mariadb-bin.000003');
    assert.equal(parsePositionFile(''), undefined);
    assert.equal(parsePositionFile('mariadb-bin.000003'), undefined);
  });
});
