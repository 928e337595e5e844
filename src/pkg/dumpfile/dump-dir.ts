import { resolve } from 'node:path';
import type { SubTaskConfig } from '../config/types.js';

/**
 * Dump directory and file names, shared by the dump and load units. Layout as
 * mydumper/dumpling: `{db}-schema-create.sql`, `{db}.{tbl}-schema.sql`,
 * `{db}.{view}-schema-view.sql`, `{db}.{tbl}.{NNNNNNNNN}.sql`, `metadata`.
 */

/** `<workDir>/<loader.dir>.<task>` (DM's per-task dump dir). */
export function dumpDir(cfg: Pick<SubTaskConfig, 'name' | 'loader'>, workDir: string): string {
  return resolve(workDir, cfg.loader.dir || './dumped_data') + '.' + cfg.name;
}

export function schemaCreateFile(db: string): string {
  return `${db}-schema-create.sql`;
}

export function tableSchemaFile(db: string, table: string): string {
  return `${db}.${table}-schema.sql`;
}

export function viewSchemaFile(db: string, view: string): string {
  return `${db}.${view}-schema-view.sql`;
}

/** Chunk files are numbered from 0 with 9 digits, as dumpling does. */
export function dataFile(db: string, table: string, index: number): string {
  return `${db}.${table}.${String(index).padStart(9, '0')}.sql`;
}

/** The parts of one of our chunk file names (`dataFile`), or undefined for any other name. */
export function parseDataFile(name: string): { db: string; table: string; index: number } | undefined {
  const m = /^([^.]+)\.(.+)\.(\d{9})\.sql$/.exec(name);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { db: m[1], table: m[2], index: Number(m[3]) };
}

/**
 * Start of every data file we write (see {@link dataFileHeader}): the loader knows our own
 * dumps by it.
 */
export const DATA_FILE_HEADER_PREFIX =
  "/*!40101 SET NAMES utf8mb4*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n/*!40103 SET TIME_ZONE='";

/**
 * Header of every data file: our bytes are utf8mb4 text with hex literals for binary, and
 * TIMESTAMPs are in `timeZone`, the dump session's zone (the task's `timezone`, as DM's
 * dumpling session), which the loader's session takes when it runs the header.
 */
export function dataFileHeader(timeZone = '+00:00'): string {
  return `${DATA_FILE_HEADER_PREFIX}${timeZone.replace(/[^A-Za-z0-9_/+:-]/g, '')}' */;\n`;
}

/** The header of a data file in UTC (what tests write). */
export const DATA_FILE_HEADER = dataFileHeader();
