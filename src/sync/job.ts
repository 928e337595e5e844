import type { CellValue } from '../pkg/binlog/types.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';

/** A binlog coordinate of the sync pipeline (file/pos, plus the GTID set after it when known). */
export interface Location {
  file: string;
  pos: number;
  gtid?: string;
}

export interface TableName {
  schema: string;
  table: string;
}

/** One row change, with full row images in the tracked column order. */
export interface RowChange {
  type: 'insert' | 'update' | 'delete';
  /** Upstream table (for table checkpoints). */
  source: TableName;
  /** Downstream table (after routing). */
  target: TableName;
  table: TableStructure;
  before?: CellValue[];
  after?: CellValue[];
}

/**
 * A causality key (causality.ts): text naming the target table, the key and its values; or,
 * for a table whose only unique key is one column, a number for integer values.
 */
export type CausalityKey = string | number;

/** A row change queued for an applier. */
export interface DmlJob {
  /** Dispatch order, strictly increasing. */
  seq: number;
  change: RowChange;
  /** Causality keys (target table + key values). */
  keys: CausalityKey[];
  /** Start of the ROWS event in the binlog; jobs of one event share it. */
  eventPos: Location;
  /** End of the ROWS event (where a table checkpoint may point). */
  eventEnd: Location;
  /** Statements in safe mode (REPLACE, DELETE+REPLACE). */
  safe: boolean;
  /** The table has no usable key: exactly-once via its table checkpoint instead of safe mode. */
  noKey: boolean;
}

/** The one order of binlog locations (file index as a number, then position). */
export { compareLocation } from '../pkg/binlog/position.js';

/** `(file, pos)` as query-status prints it. */
export function formatLocation(l: Location | undefined): string {
  return l ? `(${l.file}, ${l.pos})` : '';
}
