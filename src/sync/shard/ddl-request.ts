import type { DdlInfo } from '../ddl/ddl-info.js';
import type { Location } from '../job.js';

/** One routed DDL statement handed to the step by the DDL executor. */
export interface ShardDdlRequest {
  info: DdlInfo;
  /** The QUERY event's schema (unqualified names in `info.sql` belong to it). */
  schema: string;
  /** The statement with names routed to the targets. */
  sql: string;
  at: Location;
  end: Location;
  /** Execute one statement downstream (horizon, replay tolerance: the executor's own path). */
  exec(sql: string): Promise<void>;
}
