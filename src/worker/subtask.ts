import type { FailoverInfo, ProcessResultJson, SubTaskStatus } from '../pkg/api/worker-api.js';
import { BinlogOperator } from '../pkg/binlog/binlog-operator.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import { type AutoResumePolicy, autoResumePolicy } from '../pkg/config/auto-resume.js';
import { fullPhaseSequential } from '../pkg/config/bench-overrides.js';
import type { DbConfig, FenceToken, SubTaskConfig } from '../pkg/config/types.js';
import { isRetryableDbError } from '../pkg/db/connect.js';
import type { ClaimResult } from '../pkg/db/fence.js';
import { asDmError, type DmError, dmError, E } from '../pkg/errors/index.js';
import { countUnitExit } from '../pkg/metrics/dm-metrics.js';
import { Backoff } from '../pkg/retry/backoff.js';
import { type SyncControl, syncControlOf } from '../sync/sync-control.js';
import type { Stage, Unit, UnitDeps, UnitType } from '../unit/unit.js';
import { runFullPipeline } from './full-pipeline.js';
import { unitsForMode } from './resume-point.js';
import {
  defaultClaim,
  defaultResumePoint,
  type SubTaskOptionsOf,
  safeStatus,
  takeoverOf,
  type UnitEntry,
} from './subtask-options.js';
import { type StageEvent, transition } from './subtask-stage.js';
import { putUnitStatus } from './subtask-status.js';
import { resolveTargetTimeZone } from './target-time-zone.js';
import { defaultUnitFactory, type UnitFactory } from './unit-factory.js';

/** Options of a SubTask; every field has a default. */
export type SubTaskOptions = SubTaskOptionsOf<SubTask>;

/**
 * One source's share of a task on this worker: runs the units of its task mode in order
 * (as DM's worker/subtask.go). Stage changes go through subtask-stage.ts only.
 *
 * - pause: aborts the running unit's signal; the unit object is kept and `process` is called
 *   again on resume (DM re-creates the unit's goroutine, not the unit).
 * - stop: aborts and closes every unit; terminal.
 * - a unit failure pauses the subtask with the errors in `result`; when the unit says every
 *   error is retryable, the subtask resumes itself after a growing backoff. Non-retryable
 *   errors wait for an operator (resume-task), never looping.
 */
export class SubTask {
  /** The config as given (the worker compares it to etcd's to spot update-task). */
  readonly cfg: SubTaskConfig;
  /**
   * The config the units are built from (with the fence token on `to`); changed only once,
   * before the first unit is built, when the target's time zone is read (target-time-zone.ts).
   */
  private unitCfg: SubTaskConfig;
  /**
   * Whether the sync unit reads the relay log: a unit built later gets it as its
   * `enableRelay`; a live one is told through SyncControl (see setReadFromRelay).
   */
  private readFromRelay: boolean;
  private readonly deps: UnitDeps;
  private readonly factory: UnitFactory;
  private readonly resumePoint: (cfg: SubTaskConfig, workDir: string) => Promise<number>;
  private readonly onStageChange: ((t: SubTask, s: Stage) => void) | undefined;
  private readonly onUnitChange: ((t: SubTask, u: UnitType | '') => void) | undefined;
  private readonly plan: UnitType[];
  private stageV: Stage = 'New';
  /** Index into `plan` of the current unit; -1 until the resume point is known. */
  private idx = -1;
  private readonly units = new Map<number, UnitEntry>();
  /** Last status of units already finished and closed (query-status shows the last one). */
  private lastStatus: unknown;
  private errors: DmError[] = [];
  private ctrl: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;
  /** The source's `checker` (DM's auto-resume settings), resolved. */
  private readonly resumePolicy: AutoResumePolicy;
  private autoTimer: NodeJS.Timeout | undefined;
  private runStartedAt = 0;
  private readonly fence: FenceToken | undefined;
  private readonly claim: (token: FenceToken, to: DbConfig) => Promise<ClaimResult>;
  private failover: FailoverInfo | undefined;
  private pipelineLoad: Unit | undefined; // the load beside the dump (pipelined full phase)

  constructor(cfg: SubTaskConfig, deps: UnitDeps, opts: SubTaskOptions = {}) {
    this.cfg = cfg;
    this.fence = opts.fence && {
      metaSchema: cfg.metaSchema,
      task: cfg.name,
      source: cfg.sourceId,
      epoch: opts.fence.epoch,
      worker: opts.fence.worker,
    };
    this.claim = opts.claim ?? defaultClaim;
    this.readFromRelay = opts.readFromRelay ?? cfg.enableRelay === true;
    this.unitCfg = {
      ...cfg,
      ...(this.fence ? { to: { ...cfg.to, fence: this.fence } } : {}),
    };
    // The binlog operator belongs to the subtask so operations survive pause/resume.
    this.deps = { ...deps, binlogOps: deps.binlogOps ?? new BinlogOperator() };
    this.factory = opts.factory ?? defaultUnitFactory;
    this.resumePoint = opts.resumePoint ?? defaultResumePoint;
    this.onStageChange = opts.onStageChange;
    this.onUnitChange = opts.onUnitChange;
    this.plan = unitsForMode(cfg.taskMode);
    this.resumePolicy = autoResumePolicy(cfg.checker);
    const p = this.resumePolicy;
    this.backoff = new Backoff({
      initialMs: p.initialMs,
      maxMs: p.maxMs,
      factor: p.factor,
      jitter: p.jitter,
      ...opts.autoResume,
    });
  }

  get name(): string {
    return this.cfg.name;
  }

  get stage(): Stage {
    return this.stageV;
  }

  /** Pending `dmctl binlog` operations (handed to the sync unit through its deps). */
  get binlogOps(): BinlogOperator {
    return this.deps.binlogOps as BinlogOperator;
  }

  /** The binlog position named by the error that paused the subtask, if any (`binlog skip` without -b). */
  failedPosition(): string | undefined {
    for (const e of this.errors) {
      const p = e.context.binlogPosition;
      if (typeof p === 'string' && p !== '') return p;
    }
    return undefined;
  }

  /** Expected validator stage (etcd `Keys.validatorStage`); undefined = as the config says. */
  private validatorWanted: 'Running' | 'Stopped' | undefined;

  /** `validation start|stop`: applied to the live validator now and to any later sync unit. */
  setValidatorStage(stage: 'Running' | 'Stopped' | undefined): void {
    this.validatorWanted = stage;
    this.applyValidatorStage();
  }

  private applyValidatorStage(): void {
    const v = this.syncControl()?.validator;
    if (!v || !this.validatorWanted) return;
    if (this.validatorWanted === 'Running') v.start();
    else v.stop();
  }

  /** The sync unit's controls, when the unit exists (binlog-schema, validation act on them). */
  syncControl(): SyncControl | undefined {
    for (const { unit } of this.units.values()) {
      const c = syncControlOf(unit);
      if (c) return c;
    }
    return undefined;
  }

  /** True when the sync unit reads the local relay log (binlogType local). */
  get readsFromRelay(): boolean {
    return this.readFromRelay;
  }

  /**
   * Switch the sync unit's event source between the relay log and the upstream (the source's
   * relay was started or stopped). A running sync unit is stopped at once and run again: its
   * process() ends after applying and checkpointing what it read, and the next one continues
   * from the applied position in safe mode, now reading the other source (relay files keep
   * the upstream's names and positions, so the position means the same in both). The stage
   * does not change. Dump/Load, paused or not yet started units just pick up the new choice.
   */
  async setReadFromRelay(on: boolean): Promise<void> {
    if (this.readFromRelay === on) return;
    this.readFromRelay = on;
    this.syncControl()?.setReadFromRelay(on);
    this.deps.logger.info(
      { task: this.name, binlogType: on ? 'local' : 'remote' },
      'sync unit switches its binlog source',
    );
    if (this.stageV !== 'Running' || this.unitType !== 'Sync' || !this.loop) return;
    await this.halt();
    // An error that ended the run first left the subtask Paused (auto-resume picks it up).
    if (this.stageV === 'Running') this.launch();
  }

  /** The unit currently running (or last run); '' before the resume point is known. */
  get unitType(): UnitType | '' {
    if (this.idx < 0) return '';
    return this.plan[Math.min(this.idx, this.plan.length - 1)] ?? '';
  }

  /** New → Running: find the resume point and run the units. Returns at once. */
  start(): void {
    this.move('start');
    this.launch();
  }

  /** Running → Paused (manual). A pending auto-resume is cancelled. Waits for the unit to stop. */
  async pause(): Promise<void> {
    this.clearAutoResume();
    if (this.stageV === 'Paused') return;
    this.move('pause');
    await this.halt();
  }

  /** Paused → Running (resume-task): clears the errors and runs the current unit again. */
  resume(): void {
    this.clearAutoResume();
    this.move('resume');
    this.errors = [];
    this.launch();
  }

  /** Any → Stopped: abort, wait, close every unit. Idempotent. */
  async stop(): Promise<void> {
    this.clearAutoResume();
    if (this.stageV !== 'Stopped') this.move('stop');
    await this.halt();
    for (const [i, u] of this.units) {
      this.lastStatus = u.unit.status();
      this.units.delete(i);
      await u.unit.close().catch((err: unknown) => {
        this.deps.logger.warn({ err, task: this.name }, 'closing unit failed');
      });
    }
  }

  /** Resolves when the unit loop is not running (for tests and graceful shutdown). */
  async settled(): Promise<void> {
    await this.loop;
  }

  /** The running sync unit's applied location (data, not status text); undefined otherwise. */
  syncLocation(): BinlogLocation | undefined {
    if (this.unitType !== 'Sync') return undefined;
    return this.units.get(this.idx)?.unit.appliedLocation;
  }

  /** The query-status object (DESIGN.md §3). */
  status(): SubTaskStatus {
    const unit = this.unitType;
    const result: ProcessResultJson | null =
      this.errors.length > 0
        ? { isCanceled: false, errors: this.errors.map((e) => e.toStatus()), detail: null }
        : null;
    const st: SubTaskStatus = {
      name: this.name,
      stage: this.stageV,
      unit,
      result,
      unresolvedDDLLockID: '',
    };
    if (this.failover) st.failover = { ...this.failover };
    if (unit !== '' && unit !== 'Relay') {
      const live = this.units.get(this.idx);
      const s = live ? safeStatus(live.unit) : this.lastStatus;
      if (s !== undefined) putUnitStatus(st, unit, s, this.readFromRelay);
      // The pipelined full phase: the load runs beside the dump; both sections are shown.
      const beside = unit === 'Dump' ? this.pipelineLoad : undefined;
      const ls = beside ? safeStatus(beside) : undefined;
      if (ls !== undefined) putUnitStatus(st, 'Load', ls, this.readFromRelay);
      // DM's SubTaskStatus.validation: the sync unit's validator, when one runs.
      const v = syncControlOf(live?.unit)?.validator;
      if (v) st.validation = v.status();
    }
    return st;
  }

  private move(ev: StageEvent): void {
    const to = transition(this.stageV, ev);
    if (to === this.stageV) return;
    this.stageV = to;
    this.deps.logger.info({ task: this.name, stage: to, event: ev }, 'subtask stage');
    this.onStageChange?.(this, to);
  }

  private launch(): void {
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    this.runStartedAt = Date.now();
    this.loop = this.run(ctrl.signal);
  }

  private async halt(): Promise<void> {
    this.ctrl?.abort();
    await this.loop;
  }

  /** The unit loop. Never throws: failures end in `fail`. */
  private async run(signal: AbortSignal): Promise<void> {
    let unit: Unit | undefined;
    try {
      // Before any checkpoint is read: no older owner of the source can write from here on.
      if (this.fence) await this.claimSource(this.fence);
      if (signal.aborted) return;
      if (this.idx < 0) {
        if (!this.unitCfg.timezone && this.units.size === 0) {
          this.unitCfg = await resolveTargetTimeZone(this.unitCfg, this.deps.logger);
          if (signal.aborted) return;
        }
        const from = await this.resumePoint(this.unitCfg, this.deps.workDir);
        if (signal.aborted) return;
        this.idx = from;
        if (this.failover) this.failover.resumedUnit = this.plan[from] ?? 'Finished';
        this.onUnitChange?.(this, this.unitType);
        if (from > 0) {
          this.deps.logger.info(
            { task: this.name, resumeAt: this.plan[from] ?? '(nothing left)' },
            'earlier units already finished; not redone',
          );
        }
      }
      while (this.idx < this.plan.length) {
        const pipe = this.pipelineAt(this.idx);
        if (pipe) {
          unit = pipe.dump.unit;
          if (!(await this.runPipeline(pipe.dump, pipe.load, signal))) return;
          unit = undefined;
          continue;
        }
        const entry = this.unitEntry(this.idx);
        unit = entry.unit;
        if (!entry.inited) {
          await unit.init();
          entry.inited = true;
          this.applyValidatorStage();
        }
        if (signal.aborted) return;
        const res = await unit.process(signal);
        if (signal.aborted) return; // paused or stopped: errors caused by the abort are noise
        if (res.errors.length > 0) return this.fail(res.errors, unit);
        if (!res.finished) {
          return this.fail(
            [dmError(E.workerUnit, `${unit.type} unit returned without finishing or an error`)],
            unit,
          );
        }
        await this.unitDone(unit);
        unit = undefined;
      }
      this.idx = this.plan.length;
      this.move('finish');
    } catch (err) {
      if (signal.aborted) return;
      this.fail([asDmError(err, E.workerUnit)], unit);
    }
  }

  /**
   * Dump then Load at `i`, both able to run side by side: the pipelined full phase (the load
   * takes each chunk as the dump finishes it; `DM_FULL_PIPELINE=0` keeps DM's order).
   */
  private pipelineAt(i: number): { dump: UnitEntry; load: UnitEntry } | undefined {
    if (this.plan[i] !== 'Dump' || this.plan[i + 1] !== 'Load' || fullPhaseSequential()) return undefined;
    const dump = this.unitEntry(i);
    const load = this.unitEntry(i + 1);
    return dump.unit.streamTo && load.unit.follow ? { dump, load } : undefined;
  }

  /** Run the pipelined full phase (full-pipeline.ts); true when dump and load both finished. */
  private async runPipeline(dump: UnitEntry, load: UnitEntry, signal: AbortSignal): Promise<boolean> {
    for (const e of [dump, load]) {
      if (!e.inited) {
        await e.unit.init();
        e.inited = true;
      }
    }
    if (signal.aborted) return false;
    const end = await runFullPipeline(dump.unit, load.unit, signal, {
      dumpFinished: () => this.unitDone(dump.unit),
      beside: (u) => {
        this.pipelineLoad = u;
      },
    });
    if (end.kind === 'failed') this.fail(end.errors, end.unit);
    if (end.kind !== 'finished') return false;
    await this.unitDone(load.unit);
    return true;
  }

  /** The current unit finished: keep its last status, close it, move to the next one. */
  private async unitDone(unit: Unit): Promise<void> {
    this.lastStatus = safeStatus(unit);
    this.units.delete(this.idx);
    await unit.close();
    this.idx++;
    this.onUnitChange?.(this, this.unitType);
  }

  private async claimSource(token: FenceToken): Promise<void> {
    const f = takeoverOf(await this.claim(token, this.cfg.to), token);
    if (!f) return;
    this.failover = f;
    this.deps.logger.warn(
      { task: this.name, ...f },
      'took the source over from another worker; its downstream connections are fenced off',
    );
  }

  private unitEntry(i: number): UnitEntry {
    let e = this.units.get(i);
    if (!e) {
      const type = this.plan[i];
      if (type === undefined) throw dmError(E.internal, `no unit at index ${i}`);
      const cfg = { ...this.unitCfg, enableRelay: this.readFromRelay };
      e = { unit: this.factory(type, cfg, this.deps), inited: false };
      this.units.set(i, e);
    }
    return e;
  }

  private fail(errors: DmError[], unit: Unit | undefined): void {
    this.errors = errors;
    this.move('fail');
    const retryable = errors.every((e) => (unit ? unit.isRetryable(e) : isRetryableDbError(e.cause ?? e)));
    if (unit && unit.type !== 'Relay') {
      countUnitExit(
        this.deps.registry,
        unit.type,
        { task: this.name, source_id: this.unitCfg.sourceId },
        retryable,
      );
    }
    this.deps.logger.warn(
      { task: this.name, unit: this.unitType, retryable, errors: errors.map((e) => e.toString()) },
      'subtask paused by error',
    );
    // Source `checker.check-enable: false`: a paused subtask waits for resume-task, as DM.
    if (!retryable || !this.resumePolicy.enabled) return;
    // A unit that ran well for `backoff-rollback` earned a fresh start (DM rolls back a step).
    if (Date.now() - this.runStartedAt >= this.resumePolicy.rollbackMs) this.backoff.reset();
    const delay = Math.max(this.backoff.next(), this.resumePolicy.minDelayMs);
    this.autoTimer = setTimeout(() => {
      this.autoTimer = undefined;
      if (this.stageV !== 'Paused') return;
      this.deps.logger.info({ task: this.name, attempt: this.backoff.attempts }, 'auto-resume');
      this.move('autoResume');
      this.errors = [];
      this.launch();
    }, delay);
    this.autoTimer.unref();
  }

  private clearAutoResume(): void {
    if (this.autoTimer) clearTimeout(this.autoTimer);
    this.autoTimer = undefined;
  }
}
