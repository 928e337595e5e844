/**
 * CPU harness for the sync unit's per-row path, without servers: decode a sysbench binlog
 * (made by `profile-decoder.ts gen`), then per row change what the reader thread does —
 * the tracked structure, row changes, causality keys and assignment, `batch`-sized applier
 * batches turned into SQL text — and release the keys as if each batch committed. It isolates
 * our process's own cost per row (bench:incremental's figure mixes it with two servers on a
 * noisy 2-core VM), so a change to the hot path can be judged in seconds.
 *
 *   npx tsc -p . && node dist/scripts/profile-sync.js FILE [repeat=3]
 *   (add --cpu-prof before the script to profile)
 *
 * The sysbench tables' structure is given by their CREATE TABLE (as sysbench makes them).
 */
import { BinlogDecoder } from '../src/pkg/binlog/decoder.js';
import { readBinlogFile } from '../src/pkg/binlog/file-reader.js';
import { SchemaTracker } from '../src/pkg/schema/schema-tracker.js';
import { Causality, changeKeys } from '../src/sync/causality.js';
import type { DmlJob, RowChange } from '../src/sync/job.js';
import { rowChanges } from '../src/sync/row-changes.js';
import { batchSql } from '../src/sync/sql/batch-sql.js';
import { formatStmt } from '../src/sync/sql/dml-sql.js';

const WORKERS = 16;
const BATCH = 100;

function sysbenchTracker(): SchemaTracker {
  const tracker = new SchemaTracker();
  for (let i = 1; i <= 8; i++) {
    tracker.applyDdl(
      `CREATE TABLE sbtest${i} (id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL,` +
        ` c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id))`,
      'sbtest',
    );
  }
  return tracker;
}

async function once(file: string): Promise<{ ms: number; rows: number; sqlBytes: number }> {
  const tracker = sysbenchTracker();
  const decoder = new BinlogDecoder({ schemaLookup: tracker.lookup() });
  const causality = new Causality(WORKERS);
  const queues: DmlJob[][] = Array.from({ length: WORKERS }, () => []);
  let rows = 0;
  let seq = 0;
  let sqlBytes = 0;
  const flush = (q: DmlJob[]): void => {
    const sql = `BEGIN;${batchSql(q, false).map(formatStmt).join(';\n')};COMMIT`;
    sqlBytes += sql.length;
    for (const j of q) causality.release(j.keys);
    q.length = 0;
  };
  // Timed from the first UPDATE: `prepare`'s bulk inserts before it are not the workload.
  let t0 = 0;
  for await (const pe of readBinlogFile(file, { decoder })) {
    const ev = pe.event;
    if (ev.type !== 'write_rows' && ev.type !== 'update_rows' && ev.type !== 'delete_rows') continue;
    if (t0 === 0) {
      if (ev.type !== 'update_rows') continue;
      t0 = performance.now();
    }
    const t = tracker.get(ev.schema, ev.table);
    if (!t) continue;
    const eventPos = { file: pe.file, pos: pe.pos };
    const end = { file: pe.file, pos: pe.nextPos };
    for (const change of rowChanges(ev, t, { schema: ev.schema, table: ev.table })) {
      rows++;
      const keys = changeKeys(change as RowChange);
      let idx = causality.assign(keys);
      if (idx === 'conflict') {
        for (const q of queues) flush(q);
        causality.reset();
        idx = causality.assign(keys) as number;
      }
      const q = queues[idx] as DmlJob[];
      q.push({ seq: seq++, change, keys, eventPos, eventEnd: end, safe: true, noKey: false });
      if (q.length >= BATCH) flush(q);
    }
  }
  for (const q of queues) flush(q);
  return { ms: performance.now() - t0, rows, sqlBytes };
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: profile-sync FILE [repeat]\n');
  process.exit(2);
}
const repeat = Number(process.argv[3] ?? 3);
for (let i = 0; i < repeat; i++) {
  const r = await once(file);
  process.stdout.write(
    `${JSON.stringify({ run: i + 1, ms: Math.round(r.ms), rows: r.rows, usPerRow: +((r.ms * 1000) / r.rows).toFixed(2), sqlMB: +(r.sqlBytes / 1e6).toFixed(1) })}\n`,
  );
}
