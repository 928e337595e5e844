import type { Consistency, SubTaskConfig } from '../../../src/pkg/config/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { subtaskConfig } from '../../harness/index.js';

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
  return subtaskConfig(up, down, {
    name: o.name ?? 'task1',
    taskMode: 'full',
    cleanDumpFile: o.cleanDumpFile ?? false,
    from: { host: up.host, port: up.port, user: o.user ?? up.user, password: o.password ?? up.password },
    enableGtid: true,
    blockAllowList: { doDbs: o.doDbs ?? [], ignoreDbs: [], doTables: [], ignoreTables: [] },
    routes: o.routes ?? [],
    mydumper: {
      threads: o.threads ?? 4,
      chunkFilesize: o.chunkFilesize ?? 64,
      rows: o.rows ?? 0,
      where: o.where ?? '',
      consistency: o.consistency ?? 'auto',
    },
    loader: { poolSize: o.poolSize ?? 4, importMode: 'sql' },
  });
}
