/**
 * The background relay purger of a source's `purge` settings (DM's dm/relay/purger.go): every
 * `interval` seconds, when the file system of the relay dir has less than `remain-space` GB
 * free, remove every relay file no reader or writer needs (DM's space strategy); otherwise,
 * with `expires` hours set, remove the files last modified longer ago (time strategy). As DM,
 * nothing runs when `interval` is 0 or both `expires` and `remain-space` are 0. A file an
 * active reader or the writer is at, and everything after it, is always kept (purge.ts).
 */
import { statfs } from 'node:fs/promises';
import type { SourceConfig } from '../pkg/config/types.js';
import type { Logger } from '../pkg/log/logger.js';
import { type PurgeCriteria, purgeRelay, type RelayFileInfo } from './purge.js';

const GB = 1024 ** 3;

/** Free bytes of the file system holding `dir`. */
async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

/** Which strategy one check picks (pure): space first, then time, as DM's `check`. */
export function purgeCheck(
  cfg: SourceConfig['purge'],
  free: number,
  nowMs: number,
): PurgeCriteria | undefined {
  if (cfg.remainSpace > 0 && free < cfg.remainSpace * GB) return { inactive: true };
  if (cfg.expires > 0) return { expiresHours: cfg.expires, nowMs };
  return undefined;
}

export interface RelayPurgerOptions {
  relayDir: string;
  purge: SourceConfig['purge'];
  logger: Logger;
  /** For tests: free bytes of the relay file system. */
  free?: (dir: string) => Promise<number>;
  /** For tests: the tick in ms (default `purge.interval` seconds). */
  intervalMs?: number;
}

/** One purge round; returns the files removed. */
export async function purgeOnce(o: RelayPurgerOptions): Promise<RelayFileInfo[]> {
  const c = purgeCheck(o.purge, await (o.free ?? freeBytes)(o.relayDir), Date.now());
  if (!c) return [];
  const removed = await purgeRelay(o.relayDir, c);
  if (removed.length > 0)
    o.logger.info(
      { strategy: c.inactive ? 'space' : 'time', files: removed.map((f) => `${f.subDir}/${f.file}`) },
      'relay purger removed relay files',
    );
  return removed;
}

/** Start the periodic purger; returns its stopper. A no-op when the settings ask for none. */
export function startRelayPurger(o: RelayPurgerOptions): () => void {
  const p = o.purge;
  if (!p || p.interval <= 0 || (p.expires <= 0 && p.remainSpace <= 0)) return () => undefined;
  let running = false;
  const t = setInterval(
    () => {
      if (running) return;
      running = true;
      purgeOnce(o)
        .catch((err: unknown) => o.logger.warn({ err }, 'relay purge failed; retried next interval'))
        .finally(() => {
          running = false;
        });
    },
    o.intervalMs ?? p.interval * 1000,
  );
  t.unref();
  return () => clearInterval(t);
}
