import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BinlogMeta, SubTaskConfig } from '../config/types.js';
import { dmError, E } from '../errors/index.js';
import { dumpDir } from './dump-dir.js';

/**
 * The dump `metadata` file, in the layout mydumper (0.9–0.10) and dumpling write, so that
 * myloader, DM's loader and our loader all read it:
 *
 * ```
 * Started dump at: 2024-01-01 10:00:00
 * SHOW MASTER STATUS:
 * 	Log: mariadb-bin.000001
 * 	Pos: 330
 * 	GTID:0-1-5
 *
 * Finished dump at: 2024-01-01 10:00:09
 * ```
 *
 * The reader also accepts mydumper ≥ 0.11's INI-ish form (`[master]` / `File = …` /
 * `Position = …` / `Executed_Gtid_Set = …`), and ignores `SHOW SLAVE STATUS` sections.
 */
export interface DumpMetadata extends BinlogMeta {
  startedAt?: string;
  /** Absent while the dump is in progress (a dump without it is incomplete). */
  finishedAt?: string;
}

export const METADATA_FILE = 'metadata';

/** `YYYY-MM-DD hh:mm:ss` in local time, as mydumper prints it. */
export function metadataTime(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Render the metadata text (pure). Omits "Finished dump at" when `finishedAt` is unset. */
export function formatDumpMetadata(m: DumpMetadata): string {
  let s = `Started dump at: ${m.startedAt ?? metadataTime()}\n`;
  s += `SHOW MASTER STATUS:\n\tLog: ${m.binlogName}\n\tPos: ${m.binlogPos}\n\tGTID:${m.binlogGtid}\n\n`;
  if (m.finishedAt) s += `Finished dump at: ${m.finishedAt}\n`;
  return s;
}

/** Parse metadata text from us, mydumper (old and new formats) or dumpling (pure). */
export function parseDumpMetadata(text: string): DumpMetadata {
  const out: DumpMetadata = { binlogName: '', binlogPos: 0, binlogGtid: '' };
  let section = '';
  let gtidContinues = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (gtidContinues) {
      // MySQL prints long Executed_Gtid_Set values over several lines ending in ','.
      if (section === 'master' && /^[0-9a-f-]+:/i.test(line)) {
        out.binlogGtid += line;
        gtidContinues = line.endsWith(',');
        continue;
      }
      gtidContinues = false;
    }
    const started = /^Started dump at:\s*(.*)$/.exec(line);
    const finished = /^Finished dump at:\s*(.*)$/.exec(line);
    if (started) out.startedAt = started[1];
    else if (finished) out.finishedAt = finished[1];
    else if (/^SHOW MASTER STATUS:?$/i.test(line) || /^\[master\]$/i.test(line)) section = 'master';
    else if (/^\[/.test(line) || /^SHOW SLAVE STATUS:?$/i.test(line)) section = 'other';
    else if (section === 'master') {
      const kv = /^(Log|File|Pos|Position|GTID|Executed_Gtid_Set|Gtid_Binlog_Pos)\s*[:=]\s*(.*)$/i.exec(line);
      const key = kv?.[1]?.toLowerCase();
      const val = (kv?.[2] ?? '').trim();
      if (key === 'log' || key === 'file') out.binlogName = val;
      else if (key === 'pos' || key === 'position') out.binlogPos = Number.parseInt(val, 10) || 0;
      else if (key) {
        out.binlogGtid = val;
        gtidContinues = val.endsWith(',');
      }
    }
  }
  return out;
}

/**
 * Read `<dir>/metadata` (ours, mydumper's or dumpling's) and return where replication
 * starts. The sync unit calls this when it has no checkpoint yet.
 */
export async function readDumpMetadata(dir: string): Promise<BinlogMeta> {
  const m = await readDumpMetadataFull(dir);
  return { binlogName: m.binlogName, binlogPos: m.binlogPos, binlogGtid: m.binlogGtid };
}

/** As readDumpMetadata, with the start/finish times (a missing finish = incomplete dump). */
export async function readDumpMetadataFull(dir: string): Promise<DumpMetadata> {
  let text: string;
  try {
    text = await readFile(join(dir, METADATA_FILE), 'utf8');
  } catch (err) {
    throw dmError(E.loadDumpFileInvalid, `cannot read dump metadata in ${dir}`, { cause: err });
  }
  const m = parseDumpMetadata(text);
  if (!m.binlogName && !m.binlogGtid) {
    throw dmError(E.loadDumpFileInvalid, `dump metadata in ${dir} has no binlog position`, {
      context: { text: text.slice(0, 500) },
    });
  }
  return m;
}

/** Write the metadata atomically (temp file + rename), so readers never see half a file. */
export async function writeDumpMetadata(dir: string, m: DumpMetadata): Promise<void> {
  const tmp = join(dir, `.${METADATA_FILE}.tmp`);
  await writeFile(tmp, formatDumpMetadata(m));
  await rename(tmp, join(dir, METADATA_FILE));
}

/**
 * Where replication starts after a full load of this subtask: the dump's metadata, which
 * the load unit keeps even with `clean-dump-file`. The sync unit calls this when it has no
 * checkpoint of its own.
 */
export async function loadedBinlogMeta(cfg: SubTaskConfig, workDir: string): Promise<BinlogMeta> {
  const m = await readDumpMetadataFull(dumpDir(cfg, workDir));
  return { binlogName: m.binlogName, binlogPos: m.binlogPos, binlogGtid: m.binlogGtid };
}
