import { compareBinlogPos } from '../binlog/protocol/dump-position.js';
import type { BinlogMeta } from '../config/types.js';
import type { Connection } from '../db/connect.js';
import { quoteId, quoteTable } from '../db/connect.js';
import { parseDataFile } from './dump-dir.js';

/**
 * The loader checkpoint: `<meta-schema>`.`<task>_loader_checkpoint`, DM's table layout.
 * One row per data file: `offset` = bytes of the file already applied (the byte just past
 * the last committed statement), `end_pos` = file size; a file is done when
 * offset >= end_pos. The row is updated in the SAME downstream transaction as the rows it
 * accounts for, so after a crash at any instant data and checkpoint agree (exactly-once).
 *
 * When every file is done, one more row, filename `FINISHED_MARK`, offset = end_pos = total
 * bytes, says the whole load finished (the worker resumes at Sync; `isLoadFinished`).
 *
 * Chunk identity (ours, beyond DM's layout): a row of our own dump also records the chunk's
 * key range (`chunk_range`: the WHERE condition that selected it from its table, '' = the
 * whole table; NULL = a foreign dump, identity unknown) and the snapshot it was dumped at
 * (`snapshot_*`: the dump's binlog position), plus `earliest_*`: the oldest snapshot whose
 * rows may be downstream in that range (a chunk partly loaded from one snapshot and then
 * reloaded from a newer one keeps the older one here). A worker without the dump files
 * dumps again only the ranges not yet loaded (chunk-manifest.ts), and the sync unit starts
 * at the earliest of these snapshots, in safe mode until the latest (`loadedSnapshotSpan`).
 */
export const FINISHED_MARK = '.load-finished';

export function checkpointTable(task: string): string {
  return `${task}_loader_checkpoint`;
}

export interface FileCheckpoint {
  filename: string;
  cpSchema: string;
  cpTable: string;
  offset: number;
  endPos: number;
  /** The chunk's key range in its source table ('' = whole table); undefined = unknown. */
  range?: string;
  /** The dump snapshot this row's file came from. */
  snapshot?: BinlogMeta;
  /** The oldest snapshot whose rows may be downstream in this chunk's range. */
  earliest?: BinlogMeta;
}

/** A row is done when every byte of its file is applied. */
export function isDone(cp: FileCheckpoint): boolean {
  return cp.offset >= cp.endPos;
}

/** Columns added to DM's layout (created on old tables too, see ensureColumns). */
const EXTRA_COLUMNS: readonly [string, string][] = [
  ['chunk_range', 'TEXT NULL'],
  ['snapshot_name', "VARCHAR(128) NOT NULL DEFAULT ''"],
  ['snapshot_pos', 'BIGINT NOT NULL DEFAULT 0'],
  ['snapshot_gtid', 'TEXT NULL'],
  ['earliest_name', "VARCHAR(128) NOT NULL DEFAULT ''"],
  ['earliest_pos', 'BIGINT NOT NULL DEFAULT 0'],
  ['earliest_gtid', 'TEXT NULL'],
];

export async function createCheckpointTable(
  conn: Connection,
  metaSchema: string,
  task: string,
): Promise<void> {
  await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(metaSchema)}`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${quoteTable(metaSchema, checkpointTable(task))} (
    id VARCHAR(32) NOT NULL,
    filename VARCHAR(255) NOT NULL,
    cp_schema VARCHAR(128) NOT NULL,
    cp_table VARCHAR(128) NOT NULL,
    \`offset\` BIGINT NOT NULL,
    end_pos BIGINT NOT NULL,
${EXTRA_COLUMNS.map(([c, t]) => `    ${c} ${t},\n`).join('')}    create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY uk_id_f (id, filename)
  ) DEFAULT CHARSET = utf8mb4`);
  await ensureColumns(conn, metaSchema, task);
}

/** A table created by an older version gets the chunk-identity columns (MySQL has no ADD COLUMN IF NOT EXISTS). */
async function ensureColumns(conn: Connection, metaSchema: string, task: string): Promise<void> {
  const [rows] = await conn.query(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [metaSchema, checkpointTable(task)],
  );
  const have = new Set((rows as { c: string }[]).map((r) => r.c.toLowerCase()));
  const missing = EXTRA_COLUMNS.filter(([c]) => !have.has(c));
  if (missing.length === 0) return;
  await conn.query(
    `ALTER TABLE ${quoteTable(metaSchema, checkpointTable(task))} ${missing.map(([c, t]) => `ADD COLUMN ${c} ${t}`).join(', ')}`,
  );
}

type Row = Record<string, string | number | null>;

function meta(r: Row, prefix: 'snapshot' | 'earliest'): BinlogMeta | undefined {
  const name = r[`${prefix}_name`];
  const gtid = r[`${prefix}_gtid`];
  if (!name && !gtid) return undefined;
  return {
    binlogName: String(name ?? ''),
    binlogPos: Number(r[`${prefix}_pos`] ?? 0),
    binlogGtid: String(gtid ?? ''),
  };
}

export async function readCheckpoints(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
): Promise<Map<string, FileCheckpoint>> {
  const [rows] = await conn.query(
    `SELECT filename, cp_schema, cp_table, \`offset\` AS o, end_pos AS e, ${EXTRA_COLUMNS.map(([c]) => c).join(', ')}
       FROM ${quoteTable(metaSchema, checkpointTable(task))} WHERE id = ?`,
    [source],
  );
  const out = new Map<string, FileCheckpoint>();
  for (const r of rows as Row[]) {
    const filename = String(r.filename);
    const snapshot = meta(r, 'snapshot');
    const earliest = meta(r, 'earliest');
    out.set(filename, {
      filename,
      cpSchema: String(r.cp_schema),
      cpTable: String(r.cp_table),
      offset: Number(r.o),
      endPos: Number(r.e),
      ...(r.chunk_range !== null && r.chunk_range !== undefined ? { range: String(r.chunk_range) } : {}),
      ...(snapshot ? { snapshot } : {}),
      ...(earliest ? { earliest } : {}),
    });
  }
  return out;
}

/**
 * Read the checkpoint rows when the table exists (a missing table or meta schema = none).
 * The dump unit calls it to learn which chunks an earlier full phase already loaded.
 */
export async function readCheckpointsIfAny(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
): Promise<Map<string, FileCheckpoint>> {
  try {
    return await readCheckpoints(conn, metaSchema, task, source);
  } catch (err) {
    const errno = (err as { errno?: number }).errno;
    // ER_NO_SUCH_TABLE / ER_BAD_DB_ERROR / ER_BAD_FIELD_ERROR (a table of an older version).
    if (errno === 1146 || errno === 1049 || errno === 1054) return new Map();
    throw err;
  }
}

/** Snapshot positions as binlog locations, ordered by file then position. */
export function compareMeta(a: BinlogMeta, b: BinlogMeta): number {
  return compareBinlogPos(a.binlogName, a.binlogPos, b.binlogName, b.binlogPos);
}

/** The span of dump snapshots a full phase loaded its chunks from. */
export interface SnapshotSpan {
  /** The oldest snapshot with rows downstream: replication starts here. */
  earliest: BinlogMeta;
  /** The newest snapshot: safe mode stays on until it is passed. */
  latest: BinlogMeta;
  /**
   * Source tables (`db`, `table`) whose every row downstream comes from a snapshot later
   * than `earliest`, with the oldest of them: the changes of such a table up to it are in
   * the loaded rows already. The sync unit uses it for tables without a key (where a replay
   * in safe mode is not idempotent); a keyless table is one whole-table chunk, truncated
   * before it is reloaded, so its rows are those of its one snapshot.
   */
  tables: { db: string; table: string; since: BinlogMeta }[];
}

/**
 * The span of snapshots over the chunk rows (pure). Undefined when no row carries a
 * snapshot (a foreign dump, or a table of an older version: the dump metadata decides).
 * Rows without a snapshot are ignored; the FINISHED_MARK row has none.
 */
/** Same snapshot (position and GTID set). */
export function sameMeta(a: BinlogMeta, b: BinlogMeta): boolean {
  return a.binlogName === b.binlogName && a.binlogPos === b.binlogPos && a.binlogGtid === b.binlogGtid;
}

export function snapshotSpan(rows: Iterable<FileCheckpoint>): SnapshotSpan | undefined {
  const rowsArr = [...rows];
  let earliest: BinlogMeta | undefined;
  let latest: BinlogMeta | undefined;
  for (const r of rowsArr) {
    if (!r.snapshot) continue;
    const e = r.earliest ?? r.snapshot;
    if (!earliest || compareMeta(e, earliest) < 0) earliest = e;
    if (!latest || compareMeta(r.snapshot, latest) > 0) latest = r.snapshot;
  }
  if (!earliest || !latest) return undefined;
  const since = new Map<string, { db: string; table: string; since: BinlogMeta }>();
  for (const r of rowsArr) {
    const f = parseDataFile(r.filename);
    if (!f || !r.snapshot) continue;
    const e = r.earliest ?? r.snapshot;
    const key = `${f.db}\0${f.table}`;
    const cur = since.get(key);
    if (!cur) since.set(key, { db: f.db, table: f.table, since: e });
    else if (compareMeta(e, cur.since) < 0) cur.since = e;
  }
  const tables = [...since.values()].filter((t) => compareMeta(t.since, earliest) > 0);
  return { earliest, latest, tables };
}

/** `snapshotSpan` of this source's rows in the downstream (undefined without any). */
export async function loadedSnapshotSpan(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
): Promise<SnapshotSpan | undefined> {
  return snapshotSpan((await readCheckpointsIfAny(conn, metaSchema, task, source)).values());
}

/** Insert or reset rows (one statement; rows given as filename/schema/table/end_pos). */
export async function upsertCheckpoints(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
  rows: FileCheckpoint[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    await conn.query(
      `INSERT INTO ${quoteTable(metaSchema, checkpointTable(task))} (id, filename, cp_schema, cp_table, \`offset\`, end_pos, ${EXTRA_COLUMNS.map(([c]) => c).join(', ')}) VALUES ?
         ON DUPLICATE KEY UPDATE cp_schema = VALUES(cp_schema), cp_table = VALUES(cp_table), \`offset\` = VALUES(\`offset\`), end_pos = VALUES(end_pos),
         ${EXTRA_COLUMNS.map(([c]) => `${c} = VALUES(${c})`).join(', ')}`,
      [
        part.map((r) => [
          source,
          r.filename,
          r.cpSchema,
          r.cpTable,
          r.offset,
          r.endPos,
          r.range ?? null,
          r.snapshot?.binlogName ?? '',
          r.snapshot?.binlogPos ?? 0,
          r.snapshot?.binlogGtid ?? null,
          r.earliest?.binlogName ?? '',
          r.earliest?.binlogPos ?? 0,
          r.earliest?.binlogGtid ?? null,
        ]),
      ],
    );
  }
}

/** SQL (for the caller's open transaction) that moves one file's offset. */
export function offsetUpdateSql(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
  filename: string,
  offset: number,
): string {
  return `UPDATE ${quoteTable(metaSchema, checkpointTable(task))} SET \`offset\` = ${offset} WHERE id = ${conn.escape(source)} AND filename = ${conn.escape(filename)}`;
}

export async function deleteCheckpoints(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
  filenames: string[],
): Promise<void> {
  if (filenames.length === 0) return;
  await conn.query(
    `DELETE FROM ${quoteTable(metaSchema, checkpointTable(task))} WHERE id = ? AND filename IN (?)`,
    [source, filenames],
  );
}

/**
 * True when the load of `source` for `task` finished (the finished marker row exists).
 * The worker calls it to decide where a restarted subtask resumes.
 */
export async function isLoadFinished(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
): Promise<boolean> {
  try {
    const [rows] = await conn.query(
      `SELECT 1 FROM ${quoteTable(metaSchema, checkpointTable(task))} WHERE id = ? AND filename = ? AND \`offset\` >= end_pos`,
      [source, FINISHED_MARK],
    );
    return (rows as unknown[]).length > 0;
  } catch (err) {
    // ER_NO_SUCH_TABLE / ER_BAD_DB_ERROR: never started.
    const errno = (err as { errno?: number }).errno;
    if (errno === 1146 || errno === 1049) return false;
    throw err;
  }
}
