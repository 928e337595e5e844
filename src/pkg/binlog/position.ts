/**
 * The one order of binlog coordinates (issue 16: it was written four times, once as text, so
 * `mysql-bin.1000000` sorted before `mysql-bin.999999`).
 *
 * - File names compare by their numeric suffix as a number (`.1000000` after `.999999`), then
 *   as text (two names with the same number but another base, or names without a suffix).
 *   A name without a numeric suffix (e.g. the empty name of "no position yet") comes first.
 * - Positions of one file compare as numbers.
 * - GTID sets, when asked ({@link compareGtidSets} / {@link compareLocation} with a flavor),
 *   compare by containment: a set contained in the other is before it.
 */
import { parseGtidSet } from '../gtid/parse-gtid-set.js';
import type { BinlogLocation, Flavor } from './types.js';

/** The numeric suffix of `base.000123` (123), or -1 when the name has none. */
export function binlogFileIndex(name: string): number {
  if (name === lastName) return lastIndex;
  const m = /\.(\d+)$/.exec(name);
  // The sync pipeline compares positions of one file many times in a row: keep the last parse.
  lastName = name;
  lastIndex = m ? Number(m[1]) : -1;
  return lastIndex;
}
let lastName = '';
let lastIndex = -1;

/** Order of binlog file names: numeric suffix as a number, then text. */
export function compareBinlogFile(a: string, b: string): number {
  if (a === b) return 0;
  const ia = binlogFileIndex(a);
  const ib = binlogFileIndex(b);
  if (ia !== ib) return ia < ib ? -1 : 1;
  return a < b ? -1 : 1;
}

/** Order of `(file, pos)` coordinates. */
export function compareBinlogPos(aFile: string, aPos: number, bFile: string, bPos: number): number {
  const f = compareBinlogFile(aFile, bFile);
  return f !== 0 ? f : aPos - bPos;
}

/**
 * Order of GTID sets by containment: 0 when equal, < 0 when `a` is contained in `b`, > 0 when
 * `b` is contained in `a`; undefined when neither contains the other (or a side is empty).
 */
export function compareGtidSets(flavor: Flavor, a: string, b: string): number | undefined {
  if (!a || !b) return undefined;
  if (a === b) return 0;
  const sa = parseGtidSet(flavor, a);
  const sb = parseGtidSet(flavor, b);
  if (sa.equals(sb)) return 0;
  if (sb.contains(sa)) return -1;
  if (sa.contains(sb)) return 1;
  return undefined;
}

/**
 * Order of locations. Without `flavor`: by file then position (the sync pipeline's order, one
 * server's binlog). With `flavor`: by GTID set containment when both carry a set and one
 * contains the other (DM's `CompareLocation(…, cmpGTID=true)`, e.g. across a failover where
 * file names restart), else by file then position.
 */
export function compareLocation(a: BinlogLocation, b: BinlogLocation, flavor?: Flavor): number {
  if (flavor) {
    const g = compareGtidSets(flavor, a.gtid ?? '', b.gtid ?? '');
    if (g !== undefined) return g;
  }
  return compareBinlogPos(a.file, a.pos, b.file, b.pos);
}

/** `file:pos` (binlog operators' key) into its parts; the file may contain ':'. */
export function splitFilePos(text: string): BinlogLocation {
  const i = text.lastIndexOf(':');
  return { file: text.slice(0, i), pos: Number(text.slice(i + 1)) };
}
