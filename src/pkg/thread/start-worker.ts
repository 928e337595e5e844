import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start a worker thread running module `name` that sits beside the caller's module `base`
 * (`import.meta.url`). Compiled, that is the plain `.js` sibling. Run from sources under tsx
 * (benchmarks, test fixtures), a worker does not inherit tsx's loader, so the thread
 * registers it before importing the `.ts` module.
 */
export function startModuleWorker(base: string, name: string, opts: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), opts);
  const mod = new URL(`./${name}.ts`, base).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(mod)}); })`;
  return new Worker(boot, { ...opts, eval: true });
}
