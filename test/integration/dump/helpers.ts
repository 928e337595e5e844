import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DumpUnit } from '../../../src/dump/dump-unit.js';
import { LoadUnit } from '../../../src/load/load-unit.js';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import { silentLogger } from '../../../src/pkg/log/logger.js';
import { trackChild } from '../../harness/index.js';

/** Repository root, whether run from src (tsx) or dist (compiled). */
export const REPO_ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes('/dist/') ? join(here, '../../../..') : join(here, '../../..');
})();

export async function runDump(cfg: SubTaskConfig, workDir: string): Promise<DumpUnit> {
  const u = new DumpUnit(cfg, { logger: silentLogger, workDir });
  await u.init();
  const r = await u.process(new AbortController().signal);
  await u.close();
  if (!r.finished) throw r.errors[0] ?? new Error('dump did not finish');
  return u;
}

export async function runLoad(cfg: SubTaskConfig, workDir: string): Promise<LoadUnit> {
  const u = new LoadUnit(cfg, { logger: silentLogger, workDir });
  await u.init();
  const r = await u.process(new AbortController().signal);
  await u.close();
  if (!r.finished) throw r.errors[0] ?? new Error('load did not finish');
  return u;
}

/** Start the unit in a child process (test/fixtures/full-runner.ts). */
export function spawnRunner(unit: 'dump' | 'load', cfg: SubTaskConfig, workDir: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'test/fixtures/full-runner.ts'),
      JSON.stringify({ unit, cfg, workDir }),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  trackChild(child);
  // The harness unrefs children (servers must not hold the test open); a runner we await must.
  child.ref();
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, done };
}
