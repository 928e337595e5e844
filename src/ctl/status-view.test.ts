import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePercent, progressBar, renderStatus } from './status-view.js';

describe('status view', () => {
  it('draws bars and parses DM percentages', () => {
    assert.equal(progressBar(0.5, 10), '[#####-----]  50.0 %');
    assert.equal(progressBar(2, 4), '[####] 100.0 %');
    assert.equal(parsePercent('42.00 %'), 0.42);
    assert.equal(parsePercent('x'), undefined);
  });
  it('renders sources with load progress, sync lag and errors', () => {
    const text = renderStatus({
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
              result: { errors: [{ ErrCode: 10006, Message: 'Duplicate column' }] },
            },
          ],
        },
      ],
    });
    assert.match(
      text,
      /source s1 {2}worker w1\n {2}t1 {2}Running {2}Load\n {4}load {2}\[#+-+\] {2}25\.0 % {2}1\.0\/4\.0 MB {2}5000 rows\/s {2}ETA 1m15s/,
    );
    assert.match(text, /source s2 {2}worker w2 {2}relay Running/);
    assert.match(text, /sync {2}lag 7 s {2}tps 12 \(total 3\)/);
    assert.match(text, /error 10006: Duplicate column/);
  });
  it('renders the task list and failures', () => {
    assert.match(
      renderStatus({ result: true, tasks: [{ taskName: 't1', taskStatus: 'Running', sources: ['s1'] }] }),
      /t1 +Running {3}sources: s1/,
    );
    assert.match(renderStatus({ result: false, msg: 'boom' }), /error: boom/);
  });
});
