import { parentPort } from 'node:worker_threads';
import { BinlogDecoder } from '../pkg/binlog/decoder.js';
import { appendEventJson } from '../pkg/binlog/json-format.js';
import { JsonWriter } from '../pkg/binlog/json-writer.js';
import { DmError } from '../pkg/errors/index.js';
import { asBuffer } from '../pkg/thread/wire.js';

/**
 * Thread side of dm-binlog's parallel printer (parallel-printer.ts): decodes one chunk of a
 * binlog file (after its preamble, see chunk-splitter.ts) and returns its JSON lines as bytes.
 * A decode error ends the chunk: the lines before it come back with the error, so the printer
 * prints exactly what the sequential path would before failing.
 */
export interface PrintRequest {
  seq: number;
  file: string;
  /** File offset of data[0]. */
  pos: number;
  data: Uint8Array;
  preamble: Uint8Array[];
}

/** A DmError as it crosses the thread boundary (its class is rebuilt from the code). */
export interface WireDmError {
  code: number;
  message: string;
  cause?: string;
  context?: Record<string, unknown>;
}

export interface PrintReply {
  seq: number;
  out: Uint8Array;
  error?: WireDmError;
}

const w = new JsonWriter(8 << 20);

export function printChunk(req: PrintRequest): PrintReply {
  const decoder = new BinlogDecoder();
  const data = asBuffer(req.data);
  let error: WireDmError | undefined;
  w.reset();
  try {
    for (const p of req.preamble) decoder.decode(asBuffer(p));
    let off = 0;
    while (off < data.length) {
      const size = data.readUInt32LE(off + 9);
      const raw = data.subarray(off, off + size);
      const pos = req.pos + off;
      appendEventJson({ raw, event: decoder.decode(raw), file: req.file, pos, nextPos: pos + size }, w);
      off += size;
    }
  } catch (err) {
    error = toWire(err);
  }
  return { seq: req.seq, out: w.takeBytes(), ...(error ? { error } : {}) };
}

function toWire(err: unknown): WireDmError {
  if (err instanceof DmError) {
    const cause = err.cause instanceof Error ? err.cause.message : err.cause;
    return {
      code: err.code,
      message: err.message,
      ...(cause === undefined ? {} : { cause: String(cause) }),
      context: safeContext(err.context),
    };
  }
  return { code: 0, message: err instanceof Error ? err.message : String(err) };
}

/** Context values that survive structured clone (numbers, strings, booleans). */
function safeContext(ctx: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

parentPort?.on('message', (req: PrintRequest) => {
  const reply = printChunk(req);
  parentPort?.postMessage(reply, [reply.out.buffer as ArrayBuffer]);
});
