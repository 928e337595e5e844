/**
 * JSON schema of DM's source.yaml (dm/config/source_config.go). Keys DM ignores too
 * (`auto-fix-gtid`, `meta-dir`, `charset`, `tracer`, `from.max-allowed-packet`) are accepted
 * with the coded warning of dm-ignored-keys.ts.
 */
import { bool, dbSchema, filterRuleSchema, type JsonSchema, obj, str, uint } from './common-schema.js';

export const sourceSchema: JsonSchema = obj(
  {
    'source-id': str,
    flavor: { enum: ['', 'mysql', 'mariadb', 'MySQL', 'MariaDB'] },
    enable: bool,
    'enable-gtid': bool,
    'auto-fix-gtid': bool,
    'enable-relay': bool,
    'relay-binlog-name': str,
    'relay-binlog-gtid': str,
    'relay-dir': str,
    'meta-dir': str,
    charset: str,
    from: dbSchema(['host', 'user']),
    'server-id': uint,
    purge: obj({ interval: uint, expires: uint, 'remain-space': uint }),
    checker: obj({
      'check-enable': bool,
      'backoff-rollback': str,
      'backoff-max': str,
      'check-interval': str,
      'backoff-min': str,
      'backoff-jitter': bool,
      'backoff-factor': { type: 'number' },
    }),
    tracer: { type: 'object' },
    'case-sensitive': bool,
    filters: { type: 'array', items: filterRuleSchema },
  },
  ['source-id', 'from'],
);
