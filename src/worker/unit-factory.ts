import { DumpUnit } from '../dump/dump-unit.js';
import { LoadUnit } from '../load/load-unit.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import type { SourceConfig, SubTaskConfig } from '../pkg/config/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import { Relay } from '../relay/relay-unit.js';
import { SyncUnit } from '../sync/sync-unit.js';
import type { Unit, UnitDeps, UnitType } from '../unit/unit.js';

/**
 * The ONE place that maps a subtask's unit types to unit instances. Subtasks ask for one unit
 * at a time, when they reach it, so a subtask resuming at Sync never builds a dump unit.
 */
export type UnitFactory = (type: UnitType, cfg: SubTaskConfig, deps: UnitDeps) => Unit;

type UnitCtor = new (cfg: SubTaskConfig, deps: UnitDeps) => Unit;

/**
 * Constructors of the processing units a subtask may run: the real units, wired in here as
 * they land; tests may register stand-ins with `registerUnit`.
 */
const registry = new Map<UnitType, UnitCtor>([
  ['Dump', DumpUnit],
  ['Load', LoadUnit],
  ['Sync', SyncUnit],
]);

/** Register (or replace) the constructor for one unit type. */
export function registerUnit(type: Exclude<UnitType, 'Relay'>, ctor: UnitCtor): void {
  registry.set(type, ctor);
}

/** The default factory: instantiate the registered constructor for `type`. */
export const defaultUnitFactory: UnitFactory = (type, cfg, deps) => {
  const Ctor = registry.get(type);
  if (!Ctor) {
    throw dmError(E.workerUnit, `the ${type} unit is not available in this build`, {
      context: { type, task: cfg.name },
    });
  }
  return new Ctor(cfg, deps);
};

/** Extra choices for a new relay unit. */
export interface RelayUnitOptions {
  /** Where to start when the relay dir holds nothing yet (see RelayOptions.start). */
  start?: BinlogLocation;
}

/** Builds a source's relay unit (takes the SourceConfig, not a subtask's). */
export type RelayFactory = (cfg: SourceConfig, deps: UnitDeps, opts?: RelayUnitOptions) => Unit;

/** The default relay factory: the real relay unit. */
export const defaultRelayFactory: RelayFactory = (source, deps, opts = {}) =>
  new Relay({ source, deps, ...(opts.start ? { start: opts.start } : {}) });
