import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dmError, E } from '../errors/index.js';
import { parseDataFile } from './dump-dir.js';

/**
 * The chunk manifest of one of our dumps, `dm-chunks.json` beside `metadata`: every chunk
 * the dump planned (also the empty ones, which get no data file), with the key range that
 * selected it. mydumper/myloader and dumpling ignore the file; foreign dumps have none.
 *
 * A chunk's identity is (table, key range) plus the snapshot the dump was taken at (the
 * dump metadata). The load unit copies both into its checkpoint rows, so a worker that has
 * none of these files can dump again exactly the ranges not yet loaded (`resumePlan`),
 * under the same file names (the chunk's index is kept).
 */
export const CHUNK_MANIFEST_FILE = 'dm-chunks.json';

export interface ChunkEntry {
  /** Data file name (`dataFile(db, table, index)`); absent from the dir when the chunk was empty. */
  file: string;
  db: string;
  table: string;
  index: number;
  /** WHERE condition of the chunk within its table (without the task's `where`); '' = whole table. */
  range: string;
}

export async function writeChunkManifest(dir: string, chunks: ChunkEntry[]): Promise<void> {
  const tmp = join(dir, `.${CHUNK_MANIFEST_FILE}.tmp`);
  await writeFile(tmp, `${JSON.stringify({ version: 1, chunks }, null, 1)}\n`);
  await rename(tmp, join(dir, CHUNK_MANIFEST_FILE));
}

/** The manifest of a dump dir, or undefined when there is none (a foreign dump). */
export async function readChunkManifest(dir: string): Promise<ChunkEntry[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CHUNK_MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw dmError(E.loadDumpFileInvalid, `cannot read ${CHUNK_MANIFEST_FILE} in ${dir}`, { cause: err });
  }
  try {
    const j = JSON.parse(text) as { chunks?: ChunkEntry[] };
    return Array.isArray(j.chunks) ? j.chunks : [];
  } catch (err) {
    throw dmError(E.loadDumpFileInvalid, `${CHUNK_MANIFEST_FILE} in ${dir} is not valid JSON`, {
      cause: err,
    });
  }
}

/** What the dump needs of a load checkpoint row (load/checkpoint.ts `FileCheckpoint`). */
export interface LoadedChunk {
  filename: string;
  /** undefined = a row without chunk identity (foreign dump or an older version). */
  range?: string;
  offset: number;
  endPos: number;
}

/** One source table's chunks still to dump when a full phase resumes without its files. */
export interface TableResume {
  /** Chunks not (completely) loaded: dump these ranges again, under these indexes. */
  todo: { index: number; range: string }[];
  /** Chunks already loaded (kept downstream, not dumped again). */
  done: number;
}

/** `db` NUL `table`: the key of a source table in a resume plan. */
export function tableKey(db: string, table: string): string {
  return `${db}\0${table}`;
}

/**
 * The resume plan of a full phase (pure): per source table, the chunk ranges not loaded yet.
 * Tables without any row are absent (dumped whole, planned afresh); tables whose chunks are
 * all done have an empty `todo` (not dumped again). Undefined when the rows cannot be
 * resumed by range (no rows, or a row without chunk identity): dump everything.
 *
 * A keyless table is one chunk with range '' (the whole table): when it is partly loaded it
 * is dumped whole, and the load unit truncates it before loading it again.
 */
export function resumePlan(rows: Iterable<LoadedChunk>): Map<string, TableResume> | undefined {
  const out = new Map<string, TableResume>();
  for (const r of rows) {
    const f = parseDataFile(r.filename);
    if (!f) continue; // the finished marker, or a foreign name
    if (r.range === undefined) return undefined;
    const key = tableKey(f.db, f.table);
    const t = out.get(key) ?? { todo: [], done: 0 };
    out.set(key, t);
    if (r.offset >= r.endPos) t.done++;
    else t.todo.push({ index: f.index, range: r.range });
  }
  for (const t of out.values()) t.todo.sort((a, b) => a.index - b.index);
  return out.size > 0 ? out : undefined;
}
