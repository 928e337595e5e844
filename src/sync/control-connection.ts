import type { DbConfig } from '../pkg/config/types.js';
import { type Connection, connectDb } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import { retryable } from './applier.js';
import { type DdlSession, ddlSessionSql } from './ddl/ddl-session.js';

/**
 * The sync unit's own downstream connection, apart from the appliers' ones: checkpoint and
 * exit-safe writes, DDL, structure reads. It must survive a downstream restart without failing
 * the task (the appliers retry their transactions the same way), so every statement goes
 * through `query()`, which reconnects and retries with backoff.
 */
export class ControlConnection {
  private conn: Connection | undefined;

  constructor(private readonly to: DbConfig) {}

  /** Connect now (init): a downstream that cannot be reached at all fails the unit here. */
  async open(): Promise<Connection> {
    this.conn = await connectDb(this.to, E.dbDownstreamConnect);
    return this.conn;
  }

  /** The current connection (to read downstream structures); only after `open()`. */
  get(): Connection {
    if (!this.conn) throw dmError(E.internal, 'sync unit used before init()');
    return this.conn;
  }

  /** A statement on the control connection, reconnecting and retrying across downstream restarts. */
  async query(sql: string, params?: unknown[]): Promise<unknown> {
    return this.retrying(async (c) => (await c.query(sql, params))[0]);
  }

  /**
   * A DDL run in the upstream session it came from (ddl-session.ts): the SETs before it and
   * their reset after it go on the same connection, also after a failure; a connection
   * whose reset fails is dropped (the next one starts with the configured session). A retry
   * after a reconnect sets the session again.
   */
  async ddl(sql: string, session: DdlSession | undefined): Promise<unknown> {
    const { setup, reset } = ddlSessionSql(session, this.sessionZone());
    return this.retrying(async (c) => {
      try {
        for (const s of setup) await c.query(s);
        return (await c.query(sql))[0];
      } finally {
        try {
          for (const s of reset) await c.query(s);
        } catch {
          c.destroy();
          if (this.conn === c) this.conn = undefined;
        }
      }
    });
  }

  /** `run` on the connection, reconnecting and retrying retryable errors with backoff. */
  private async retrying<T>(run: (c: Connection) => Promise<T>): Promise<T> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 3000, maxAttempts: 25 });
    for (;;) {
      try {
        this.conn ??= await connectDb(this.to, E.dbDownstreamConnect);
        return await run(this.conn);
      } catch (err) {
        if (!retryable(err) || !backoff.canRetry()) throw err;
        this.conn?.destroy();
        this.conn = undefined;
        await sleep(backoff.next());
      }
    }
  }

  /** The session time zone every connection gets (connect.ts `sessionInitSql`). */
  private sessionZone(): string {
    const kv = Object.entries(this.to.session ?? {}).find(([k]) => k.toLowerCase() === 'time_zone');
    return kv ? String(kv[1]) : '+00:00';
  }

  /** Close (best effort: the unit is going away either way). */
  async close(): Promise<void> {
    await this.conn?.end().catch(() => undefined);
    this.conn = undefined;
  }
}
