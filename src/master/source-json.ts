/**
 * DM's OpenAPI `Source` JSON ⇄ our source config, as DM's `OpenAPISourceToSourceCfg` and
 * `SourceCfgToOpenAPISource` do it. The forward direction produces DM source.yaml text so
 * the one source-config parser validates it (and `operate-source create` stores it).
 * GET shows the password as "******" and never the TLS contents, as DM does.
 */
import { stringify } from 'yaml';
import type { SourceConfig } from '../pkg/config/types.js';
import { PASSWORD_MASK } from './task-json.js';
import { type Json, JsonReader, readSecurity, type SaveSecurity } from './task-json-reader.js';

export interface SourceJsonOptions {
  /** Where TLS contents in `security` go (the HTTP edge writes files). */
  saveSecurity?: SaveSecurity;
}

/** DM `Source` JSON → source.yaml document. Throws a coded error naming each bad field. */
export function sourceJsonToDoc(source: unknown, opts: SourceJsonOptions = {}): Json {
  const r = new JsonReader('source');
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    r.obj({ source }, 'source', 'body', true);
    r.done();
  }
  const s = source as Json;
  const P = 'source';
  const id = r.str(s, 'source_name', P, { required: true }) ?? '';
  const from: Json = {
    host: r.str(s, 'host', P, { required: true }),
    port: r.int(s, 'port', P, { required: true }),
    user: r.str(s, 'user', P, { required: true }),
    password: r.str(s, 'password', P, { dflt: '' }),
  };
  const sec = readSecurity(r, s, 'security', P, `source-${id}`, opts.saveSecurity);
  if (sec) from.security = sec;
  const doc: Json = { 'source-id': id };
  const flavor = r.str(s, 'flavor', P);
  if (flavor) doc.flavor = flavor;
  doc['enable-gtid'] = r.bool(s, 'enable_gtid', P, { dflt: false });
  // The spec marks `enable` required; a body without it keeps our default (enabled).
  const enable = r.bool(s, 'enable', P);
  if (enable !== undefined) doc.enable = enable;
  const relay = r.obj(s, 'relay_config', P);
  if (relay) {
    const rp = `${P}.relay_config`;
    const on = r.bool(relay, 'enable_relay', rp);
    if (on !== undefined) doc['enable-relay'] = on;
    const name = r.str(relay, 'relay_binlog_name', rp);
    if (name) doc['relay-binlog-name'] = name;
    const gtid = r.str(relay, 'relay_binlog_gtid', rp);
    if (gtid) doc['relay-binlog-gtid'] = gtid;
    const dir = r.str(relay, 'relay_dir', rp);
    if (dir) doc['relay-dir'] = dir;
  }
  const purge = r.obj(s, 'purge', P);
  if (purge) {
    const pp = `${P}.purge`;
    const out: Json = {};
    for (const [json, yaml] of [
      ['interval', 'interval'],
      ['expires', 'expires'],
      ['remain_space', 'remain-space'],
    ] as const) {
      const v = r.int(purge, json, pp);
      if (v !== undefined) out[yaml] = v;
    }
    if (Object.keys(out).length) doc.purge = out;
  }
  doc.from = from;
  r.done();
  return doc;
}

/** DM `Source` JSON → DM source.yaml text. */
export function sourceJsonToYaml(source: unknown, opts: SourceJsonOptions = {}): string {
  return stringify(sourceJsonToDoc(source, opts), { version: '1.1' });
}

/** Our source config → DM `Source` JSON (password masked, TLS contents never shown). */
export function sourceConfigToJson(cfg: SourceConfig, tasks?: string[]): Json {
  const out: Json = {
    source_name: cfg.sourceId,
    host: cfg.from.host,
    port: cfg.from.port,
    user: cfg.from.user,
    password: PASSWORD_MASK,
    enable_gtid: cfg.enableGtid,
    enable: cfg.enable ?? true,
  };
  if (cfg.flavor) out.flavor = cfg.flavor;
  if (tasks) out.task_name_list = tasks;
  out.security = cfg.from.security ? { ssl_ca_content: '', ssl_cert_content: '', ssl_key_content: '' } : null;
  out.purge = {
    interval: cfg.purge.interval,
    expires: cfg.purge.expires,
    remain_space: cfg.purge.remainSpace,
  };
  out.relay_config = {
    enable_relay: cfg.enableRelay,
    relay_binlog_name: cfg.relayBinlogName,
    relay_binlog_gtid: cfg.relayBinlogGtid,
    relay_dir: cfg.relayDir,
  };
  return out;
}
