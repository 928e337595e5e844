/**
 * The error catalog: every coded error the product can raise, in one place.
 *
 * Codes follow DM's numbering ranges so users can search DM's docs for the class:
 *   10xxx database/driver, 11xxx functional (binlog, gtid, config parse), 20xxx config,
 *   26xxx checker (precheck), 30xxx relay, 32xxx dump, 34xxx load, 36xxx sync,
 *   38xxx master, 40xxx worker, 42xxx dmctl / scheduler, 44xxx shard-ddl / ha,
 *   46xxx sync-diff-inspector and cutover (ours; DM has no code for them).
 * The entries live by range in codes/*.ts; `E` composes them. Add a new entry to the file of
 * its range (or at the end of `E` below); never `throw new Error` across a module boundary.
 * catalog.test.ts checks that names and codes stay unique across the files.
 */
import { BINLOG_ERRORS } from './codes/binlog.js';
import { CLUSTER_ERRORS } from './codes/cluster.js';
import { CONFIG_ERRORS } from './codes/config.js';
import { DB_ERRORS } from './codes/db.js';
import { UNIT_ERRORS } from './codes/units.js';
import { def } from './error-def.js';

export { ERROR_LEVELS, ERROR_SCOPES, type ErrorDef, type ErrorLevel, type ErrorScope } from './error-def.js';

/** The parts of `E`, for catalog.test.ts (a name repeated across parts would silently win). */
export const CATALOG_PARTS = { DB_ERRORS, BINLOG_ERRORS, CONFIG_ERRORS, UNIT_ERRORS, CLUSTER_ERRORS };

export const E = Object.freeze({
  ...DB_ERRORS,
  ...BINLOG_ERRORS,
  ...CONFIG_ERRORS,
  ...UNIT_ERRORS,
  ...CLUSTER_ERRORS,
  internal: def(49999, 'functional', 'internal', 'high', 'This is a bug; report it with the log.'),
});

export type ErrorName = keyof typeof E;
