/**
 * Splitting a table into chunks (pure). A table with an integer key is cut into equal key
 * ranges between MIN and MAX; the number of chunks comes from `rows` (rows per chunk) or,
 * when that is 0, from `chunk-filesize` and the average row length. Big tables get at least
 * `threads` chunks so one large table still uses every connection.
 */
export interface ChunkPlanInput {
  min: bigint;
  max: bigint;
  estRows: number;
  avgRowLen: number;
  /** Rows per chunk; 0 = by size. */
  rows: number;
  /** MB per chunk file; 0 = no size limit (DM's `chunk-filesize: 0`). */
  chunkFilesizeMb: number;
  threads: number;
}

/** A half-open key range; `lo` undefined = no lower bound, `hi` undefined = no upper bound. */
export interface KeyRange {
  lo?: bigint;
  hi?: bigint;
}

/** Tables below this many rows are never split for parallelism alone. */
const MIN_ROWS_PER_PARALLEL_CHUNK = 10_000;

export function chunkCount(i: Omit<ChunkPlanInput, 'min' | 'max'>): number {
  const rows = Math.max(0, i.estRows);
  let n: number;
  if (i.rows > 0) n = Math.ceil(rows / i.rows);
  else if (i.chunkFilesizeMb <= 0) n = 1;
  else n = Math.ceil((rows * Math.max(1, i.avgRowLen)) / (Math.max(1, i.chunkFilesizeMb) * 1024 * 1024));
  n = Math.max(n, Math.min(i.threads, Math.floor(rows / MIN_ROWS_PER_PARALLEL_CHUNK)));
  return Math.max(1, n);
}

/** Ranges covering every key (the first open below, the last open above). */
export function planRanges(i: ChunkPlanInput): KeyRange[] {
  const span = i.max - i.min + 1n;
  let n = BigInt(chunkCount(i));
  if (span <= 0n) return [{}];
  if (n > span) n = span;
  if (n <= 1n) return [{}];
  const step = (span + n - 1n) / n;
  const out: KeyRange[] = [];
  for (let k = 0n; k < n; k++) {
    const lo = i.min + k * step;
    if (lo > i.max) break;
    const hi = lo + step;
    out.push({ ...(k === 0n ? {} : { lo }), ...(hi > i.max ? {} : { hi }) });
  }
  return out;
}

/** `key >= lo AND key < hi` (or `1=1` for a whole-table range). */
export function rangeWhere(quotedKey: string, r: KeyRange): string {
  const parts: string[] = [];
  if (r.lo !== undefined) parts.push(`${quotedKey} >= ${r.lo}`);
  if (r.hi !== undefined) parts.push(`${quotedKey} < ${r.hi}`);
  return parts.length ? parts.join(' AND ') : '';
}
