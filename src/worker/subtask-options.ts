import type { FailoverInfo } from '../pkg/api/worker-api.js';
import type { DbConfig, FenceToken, SubTaskConfig } from '../pkg/config/types.js';
import { connectDb } from '../pkg/db/connect.js';
import { type ClaimResult, claimFence } from '../pkg/db/fence.js';
import { E } from '../pkg/errors/index.js';
import type { BackoffOptions } from '../pkg/retry/backoff.js';
import type { Stage, Unit, UnitType } from '../unit/unit.js';
import { readCheckpointFacts, resumeFrom } from './resume-point.js';
import type { UnitFactory } from './unit-factory.js';

/** A SubTask's options and their defaults, and the small types it keeps its units in. */

/** Options of a SubTask (`T`: the SubTask class, see subtask.ts); every field has a default. */
export interface SubTaskOptionsOf<T> {
  /** Builds units. Default: `defaultUnitFactory`. */
  factory?: UnitFactory;
  /**
   * Index into the mode's unit list to start from. Default: read the downstream checkpoints
   * (`readCheckpointFacts` + `resumeFrom`), so finished units are not redone.
   */
  resumePoint?: (cfg: SubTaskConfig, workDir: string) => Promise<number>;
  /**
   * Auto-resume backoff after retryable errors, overriding the source's `checker`
   * (default: DM's 1 s doubling to 5 min, see pkg/config/auto-resume.ts). For tests.
   */
  autoResume?: BackoffOptions;
  /** Called after every stage change (to publish status). */
  onStageChange?: (task: T, stage: Stage) => void;
  /** Called when the current unit changes (the worker publishes its unfinished-load hint). */
  onUnitChange?: (task: T, unit: UnitType | '') => void;
  /**
   * Whether the sync unit reads the local relay log instead of the upstream. Default: the
   * config's `enableRelay`. The worker passes the source's effective relay stage (DM: a relay
   * that runs is what subtasks read), and changes it later with `setReadFromRelay`.
   */
  readFromRelay?: boolean;
  /**
   * The binding this subtask runs under (pkg/db/fence.ts): every downstream connection of its
   * units registers under it, and each run first claims the (task, source) so that an older
   * owner can no longer write. Unset (tests driving a SubTask alone) = no fencing.
   */
  fence?: { epoch: number; worker: string };
  /** Opens the claim's own connection. Default: connectDb to the task's target. */
  claim?: (token: FenceToken, to: DbConfig) => Promise<ClaimResult>;
}

export async function defaultClaim(token: FenceToken, to: DbConfig): Promise<ClaimResult> {
  const conn = await connectDb(to, E.dbDownstreamConnect);
  try {
    return await claimFence(conn, token);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

export async function defaultResumePoint(cfg: SubTaskConfig, workDir: string): Promise<number> {
  return resumeFrom(cfg.taskMode, await readCheckpointFacts(cfg, workDir));
}

/** The failover a claim reveals: the source was bound to another worker before (or undefined). */
export function takeoverOf(res: ClaimResult, token: FenceToken): FailoverInfo | undefined {
  if (!res.previous || res.previous.worker === token.worker) return undefined;
  return {
    fromWorker: res.previous.worker,
    fromEpoch: res.previous.epoch,
    toWorker: token.worker,
    toEpoch: token.epoch,
    time: new Date().toISOString(),
    killedConnections: res.killed,
  };
}

/** A built unit of the plan, and whether its `init` ran. */
export interface UnitEntry {
  unit: Unit;
  inited: boolean;
}

export function safeStatus(unit: Unit): unknown {
  try {
    return unit.status();
  } catch {
    return undefined;
  }
}
