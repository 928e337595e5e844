export { GtidTracker } from './gtid-tracker.js';
export { type MariadbGtid, MariadbGtidList } from './mariadb-gtid-list.js';
export { MysqlGtidSet } from './mysql-gtid-set.js';
export { emptyGtidSet, parseGtidSet } from './parse-gtid-set.js';
export type { GtidSet } from './types.js';
