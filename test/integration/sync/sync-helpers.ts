import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { tableSums } from '../../harness/index.js';

/** A SubTaskConfig for the sync unit between two harness servers. */
export function syncConfig(
  up: MariadbInstance,
  down: MariadbInstance,
  meta: { binlogName: string; binlogPos: number },
  over: Omit<Partial<SubTaskConfig>, 'syncer'> & { syncer?: Partial<SubTaskConfig['syncer']> } = {},
): SubTaskConfig {
  const { syncer, ...rest } = over;
  return {
    name: 'synctest',
    sourceId: 'mysql-01',
    taskMode: 'incremental',
    shardMode: '',
    metaSchema: 'dm_meta',
    caseSensitive: false,
    timezone: '',
    onlineDdl: false,
    shadowTableRules: [],
    trashTableRules: [],
    cleanDumpFile: false,
    ignoreCheckingItems: [],
    from: { host: up.host, port: up.port, user: 'root', password: '' },
    flavor: 'mariadb',
    enableGtid: false,
    enableRelay: false,
    // Replica ids live above 1,000,000: the harness gives its servers ids below 20,000.
    serverId: 1_000_000 + Math.floor(Math.random() * 1_000_000),
    relayDir: '',
    to: { host: down.host, port: down.port, user: 'root', password: '' },
    meta: { ...meta, binlogGtid: '' },
    routes: [],
    filters: [],
    expressionFilters: [],
    mydumper: {
      threads: 4,
      chunkFilesize: 64,
      rows: 0,
      where: '',
      skipTzUtc: false,
      consistency: 'auto',
      extraArgs: '',
    },
    loader: { poolSize: 4, dir: './dumped_data', onDuplicateLogical: 'replace', importMode: 'logical' },
    syncer: {
      workerCount: 4,
      batch: 50,
      queueSize: 512,
      safeMode: false,
      safeModeDuration: '0s',
      // Our defaults (SYNCER_DEFAULTS): compact and multiple-rows on.
      compact: true,
      multipleRows: true,
      checkpointFlushInterval: 1,
      enableAnsiQuotes: false,
      ...syncer,
    },
    ...rest,
  };
}

export async function masterPos(db: MariadbInstance): Promise<{ binlogName: string; binlogPos: number }> {
  const [r] = await db.query<{ File: string; Position: string | number }>('SHOW MASTER STATUS');
  if (!r) throw new Error('binlog off?');
  return { binlogName: r.File, binlogPos: Number(r.Position) };
}

/** Wait until the downstream schema equals the upstream one (CHECKSUM + COUNT per table). */
export async function waitEqual(
  up: MariadbInstance,
  down: MariadbInstance,
  schema: string,
  timeoutMs = 60_000,
  downSchema = schema,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let a: unknown;
  let b: unknown;
  for (;;) {
    a = await tableSums(up, schema);
    b = await tableSums(down, downSchema);
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `not equal after ${timeoutMs} ms:\nup   ${JSON.stringify(a)}\ndown ${JSON.stringify(b)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
