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

/** A row change queued for an applier. */
export interface DmlJob {
  /** Dispatch order, strictly increasing. */
  seq: number;
  change: RowChange;
  /** Causality keys (target table + key values). */
  keys: string[];
  /** Start of the ROWS event in the binlog; jobs of one event share it. */
  eventPos: Location;
  /** End of the ROWS event (where a table checkpoint may point). */
  eventEnd: Location;
  /** Statements in safe mode (REPLACE, DELETE+REPLACE). */
  safe: boolean;
  /** The table has no usable key: exactly-once via its table checkpoint instead of safe mode. */
  noKey: boolean;
}

/** Order of binlog files: by numeric suffix, then name (names share a base in one server). */
export function compareLocation(a: Location, b: Location): number {
  const fa = fileNumber(a.file);
  const fb = fileNumber(b.file);
  if (fa !== fb) return fa < fb ? -1 : 1;
  if (a.file !== b.file && fa === -1) return a.file < b.file ? -1 : 1;
  return a.pos - b.pos;
}

/** The last file parsed: positions of one file are compared many times in a row. */
let lastFile = '';
let lastNumber = -1;

function fileNumber(f: string): number {
  if (f === lastFile) return lastNumber;
  const m = /\.(\d+)$/.exec(f);
  lastFile = f;
  lastNumber = m ? Number(m[1]) : -1;
  return lastNumber;
}

/** `(file, pos)` as query-status prints it. */
export function formatLocation(l: Location | undefined): string {
  return l ? `(${l.file}, ${l.pos})` : '';
}
