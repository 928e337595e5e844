/**
 * DM's OpenAPI JSON forms for the tests that drive dm-master over HTTP, and the one HTTP call
 * they make.
 */

/** DM OpenAPI `Source` for an upstream MariaDB on 127.0.0.1 (root, no password, no GTID). */
export function apiSource(name: string, db: { port: number }) {
  return {
    source_name: name,
    host: '127.0.0.1',
    port: db.port,
    user: 'root',
    password: '',
    enable_gtid: false,
    enable: true,
  };
}

/** One `table_migrate_rule` of a DM OpenAPI `Task`. */
export interface ApiMigrateRule {
  source: { source_name: string; schema: string; table: string };
  target: { schema: string; table?: string };
  binlog_filter_rule?: string[];
}

/**
 * DM OpenAPI `Task` in mode `all` (meta schema `dm_meta`, online DDL on, replace on duplicate)
 * into the MariaDB `down`, from the sources the rules name; `extra` keys are added or override.
 */
export function apiTask(
  name: string,
  down: { port: number },
  rules: ApiMigrateRule[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const sources = [...new Set(rules.map((r) => r.source.source_name))];
  return {
    name,
    task_mode: 'all',
    meta_schema: 'dm_meta',
    enhance_online_schema_change: true,
    on_duplicate: 'replace',
    target_config: { host: '127.0.0.1', port: down.port, user: 'root', password: '' },
    table_migrate_rule: rules,
    source_config: { source_conf: sources.map((source_name) => ({ source_name })) },
    ...extra,
  };
}

/** An HTTP answer: status, body text and content type. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  text: string;
  contentType: string;
}

/** `method url` with `body` as JSON (when given); times out after `ms`. */
export async function httpCall(
  url: string,
  method: string,
  body?: unknown,
  ms = 60_000,
): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(ms),
  });
  const text = await res.text();
  return { status: res.status, ok: res.ok, text, contentType: res.headers.get('content-type') ?? '' };
}
