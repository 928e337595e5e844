/**
 * (In-process, no servers: it sits beside config-keys-entry-points.test.ts, which ties these
 * loaders to the programs.) Each key of DM's configs (the corpus, scripts/config-keys/dm-keys.ts) has its effect on what
 * the units consume: set off its default, it changes the resolved config where the code reads
 * it — the SubTaskConfig a worker runs (toSubTaskConfigs of the parsed task), the parsed
 * SourceConfig (relay, binlog stream, auto-resume), dm-master's MasterOptions and dm-worker's
 * WorkerConfig. A key with no effect by design is listed in NO_EFFECT with the reason, and the
 * loaders must agree (warned 20050, or only DM's default value accepted). A key of the corpus
 * in neither table fails the test, so a newly accepted key needs its effect stated here.
 *
 * What the resolved fields then do (the behaviour) is asserted by the tests named in the
 * "test" column of docs/config-reference.md.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { SOURCE_BASE, TASK_BASE, toToml, tryKey, withKey } from '../../../scripts/config-key-table.js';
import {
  type ConfigKind,
  DM_KEYS,
  DM_REFUSED_VALUES,
  type DmKey,
} from '../../../scripts/config-keys/dm-keys.js';
import { BEHAVIOUR, EFFECTS, NO_EFFECT } from '../../../scripts/config-keys/key-effects.js';
import { parseMasterToml, resolveMasterOptions } from '../../../src/master/options.js';
import { setConfigWarningSink } from '../../../src/pkg/config/config-warnings.js';
import { parseSourceConfig } from '../../../src/pkg/config/source-config.js';
import { toSubTaskConfigs } from '../../../src/pkg/config/subtask.js';
import { parseTaskConfig } from '../../../src/pkg/config/task-config.js';
import { resolveWorkerConfig } from '../../../src/worker/worker-config.js';

type Obj = Record<string, unknown>;

setConfigWarningSink(() => undefined);
const scratch = mkdtempSync(join(tmpdir(), 'dm-key-effects-'));
const sources = new Map(
  [
    SOURCE_BASE,
    { ...SOURCE_BASE, 'source-id': 's2', from: { ...(SOURCE_BASE.from as Obj), port: 3399 } },
  ].map((s) => {
    const c = parseSourceConfig(stringify(s), 'source.yaml');
    return [c.sourceId, c] as const;
  }),
);
const BASES: Record<ConfigKind, Obj> = {
  task: TASK_BASE,
  source: SOURCE_BASE,
  master: { name: 'm1' },
  worker: { name: 'w1', join: '127.0.0.1:8261' },
};

/** The config the units consume, from `o` through the loader of `kind`. */
function resolve(kind: ConfigKind, o: Obj): unknown {
  if (kind === 'task') {
    const task = parseTaskConfig(stringify(o), 'task.yaml');
    return { sub: toSubTaskConfigs(task, sources)[0] };
  }
  if (kind === 'source') return parseSourceConfig(stringify(o), 'source.yaml');
  if (kind === 'master') return resolveMasterOptions({}, parseMasterToml(toToml(o), 'dm-master.toml'));
  const f = join(scratch, 'dm-worker.toml');
  writeFileSync(f, toToml(o));
  return resolveWorkerConfig({ config: f }, scratch);
}

/**
 * The config without the key: the base with the sample's other keys (`with`), or — when those
 * make no valid config alone (a rule defined but used by nobody, an extract regexp without its
 * column, TLS files without ssl-ca) — the base itself.
 */
function resolveWithout(kind: ConfigKind, w: Obj): unknown {
  try {
    return resolve(kind, withKey(BASES[kind], { key: NO_KEY, value: null, with: w }));
  } catch {
    return resolve(kind, BASES[kind]);
  }
}

function get(o: unknown, path: string): unknown {
  let cur = o;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[p];
  }
  return cur;
}

const KINDS = Object.keys(DM_KEYS) as ConfigKind[];
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
/** A key no config has: withKey with it applies only the sample's `with`. */
const NO_KEY = 'no-such-key';

describe('every corpus key: its effect on the config the units consume', () => {
  it('each key of the corpus has an effect here or is listed with why it has none', () => {
    const missing: string[] = [];
    for (const kind of KINDS) {
      for (const k of DM_KEYS[kind]) {
        const inE = k.key in EFFECTS[kind];
        const inN = k.key in NO_EFFECT[kind];
        if (inE === inN) missing.push(`${kind} ${k.key}${inE ? ' (in both tables)' : ''}`);
      }
      // and no stale entries
      for (const key of [...Object.keys(EFFECTS[kind]), ...Object.keys(NO_EFFECT[kind])]) {
        if (!DM_KEYS[kind].some((k) => k.key === key)) missing.push(`${kind} ${key} (not in the corpus)`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('the behaviour tests named for a key exist, and the key has an effect', () => {
    const wrong: string[] = [];
    for (const kind of KINDS) {
      for (const [key, files] of Object.entries(BEHAVIOUR[kind])) {
        if (!(key in EFFECTS[kind])) wrong.push(`${kind} ${key}: behaviour test for a key without effect`);
        for (const f of files)
          if (!existsSync(join(ROOT, f))) wrong.push(`${kind} ${key}: ${f} does not exist`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  for (const kind of KINDS) {
    it(`${kind}: a key set off its default reaches the field the units read`, () => {
      const wrong: string[] = [];
      for (const [key, eff] of Object.entries(EFFECTS[kind])) {
        const sample = DM_KEYS[kind].find((k) => k.key === key);
        if (!sample) continue; // reported by the coverage test
        const w = { ...(sample.with ?? {}), ...(eff.with ?? {}) };
        const k: DmKey = { key, value: eff.value, with: w };
        try {
          const got = get(resolve(kind, withKey(BASES[kind], k)), eff.at);
          const without = get(resolveWithout(kind, w), eff.at);
          if (JSON.stringify(got) !== JSON.stringify(eff.want))
            wrong.push(`${key}: ${eff.at} = ${JSON.stringify(got)}, want ${JSON.stringify(eff.want)}`);
          else if (JSON.stringify(without) === JSON.stringify(eff.want))
            wrong.push(
              `${key}: ${eff.at} is ${JSON.stringify(without)} without the key too (no effect shown)`,
            );
        } catch (err) {
          wrong.push(`${key}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      assert.deepEqual(wrong, []);
    });

    it(`${kind}: the keys without effect are warned, refused, or take only DM's default`, () => {
      const wrong: string[] = [];
      for (const [key, ne] of Object.entries(NO_EFFECT[kind])) {
        for (const k of DM_KEYS[kind].filter((x) => x.key === key)) {
          const o = tryKey(kind, k);
          if (ne.why === 'warned' && o.kind !== 'warned') wrong.push(`${key}: ${o.kind}, want warned 20050`);
          if (ne.why === 'refused' && o.kind !== 'refused') wrong.push(`${key}: ${o.kind}, want refused`);
          if (ne.why === 'only-default' || ne.why === 'none') {
            if (o.kind !== 'works') {
              wrong.push(`${key}: ${o.kind}: ${o.detail}`);
              continue;
            }
            // the accepted value changes nothing the units read
            const a = JSON.stringify(
              resolve(kind, withKey(BASES[kind], { key: NO_KEY, value: null, with: k.with ?? {} })),
            );
            const b = JSON.stringify(resolve(kind, withKey(BASES[kind], k)));
            if (a !== b) wrong.push(`${key}: ${JSON.stringify(k.value)} changes the resolved config`);
          }
          if (ne.why === 'only-default') {
            const others = DM_REFUSED_VALUES[kind].filter((x) => x.key === key);
            if (others.length === 0) wrong.push(`${key}: no refused non-default sample in DM_REFUSED_VALUES`);
            for (const r of others) {
              if (tryKey(kind, r).kind !== 'refused')
                wrong.push(`${key}: ${JSON.stringify(r.value)} not refused`);
            }
          }
        }
      }
      assert.deepEqual(wrong, []);
    });
  }
});
