/**
 * When the sync unit writes in safe mode (DML as REPLACE / DELETE+REPLACE, "already done"
 * DDL errors tolerated): the part of the binlog an earlier run may already have applied.
 *
 * - Up to the exit-safe point (a replay): after a crash, the exit-safe point the last run
 *   persisted (checkpoint-horizon.ts); after a pause or error, the last event the run saw.
 * - DM's start-up window (`safe-mode-duration`, default 2 × checkpoint-flush-interval) at a
 *   first start (no checkpoint) or a `--start-time` rewind, where no exit-safe point exists.
 *   Armed by `arm`, spent by the next `beginRun`. With a checkpoint the exit-safe point says
 *   how far an earlier run may have applied: cleared by a clean stop (no safe mode, as DM
 *   when the exit point equals the checkpoint), kept after a crash (safe mode up to it).
 * - Always, with the task's `safe-mode: true`.
 */
import { compareLocation, type Location } from './job.js';

export class SafeMode {
  private exitSafe: Location | undefined;
  private until = 0;
  private window = false;

  /** `always`: the task's `syncer.safe-mode`. */
  constructor(private readonly always: boolean) {}

  /**
   * At init: the exit-safe point the start was chosen with (undefined after a clean stop),
   * and whether DM's start-up window applies (first start or start-time).
   */
  arm(exitSafe: Location | undefined, startupWindow: boolean): void {
    this.exitSafe = exitSafe;
    this.window = startupWindow;
  }

  /** A process() run starts at `now`: an armed start-up window runs `windowMs` from here. */
  beginRun(now: number, windowMs: number): void {
    this.until = this.window ? now + windowMs : 0;
    this.window = false;
  }

  /**
   * A run that ended (pause, error) goes on from the applied position: what it saw up to
   * `seen` may be partly applied, so the replay covers it.
   */
  resumeAfter(seen: Location): void {
    if (!this.exitSafe || compareLocation(seen, this.exitSafe) > 0) this.exitSafe = { ...seen };
  }

  /** The exit-safe point a replay runs up to, if any. */
  get replayEnd(): Location | undefined {
    return this.exitSafe;
  }

  /** True when the event ending at `end` lies in the replay of an earlier run. */
  isReplay(end: Location): boolean {
    return this.exitSafe !== undefined && compareLocation(end, this.exitSafe) <= 0;
  }

  /** True when the change ending at `end` is written in safe mode at time `now`. */
  safeFor(end: Location, now = Date.now()): boolean {
    return this.always || now < this.until || this.isReplay(end);
  }
}
