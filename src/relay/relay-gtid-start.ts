import { join } from 'node:path';
import { BinlogDecoder } from '../pkg/binlog/decoder.js';
import { EventType } from '../pkg/binlog/event-type.js';
import { readBinlogFile } from '../pkg/binlog/file-reader.js';
import type { BinlogEvent, Flavor, PositionedEvent } from '../pkg/binlog/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import { type GtidSet, parseGtidSet } from '../pkg/gtid/index.js';
import { sleep } from '../pkg/retry/backoff.js';
import { flavorOfGtid, GtidStartScanner, pickGtidStartFile, type RelayFileHead } from './gtid-locate.js';
import { listBinlogFiles, readIndex } from './relay-layout.js';
import type { RelayReaderPosition } from './relay-reader.js';

/** Options of {@link locateGtidStart}. */
export interface GtidStartOptions {
  relayDir: string;
  /** The executed GTID set: reading starts at the first transaction not in it. */
  gtid: string;
  /** The upstream flavor; '' / undefined = from the relay files (or the set's syntax). */
  flavor?: Flavor | '';
  /** How often to look again while the relay has not written what is needed (ms). Default 100. */
  pollMs?: number;
}

/** Events that the locate logic needs decoded; rows and the rest stay raw (no table maps needed). */
const DECODED = new Set<number>([
  EventType.GTID,
  EventType.ANONYMOUS_GTID,
  EventType.PREVIOUS_GTIDS,
  EventType.MARIADB_GTID,
  EventType.MARIADB_GTID_LIST,
  EventType.QUERY,
  EventType.XID,
]);

/**
 * The relay position (sub-dir, file, offset) where the transactions after `gtid` start, read
 * from the relay's own files (see gtid-locate.ts for the rule). Waits while the relay has not
 * yet written the files (or the end of the transaction) it needs; returns undefined when
 * `signal` aborts. Throws E.relayNotFound when the relay starts after `gtid` (it lacks
 * transactions of the upstream the reader would need).
 */
export async function locateGtidStart(
  o: GtidStartOptions,
  signal: AbortSignal,
): Promise<RelayReaderPosition | undefined> {
  const pollMs = o.pollMs ?? 100;
  while (!signal.aborted) {
    const heads = await readHeads(o.relayDir);
    const flavor = o.flavor || flavorOfHeads(heads) || flavorOfGtid(o.gtid);
    if (flavor) {
      const target = parseGtidSet(flavor, o.gtid);
      const at = await locateIn(o.relayDir, heads, target);
      if (at) return at;
    }
    await sleep(pollMs, signal);
  }
  return undefined;
}

/** One pass over the files as they are now; undefined = wait for the relay to write more. */
async function locateIn(
  relayDir: string,
  heads: HeadWithFlavor[],
  target: GtidSet,
): Promise<RelayReaderPosition | undefined> {
  const start = pickGtidStartFile(heads, target);
  if (!start) {
    // Every file states its list, and none is within the set: the relay began later.
    if (heads.length > 0 && heads.every((h) => h.previous !== undefined)) {
      throw dmError(
        E.relayNotFound,
        `the relay log in ${relayDir} starts after GTID set ${target.toString()}; it lacks transactions the sync unit needs`,
        { context: { gtid: target.toString(), firstFile: heads[0]?.file } },
      );
    }
    return undefined;
  }
  for (let i = heads.indexOf(start); i < heads.length; i++) {
    const h = heads[i];
    if (!h) break;
    const scanner = new GtidStartScanner(target);
    const decoder = new BinlogDecoder({ verifyChecksum: false });
    for await (const pe of readBinlogFile(join(relayDir, h.subDir, h.file), { decode: false, decoder })) {
      const found = scanner.observe(decodeSome(decoder, pe), pe.pos, pe.nextPos);
      if (found !== undefined) return { subDir: h.subDir, file: h.file, pos: found };
    }
    const end = scanner.end();
    if (end.kind === 'found') return { subDir: h.subDir, file: h.file, pos: end.pos };
    if (i === heads.length - 1) {
      // A transaction of the set still being written: its end is where reading starts.
      if (end.openTransaction) return undefined;
      return { subDir: h.subDir, file: h.file, pos: end.pos };
    }
  }
  return undefined;
}

function decodeSome(decoder: BinlogDecoder, pe: PositionedEvent): BinlogEvent {
  if (pe.event.type !== 'unknown' || !DECODED.has(pe.raw[4] ?? -1)) return pe.event;
  return decoder.decode(pe.raw);
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

async function readHead(path: string): Promise<{ previous: string | undefined; flavor: Flavor | undefined }> {
  let n = 0;
  const decoder = new BinlogDecoder({ verifyChecksum: false });
  for await (const pe of readBinlogFile(path, { decode: false, decoder, chunkSize: 4096 })) {
    const ev = decodeSome(decoder, pe);
    if (ev.type === 'mariadb_gtid_list') return { previous: ev.gtids, flavor: 'mariadb' };
    if (ev.type === 'previous_gtids') return { previous: ev.gtidSet, flavor: 'mysql' };
    // The list follows the FDE at once; anything else there means the file has none.
    if (ev.type !== 'format_description' && ++n >= 3) break;
  }
  return { previous: undefined, flavor: undefined };
}

function flavorOfHeads(heads: HeadWithFlavor[]): Flavor | undefined {
  return heads.find((h) => h.flavor)?.flavor;
}
