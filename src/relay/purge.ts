import { readdirSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { compareBinlogFile } from '../pkg/binlog/position.js';
import { dmError, E } from '../pkg/errors/index.js';
import { type ActivePosition, activePositions } from './active-files.js';
import { listBinlogFiles, readIndex } from './relay-layout.js';

/** One relay file, in relay order (sub-dir order from the index, then binlog order). */
export interface RelayFileInfo {
  subDir: string;
  file: string;
  mtimeMs: number;
  size: number;
}

/** What to purge: `filename` (and optional `subDir`) as `purge-relay --filename`, or by age. */
export interface PurgeCriteria {
  /** Remove files strictly before this one (DM's `purge-relay --filename`). */
  filename?: string;
  /** The sub-dir `filename` is in; default: the newest sub-dir holding it. */
  subDir?: string;
  /** Remove files last modified more than this many hours ago (source `purge.expires`; 0 = off). */
  expiresHours?: number;
  /** Remove every file no reader or writer needs (DM's inactive/space strategies). */
  inactive?: boolean;
  /** Clock for the age test (ms since the epoch). */
  nowMs?: number;
}

/**
 * Pure: which files to remove. Never the newest file (the writer's), never a file that an
 * active reader or writer is at, nor anything after the earliest such file.
 */
export function selectPurge(
  files: RelayFileInfo[],
  c: PurgeCriteria,
  active: ActivePosition[],
): RelayFileInfo[] {
  if (files.length === 0) return [];
  const idx = (p: { subDir: string; file: string }): number =>
    files.findIndex((f) => f.subDir === p.subDir && f.file === p.file);
  // Everything from the first protected file on is kept.
  let limit = files.length - 1;
  for (const a of active) {
    let i = idx(a);
    if (i < 0) {
      // An active file not on disk yet (the writer's next file): protect what comes after its sub-dir's files.
      const sameSub = files.map((f, k) => ({ f, k })).filter(({ f }) => f.subDir === a.subDir);
      const after = sameSub.find(({ f }) => compareBinlogFile(f.file, a.file) > 0);
      i = after ? after.k : files.length - 1;
    }
    limit = Math.min(limit, i);
  }
  if (c.filename !== undefined) {
    let target = -1;
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      if (f.file === c.filename && (c.subDir === undefined || f.subDir === c.subDir)) {
        target = i;
        break;
      }
    }
    if (target < 0) return [];
    limit = Math.min(limit, target);
  }
  const out: RelayFileInfo[] = [];
  const cutoff =
    c.expiresHours !== undefined && c.expiresHours > 0
      ? (c.nowMs ?? Date.now()) - c.expiresHours * 3_600_000
      : undefined;
  for (let i = 0; i < limit; i++) {
    const f = files[i]!;
    if (cutoff !== undefined && f.mtimeMs > cutoff) continue;
    if (c.filename === undefined && cutoff === undefined && c.inactive !== true) continue;
    out.push(f);
  }
  return out;
}

/** All relay files on disk, in relay order. */
export function listRelayFiles(relayDir: string): RelayFileInfo[] {
  const out: RelayFileInfo[] = [];
  for (const s of readIndex(relayDir)) {
    const dir = join(relayDir, s.name);
    for (const file of listBinlogFiles(dir)) {
      try {
        const st = statSync(join(dir, file));
        out.push({ subDir: s.name, file, mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        // Removed meanwhile.
      }
    }
  }
  return out;
}

/** Remove the selected relay files; returns what was removed. */
export async function purgeRelay(relayDir: string, c: PurgeCriteria): Promise<RelayFileInfo[]> {
  if (c.filename !== undefined && !listRelayFiles(relayDir).some((f) => f.file === c.filename)) {
    throw dmError(E.relayNotFound, `purge-relay: relay file ${c.filename} not found`, {
      context: { relayDir },
    });
  }
  const chosen = selectPurge(listRelayFiles(relayDir), c, activePositions(relayDir));
  for (const f of chosen) {
    try {
      await unlink(join(relayDir, f.subDir, f.file));
    } catch (err) {
      throw dmError(E.relayIo, `purge-relay: cannot remove ${f.file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return chosen;
}

/** Sub-dirs present on disk but missing from the index (for diagnostics). */
export function strayDirs(relayDir: string): string[] {
  const listed = new Set(readIndex(relayDir).map((s) => s.name));
  return readdirSync(relayDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !listed.has(d.name))
    .map((d) => d.name);
}
