import { SYNCER_DEFAULTS } from '../../src/pkg/config/defaults.js';
import type { SubTaskConfig } from '../../src/pkg/config/types.js';
import type { MariadbInstance } from './mariadb.js';

/** What a test changes in {@link subtaskConfig}: any key, and single keys of the unit configs. */
export type SubTaskOverride = Omit<Partial<SubTaskConfig>, 'mydumper' | 'loader' | 'syncer'> & {
  mydumper?: Partial<SubTaskConfig['mydumper']>;
  loader?: Partial<SubTaskConfig['loader']>;
  syncer?: Partial<SubTaskConfig['syncer']>;
};

/**
 * The one SubTaskConfig builder of the tests that run a unit (dump, load, sync) in-process
 * between two harness servers: source `mysql-01` (MariaDB, root), no filters or routes, DM's
 * unit defaults but 4 dump threads and a load pool of 4; `over` replaces what a test needs.
 */
export function subtaskConfig(
  up: MariadbInstance,
  down: MariadbInstance,
  over: SubTaskOverride = {},
): SubTaskConfig {
  const { mydumper, loader, syncer, ...rest } = over;
  return {
    name: 'task1',
    sourceId: 'mysql-01',
    taskMode: 'all',
    shardMode: '',
    metaSchema: 'dm_meta',
    caseSensitive: false,
    timezone: '',
    onlineDdl: false,
    shadowTableRules: [],
    trashTableRules: [],
    cleanDumpFile: false,
    ignoreCheckingItems: [],
    from: { host: up.host, port: up.port, user: up.user, password: up.password },
    flavor: 'mariadb',
    enableGtid: false,
    enableRelay: false,
    serverId: 1_004_243,
    relayDir: '',
    to: { host: down.host, port: down.port, user: down.user, password: down.password },
    routes: [],
    filters: [],
    expressionFilters: [],
    ...rest,
    mydumper: {
      threads: 4,
      chunkFilesize: 64,
      rows: 0,
      where: '',
      skipTzUtc: false,
      consistency: 'auto',
      extraArgs: '',
      ...mydumper,
    },
    loader: {
      poolSize: 4,
      dir: './dumped_data',
      onDuplicateLogical: 'replace',
      importMode: 'logical',
      ...loader,
    },
    // DM's syncer defaults, with one statement per row change (multiple-rows off).
    syncer: { ...SYNCER_DEFAULTS, multipleRows: false, ...syncer },
  };
}
