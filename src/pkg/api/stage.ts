/**
 * Unit types and subtask stages, as DM prints them: part of the worker↔master contract
 * (query-status) and of the unit contract (src/unit/unit.ts re-exports them).
 * Transitions live in worker/subtask-stage.ts.
 */
export const UNIT_TYPES = ['Relay', 'Dump', 'Load', 'Sync'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** Subtask stages, as DM prints them. */
export const STAGES = ['New', 'Running', 'Paused', 'Stopped', 'Finished'] as const;
export type Stage = (typeof STAGES)[number];
