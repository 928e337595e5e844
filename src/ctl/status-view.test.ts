import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duration, parsePercent, progressBar, renderStatus, renderTable, statusRows } from './status-view.js';

const reply = {
  result: true,
  sources: [
    {
      result: true,
      sourceStatus: { source: 's1', worker: 'w1', relayStatus: null },
      subTaskStatus: [
        {
          name: 't1',
          stage: 'Running',
          unit: 'Load',
          load: {
            finishedBytes: 1048576,
            totalBytes: 4194304,
            progress: '25.00 %',
            rowsPerSecond: 5000,
            etaSeconds: 75,
          },
        },
      ],
    },
    {
      result: true,
      sourceStatus: { source: 's2', worker: 'w2', relayStatus: { stage: 'Running' } },
      subTaskStatus: [
        {
          name: 't1',
          stage: 'Paused',
          unit: 'Sync',
          sync: {
            synced: false,
            secondsBehindMaster: 7,
            recentTps: 12,
            totalTps: 3,
            syncerBinlog: '(b.1, 4)',
            masterBinlog: '(b.1, 9)',
          },
          result: {
            errors: [{ ErrCode: 10006, Message: 'Duplicate column', Workaround: 'Use binlog skip.' }],
          },
        },
      ],
    },
    { result: false, msg: 'worker w3 unreachable', sourceStatus: { source: 's3', worker: 'w3' } },
  ],
};

describe('status view', () => {
  it('draws bars, parses DM percentages and durations', () => {
    assert.equal(progressBar(0.5, 10), '[#####-----]  50.0 %');
    assert.equal(progressBar(2, 4), '[####] 100.0 %');
    assert.equal(progressBar(Number.NaN, 4), '[----]   0.0 %');
    assert.equal(parsePercent('42.00 %'), 0.42);
    assert.equal(parsePercent('x'), undefined);
    assert.equal(duration(75), '1m15s');
    assert.equal(duration(3700), '1h1m');
  });
  it('turns a reply into one row per subtask', () => {
    const rows = statusRows(reply);
    assert.deepEqual(
      rows.map((r) => [r.task, r.source, r.worker, r.stage, r.unit, r.lag, r.rate]),
      [
        ['t1', 's1', 'w1', 'Running', 'Load', '', '5000'],
        ['t1', 's2', 'w2', 'Paused', 'Sync', '7s', '12'],
        ['', 's3', 'w3', '-', '-', '', ''],
      ],
    );
    assert.match(rows[0]?.progress ?? '', /^\[#{5}-{15}\] {2}25\.0 % 1\.0\/4\.0 MB ETA 1m15s$/);
    assert.equal(rows[1]?.progress, 'catching up (b.1, 4) / (b.1, 9)');
    assert.deepEqual(rows[2]?.errors, [{ code: '', message: 'worker w3 unreachable', workaround: '' }]);
  });
  it('aligns the table columns', () => {
    const lines = renderTable(statusRows(reply)).split('\n');
    assert.match(lines[0] ?? '', /^TASK {2}SOURCE {2}WORKER {2}STAGE {4}UNIT {2}PROGRESS +LAG {2}ROWS\/S$/);
    const col = (lines[0] ?? '').indexOf('STAGE');
    for (const l of lines.slice(1)) assert.match(l.slice(col), /^(Running|Paused|-)/);
  });
  it('renders a frame with the errors and their workaround', () => {
    const text = renderStatus(reply, new Date('2024-01-02T03:04:05Z'));
    assert.match(text, /^query-status {2}2024-01-02 03:04:05 UTC/);
    assert.match(text, /ERRORS\n {2}t1 @ s2: 10006 Duplicate column\n {4}workaround: Use binlog skip\./);
    assert.match(text, /s3: worker w3 unreachable/);
  });
  it('renders several task replies, failures and no task', () => {
    const two = renderStatus([reply, { result: false, msg: 'task t2 not found' }]);
    assert.match(two, /error: task t2 not found/);
    assert.match(two, /TASK {2}SOURCE/);
    assert.match(renderStatus([]), /no task/);
    assert.match(renderStatus({ result: false, msg: 'boom' }), /error: boom/);
  });
});
