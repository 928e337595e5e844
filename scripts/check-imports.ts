/**
 * Import direction and cycle check, run by `npm run lint` after biome (so CI enforces it).
 *
 * Layers (an area may import its own files and those of the areas it lists):
 *   src/pkg                      ← nothing outside pkg
 *   src/unit                     ← pkg (the Unit interface every unit implements)
 *   src/{dump,load,relay,sync,checker}  ← pkg, unit (and sync ← relay: the syncer reads the relay log)
 *   src/diff                     ← pkg (sync-diff-inspector's library)
 *   src/worker                   ← pkg, unit, the units
 *   src/dashboard                ← pkg
 *   src/master                   ← pkg, diff, dashboard (talks to workers only through src/pkg/api)
 *   src/ctl                      ← pkg (talks to the master only over HTTP, types from src/pkg/api)
 *   src/cmd                      ← anything (programs wire the layers together)
 * Tests (`*.test.ts`) follow the rules of the file they sit beside. test/ and scripts/ are free.
 * Also fails on any import cycle between files under src/ (type-only imports included).
 *
 * Usage: node --import tsx scripts/check-imports.ts [root]   (exit 1 on a violation)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const UNITS = ['dump', 'load', 'relay', 'sync', 'checker'];

/** What each area under src/ may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  pkg: [],
  unit: ['pkg'],
  dump: ['pkg', 'unit'],
  load: ['pkg', 'unit'],
  relay: ['pkg', 'unit'],
  sync: ['pkg', 'unit', 'relay'],
  checker: ['pkg', 'unit'],
  diff: ['pkg'],
  dashboard: ['pkg'],
  worker: ['pkg', 'unit', ...UNITS],
  master: ['pkg', 'diff', 'dashboard'],
  ctl: ['pkg'],
  cmd: ['*'],
};

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of one file, resolved to repository-relative `.ts` paths. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === undefined) continue;
    out.push(normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

function areaOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === 'src' ? parts[1] : undefined;
}

export interface Violation {
  file: string;
  target: string;
  why: string;
}

export function directionViolations(graph: Map<string, string[]>): Violation[] {
  const out: Violation[] = [];
  for (const [file, targets] of graph) {
    const from = areaOf(file);
    if (from === undefined) continue;
    const allowed = ALLOWED[from];
    for (const target of targets) {
      const to = areaOf(target);
      if (to === undefined) {
        out.push({ file, target, why: `src/${from} imports from outside src/` });
        continue;
      }
      if (to === from) continue;
      if (allowed === undefined) {
        out.push({
          file,
          target,
          why: `src/${from} is not a known area (add it to ALLOWED in scripts/check-imports.ts)`,
        });
      } else if (!allowed.includes('*') && !allowed.includes(to)) {
        out.push({
          file,
          target,
          why: `src/${from} may not import src/${to} (allowed: ${allowed.join(', ') || 'only itself'})`,
        });
      }
    }
  }
  return out;
}

/** Strongly connected components with more than one file (or a self-import): each is a cycle. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

export function buildGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of walk(join(root, 'src'), [])) {
    const file = relative(root, abs);
    graph.set(file, importsOf(file, readFileSync(abs, 'utf8')));
  }
  return graph;
}

function main(): void {
  const root = process.argv[2] ?? process.cwd();
  const graph = buildGraph(root);
  const bad = directionViolations(graph);
  const loops = cycles(graph);
  for (const v of bad) console.error(`${v.file}: imports ${v.target}: ${v.why}`);
  for (const c of loops) console.error(`import cycle: ${c.join(' → ')}`);
  if (bad.length > 0 || loops.length > 0) {
    console.error(`check-imports: ${bad.length} wrong-way import(s), ${loops.length} cycle(s)`);
    process.exit(1);
  }
  console.log(`check-imports: ${graph.size} files, no wrong-way import, no cycle`);
}

if (process.argv[1] !== undefined && /check-imports\.(ts|js)$/.test(process.argv[1])) main();
