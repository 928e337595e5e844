/**
 * Replica server ids for our binlog readers.
 *
 * The upstream keeps one dump thread per replica server id: when a second replica registers
 * with an id already streaming, the server kills the older dump (MariaDB: error 4052
 * ER_SLAVE_SAME_ID; MySQL: error 1236 "A slave with the same server_uuid/server_id as this
 * slave has connected to the master…"). So every reader needs its own id. As DM: the relay
 * uses the source's `server-id`; every other reader (each subtask's sync stream, the
 * start-time locator) picks a random id that the upstream does not already know of — its own
 * @@server_id, the replicas in SHOW SLAVE HOSTS, and the ids the caller reserves (the
 * relay's). DM's utils.GetRandomServerID does the same.
 */

/** Largest server id (u32 on the wire). */
export const MAX_SERVER_ID = 0xffffffff;

/**
 * Random ids are drawn from [RANDOM_SERVER_ID_MIN, MAX_SERVER_ID]: above the small ids DBAs
 * give their own servers (1, 2, 101…), so a collision with a real replica is unlikely even
 * when SHOW SLAVE HOSTS is not readable.
 */
export const RANDOM_SERVER_ID_MIN = 100_000_000;

/**
 * A random server id not in `taken`. `random` returns [0, 1) (Math.random; a seeded one in
 * tests). Throws a RangeError in the (practically impossible) case that no free id is found
 * after many draws.
 */
export function pickServerId(taken: Iterable<number>, random: () => number = Math.random): number {
  const avoid = new Set(taken);
  const span = MAX_SERVER_ID - RANDOM_SERVER_ID_MIN + 1;
  for (let i = 0; i < 1000; i++) {
    const id = RANDOM_SERVER_ID_MIN + Math.min(span - 1, Math.floor(random() * span));
    if (!avoid.has(id)) return id;
  }
  throw new RangeError(`no free server id found avoiding ${avoid.size} ids`);
}

/**
 * The server ids in a SHOW SLAVE HOSTS (SHOW REPLICAS) result: the `Server_id` column, found
 * by name (MySQL 8 and MariaDB order the columns alike, but name it differently in places).
 */
export function slaveHostServerIds(
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
): number[] {
  const i = columns.findIndex((c) => /^server_id$/i.test(c));
  if (i < 0) return [];
  const ids: number[] = [];
  for (const row of rows) {
    const id = Number(row[i]);
    if (Number.isInteger(id) && id > 0) ids.push(id);
  }
  return ids;
}

/** MariaDB ER_SLAVE_SAME_ID. */
const ER_SLAVE_SAME_ID = 4052;
/** MySQL (and older MariaDB) send ER_MASTER_FATAL_ERROR_READING_BINLOG with this text. */
const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
const SAME_ID_TEXT = /same server_uuid\/server_id|same server_id/i;

/**
 * True when a server error ends our dump because another replica registered with our server
 * id (the server killed our, older, dump thread).
 */
export function isDuplicateServerIdError(err: { errno: number; message: string }): boolean {
  if (err.errno === ER_SLAVE_SAME_ID) return true;
  return err.errno === ER_MASTER_FATAL_ERROR_READING_BINLOG && SAME_ID_TEXT.test(err.message);
}
