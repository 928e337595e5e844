/**
 * DM's source `checker` → the subtask auto-resume policy (dm/worker/task_checker.go: a
 * subtask paused by a retryable error is resumed after a backoff that grows by
 * `backoff-factor` from `backoff-min` to `backoff-max`, with optional jitter, and is rolled
 * back after the subtask ran `backoff-rollback` without error). Pure.
 */
import { SOURCE_DEFAULTS } from './defaults.js';
import { parseGoDuration } from './duration.js';
import type { CheckerConfig } from './types.js';

/** What the subtask does after a retryable error. */
export interface AutoResumePolicy {
  /** `check-enable`: false = stay Paused until `resume-task`. */
  readonly enabled: boolean;
  /** First delay (ms), `backoff-min`. */
  readonly initialMs: number;
  /** Largest delay (ms), `backoff-max`. */
  readonly maxMs: number;
  /** Growth factor, `backoff-factor`. */
  readonly factor: number;
  /** Jitter fraction: 0.2 with `backoff-jitter: true`, else 0. */
  readonly jitter: number;
  /** A run this long (ms) without error resets the backoff, `backoff-rollback`. */
  readonly rollbackMs: number;
  /** No auto-resume sooner than this (ms), `check-interval` (DM resumes on its check tick). */
  readonly minDelayMs: number;
}

/** Resolve a source's checker (absent = DM's defaults). Durations were validated at load. */
export function autoResumePolicy(c: CheckerConfig | undefined): AutoResumePolicy {
  const d = SOURCE_DEFAULTS.checker;
  const ms = (v: string | undefined, dflt: string): number =>
    parseGoDuration(v ?? dflt) ?? parseGoDuration(dflt)!;
  return Object.freeze({
    enabled: c?.checkEnable ?? d.checkEnable,
    initialMs: ms(c?.backoffMin, d.backoffMin),
    maxMs: ms(c?.backoffMax, d.backoffMax),
    factor: c?.backoffFactor ?? d.backoffFactor,
    jitter: (c?.backoffJitter ?? d.backoffJitter) ? 0.2 : 0,
    rollbackMs: ms(c?.backoffRollback, d.backoffRollback),
    minDelayMs: c?.checkInterval !== undefined ? ms(c.checkInterval, '0s') : 0,
  });
}
