import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Every process and temp dir a test starts is registered here, so that whatever happens
 * (failed assertion, thrown error, Ctrl-C) they are killed and removed when the test
 * process exits. Tests still stop things explicitly; this is the safety net.
 */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

function cleanupSync(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  if (process.env.DM_KEEP_TMP) return;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/**
 * On Ctrl-C: SIGTERM every child first (a dm-master must stop its own etcd member), give them
 * a few seconds, then the synchronous cleanup kills what is left and removes the dirs.
 */
async function gracefulExit(): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline && [...children].some((c) => c.exitCode === null && c.signalCode === null)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  cleanupSync();
  process.exit(130);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => void gracefulExit());
  }
}

export function trackChild(c: ChildProcess): ChildProcess {
  install();
  children.add(c);
  // A server left running must not keep the test process alive (a failed before() hook
  // would otherwise hang the run); the exit handler above kills it.
  c.unref();
  c.once('exit', () => children.delete(c));
  return c;
}

export function trackDir(d: string): string {
  install();
  dirs.add(d);
  return d;
}

export function untrackDir(d: string): void {
  dirs.delete(d);
}

/** Resolves when the child has exited (immediately if it already has). */
export function waitExit(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  // Children are unref'd, so hold the event loop open while we wait for this one.
  const hold = setInterval(() => {}, 1000);
  return new Promise((resolve) =>
    c.once('exit', () => {
      clearInterval(hold);
      resolve();
    }),
  );
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(c: ChildProcess, graceMs = 10_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await waitExit(c);
  clearTimeout(t);
}

export async function killChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGKILL');
  await waitExit(c);
}
