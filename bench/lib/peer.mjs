/**
 * The Python reference (bench/peers/pipeline_peer.py): availability probe, export of our split
 * and dense features to a temp dir, one run, its JSON back.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PEER_SCRIPT = path.resolve(here, '../peers/pipeline_peer.py');
/** The peer's feature module, imported by PEER_SCRIPT (part of its work, so of its fingerprint). */
export const PEER_FEATURES_MODULE = path.resolve(here, '../peers/dense_features.py');
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** null when usable, else why not. */
export function peerUnavailable(python = DEFAULT_PYTHON) {
  if (!existsSync(python)) return `${python} not found`;
  const r = spawnSync(python, ['-c', 'import sklearn, xgboost, scipy, numpy, joblib; print(sklearn.__version__, xgboost.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return `${python} cannot import sklearn + xgboost (${(r.stderr || '').trim().split('\n').pop()})`;
  return null;
}

function denseRows(X) {
  return Array.from(X.dense.data);
}

/**
 * Our random search's trial configs for `seed`: what the pipeline's HPO step runs (the default space,
 * trial i from the master seed and i), so the peer runs the same 20 trials, not its own draws.
 */
export function trialConfigs(m, seed, trials) {
  const { registryFamilies } = m.hpoFamilies;
  const searcher = m.hpo.randomSearcher(m.hpo.defaultSpace(registryFamilies), seed);
  return Array.from({ length: trials }, (_, i) => {
    const s = searcher.suggest(i);
    return { model: s.config.model, params: s.config.params, seed: s.seed };
  });
}

/** Trial indices in the order our random search launches them on `workers` workers (src/hpo/study.ts). */
export function launchOrder(m, seed, trials, workers) {
  const all = Array.from({ length: trials }, (_, i) => i);
  if (!(workers > 1)) return all;
  const configs = trialConfigs(m, seed, trials);
  return m.hpo.longestFirstOrder(all, (i) => configs[i]);
}

/** The processed table's columns the dense feature views read (the peer builds the 24 features from them). */
export const DENSE_VIEW_FIELDS = Object.freeze(['subject', 'body_text', 'body_html', 'has_html', 'num_attachments', 'num_recipients', 'reply_to', 'sender', 'is_multipart', 'event_timestamp', 'sender_domain']);

/** Those columns of `records`, one list per column: what dense_features.py's `records_of` reads. */
export function denseViewColumns(records) {
  return Object.fromEntries(DENSE_VIEW_FIELDS.map((f) => [f, records.map((r) => r[f])]));
}

/**
 * The peer's input.json: our split (ids, labels, validation rows), each e-mail's processed columns
 * that the feature views read (the peer builds all 524 features from them, bench/peers/
 * dense_features.py), our 24 dense values only for its parity check after the clock stops, and
 * the raw test e-mails.
 */
export function peerInput(m, shared, o) {
  const { records, features, validIdx } = shared;
  const side = (records, set, raw) => ({
    ids: records.map((r) => r.email_id),
    y: Array.from(set.y),
    records: denseViewColumns(records),
    oursDense: denseRows(set.X),
    ...(raw ? { raw: records.slice(0, o.latencyEmails).map(m.scorer.recordToRfc822) } : {}),
  });
  const input = {
    denseCols: features.train.X.dense.cols,
    // the sender-domain view's prior weight (docs/features.md)
    senderPseudoCount: features.pipeline.sender.arrays.pseudoCount,
    train: side(records.train, features.train, false),
    test: side(records.test, features.test, true),
    validIdx: Array.from(validIdx),
    trials: o.trials,
    configs: trialConfigs(m, o.seed, o.trials),
    // the order our study launches them in (longest expected first on several workers, else trial
    // order): the peer starts them in the same order, so a long trial starts as early on both sides
    launchOrder: launchOrder(m, o.seed, o.trials, o.workers),
    // the best-trial choice of our studies: validation F1 within this of the top is a tie, AUC decides
    tieTolerance: m.hpo.DEFAULT_TIE_TOLERANCE,
    seed: o.seed,
    workers: o.workers,
    reps: o.reps,
    gbmReps: o.gbmReps,
    peerGbmReps: o.peerGbmReps,
    e2eReps: o.e2eReps,
    aucSize: o.aucSize,
    latencyEmails: o.latencyEmails,
    quick: o.quick,
    // 'kernels' or 'e2e': only that part (the harness interleaves single end-to-end runs with ours)
    only: o.only ?? null,
  };
  return input;
}

/** Input fields that say how often or which part the peer measures, not what work it does. */
const REPETITION_FIELDS = ['reps', 'gbmReps', 'peerGbmReps', 'e2eReps', 'only'];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * What identifies the peer's work, for comparing runs (compare.mjs: peerComparison): the hash of
 * its script and feature module, of its input less the repetition counts (the data, the split, the validation rows,
 * the trial configs, the sizes) and of the Python library versions it reported.
 */
export function peerFingerprint(input, versions, script = readFileSync(PEER_SCRIPT, 'utf8') + readFileSync(PEER_FEATURES_MODULE, 'utf8')) {
  const work = Object.fromEntries(Object.entries(input).filter(([k]) => !REPETITION_FIELDS.includes(k)));
  return {
    script: sha256(script),
    input: sha256(JSON.stringify(work)),
    versions: sha256(JSON.stringify([versions.python, versions.sklearn, versions.xgboost])),
  };
}

/** Runs the peer on our data (o.only: 'kernels' | 'e2e' | undefined for both); returns its parsed JSON, or { error }. */
export function runPeer(m, shared, o) {
  const dir = mkdtempSync(path.join(tmpdir(), 'train-spam-bench-peer-'));
  try {
    writeFileSync(path.join(dir, 'input.json'), JSON.stringify(peerInput(m, shared, o)));
    const r = spawnSync(o.python ?? DEFAULT_PYTHON, [PEER_SCRIPT, dir], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { ...process.env, OMP_NUM_THREADS: String(o.workers), OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    if (r.status !== 0) return { error: `peer exited ${r.status}: ${(r.stderr || '').slice(-2000)}` };
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
