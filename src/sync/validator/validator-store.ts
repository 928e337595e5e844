import type { Connection } from '../../pkg/db/connect.js';
import { quoteTable } from '../../pkg/db/connect.js';

/**
 * The validator's downstream meta tables, DM's layout (dm/syncer/validator_checkpoint.go):
 * `<task>_validator_checkpoint` (one row per source: the binlog location up to which every
 * applied change is either validated or in the pending table, and the processed counters),
 * `<task>_validator_pending_change` (rows not yet confirmed), `<task>_validator_error_change`
 * (findings; unique per source/table/key, so a replayed change never records a finding twice).
 */
export const ERROR_TYPES = [
  'Deleted rows exist',
  'Expected rows not exist',
  'Column data not matched',
] as const;
/** DM's ValidateErrorState numbers. */
export const ERROR_STATES = { NewErr: 1, IgnoredErr: 2, ResolvedErr: 3 } as const;
export type ErrorStateName = keyof typeof ERROR_STATES;

export interface ValidatorTables {
  checkpoint: string;
  pending: string;
  error: string;
}

export function validatorTables(metaSchema: string, task: string): ValidatorTables {
  return {
    checkpoint: quoteTable(metaSchema, `${task}_validator_checkpoint`),
    pending: quoteTable(metaSchema, `${task}_validator_pending_change`),
    error: quoteTable(metaSchema, `${task}_validator_error_change`),
  };
}

export async function ensureValidatorTables(
  c: Connection,
  metaSchema: string,
  t: ValidatorTables,
): Promise<void> {
  await c.query(`CREATE DATABASE IF NOT EXISTS \`${metaSchema.replace(/`/g, '``')}\``);
  await c.query(`CREATE TABLE IF NOT EXISTS ${t.checkpoint} (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, source VARCHAR(32) NOT NULL,
    binlog_name VARCHAR(128), binlog_pos INT UNSIGNED, binlog_gtid TEXT,
    procd_ins BIGINT UNSIGNED NOT NULL, procd_upd BIGINT UNSIGNED NOT NULL, procd_del BIGINT UNSIGNED NOT NULL,
    revision BIGINT NOT NULL,
    create_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY uk_source (source))`);
  await c.query(`CREATE TABLE IF NOT EXISTS ${t.pending} (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, source VARCHAR(32) NOT NULL,
    schema_name VARCHAR(128) NOT NULL, table_name VARCHAR(128) NOT NULL, row_pk VARCHAR(2048) NOT NULL,
    data JSON NOT NULL, revision BIGINT NOT NULL,
    create_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    INDEX idx_source_schema_table_key(source, schema_name, table_name, row_pk(255)), INDEX idx_revision(revision))`);
  await c.query(`CREATE TABLE IF NOT EXISTS ${t.error} (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, source VARCHAR(32) NOT NULL,
    src_schema_name VARCHAR(128) NOT NULL, src_table_name VARCHAR(128) NOT NULL, row_pk VARCHAR(2048) NOT NULL,
    dst_schema_name VARCHAR(128) NOT NULL, dst_table_name VARCHAR(128) NOT NULL,
    data JSON NOT NULL, dst_data JSON NOT NULL, error_type INT NOT NULL, status INT NOT NULL,
    create_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    UNIQUE KEY uk_source_schema_table_key(source, src_schema_name, src_table_name, row_pk(255)), INDEX idx_status(status))`);
}

/** One finding as `validation show-error` prints it (DM's pb.ValidationError JSON). */
export interface ValidationErrorRow {
  id: string;
  source: string;
  srcTable: string;
  srcData: string;
  dstTable: string;
  dstData: string;
  errorType: string;
  status: ErrorStateName;
  time: string;
  message: string;
}

/**
 * Findings of one source, optionally of one state (DM's `--error unprocessed|ignored`; `all`
 * lists every state but the resolved ones are shown too, as DM's InvalidErr filter does).
 */
export async function readErrors(
  c: Connection,
  t: ValidatorTables,
  source: string,
  state: ErrorStateName | undefined,
): Promise<ValidationErrorRow[]> {
  const where = state ? ` AND status = ${ERROR_STATES[state]}` : '';
  const [rows] = await c.query(
    `SELECT id, source, src_schema_name, src_table_name, data, dst_schema_name, dst_table_name, dst_data, error_type, status, update_time FROM ${t.error} WHERE source = ?${where} ORDER BY id`,
    [source],
  );
  const names = Object.keys(ERROR_STATES) as ErrorStateName[];
  return (rows as Record<string, unknown>[]).map((r) => ({
    id: String(r.id),
    source: String(r.source),
    srcTable: quoteTable(String(r.src_schema_name), String(r.src_table_name)),
    srcData: typeof r.data === 'string' ? r.data : JSON.stringify(r.data),
    dstTable: quoteTable(String(r.dst_schema_name), String(r.dst_table_name)),
    dstData: typeof r.dst_data === 'string' ? r.dst_data : JSON.stringify(r.dst_data),
    errorType: ERROR_TYPES[Number(r.error_type)] ?? String(r.error_type),
    status: names.find((n) => ERROR_STATES[n] === Number(r.status)) ?? 'NewErr',
    time: r.update_time instanceof Date ? r.update_time.toISOString() : String(r.update_time),
    message: '',
  }));
}

/** ignore/resolve (set state) or clear (delete) one finding of a source or all of them. */
export async function operateErrors(
  c: Connection,
  t: ValidatorTables,
  source: string,
  op: 'ignore' | 'resolve' | 'clear',
  id: number | 'all',
): Promise<number> {
  const where = `WHERE source = ${c.escape(source)}${id === 'all' ? '' : ` AND id = ${Number(id)}`}`;
  const sql =
    op === 'clear'
      ? `DELETE FROM ${t.error} ${where}`
      : `UPDATE ${t.error} SET status = ${op === 'ignore' ? ERROR_STATES.IgnoredErr : ERROR_STATES.ResolvedErr} ${where}`;
  const [r] = await c.query(sql);
  return (r as { affectedRows: number }).affectedRows;
}

/** `new/ignored/resolved` counts of one source. */
export async function errorCounts(c: Connection, t: ValidatorTables, source: string): Promise<number[]> {
  const [rows] = await c.query(
    `SELECT status, COUNT(*) AS n FROM ${t.error} WHERE source = ? GROUP BY status`,
    [source],
  );
  const out = [0, 0, 0];
  for (const r of rows as { status: number; n: number | string }[]) out[Number(r.status) - 1] = Number(r.n);
  return out;
}
