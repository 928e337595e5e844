import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BinlogDecoder, type DecoderOptions } from '../pkg/binlog/decoder.js';
import { readBinlogFile } from '../pkg/binlog/file-reader.js';
import type { Flavor, PositionedEvent } from '../pkg/binlog/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import { parseGtidSet } from '../pkg/gtid/index.js';
import { sleep } from '../pkg/retry/backoff.js';
import { flavorOfGtid, GtidStartFilter, pickGtidStartFile, type RelayFileHead } from './gtid-locate.js';
import { listBinlogFiles, readIndex } from './relay-layout.js';
import { RelayReader } from './relay-reader.js';

/** Options of {@link relayEventsAfterGtid}. */
export interface GtidStartOptions {
  relayDir: string;
  /** The executed GTID set: events start at the first transaction not in it. */
  gtid: string;
  /** The upstream flavor; '' / undefined = from the relay files (or the set's syntax). */
  flavor?: Flavor | '';
  /** Passed to the reader's decoder (schemaLookup…). */
  decoder?: DecoderOptions;
  /** How often to look again while the relay has no file to start in yet (ms). Default 100. */
  pollMs?: number;
}

/**
 * Relay events from the first transaction not in `gtid` on (DM's relay reader by GTID): the
 * file is chosen from the relay files' opening GTID lists (gtid-locate.ts), then read from
 * its start with the transactions already in the set skipped. Waits while the relay has not
 * written a file to start in; ends when `signal` aborts. Throws E.relayNotFound when the
 * relay starts after `gtid` (it lacks transactions the reader would need).
 */
export async function* relayEventsAfterGtid(
  o: GtidStartOptions,
  signal: AbortSignal,
): AsyncGenerator<PositionedEvent> {
  for await (const batch of relayBatchesAfterGtid(o, signal)) yield* batch;
}

/** The same stream as {@link relayEventsAfterGtid}, in arrays (RelayReader.batches); never empty. */
export async function* relayBatchesAfterGtid(
  o: GtidStartOptions,
  signal: AbortSignal,
): AsyncGenerator<PositionedEvent[]> {
  const start = await pickFile(o, signal);
  if (!start) return;
  const reader = new RelayReader({
    relayDir: o.relayDir,
    start: { file: start.file, pos: 4 },
    subDir: start.subDir,
    ...(o.decoder ? { decoder: o.decoder } : {}),
  });
  const filter = new GtidStartFilter(parseGtidSet(start.flavor, o.gtid));
  for await (const batch of reader.batches(signal)) {
    const kept = batch.filter((pe) => filter.accept(pe.event));
    if (kept.length > 0) yield kept;
  }
}

async function pickFile(
  o: GtidStartOptions,
  signal: AbortSignal,
): Promise<(RelayFileHead & { flavor: Flavor }) | undefined> {
  while (!signal.aborted) {
    const heads = await readHeads(o.relayDir);
    const flavor = o.flavor || heads.find((h) => h.flavor)?.flavor || flavorOfGtid(o.gtid);
    if (flavor) {
      const target = parseGtidSet(flavor, o.gtid);
      const h = pickGtidStartFile(heads, target);
      if (h) return { ...h, flavor };
      // Every file states its list and none is within the set: the relay began later.
      if (heads.length > 0 && heads.every((x) => x.previous !== undefined)) {
        throw dmError(
          E.relayNotFound,
          `the relay log in ${o.relayDir} starts after GTID set ${target.toString()}; it lacks transactions the sync unit needs`,
          { context: { gtid: target.toString(), firstFile: heads[0]?.file } },
        );
      }
    }
    await sleep(o.pollMs ?? 100, signal);
  }
  return undefined;
}

interface HeadWithFlavor extends RelayFileHead {
  flavor: Flavor | undefined;
}

/** Each relay file's opening GTID list (read from its first few events), oldest file first. */
async function readHeads(relayDir: string): Promise<HeadWithFlavor[]> {
  const out: HeadWithFlavor[] = [];
  for (const sub of readIndex(relayDir)) {
    for (const file of listBinlogFiles(join(relayDir, sub.name))) {
      out.push({ subDir: sub.name, file, ...(await readHead(join(relayDir, sub.name, file))) });
    }
  }
  return out;
}

/** GTID_LIST (MariaDB) or PREVIOUS_GTIDS (MySQL) follows the FORMAT_DESCRIPTION at once. */
async function readHead(path: string): Promise<{ previous: string | undefined; flavor: Flavor | undefined }> {
  // The writer creates a file before writing its magic: an empty file is not readable yet.
  const size = (await stat(path).catch(() => undefined))?.size ?? 0;
  if (size < 4) return { previous: undefined, flavor: undefined };
  let n = 0;
  const decoder = new BinlogDecoder({ verifyChecksum: false });
  for await (const pe of readBinlogFile(path, { decoder, chunkSize: 4096 })) {
    const ev = pe.event;
    if (ev.type === 'mariadb_gtid_list') return { previous: ev.gtids, flavor: 'mariadb' };
    if (ev.type === 'previous_gtids') return { previous: ev.gtidSet, flavor: 'mysql' };
    if (ev.type !== 'format_description' && ++n >= 2) break;
  }
  return { previous: undefined, flavor: undefined };
}
