#!/usr/bin/env node
// Dependency checker for src/: rejects upward imports between layers, forbidden sibling imports,
// node:* imports in engine layers, and import cycles. Exits 1 with one line per violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');

/** Layer rank per top-level folder of src/. Imports may only point to a lower or equal rank. */
const RANK = {
  core: 0,
  data: 1, metrics: 1,
  features: 2, models: 2,
  hpo: 3, exec: 3, tracking: 3, report: 3, io: 3, serving: 3,
  pipeline: 4, kubeflow: 4,
  cli: 5, workers: 5,
};
/** Same-rank imports between different folders are forbidden unless listed here. */
const ALLOWED_SAME_RANK = new Set([
  'hpo->exec', 'report->io', 'serving->io', 'io->serving', 'hpo->io', 'report->tracking', 'cli->workers',
]);
/** Specific files a folder may import from a same-rank folder. */
const ALLOWED_FILES = { kubeflow: ['pipeline/definition.ts'], tracking: ['io/dirs.ts', 'io/process.ts'] };
/** Engine layers must stay free of the platform. */
const NO_NODE = new Set(['core', 'data', 'features', 'models', 'metrics']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = walk(root);
const importRe = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const graph = new Map();
const errors = [];

for (const file of files) {
  const rel = relative(root, file).split(sep).join('/');
  const layer = rel.split('/')[0];
  const src = readFileSync(file, 'utf8');
  const deps = [];
  for (const m of src.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('node:') || ['fs', 'path', 'os', 'worker_threads', 'child_process', 'crypto', 'http', 'url'].includes(spec)) {
      if (NO_NODE.has(layer)) errors.push(`${rel}: engine layer '${layer}' imports platform module '${spec}'`);
      continue;
    }
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(dirname(file), spec)).split(sep).join('/').replace(/\.js$/, '.ts');
    const tLayer = target.split('/')[0];
    deps.push(target);
    if (!(layer in RANK) || !(tLayer in RANK)) {
      errors.push(`${rel}: unknown layer in import '${spec}' (known: ${Object.keys(RANK).join(', ')})`);
      continue;
    }
    if (tLayer === layer) continue;
    if (RANK[tLayer] > RANK[layer]) {
      errors.push(`${rel}: upward import of '${target}' (${layer}=${RANK[layer]} -> ${tLayer}=${RANK[tLayer]})`);
    } else if (RANK[tLayer] === RANK[layer]) {
      const ok = ALLOWED_SAME_RANK.has(`${layer}->${tLayer}`) || (ALLOWED_FILES[layer] ?? []).includes(target);
      if (!ok) errors.push(`${rel}: sideways import of '${target}' (${layer} and ${tLayer} share layer ${RANK[layer]})`);
    }
  }
  graph.set(rel, deps);
}

// Cycle detection (iterative DFS, reports each cycle once by its smallest rotation).
const seen = new Set();
const color = new Map();
function dfs(start) {
  const stack = [[start, 0]];
  const path = [start];
  color.set(start, 1);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const deps = graph.get(top[0]) ?? [];
    if (top[1] < deps.length) {
      const next = deps[top[1]++];
      if (!graph.has(next)) continue;
      const c = color.get(next) ?? 0;
      if (c === 1) {
        const cyc = path.slice(path.indexOf(next));
        const minIdx = cyc.indexOf([...cyc].sort()[0]);
        const key = [...cyc.slice(minIdx), ...cyc.slice(0, minIdx)].join(' -> ');
        if (!seen.has(key)) {
          seen.add(key);
          errors.push(`import cycle: ${key} -> ${cyc[minIdx]}`);
        }
      } else if (c === 0) {
        color.set(next, 1);
        stack.push([next, 0]);
        path.push(next);
      }
    } else {
      color.set(top[0], 2);
      stack.pop();
      path.pop();
    }
  }
}
for (const f of [...graph.keys()].sort()) if (!color.get(f)) dfs(f);

if (errors.length) {
  for (const e of errors) console.error(`layers: ${e}`);
  console.error(`layers: ${errors.length} violation(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`layers: ok (${files.length} files, no cycles, no upward imports)`);
