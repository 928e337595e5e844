/**
 * The sync unit's view of a shard step that holds DML (pessimistic: tables waiting for their
 * lock; optimistic non-strict: tables waiting for the redirect of a conflicting DDL): the row
 * path asks `holds`/`hold`, the checkpoint uses `frozen`, a resume `reset`s, and `redirect`
 * (between events) applies what a resolved wait released.
 */
import type { PositionedEvent, RowsEvent } from '../../pkg/binlog/types.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { Location } from '../job.js';
import type { FrozenCheckpoint } from './pessimist-step.js';

export interface DmlHolder {
  holds(schema: string, table: string): boolean;
  hold(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): void;
  /** The global checkpoint to save while DML is held (undefined: none). */
  frozen(): FrozenCheckpoint | undefined;
  /** Back to the frozen checkpoint: the replay rebuilds what was held. */
  reset(): void;
  close(): void;
  /** Held DML that may be applied now (undefined: none). */
  redirect?(): Promise<void> | undefined;
}
