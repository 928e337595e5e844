/** DM's precheck item names (dm/config/checking_item.go), valid in `ignore-checking-items`. */
export const CHECKING_ITEMS = Object.freeze({
  all: 'all checking items',
  dump_privilege: 'dump privileges of source DB checking item',
  replication_privilege: 'replication privileges of source DB checking item',
  version: 'MySQL/MariaDB version checking item',
  server_id: 'server_id checking item',
  binlog_enable: 'binlog enable checking item',
  binlog_format: 'binlog format checking item',
  binlog_row_image: 'binlog row image checking item',
  table_schema: 'table schema compatibility checking item',
  schema_of_shard_tables: 'consistent schema of shard tables checking item',
  auto_increment_ID: 'conflict auto increment ID of shard tables checking item',
  online_ddl: 'online ddl checking item',
  binlog_db: 'binlog db checking item',
  meta_position: 'meta position valid checking item',
  conn_number: 'connection number checking item',
  target_privilege: 'privileges of target DB checking item',
  // TiDB physical-import (lightning) items: accepted, never run here.
  empty_region: 'physical import mode empty region checking item',
  region_distribution: 'physical import mode region distribution checking item',
  downstream_version: 'physical import mode downstream TiDB/PD/TiKV version checking item',
  free_space: 'downstream free space checking item',
  downstream_mutex_features: 'physical import mode downstream incompatible feature checking item',
} as const);

export type CheckingItem = keyof typeof CHECKING_ITEMS;

export function isCheckingItem(name: string): name is CheckingItem {
  return Object.hasOwn(CHECKING_ITEMS, name);
}
