/**
 * The test harness in one module: real MariaDB and etcd servers on free ports, real dm-master /
 * dm-worker processes, the dmctl runner, the poller, temp dirs and checksums. Integration tests
 * import from here instead of from each file.
 */
export * from './checksum.js';
export * from './cluster.js';
export * from './dm-api.js';
export * from './etcd.js';
export * from './mariadb.js';
export * from './poll.js';
export * from './ports.js';
export * from './processes.js';
export * from './programs.js';
export * from './servers.js';
export * from './subtask.js';
export * from './tmp.js';
export * from './writer.js';
