import type { Consistency, SubTaskConfig } from '../../../src/pkg/config/types.js';
import type { MariadbInstance } from '../../harness/index.js';

/** A SubTaskConfig for dump/load tests with DM's defaults; override what a test needs. */
export function fullConfig(
  up: MariadbInstance,
  down: MariadbInstance,
  o: {
    name?: string;
    consistency?: Consistency;
    threads?: number;
    rows?: number;
    chunkFilesize?: number;
    poolSize?: number;
    doDbs?: string[];
    routes?: SubTaskConfig['routes'];
    cleanDumpFile?: boolean;
    where?: string;
    user?: string;
    password?: string;
  } = {},
): SubTaskConfig {
  return {
    name: o.name ?? 'task1',
    sourceId: 'mysql-01',
    taskMode: 'full',
    shardMode: '',
    metaSchema: 'dm_meta',
    caseSensitive: false,
    timezone: '',
    onlineDdl: false,
    shadowTableRules: [],
    trashTableRules: [],
    cleanDumpFile: o.cleanDumpFile ?? false,
    ignoreCheckingItems: [],
    from: { host: up.host, port: up.port, user: o.user ?? up.user, password: o.password ?? up.password },
    flavor: 'mariadb',
    enableGtid: true,
    enableRelay: false,
    serverId: 1_004_243,
    relayDir: '',
    to: { host: down.host, port: down.port, user: down.user, password: down.password },
    blockAllowList: { doDbs: o.doDbs ?? [], ignoreDbs: [], doTables: [], ignoreTables: [] },
    routes: o.routes ?? [],
    filters: [],
    expressionFilters: [],
    mydumper: {
      threads: o.threads ?? 4,
      chunkFilesize: o.chunkFilesize ?? 64,
      rows: o.rows ?? 0,
      where: o.where ?? '',
      skipTzUtc: false,
      consistency: o.consistency ?? 'auto',
      extraArgs: '',
    },
    loader: {
      poolSize: o.poolSize ?? 4,
      dir: './dumped_data',
      onDuplicateLogical: 'replace',
      importMode: 'sql',
    },
    syncer: {
      workerCount: 16,
      batch: 100,
      queueSize: 1024,
      safeMode: false,
      safeModeDuration: '',
      compact: false,
      multipleRows: false,
      checkpointFlushInterval: 30,
      enableAnsiQuotes: false,
    },
  };
}
