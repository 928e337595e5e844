/** Protocol, binlog, GTID, SQL and TLS errors (11xxx). Composed into `E` by ../catalog.ts. */
import { def } from '../error-def.js';

export const BINLOG_ERRORS = {
  // --- protocol / binlog / gtid (11xxx)
  protocolPacket: def(
    11001,
    'binlog-op',
    'upstream',
    'high',
    'The server sent a malformed packet; check network middleboxes and server version.',
  ),
  authFailed: def(
    11002,
    'binlog-op',
    'upstream',
    'high',
    'Check the user name and password, and that the user may connect from this host.',
  ),
  authPluginUnsupported: def(
    11003,
    'binlog-op',
    'upstream',
    'high',
    'Use mysql_native_password or caching_sha2_password for the replication user (or enable TLS for caching_sha2 full auth).',
  ),
  binlogDumpFailed: def(
    11004,
    'binlog-op',
    'upstream',
    'high',
    'Check that binary logging is on and the replication user has REPLICATION SLAVE.',
  ),
  binlogPurged: def(
    11005,
    'binlog-op',
    'upstream',
    'high',
    'The requested binlog position was purged on the upstream (error 1236). Restart the task with a full dump, or point meta at an existing binlog.',
  ),
  binlogChecksumMismatch: def(
    11006,
    'binlog-op',
    'upstream',
    'high',
    'An event failed its CRC32 check: the binlog or the network corrupted data. Re-pull from the last good position.',
  ),
  binlogEventMalformed: def(
    11007,
    'binlog-op',
    'upstream',
    'high',
    'The event bytes cannot be decoded; report the file and position.',
  ),
  binlogUnsupportedEvent: def(11008, 'binlog-op', 'upstream', 'high'),
  binlogTransactionPayload: def(
    11009,
    'binlog-op',
    'upstream',
    'high',
    'Compressed binlog transactions are not supported: set binlog_transaction_compression=OFF on the upstream.',
  ),
  binlogPartialUpdate: def(
    11010,
    'binlog-op',
    'upstream',
    'high',
    "Partial JSON updates are not supported: set binlog_row_value_options='' on the upstream.",
  ),
  binlogUnknownColumnType: def(
    11011,
    'binlog-op',
    'upstream',
    'high',
    'A column type in the table map is unknown; report the server version.',
  ),
  binlogMissingTableMap: def(
    11012,
    'binlog-op',
    'upstream',
    'high',
    'A row event refers to a table id with no preceding TABLE_MAP; restart from a transaction boundary.',
  ),
  binlogFileInvalid: def(
    11013,
    'binlog-op',
    'internal',
    'high',
    'The file is not a binlog file (bad magic header) or is truncated.',
  ),
  gtidParse: def(
    11014,
    'functional',
    'internal',
    'high',
    'Check the GTID set syntax: MySQL uuid:1-5,… or MariaDB domain-server-seq,…',
  ),
  flavorUnknown: def(
    11015,
    'functional',
    'upstream',
    'medium',
    'Set flavor: mysql or mariadb in the source config.',
  ),
  connectionLost: def(
    11016,
    'binlog-op',
    'upstream',
    'medium',
    'The connection to the upstream was lost; it is retried with backoff.',
  ),
  sqlParse: def(
    11017,
    'functional',
    'internal',
    'high',
    'The statement cannot be parsed; skip or replace it with `binlog skip|replace`.',
  ),
  valueEncode: def(11018, 'functional', 'internal', 'high'),
  /** DM ErrConnInvalidTLSConfig: a DB `security` block that cannot be turned into TLS settings. */
  dbTlsConfig: def(
    11112,
    'functional',
    'internal',
    'medium',
    'Please check the `ssl-ca`, `ssl-cert` and `ssl-key` config (files readable, PEM text in `ssl-*-bytes`, base64 in `ssl-*-base64`).',
  ),
  /** Cluster TLS (dm-master, dm-worker, dmctl `ssl-*`): files missing, unreadable or incomplete. */
  clusterTlsConfig: def(
    11113,
    'functional',
    'internal',
    'high',
    'Give `ssl-ca`, `ssl-cert` and `ssl-key` together (readable PEM files), as DM; the certificates must be signed by `ssl-ca`.',
  ),
  /** A TLS peer whose certificate CN is not in `cert-allowed-cn` (DM: util.WithVerifyCommonName). */
  clusterCertNotAllowed: def(
    11114,
    'functional',
    'internal',
    'high',
    "Use a client certificate whose common name is listed in the server's `cert-allowed-cn`.",
  ),
} as const;
