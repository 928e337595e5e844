import { dmError, E } from '../pkg/errors/index.js';
import type { Stage } from '../unit/unit.js';

/**
 * The subtask stage machine, in one place (as DM's `pb.Stage` handling in worker/subtask.go).
 *
 * ```
 *            start            pause | fail
 *   New ───────────▶ Running ─────────────▶ Paused
 *                     │  ▲ ◀──────────────── │  (resume | autoResume)
 *              finish │  └───────────────────┘
 *                     ▼
 *                  Finished     (any stage) ──stop──▶ Stopped
 * ```
 *
 * - `fail` keeps the unit's errors in the subtask's `result` (shown by query-status); the
 *   subtask is Paused, not Stopped, so `resume-task` (or auto-resume) picks up where it was.
 * - `finish` only happens for task modes without a sync unit (full, dump, load), when the
 *   last unit finishes; sync never finishes by itself.
 * - Stopped is terminal: a stopped subtask is dropped and, if wanted again, re-created.
 */
export const STAGE_EVENTS = ['start', 'pause', 'resume', 'autoResume', 'fail', 'finish', 'stop'] as const;
export type StageEvent = (typeof STAGE_EVENTS)[number];

/** from-stage → event → to-stage. Anything absent is an invalid transition. */
const TRANSITIONS: Readonly<Record<Stage, Partial<Record<StageEvent, Stage>>>> = Object.freeze({
  New: { start: 'Running', pause: 'Paused', stop: 'Stopped' },
  Running: { pause: 'Paused', fail: 'Paused', finish: 'Finished', stop: 'Stopped' },
  Paused: { resume: 'Running', autoResume: 'Running', pause: 'Paused', stop: 'Stopped' },
  Finished: { stop: 'Stopped' },
  Stopped: { stop: 'Stopped' },
});

/** The stage after `event`, or undefined when `event` is not allowed in `from`. */
export function tryTransition(from: Stage, event: StageEvent): Stage | undefined {
  return TRANSITIONS[from][event];
}

/** The stage after `event`; throws `invalidStageTransition` when not allowed. */
export function transition(from: Stage, event: StageEvent): Stage {
  const to = tryTransition(from, event);
  if (to === undefined) {
    throw dmError(E.invalidStageTransition, `subtask cannot ${event} while ${from}`, {
      context: { from, event },
    });
  }
  return to;
}

/** Stages the master may ask for (written under `Keys.subtaskStage`). */
export const EXPECTED_STAGES = ['Running', 'Paused', 'Stopped'] as const;
export type ExpectedStage = (typeof EXPECTED_STAGES)[number];

/** What the worker must do to make an observed subtask match the master's expected stage. */
export type ReconcileAction = 'create-run' | 'create-paused' | 'pause' | 'resume' | 'stop' | 'none';

/**
 * Decide the action that brings a subtask (`actual` undefined = not running on this worker)
 * to the `expected` stage.
 *
 * `explicit` is true when the expected stage was just (re)written by the master, i.e. an
 * operator command such as resume-task: only then is a Paused subtask (maybe paused by an
 * error) resumed because the expectation says Running. A mere config update or a replayed
 * initial state must not override an error pause, which is what DM does too.
 */
export function reconcileAction(
  actual: Stage | undefined,
  expected: ExpectedStage,
  explicit: boolean,
): ReconcileAction {
  if (actual === undefined || actual === 'Stopped') {
    if (expected === 'Running') return 'create-run';
    if (expected === 'Paused') return 'create-paused';
    return 'none';
  }
  if (expected === 'Stopped') return 'stop';
  switch (actual) {
    case 'New':
      // Created and about to start: only a pause changes anything.
      return expected === 'Paused' ? 'pause' : 'none';
    case 'Running':
      return expected === 'Paused' ? 'pause' : 'none';
    case 'Paused':
      return expected === 'Running' && explicit ? 'resume' : 'none';
    case 'Finished':
      return 'none';
  }
}

/** True for stages in which no unit is running and none will run without a command. */
export function isIdle(stage: Stage): boolean {
  return stage !== 'Running';
}
