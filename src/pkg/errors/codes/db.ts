/** Database and driver errors (10xxx). Composed into `E` by ../catalog.ts. */
import { def } from '../error-def.js';

export const DB_ERRORS = {
  // --- database / driver (10xxx)
  dbDriver: def(
    10001,
    'database',
    'not-set',
    'high',
    'Check the database connection and the SQL error above.',
  ),
  dbBadConn: def(
    10002,
    'database',
    'not-set',
    'high',
    'The connection was lost; it is retried automatically.',
  ),
  dbUpstreamConnect: def(
    10003,
    'database',
    'upstream',
    'high',
    'Check host, port, user and password of the upstream in the source config, and that the server is reachable.',
  ),
  dbDownstreamConnect: def(
    10004,
    'database',
    'downstream',
    'high',
    'Check host, port, user and password of target-database in the task config, and that the server is reachable.',
  ),
  dbExecDownstream: def(
    10006,
    'database',
    'downstream',
    'high',
    'Check the SQL and the downstream error; fix and resume-task, or use `binlog skip`/`binlog replace`.',
  ),
  dbQueryUpstream: def(10007, 'database', 'upstream', 'high'),
} as const;
