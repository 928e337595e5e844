import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubTaskConfig, TaskMode } from '../pkg/config/types.js';
import { type DmError, dmError, E } from '../pkg/errors/index.js';
import { silentLogger } from '../pkg/log/logger.js';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import type { ProcessResult, Unit, UnitType } from '../unit/unit.js';
import { SubTask } from './subtask.js';
import type { UnitFactory } from './unit-factory.js';

/** A scripted stand-in unit: each process() call takes the next behaviour from `script`. */
type Step = 'finish' | 'block' | { fail: DmError };

class FakeUnit implements Unit<{ calls: number }> {
  calls = 0;
  inits = 0;
  closed = false;
  constructor(
    readonly type: UnitType,
    private readonly script: Step[],
    private readonly log: string[],
  ) {}
  async init(): Promise<void> {
    this.inits++;
  }
  async process(signal: AbortSignal): Promise<ProcessResult> {
    this.calls++;
    const step = this.script.shift() ?? 'block';
    this.log.push(`${this.type}:${typeof step === 'string' ? step : 'fail'}`);
    if (step === 'finish') return { finished: true, errors: [] };
    if (typeof step === 'object') return { finished: false, errors: [step.fail] };
    await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    return { finished: false, errors: [] };
  }
  status(): { calls: number } {
    return { calls: this.calls };
  }
  isRetryable(err: DmError): boolean {
    return err.code === E.dbBadConn.code;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** With a task zone: a subtask without one reads the target's zone first (a real server). */
function cfg(mode: TaskMode): SubTaskConfig {
  return { name: 't1', sourceId: 's1', taskMode: mode, timezone: '+00:00' } as SubTaskConfig;
}

function setup(mode: TaskMode, scripts: Partial<Record<UnitType, Step[]>>, resumeAt = 0) {
  const log: string[] = [];
  const made = new Map<UnitType, FakeUnit>();
  const factory: UnitFactory = (type) => {
    const u = new FakeUnit(type, scripts[type] ?? [], log);
    made.set(type, u);
    return u;
  };
  const st = new SubTask(
    cfg(mode),
    { logger: silentLogger, workDir: '/nonexistent' },
    { factory, resumePoint: async () => resumeAt, autoResume: { initialMs: 20, maxMs: 40, jitter: 0 } },
  );
  return { st, log, made };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SubTask', () => {
  it('runs dump → load and finishes for task-mode full', async () => {
    const { st, log, made } = setup('full', { Dump: ['finish'], Load: ['finish'] });
    assert.equal(st.stage, 'New');
    st.start();
    await until(() => st.stage === 'Finished');
    assert.deepEqual(log, ['Dump:finish', 'Load:finish']);
    assert.equal(made.get('Dump')?.closed, true);
    assert.equal(made.get('Load')?.closed, true);
    const s = st.status();
    assert.equal(s.unit, 'Load');
    assert.equal(s.result, null);
    assert.deepEqual(s.load, { calls: 1 });
  });

  it('keeps running sync for task-mode all, pauses and resumes the same unit', async () => {
    const { st, log, made } = setup('all', { Dump: ['finish'], Load: ['finish'] });
    st.start();
    await until(() => log.length === 3);
    assert.equal(st.stage, 'Running');
    assert.equal(st.status().unit, 'Sync');
    await st.pause();
    assert.equal(st.stage, 'Paused');
    const sync = made.get('Sync');
    assert.equal(sync?.closed, false, 'pause keeps the unit');
    st.resume();
    await until(() => sync?.calls === 2);
    assert.equal(sync?.inits, 1, 'not re-initialised on resume');
    await st.stop();
    assert.equal(st.stage, 'Stopped');
    assert.equal(sync?.closed, true);
  });

  it('does not redo units before the resume point', async () => {
    const { st, log, made } = setup('all', {}, 2);
    st.start();
    await until(() => log.length === 1);
    assert.deepEqual(log, ['Sync:block']);
    assert.equal(made.has('Dump'), false);
    await st.stop();
  });

  it('is Finished at once when nothing is left', async () => {
    const { st, log } = setup('full', {}, 2);
    st.start();
    await until(() => st.stage === 'Finished');
    assert.deepEqual(log, []);
  });

  it('auto-resumes after a retryable error', async () => {
    const bad = dmError(E.dbBadConn, 'connection lost');
    const { st, log } = setup('incremental', { Sync: [{ fail: bad }, { fail: bad }] });
    st.start();
    await until(() => log.length === 3);
    assert.deepEqual(log, ['Sync:fail', 'Sync:fail', 'Sync:block']);
    assert.equal(st.stage, 'Running');
    assert.equal(st.status().result, null, 'errors cleared on resume');
    await st.stop();
  });

  it('stays Paused with the error on a non-retryable error', async () => {
    const bad = dmError(E.dbExecDownstream, 'duplicate entry');
    const { st, log } = setup('incremental', { Sync: [{ fail: bad }] });
    st.start();
    await until(() => st.stage === 'Paused');
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(log, ['Sync:fail'], 'no auto-resume');
    const s = st.status();
    assert.equal(s.result?.isCanceled, false);
    assert.equal(s.result?.errors[0]?.ErrCode, E.dbExecDownstream.code);
    assert.equal(s.result?.errors[0]?.Message, 'duplicate entry');
    st.resume();
    await until(() => log.length === 2);
    assert.equal(st.stage, 'Running');
    await st.stop();
  });

  it('a manual pause cancels a pending auto-resume', async () => {
    const bad = dmError(E.dbBadConn, 'connection lost');
    const { st, log } = setup('incremental', { Sync: [{ fail: bad }] });
    st.start();
    await until(() => st.stage === 'Paused');
    await st.pause();
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(log, ['Sync:fail']);
    assert.equal(st.stage, 'Paused');
    await st.stop();
  });

  it('pauses with an error when a unit cannot be built', async () => {
    const st = new SubTask(
      cfg('incremental'),
      { logger: silentLogger, workDir: '/x' },
      {
        factory: () => {
          throw dmError(E.workerUnit, 'no sync unit');
        },
        resumePoint: async () => 0,
      },
    );
    st.start();
    await until(() => st.stage === 'Paused');
    assert.equal(st.status().result?.errors[0]?.ErrCode, E.workerUnit.code);
    await st.stop();
  });
  it('switches a running sync unit between relay and upstream without a stage change', async () => {
    const seen: boolean[] = [];
    let unitCfg: SubTaskConfig | undefined;
    /** A sync unit that offers SyncControl: the subtask tells it, never edits its config. */
    class FakeSync extends FakeUnit {
      fromRelay: boolean;
      readonly schemaTracker = new SchemaTracker(false);
      readonly validator = undefined;
      constructor(c: SubTaskConfig) {
        super('Sync', [], []);
        this.fromRelay = c.enableRelay;
      }
      setReadFromRelay(on: boolean): void {
        this.fromRelay = on;
      }
      get readsFromRelay(): boolean {
        return this.fromRelay;
      }
      async flushSchema(): Promise<void> {}
      override process(signal: AbortSignal): Promise<ProcessResult> {
        seen.push(this.fromRelay);
        return super.process(signal);
      }
    }
    const factory: UnitFactory = (_type, c) => {
      unitCfg = c;
      return new FakeSync(c);
    };
    const st = new SubTask(
      { ...cfg('incremental'), enableRelay: false },
      { logger: silentLogger, workDir: '/nonexistent' },
      { factory, resumePoint: async () => 0 },
    );
    st.start();
    await until(() => seen.length === 1);
    assert.equal(st.readsFromRelay, false);
    await st.setReadFromRelay(true);
    await until(() => seen.length === 2);
    assert.deepEqual(seen, [false, true]);
    assert.equal(st.stage, 'Running');
    assert.equal(st.cfg.enableRelay, false, 'the config as given is untouched');
    assert.equal(unitCfg?.enableRelay, false, 'the unit config is not flipped under the unit');
    await st.setReadFromRelay(true); // no change: no restart
    await st.setReadFromRelay(false);
    await until(() => seen.length === 3);
    assert.deepEqual(seen, [false, true, false]);
    // A paused subtask only records the choice; resume reads from there.
    await st.pause();
    await st.setReadFromRelay(true);
    assert.equal(seen.length, 3);
    st.resume();
    await until(() => seen.length === 4);
    assert.equal(seen[3], true);
    await st.stop();
  });

  it('takes the relay choice from its options over the config', async () => {
    const { st } = setup('incremental', {});
    assert.equal(st.readsFromRelay, false);
    const st2 = new SubTask(
      { ...cfg('incremental'), enableRelay: false },
      { logger: silentLogger, workDir: '/nonexistent' },
      { readFromRelay: true },
    );
    assert.equal(st2.readsFromRelay, true);
  });
});
