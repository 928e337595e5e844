import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir } from './processes.js';

/** A private temp dir, removed when the test process exits (unless DM_KEEP_TMP is set). */
export function tempDir(prefix = 'dm-test-'): string {
  return trackDir(mkdtempSync(join(tmpdir(), prefix)));
}
