import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dmError, E } from '../pkg/errors/index.js';

/**
 * What a dump directory holds (ours, mydumper's or dumpling's). Names are parsed as
 * `{db}-schema-create.sql`, `{db}.{tbl}-schema.sql`, `{db}.{tbl}-schema-view.sql`,
 * `{db}.{tbl}.sql` / `{db}.{tbl}.{N}.sql` (mydumper 0.10 omits N for unchunked tables).
 * A name is split at its first dot (database names with dots are ambiguous in this
 * layout for every tool). Other files (metadata, triggers, routines) are ignored.
 */
export interface DataFile {
  name: string;
  db: string;
  table: string;
  size: number;
}

export interface DumpFiles {
  databases: { name: string; db: string }[];
  tables: { name: string; db: string; table: string }[];
  views: { name: string; db: string; table: string }[];
  data: DataFile[];
  totalBytes: number;
}

/** Classify one file name (pure). */
export function classifyDumpFile(
  name: string,
):
  | { kind: 'database'; db: string }
  | { kind: 'table' | 'view'; db: string; table: string }
  | { kind: 'data'; db: string; table: string }
  | null {
  let m = /^(.+)-schema-create\.sql$/.exec(name);
  if (m?.[1] && !m[1].includes('.')) return { kind: 'database', db: m[1] };
  m = /^([^.]+)\.(.+)-schema-view\.sql$/.exec(name);
  if (m?.[1] && m[2]) return { kind: 'view', db: m[1], table: m[2] };
  if (/-schema-(triggers|post|create)\.sql$/.test(name)) return null;
  m = /^([^.]+)\.(.+)-schema\.sql$/.exec(name);
  if (m?.[1] && m[2]) return { kind: 'table', db: m[1], table: m[2] };
  m = /^([^.]+)\.(.+?)(?:\.\d+)?\.sql$/.exec(name);
  if (m?.[1] && m[2]) return { kind: 'data', db: m[1], table: m[2] };
  return null;
}

export async function scanDumpDir(dir: string): Promise<DumpFiles> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw dmError(E.loadDumpFileInvalid, `cannot read dump directory ${dir}`, { cause: err });
  }
  const out: DumpFiles = { databases: [], tables: [], views: [], data: [], totalBytes: 0 };
  for (const name of names.sort()) {
    const c = classifyDumpFile(name);
    if (!c) continue;
    if (c.kind === 'database') out.databases.push({ name, db: c.db });
    else if (c.kind === 'table') out.tables.push({ name, db: c.db, table: c.table });
    else if (c.kind === 'view') out.views.push({ name, db: c.db, table: c.table });
    else {
      const size = (await stat(join(dir, name))).size;
      out.data.push({ name, db: c.db, table: c.table, size });
      out.totalBytes += size;
    }
  }
  // mydumper writes a placeholder `-schema.sql` table for each view; the view file replaces it.
  const viewKeys = new Set(out.views.map((v) => `${v.db}\0${v.table}`));
  out.tables = out.tables.filter((t) => !viewKeys.has(`${t.db}\0${t.table}`));
  return out;
}
