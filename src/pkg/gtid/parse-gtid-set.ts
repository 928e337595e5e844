import type { Flavor } from '../binlog/types.js';
import { MariadbGtidList } from './mariadb-gtid-list.js';
import { MysqlGtidSet } from './mysql-gtid-set.js';
import type { GtidSet } from './types.js';

/** Parse a GTID set in the flavor's syntax (empty text = empty set). Throws E.gtidParse. */
export function parseGtidSet(flavor: Flavor, text: string): GtidSet {
  return flavor === 'mysql' ? MysqlGtidSet.parse(text) : MariadbGtidList.parse(text);
}

/** An empty set of the flavor. */
export function emptyGtidSet(flavor: Flavor): GtidSet {
  return flavor === 'mysql' ? new MysqlGtidSet() : new MariadbGtidList();
}
