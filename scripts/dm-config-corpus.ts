/**
 * Feed DM's own config files (its integration tests' and samples') through our loaders and
 * count what is accepted: task and source YAML through parseTaskConfig / parseSourceConfig,
 * `*master*.toml` / `*worker*.toml` through the dm-master / dm-worker `--config` loaders.
 * Files that are neither (sync-diff-inspector configs, subtask dumps) are skipped by content.
 *
 * Usage: node --import tsx scripts/dm-config-corpus.ts <dir with DM's files, flattened>
 * e.g. from a tiflow checkout:
 *   git ls-tree -r --name-only HEAD dm/tests dm/master dm/worker dm/config | grep -E '\.(yaml|yml|toml)$' |
 *     while read f; do git show HEAD:$f > "$OUT/$(echo $f | tr / _)"; done
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMasterToml, resolveMasterOptions } from '../src/master/options.js';
import { setConfigWarningSink } from '../src/pkg/config/config-warnings.js';
import { parseSourceConfig } from '../src/pkg/config/source-config.js';
import { parseTaskConfig } from '../src/pkg/config/task-config.js';
import { resolveWorkerConfig } from '../src/worker/worker-config.js';

type Kind = 'task' | 'source' | 'master' | 'worker';

function kindOf(name: string, text: string): Kind | undefined {
  if (name.endsWith('.toml')) {
    // sync-diff-inspector and subtask files are not dm-master/dm-worker configs
    if (/^\s*(check-thread-count|\[data-sources|\[task\]|mode\s*=)/m.test(text)) return undefined;
    return /master/.test(name) ? 'master' : /worker/.test(name) ? 'worker' : undefined;
  }
  if (/^\s*(task-mode|mysql-instances)\s*:/m.test(text)) return 'task';
  if (/^\s*source-id\s*:/m.test(text) && /^from\s*:/m.test(text)) return 'source';
  return undefined;
}

function load(kind: Kind, name: string, text: string, scratch: string): void {
  if (kind === 'task') parseTaskConfig(text, name);
  else if (kind === 'source') parseSourceConfig(text, name);
  else if (kind === 'master') resolveMasterOptions({}, parseMasterToml(text, name));
  else {
    const f = join(scratch, name);
    writeFileSync(f, text);
    resolveWorkerConfig({ config: f }, scratch);
  }
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: dm-config-corpus.ts <dir>');
setConfigWarningSink(() => undefined);
const scratch = mkdtempSync(join(tmpdir(), 'dm-corpus-'));
const counts: Record<string, { accepted: number; total: number }> = {};
const refused: string[] = [];
for (const name of readdirSync(dir).sort()) {
  const text = readFileSync(join(dir, name), 'utf8');
  const kind = kindOf(name, text);
  if (!kind) continue;
  const c = counts[kind] ?? { accepted: 0, total: 0 };
  counts[kind] = c;
  c.total++;
  try {
    load(kind, name, text, scratch);
    c.accepted++;
  } catch (err) {
    refused.push(`${kind} ${name}: ${(err as Error).message.split('\n')[0]}`);
  }
}
console.log(JSON.stringify(counts));
for (const r of refused) console.log(r);
