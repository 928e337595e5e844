import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { dmError, E } from '../errors/index.js';
import { BinlogDecoder } from './decoder.js';
import { BINLOG_MAGIC, EventType, eventTypeName, HEADER_LEN } from './event-type.js';
import { decodeHeader } from './header.js';
import type { PositionedEvent } from './types.js';

/** Options of {@link readBinlogFile}. */
export interface ReadBinlogFileOptions {
  /** Offset of the first event to yield. Default 4 (just past the magic). */
  startPos?: number;
  /** Decoder to use (keeps its table maps across files). Default: a new one. */
  decoder?: BinlogDecoder;
  /**
   * Decode event bodies. Default true. When false, only FORMAT_DESCRIPTION and ROTATE are
   * decoded; every other event comes as `{type:'unknown', name, body}` (cheap: for copying).
   */
  decode?: boolean;
  /** Read size. Default 4 MiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 4 << 20;

/**
 * Stream the events of a local binlog or relay file, with their positions. Memory is bounded by
 * the chunk size (plus the largest event): the file is never read whole. Positions come from
 * event sizes, not `log_pos` (MariaDB 11.4+ writes 0 inside transactions). A torn last event
 * (a file still being written) ends the stream quietly; a missing magic throws
 * E.binlogFileInvalid. When `startPos` is past the FDE, the FDE is still read (not yielded) so
 * the checksum setting is known.
 */
export async function* readBinlogFile(
  path: string,
  opts: ReadBinlogFileOptions = {},
): AsyncGenerator<PositionedEvent> {
  const decoder = opts.decoder ?? new BinlogDecoder();
  const doDecode = opts.decode ?? true;
  const startPos = opts.startPos ?? 4;
  const chunkSize = Math.max(opts.chunkSize ?? DEFAULT_CHUNK, 64);
  const file = basename(path);
  const { fh, fde } = await openBinlogFile(path, startPos);
  try {
    if (fde) decoder.decode(fde);
    let buf = Buffer.alloc(0);
    let bufPos = startPos; // file offset of buf[0]
    let off = 0; // read offset inside buf
    let filePos = startPos; // next file offset to read
    let eof = false;
    for (;;) {
      // Ensure a whole header, then a whole event, is buffered.
      const avail = buf.length - off;
      let need = HEADER_LEN;
      if (avail >= HEADER_LEN) need = buf.readUInt32LE(off + 9);
      if (need < HEADER_LEN) {
        throw dmError(E.binlogFileInvalid, `${path}: event at ${bufPos + off} has size ${need}`, {
          context: { path, pos: bufPos + off },
        });
      }
      if (avail < need) {
        if (eof) return;
        const size = Math.max(chunkSize, need);
        const next = Buffer.allocUnsafe(size);
        buf.copy(next, 0, off);
        const { bytesRead: n } = await fh.read(next, avail, size - avail, filePos);
        filePos += n;
        if (n === 0) eof = true;
        bufPos += off;
        off = 0;
        buf = next.subarray(0, avail + n);
        continue;
      }
      const raw = buf.subarray(off, off + need);
      const pos = bufPos + off;
      off += need;
      const event = doDecode || isStructural(raw[4]!) ? decoder.decode(raw) : rawOnly(raw);
      yield { raw, event, file, pos, nextPos: pos + need };
    }
  } finally {
    await fh.close();
  }
}

/**
 * Open a binlog file for reading from `startPos`: checks the magic header (E.binlogFileInvalid)
 * and, when starting past offset 4, returns the FORMAT_DESCRIPTION at offset 4 so the reader
 * can learn the checksum setting and post-header lengths. The caller closes `fh`.
 */
export async function openBinlogFile(
  path: string,
  startPos: number,
): Promise<{ fh: FileHandle; fde: Buffer | undefined }> {
  const fh = await open(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await fh.read(magic, 0, 4, 0);
    if (bytesRead < 4 || !magic.equals(BINLOG_MAGIC)) {
      throw dmError(E.binlogFileInvalid, `${path} is not a binlog file (bad magic)`, { context: { path } });
    }
    if (startPos < 4)
      throw dmError(E.binlogFileInvalid, `start position ${startPos} is inside the magic header`);
    let fde: Buffer | undefined;
    if (startPos > 4) {
      const head = Buffer.alloc(HEADER_LEN);
      const h = await fh.read(head, 0, HEADER_LEN, 4);
      if (h.bytesRead === HEADER_LEN && head[4] === EventType.FORMAT_DESCRIPTION) {
        const size = head.readUInt32LE(9);
        const buf = Buffer.alloc(size);
        const f = await fh.read(buf, 0, size, 4);
        if (f.bytesRead === size) fde = buf;
      }
    }
    return { fh, fde };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

function isStructural(type: number): boolean {
  return type === EventType.FORMAT_DESCRIPTION || type === EventType.ROTATE;
}

function rawOnly(raw: Buffer): PositionedEvent['event'] {
  const header = decodeHeader(raw);
  return { type: 'unknown', header, name: eventTypeName(header.typeCode), body: raw.subarray(HEADER_LEN) };
}
