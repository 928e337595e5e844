import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../../harness/index.js';

/**
 * The real program, run as a user runs it: the compiled dist/src/cmd/dm-binlog.js when the
 * tests run compiled (npm test builds first), else the TypeScript source through tsx.
 */
function programArgs(): string[] {
  const here = fileURLToPath(import.meta.url);
  const root = join(dirname(here), '..', '..', '..');
  const js = join(root, 'src', 'cmd', 'dm-binlog.js');
  if (here.endsWith('.js') && existsSync(js)) return [js];
  return ['--import', 'tsx', join(root, 'src', 'cmd', 'dm-binlog.ts')];
}

/** Run dm-binlog with `args`; its exit code, stdout bytes and stderr text. */
export function runDmBinlog(args: string[]): Promise<{ code: number; out: Buffer; err: string }> {
  return new Promise((resolve, reject) => {
    const child = trackChild(
      spawn(process.execPath, [...programArgs(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    child.ref();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, out: Buffer.concat(out), err: Buffer.concat(err).toString('utf8') }),
    );
  });
}
