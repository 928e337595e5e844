import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CtlResult } from './cluster.js';
import { stopChild, trackChild } from './processes.js';

/**
 * The programs of src/cmd run by node: the TypeScript source through tsx when the test runs
 * from source, the built JS when it runs from dist. Output is collected (not written to a file
 * as the bin/* programs of cluster.ts do), for tests that read a process's log lines.
 */
const here = import.meta.url;
const fromSource = here.endsWith('.ts');

/** The node arguments that run `src/cmd/<name>` with `args`. */
export function programArgs(name: string, args: string[]): string[] {
  const entry = fileURLToPath(new URL(`../../src/cmd/${name}.${fromSource ? 'ts' : 'js'}`, here));
  // tsx is resolved from here, not from the child's cwd (a temp dir in some tests).
  return fromSource ? ['--import', import.meta.resolve('tsx'), entry, ...args] : [entry, ...args];
}

/** A spawned program with its stdout + stderr collected so far. */
export interface Proc {
  child: ChildProcess;
  output(): string;
}

/** Spawn `src/cmd/<name> args…` (tracked: killed when the test process exits). */
export function spawnProgram(name: string, args: string[], cwd?: string): Proc {
  const child = trackChild(
    spawn(process.execPath, programArgs(name, args), {
      cwd: cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    }),
  );
  let out = '';
  const add = (d: Buffer) => {
    out += d.toString();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return { child, output: () => out };
}

/** Stop the processes, the last started first (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopProcs(procs: Proc[], graceMs = 10_000): Promise<void> {
  for (const p of [...procs].reverse()) await stopChild(p.child, graceMs);
}

/** Run `src/cmd/<name> args…` to its end: exit code, stdout parsed as JSON (when it is JSON), raw text. */
export function runProgram(name: string, args: string[], timeout = 120_000): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      programArgs(name, args),
      { env: { ...process.env, NODE_OPTIONS: '' }, timeout, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(stdout) as Record<string, unknown>;
        } catch {
          // not JSON (e.g. encrypt, -p)
        }
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, json, stdout, stderr });
      },
    );
  });
}

/**
 * Exit code (or signal) of a child, waiting for it at most `ms`. Children from trackChild are
 * unref'd, so a timer keeps the event loop alive meanwhile (else the test runner sees an
 * empty loop and cancels the test).
 */
export async function exited(c: ChildProcess, ms = 60_000): Promise<number | string | null> {
  if (c.exitCode !== null || c.signalCode !== null) return c.exitCode ?? c.signalCode;
  const keep = setInterval(() => undefined, 1_000);
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`process ${c.pid} did not exit within ${ms} ms`)), ms);
      c.once('exit', (code, sig) => {
        clearTimeout(t);
        resolve(code ?? sig);
      });
    });
  } finally {
    clearInterval(keep);
  }
}
