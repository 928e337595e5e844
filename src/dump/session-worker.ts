import { parentPort } from 'node:worker_threads';
import type { DbConfig } from '../pkg/config/types.js';
import { toWireDbError, type WireDbError } from '../pkg/thread/wire.js';
import type { ChunkJob } from './chunk-writer.js';
import { LocalSession } from './dump-session.js';

/**
 * Worker-thread side of session-thread.ts: hosts several upstream sessions (one mysql2
 * connection each), driven by request messages from the dump unit. Errors travel as plain
 * objects with the mysql2 fields the unit classifies on (errno, code, sqlState, fatal).
 */
export type SessionRequest =
  | { id: number; sid: number; op: 'open'; from: DbConfig }
  | { id: number; sid: number; op: 'query' | 'raw'; sql: string }
  | { id: number; sid: number; op: 'chunk'; job: ChunkJob }
  | { id: number; sid: number; op: 'end' | 'destroy' }
  | { id: number; sid: 0; op: 'exit' };

export type SessionReply =
  | { op: 'progress'; id: number; rows: number; bytes: number }
  | { op: 'done'; id: number; value: unknown }
  | { op: 'failed'; id: number; error: WireDbError };

const port = parentPort;
if (port) {
  const sessions = new Map<number, LocalSession>();
  const post = (m: SessionReply) => port.postMessage(m);
  const session = (sid: number): LocalSession => {
    const s = sessions.get(sid);
    if (!s) throw Object.assign(new Error(`no dump session ${sid}`), { code: 'PROTOCOL_CONNECTION_LOST' });
    return s;
  };
  const run = async (m: SessionRequest): Promise<unknown> => {
    switch (m.op) {
      case 'open':
        sessions.set(m.sid, await LocalSession.open(m.from));
        return undefined;
      case 'query':
        return session(m.sid).query(m.sql);
      case 'raw':
        return session(m.sid).firstRawRow(m.sql);
      case 'chunk':
        return session(m.sid).writeChunk(m.job, (rows, bytes) =>
          post({ op: 'progress', id: m.id, rows, bytes }),
        );
      case 'end':
        await sessions.get(m.sid)?.end();
        sessions.delete(m.sid);
        return undefined;
      case 'destroy':
        sessions.get(m.sid)?.destroy();
        sessions.delete(m.sid);
        return undefined;
      case 'exit':
        for (const s of sessions.values()) s.destroy();
        port.close();
        return undefined;
    }
  };
  port.on('message', (m: SessionRequest) => {
    run(m).then(
      (value) => post({ op: 'done', id: m.id, value }),
      (err: unknown) => post({ op: 'failed', id: m.id, error: toWireDbError(err) }),
    );
  });
}
