import { open } from 'node:fs/promises';
import { dmError, E } from '../pkg/errors/index.js';
import { BINLOG_MAGIC, EventType, HEADER_LEN, readFrameHeader, scanEvents } from './event-frame.js';

/** What recovery found in a relay file. */
export interface RecoveredFile {
  /** File size after the cut: the offset just past the last complete, valid event (≥ 4, or 0 when empty). */
  size: number;
  /** Bytes cut from the tail (0 when the file was clean). */
  cutBytes: number;
  /** Why bytes were cut. */
  torn?: string;
  /** Whether the file carries CRC32 checksums (from its FDE). */
  crc: boolean;
  /** Type code of the last complete event, or -1 when there is none. */
  lastTypeCode: number;
  /** True when a FORMAT_DESCRIPTION is in the file (so a new one must not be written). */
  hasFde: boolean;
}

const CHUNK = 4 << 20;

/**
 * Cut a torn tail off a relay file: scan events from `hint` (an event boundary the meta
 * recorded; 4 when unknown), and truncate the file just past the last event that is complete
 * and whose CRC32 holds. The file is the truth; the meta only saves scanning time. We resume
 * at the last complete EVENT, not at a transaction boundary: the relay is a byte copy, and a
 * reader reassembles the transaction from the bytes before and after the crash.
 */
export async function recoverRelayFile(path: string, hint = 4): Promise<RecoveredFile> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r+');
  } catch (err) {
    throw dmError(E.relayIo, `cannot open relay file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const { size } = await fh.stat();
    const cut = async (to: number, torn: string, crc: boolean, lastTypeCode: number, hasFde: boolean) => {
      if (to < size) {
        await fh.truncate(to);
        await fh.sync();
      }
      return { size: to, cutBytes: size - to, torn: to < size ? torn : undefined, crc, lastTypeCode, hasFde };
    };
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    if (size < 4) {
      if (head.subarray(0, size).equals(BINLOG_MAGIC.subarray(0, size)))
        return await cut(0, 'incomplete', false, -1, false);
      throw dmError(E.relayCorrupt, `relay file ${path} does not start with the binlog magic`);
    }
    if (!head.equals(BINLOG_MAGIC))
      throw dmError(E.relayCorrupt, `relay file ${path} does not start with the binlog magic`);
    // The FDE at offset 4 says whether events carry CRC32.
    const fdeHead = Buffer.alloc(HEADER_LEN);
    const { bytesRead } = await fh.read(fdeHead, 0, HEADER_LEN, 4);
    if (bytesRead < HEADER_LEN) return await cut(4, 'incomplete', false, -1, false);
    const fh0 = readFrameHeader(fdeHead);
    if (fh0.typeCode !== EventType.FORMAT_DESCRIPTION)
      throw dmError(E.relayCorrupt, `relay file ${path}: no FORMAT_DESCRIPTION at offset 4`);
    const fdeBuf = Buffer.alloc(Math.min(fh0.eventSize, size - 4));
    await fh.read(fdeBuf, 0, fdeBuf.length, 4);
    const first = scanEvents(fdeBuf, 4, 4, false);
    if (first.events === 0) return await cut(4, first.torn ?? 'incomplete', false, -1, false);
    const crc = first.crc;
    // Scan from the hint when it is a plausible boundary past the FDE, else from the FDE's end.
    let pos = hint > 4 + fh0.eventSize && hint < size ? hint : 4 + fh0.eventSize;
    const pos0 = pos;
    let lastTypeCode: number = EventType.FORMAT_DESCRIPTION;
    let buf = Buffer.alloc(CHUNK);
    while (pos < size) {
      const want = Math.min(buf.length, size - pos);
      await fh.read(buf, 0, want, pos);
      const r = scanEvents(buf.subarray(0, want), pos, pos, crc);
      if (r.lastEventPos >= 0) lastTypeCode = buf[r.lastEventPos - pos + 4] ?? -1;
      if (r.torn === undefined) {
        pos = r.end;
        continue;
      }
      if (r.torn === 'incomplete' && pos + want < size) {
        // The event straddles the chunk end: read again from its start (grow for huge events).
        if (r.end === pos) {
          const need = buf.length * 2;
          buf = Buffer.alloc(need);
        }
        pos = r.end;
        continue;
      }
      if (pos0 !== 4 + fh0.eventSize) {
        // Started from the meta's hint: it may not be a real boundary (a stale or foreign
        // meta), so never cut on its word; rescan the whole file.
        return await recoverRelayFile(path, 4);
      }
      return await cut(r.end, r.torn, crc, lastTypeCode, true);
    }
    return await cut(pos, '', crc, lastTypeCode, true);
  } finally {
    await fh.close();
  }
}
