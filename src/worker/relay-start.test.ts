import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubTaskConfig, TaskMode } from '../pkg/config/types.js';
import { type RelayStartCandidate, relayStartFor, type SubtaskPosition } from './relay-start.js';

function live(
  stage: SubtaskPosition['stage'],
  unitType: SubtaskPosition['unitType'],
  pos = '',
): SubtaskPosition {
  const [file, at] = pos.replace(/[()\s]/g, '').split(',');
  return { stage, unitType, syncLocation: () => (file ? { file, pos: Number(at) } : undefined) };
}

function task(name: string, mode: TaskMode = 'all', metaFile = ''): SubTaskConfig {
  return {
    name,
    taskMode: mode,
    meta: { binlogName: metaFile, binlogPos: 4, binlogGtid: '' },
  } as unknown as SubTaskConfig;
}

/** Checkpoint files by task name; a value of 'throw' makes the read fail. */
function reader(cps: Record<string, string>) {
  return async (cfg: SubTaskConfig): Promise<string | undefined> => {
    const v = cps[cfg.name];
    if (v === 'throw') throw new Error('downstream down');
    return v;
  };
}

const start = (c: RelayStartCandidate[], cps: Record<string, string> = {}) => relayStartFor(c, reader(cps));

describe('relayStartFor', () => {
  it('starts at pos 4 of the oldest file among checkpoints and live positions', async () => {
    const got = await start(
      [
        { cfg: task('a'), live: live('Running', 'Sync', '(mariadb-bin.000010, 900)') },
        { cfg: task('b'), live: live('Paused', 'Sync', '(mariadb-bin.000012, 77)') },
        { cfg: task('c') },
      ],
      { a: 'mariadb-bin.000011', b: 'mariadb-bin.000011', c: 'mariadb-bin.000013' },
    );
    // a: live 10 < checkpoint 11; b: checkpoint 11 < live 12 (a crash resumes there).
    assert.deepEqual(got, { file: 'mariadb-bin.000010', pos: 4 });
    assert.deepEqual(
      await start([{ cfg: task('b'), live: live('Running', 'Sync', '(f.12, 7)') }], { b: 'f.11' }),
      {
        file: 'f.11',
        pos: 4,
      },
    );
  });

  it('orders files by their number, not as text', async () => {
    const got = await start([{ cfg: task('a') }, { cfg: task('b') }], { a: 'b.1000000', b: 'b.999999' });
    assert.deepEqual(got, { file: 'b.999999', pos: 4 });
  });

  it('uses an incremental task meta when nothing was saved yet', async () => {
    const got = await start([{ cfg: task('i', 'incremental', 'bin.000007') }, { cfg: task('a') }], {
      a: 'bin.000009',
    });
    assert.deepEqual(got, { file: 'bin.000007', pos: 4 });
  });

  it('ignores subtasks that read no binlog: stopped, finished, or full mode', async () => {
    const got = await start(
      [
        { cfg: task('s'), expected: 'Stopped' },
        { cfg: task('f'), live: live('Finished', 'Sync') },
        { cfg: task('full', 'full') },
        { cfg: task('a') },
      ],
      { a: 'f.2' },
    );
    assert.deepEqual(got, { file: 'f.2', pos: 4 });
    assert.equal(await start([]), undefined);
  });

  it('leaves the choice to the relay when a reader position is unknown', async () => {
    // Still dumping, no checkpoint: its position is not known yet.
    assert.equal(
      await start([{ cfg: task('a') }, { cfg: task('d'), live: live('Running', 'Dump') }], { a: 'f.2' }),
      undefined,
    );
    // Checkpoint unreadable and no live position.
    assert.equal(await start([{ cfg: task('x', 'incremental', 'f.1') }], { x: 'throw' }), undefined);
    // Unreadable, but the live sync unit says where it is.
    assert.deepEqual(
      await start([{ cfg: task('x'), live: live('Running', 'Sync', '(f.3, 9)') }], { x: 'throw' }),
      {
        file: 'f.3',
        pos: 4,
      },
    );
  });
});
