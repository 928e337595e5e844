import { type ChildProcess, spawn } from 'node:child_process';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import type { ProcessResult } from '../../../src/unit/unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { subtaskConfig, tableSums, trackChild } from '../../harness/index.js';

/** A SubTaskConfig for the sync unit between two harness servers. */
export function syncConfig(
  up: MariadbInstance,
  down: MariadbInstance,
  meta: { binlogName: string; binlogPos: number },
  over: Omit<Partial<SubTaskConfig>, 'syncer'> & { syncer?: Partial<SubTaskConfig['syncer']> } = {},
): SubTaskConfig {
  const { syncer, ...rest } = over;
  return subtaskConfig(up, down, {
    name: 'synctest',
    taskMode: 'incremental',
    from: { host: up.host, port: up.port, user: 'root', password: '' },
    // Replica ids live above 1,000,000: the harness gives its servers ids below 20,000.
    serverId: 1_000_000 + Math.floor(Math.random() * 1_000_000),
    to: { host: down.host, port: down.port, user: 'root', password: '' },
    meta: { ...meta, binlogGtid: '' },
    syncer: {
      workerCount: 4,
      batch: 50,
      queueSize: 512,
      safeModeDuration: '0s',
      // Our defaults (SYNCER_DEFAULTS): compact and multiple-rows on.
      compact: true,
      multipleRows: true,
      checkpointFlushInterval: 1,
      ...syncer,
    },
    ...rest,
  });
}

export async function masterPos(db: MariadbInstance): Promise<{ binlogName: string; binlogPos: number }> {
  const [r] = await db.query<{ File: string; Position: string | number }>('SHOW MASTER STATUS');
  if (!r) throw new Error('binlog off?');
  return { binlogName: r.File, binlogPos: Number(r.Position) };
}

/** Wait until the downstream schema equals the upstream one (CHECKSUM + COUNT per table). */
export async function waitEqual(
  up: MariadbInstance,
  down: MariadbInstance,
  schema: string,
  timeoutMs = 60_000,
  downSchema = schema,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let a: unknown;
  let b: unknown;
  for (;;) {
    a = await tableSums(up, schema);
    b = await tableSums(down, downSchema);
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `not equal after ${timeoutMs} ms:\nup   ${JSON.stringify(a)}\ndown ${JSON.stringify(b)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Wait for `ready` unless the sync run ends first: then fail with the unit's errors. */
export function unlessStopped<T>(ready: Promise<T>, run: Promise<ProcessResult>): Promise<T> {
  return Promise.race([
    ready,
    run.then((r): never => {
      throw new Error(`sync stopped: ${r.errors.map(String).join('; ')}`);
    }),
  ]);
}

/** Abort the run, wait for its end and close the unit; returns the errors the run ended with. */
export async function endSync(
  unit: { close(): Promise<void> } | undefined,
  ac: AbortController,
  run: Promise<{ errors: unknown[] }> | undefined,
): Promise<unknown[] | undefined> {
  ac.abort();
  const r = await run;
  await unit?.close();
  return r?.errors;
}

/**
 * Start the sync unit in a child process (test/fixtures/sync-runner.ts); resolves once it
 * reports running. `failed` rejects if the runner ends on its own (not by SIGKILL/SIGTERM).
 */
export async function startSyncRunner(
  arg: unknown,
): Promise<{ child: ChildProcess; failed: Promise<never> }> {
  const child = trackChild(
    spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/sync-runner.ts', JSON.stringify(arg)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let buf = '';
  // Rejects if the runner ends on its own (its unit stopped with an error): the test then
  // fails with the runner's words at once instead of waiting for equality in vain.
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM') reject(new Error(`runner exited (${code}): ${buf}`));
    });
  });
  failed.catch(() => undefined);
  await Promise.race([
    new Promise<void>((resolve) => {
      child.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('"running"')) resolve();
      });
    }),
    failed,
  ]);
  return { child, failed };
}
