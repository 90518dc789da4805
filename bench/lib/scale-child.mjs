// One scale measurement in a fresh process:
//   node bench/lib/scale-child.mjs FILE [--trials N] [--space FILE] [--workers N] [--out-dir DIR]
// The whole pipeline as `train-spam run --no-tracking` runs it: runPipeline (the 8 steps of
// src/pipeline/steps) on FILE with N HPO trials over the search space FILE (default: the built-in
// space), no tracking (so the comparison step finds no Staging model and nothing is promoted).
// Prints one JSON line: seconds and peak RSS (process.resourceUsage().maxRSS) after each step,
// the HPO trials that ran, test F1 / AUC of the tuned model and of the baseline, matrix sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDist, DIST } from './ours.mjs';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const trials = Number(opt('--trials', '2'));
const spaceFile = opt('--space', null);
const workers = Number(opt('--workers', '2'));
const m = await loadDist();
const { loadSearchSpace } = await import(new URL(`file://${path.join(DIST, 'hpo/space-file.js')}`).href);
const { paramSpecFor } = await import(new URL(`file://${path.join(DIST, 'models/registry.js')}`).href);
const { MODEL_KINDS } = await import(new URL(`file://${path.join(DIST, 'hpo/space.js')}`).href);
const { matrixBytes } = await import(new URL(`file://${path.join(DIST, 'core/matrix.js')}`).href);
const space = spaceFile ? loadSearchSpace(spaceFile, Object.fromEntries(MODEL_KINDS.map((k) => [k, paramSpecFor(k)]))) : undefined;
const outRoot = opt('--out-dir', null) ?? mkdtempSync(path.join(tmpdir(), 'train-spam-scale-'));

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const peakAfter = {};
let current = null;
const logger = {
  log: (level, msg) => {
    const step = /^── (.+)$/.exec(msg)?.[1];
    if (step) {
      if (current) peakAfter[current] = rssMb();
      current = step;
    }
    if (level !== 'debug') process.stderr.write(`scale: [${rssMb()} MB] ${msg}\n`);
  },
};
const t0 = performance.now();
const res = await m.runner.runPipeline({
  params: m.params.resolvePipelineParams({ entity_data_path: file, num_hpo_trials: trials }),
  logger,
  progress: m.progress.silentProgress,
  tracking: null,
  outRoot,
  workers,
  hpo: { study: { ...(space ? { space } : {}) } },
});
const totalSeconds = (performance.now() - t0) / 1000;
if (current) peakAfter[current] = rssMb();
const r = res.record;
if (r.error) {
  process.stderr.write(`scale: pipeline failed: ${r.error.code}: ${r.error.message}\n`);
  process.exit(1);
}
const X = r.features.train.X;
const T = r.features.test.X;
const steps = Object.fromEntries(r.timings.map((t) => [t.step, t.durationMs / 1000]));
process.stdout.write(
  JSON.stringify({
    file,
    rows: r.data.source.rows,
    trainRows: X.rows,
    testRows: T.rows,
    trials,
    space: spaceFile,
    workers,
    exitCode: res.exitCode,
    steps,
    totalSeconds,
    peakRssMbAfter: peakAfter,
    peakRssMb: rssMb(),
    featureMatrixMb: +((matrixBytes(X) + matrixBytes(T)) / 2 ** 20).toFixed(1),
    hpoTrials: r.tuned.study.trials.map((t) => ({ trial: t.trial, model: t.model, params: t.params, state: t.state, score: t.score })),
    model: { kind: r.tuned.kind, params: r.tuned.params },
    test: { f1: r.evaluation.candidate.f1, auc: r.evaluation.candidate.rocAuc, baselineF1: r.evaluation.baseline.f1, baselineAuc: r.evaluation.baseline.rocAuc },
    latency: { p50Ms: r.evaluation.latency.p50Ms, p99Ms: r.evaluation.latency.p99Ms },
  }) + '\n',
);
if (!opt('--out-dir', null)) rmSync(outRoot, { recursive: true, force: true });
