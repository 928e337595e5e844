/**
 * The DM-key table of docs/config-reference.md, produced by running each key of DM's four
 * configs (scripts/config-keys/dm-keys.ts) through the code that loads it — parseTaskConfig
 * (dmctl check-task/start-task and the OpenAPI parse with it), parseSourceConfig
 * (operate-source create), dm-master's parseMasterToml + resolveMasterOptions and dm-worker's
 * resolveWorkerConfig (`--config`) — on a small valid base config. Each key is recorded as
 * accepted, accepted with the 20050 warning (DM ignores it too), or refused with its code and
 * message; beside it, where the key lands in the resolved config (scripts/config-keys/key-effects.ts,
 * asserted by test/integration/security/config-key-effects.test.ts) and the tests that prove
 * what that field does.
 *
 * Usage: node --import tsx scripts/config-key-table.ts [--write]   (--write updates the doc
 * between its `<!-- dm-keys:begin -->` and `<!-- dm-keys:end -->` markers; else prints)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseMasterToml, resolveMasterOptions } from '../src/master/options.js';
import { type ConfigWarning, setConfigWarningSink } from '../src/pkg/config/config-warnings.js';
import { parseSourceConfig } from '../src/pkg/config/source-config.js';
import { parseTaskConfig } from '../src/pkg/config/task-config.js';
import { isDmError } from '../src/pkg/errors/index.js';
import { resolveWorkerConfig } from '../src/worker/worker-config.js';
import { type ConfigKind, DM_KEYS, DM_REFUSED_VALUES, type DmKey } from './config-keys/dm-keys.js';
import { BEHAVIOUR, EFFECTS, NO_EFFECT } from './config-keys/key-effects.js';

type Obj = Record<string, unknown>;

export const TASK_BASE: Obj = {
  name: 't1',
  'task-mode': 'all',
  'target-database': { host: '127.0.0.1', port: 4000, user: 'root', password: '' },
  'mysql-instances': [
    {
      'source-id': 's1',
      'block-allow-list': 'ba',
      'route-rules': ['r1'],
      'filter-rules': ['f1'],
      'expression-filters': ['e1'],
      'mydumper-config-name': 'g',
      'loader-config-name': 'g',
      'syncer-config-name': 'g',
      'validator-config-name': 'g',
    },
  ],
  'block-allow-list': { ba: { 'do-dbs': ['db1'] } },
  routes: { r1: { 'schema-pattern': 'db1', 'target-schema': 'db2' } },
  filters: { f1: { 'schema-pattern': 'db1', events: ['truncate table'], action: 'Ignore' } },
  'expression-filter': { e1: { schema: 'db1', table: 't1', 'insert-value-expr': 'c > 0' } },
  mydumpers: { g: { threads: 4 } },
  loaders: { g: { 'pool-size': 16 } },
  syncers: { g: { batch: 100 } },
  validators: { g: { mode: 'none' } },
};

export const SOURCE_BASE: Obj = {
  'source-id': 's1',
  from: { host: '127.0.0.1', port: 3306, user: 'root', password: '' },
  filters: [{ 'schema-pattern': 'db1', events: ['truncate table'], action: 'Ignore' }],
};

/** Set (or with null, delete) `path` in `o`; `*` = the first key or index already there. */
function setPath(o: Obj, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Obj = o;
  for (let i = 0; i < parts.length - 1; i++) {
    let k = parts[i]!;
    if (k === '*') k = Array.isArray(cur) ? '0' : (Object.keys(cur)[0] ?? 'x');
    if (cur[k] === undefined || cur[k] === null) cur[k] = {};
    cur = cur[k] as Obj;
  }
  let last = parts[parts.length - 1]!;
  if (last === '*') last = Array.isArray(cur) ? '0' : (Object.keys(cur)[0] ?? 'x');
  if (value === null) delete cur[last];
  else cur[last] = value;
}

export function withKey(base: Obj, k: DmKey): Obj {
  const o = structuredClone(base);
  for (const [p, v] of Object.entries(k.with ?? {})) setPath(o, p, v);
  setPath(o, k.key, structuredClone(k.value));
  return o;
}

export function toToml(o: Obj): string {
  const top: string[] = [];
  const tables: string[] = [];
  const val = (v: unknown) => JSON.stringify(v);
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      tables.push(`[${k}]`, ...Object.entries(v as Obj).map(([k2, v2]) => `${k2} = ${val(v2)}`));
    } else top.push(`${k} = ${val(v)}`);
  }
  return [...top, ...tables].join('\n') + '\n';
}

export interface Outcome {
  readonly kind: 'works' | 'warned' | 'refused';
  readonly detail: string;
}

const dir = mkdtempSync(join(tmpdir(), 'dm-keys-'));

/** Load one config holding `k` through the code the entry point uses. */
export function tryKey(kind: ConfigKind, k: DmKey): Outcome {
  const warnings: ConfigWarning[] = [];
  const warn = (w: ConfigWarning) => warnings.push(w);
  setConfigWarningSink(warn);
  try {
    if (kind === 'task') parseTaskConfig(stringify(withKey(TASK_BASE, k)), 'task.yaml', { warn });
    else if (kind === 'source')
      parseSourceConfig(stringify(withKey(SOURCE_BASE, k)), 'source.yaml', { warn });
    else if (kind === 'master') {
      const text = toToml(withKey({ name: 'm1' }, k));
      resolveMasterOptions({}, parseMasterToml(text, 'dm-master.toml'));
    } else {
      const f = join(dir, 'dm-worker.toml');
      writeFileSync(f, toToml(withKey({ name: 'w1', join: '127.0.0.1:8261' }, k)));
      resolveWorkerConfig({ config: f }, dir);
    }
  } catch (err) {
    const code = isDmError(err) ? err.code : 'uncoded';
    const msg = (err as Error).message
      .split('\n')[0]!
      .replace(/^.*?Message: /, '')
      .replace(/, Workaround:.*$/, '');
    return { kind: 'refused', detail: `${code}: ${msg.replaceAll(`${dir}/`, '')}` };
  } finally {
    setConfigWarningSink(undefined);
  }
  const w = warnings.find((x) => x.def.code === 20050);
  if (w) return { kind: 'warned', detail: w.message.replace(/^accepted without effect: /, '') };
  return { kind: 'works', detail: '' };
}

const root = join(import.meta.dirname, '..');

/** Where the key lands in the resolved config (asserted by config-key-effects.test.ts), or why nowhere. */
function effectOf(kind: ConfigKind, key: string): string {
  const e = EFFECTS[kind][key];
  if (e) return `\`${e.at}\``;
  const n = NO_EFFECT[kind][key];
  if (!n) return '**not stated**';
  if (n.why === 'none') return `none: ${n.reason}`;
  return { warned: 'none (DM ignores it)', 'only-default': "none: only DM's default accepted", refused: '—' }[
    n.why
  ];
}

/** The tests that prove what the resolved field does (BEHAVIOUR), short names. */
function behaviourOf(kind: ConfigKind, key: string): string {
  return (BEHAVIOUR[kind][key] ?? [])
    .map((f) => `\`${f.replace(/^test\/integration\/|^src\//, '')}\``)
    .join(', ');
}

const TITLES: Record<ConfigKind, string> = {
  task: 'Task (`task.yaml`; inline `mysql-instances[*].mydumper|loader|syncer` take the keys of the named `mydumpers|loaders|syncers`)',
  source: 'Source (`source.yaml`)',
  master: 'dm-master (`--config` TOML)',
  worker: 'dm-worker (`--config` TOML)',
};

const LABEL = { works: 'accepted', warned: 'warned 20050', refused: 'refused' } as const;

export function table(): string {
  const out: string[] = [];
  for (const kind of Object.keys(DM_KEYS) as ConfigKind[]) {
    out.push(
      `### ${TITLES[kind]}`,
      '',
      '| key | here | detail | effect (resolved field) | behaviour test |',
      '|---|---|---|---|---|',
    );
    for (const k of DM_KEYS[kind]) {
      const o = tryKey(kind, k);
      const sample = `\`${k.key}: ${JSON.stringify(k.value)}\``;
      const cells = [sample, LABEL[o.kind], o.detail, effectOf(kind, k.key), behaviourOf(kind, k.key)];
      out.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
    }
    out.push('');
  }
  out.push('### DM values refused by design', '', '| config | key and value | here |', '|---|---|---|');
  for (const kind of Object.keys(DM_REFUSED_VALUES) as ConfigKind[]) {
    for (const k of DM_REFUSED_VALUES[kind]) {
      const o = tryKey(kind, k);
      const what = o.kind === 'refused' ? o.detail : `NOT refused (${o.kind})`;
      out.push(`| ${kind} | \`${k.key}: ${JSON.stringify(k.value)}\` | ${what.replaceAll('|', '\\|')} |`);
    }
  }
  out.push('');
  return out.join('\n');
}

if (process.argv[1]?.endsWith('config-key-table.ts')) {
  const text = table();
  if (process.argv.includes('--write')) {
    const doc = join(root, 'docs/config-reference.md');
    const cur = readFileSync(doc, 'utf8');
    const begin = '<!-- dm-keys:begin -->';
    const end = '<!-- dm-keys:end -->';
    const a = cur.indexOf(begin);
    const b = cur.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${doc}: markers ${begin} / ${end} not found`);
    writeFileSync(doc, `${cur.slice(0, a + begin.length)}\n\n${text}\n${cur.slice(b)}`);
  } else process.stdout.write(text);
}
