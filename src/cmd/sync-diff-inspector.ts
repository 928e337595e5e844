import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseDiffConfig } from '../diff/config.js';
import { runDiff } from '../diff/diff.js';
import { DiffLog } from '../diff/diff-log.js';

/**
 * sync-diff-inspector entry point, as the real tool: `--config FILE` (its TOML), prints the
 * summary on stdout, writes `output-dir/{summary.txt,sync_diff.log,fix-on-<target>/}` and logs
 * "check pass!!!" or "check failed!!!". Exit status 0 when equal, 1 when not (or on an error
 * while comparing), 2 when the config is wrong.
 */
async function main(argv: string[]): Promise<number> {
  const program = new Command('sync-diff-inspector')
    .description('compare tables of source databases with a target and write fix SQL')
    .option('--config <file>', "sync-diff-inspector's TOML config file")
    .option('-L, --log-level <level>', 'log level (accepted for compatibility)')
    .allowExcessArguments(false);
  program.parse(argv);
  const o = program.opts<{ config?: string }>();
  let cfg: ReturnType<typeof parseDiffConfig>;
  try {
    if (!o.config) throw new Error('--config is required');
    cfg = parseDiffConfig(readFileSync(o.config, 'utf8'));
  } catch (err) {
    process.stdout.write(`Fail to initialize config.\n${(err as Error).message}\n`);
    return 2;
  }
  const log = new DiffLog(join(cfg.outputDir, 'sync_diff.log'));
  log.info('Welcome to sync_diff_inspector', { config: o.config });
  try {
    const out = await runDiff(cfg, log);
    process.stdout.write(out.stdout);
    if (out.verdict !== 'pass') {
      log.warn('check failed!!!');
      return 1;
    }
    log.info('check pass!!!');
    return 0;
  } catch (err) {
    const msg = (err as Error).message;
    process.stdout.write(
      `An error occurred while comparing table data: ${msg}, please check log info in ${join(cfg.outputDir, 'sync_diff.log')} for full details\n`,
    );
    log.error('failed to check data difference', { error: msg });
    log.warn('check failed!!!');
    return 1;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
