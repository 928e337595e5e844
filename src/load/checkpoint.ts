import type { Connection } from '../pkg/db/connect.js';
import { quoteId, quoteTable } from '../pkg/db/connect.js';

/**
 * The loader checkpoint: `<meta-schema>`.`<task>_loader_checkpoint`, DM's table layout.
 * One row per data file: `offset` = bytes of the file already applied (the byte just past
 * the last committed statement), `end_pos` = file size; a file is done when
 * offset >= end_pos. The row is updated in the SAME downstream transaction as the rows it
 * accounts for, so after a crash at any instant data and checkpoint agree (exactly-once).
 *
 * When every file is done, one more row, filename `FINISHED_MARK`, offset = end_pos = total
 * bytes, says the whole load finished (the worker resumes at Sync; `isLoadFinished`).
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
}

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
    create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY uk_id_f (id, filename)
  ) DEFAULT CHARSET = utf8mb4`);
}

export async function readCheckpoints(
  conn: Connection,
  metaSchema: string,
  task: string,
  source: string,
): Promise<Map<string, FileCheckpoint>> {
  const [rows] = await conn.query(
    `SELECT filename, cp_schema, cp_table, \`offset\` AS o, end_pos AS e FROM ${quoteTable(metaSchema, checkpointTable(task))} WHERE id = ?`,
    [source],
  );
  const out = new Map<string, FileCheckpoint>();
  for (const r of rows as { filename: string; cp_schema: string; cp_table: string; o: string; e: string }[]) {
    out.set(r.filename, {
      filename: r.filename,
      cpSchema: r.cp_schema,
      cpTable: r.cp_table,
      offset: Number(r.o),
      endPos: Number(r.e),
    });
  }
  return out;
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
      `INSERT INTO ${quoteTable(metaSchema, checkpointTable(task))} (id, filename, cp_schema, cp_table, \`offset\`, end_pos) VALUES ? ON DUPLICATE KEY UPDATE cp_schema = VALUES(cp_schema), cp_table = VALUES(cp_table), \`offset\` = VALUES(\`offset\`), end_pos = VALUES(end_pos)`,
      [part.map((r) => [source, r.filename, r.cpSchema, r.cpTable, r.offset, r.endPos])],
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
