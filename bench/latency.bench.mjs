#!/usr/bin/env node
/**
 * Single raw e-mail → probability latency, profiled: where the p99 of `SpamScorer.scoreRaw` goes.
 *
 *   node bench/latency.bench.mjs [--emails N] [--passes N] [--model gbm|logistic] [--top N]
 *       [--data FILE] [--json FILE] [--gc-each]   (--gc-each: node --expose-gc; a full GC before each
 *       timed call, outside the timing: the latency without GC pauses)
 *
 * Same input as the bench's "single e-mail latency" figure (bench/lib/ours.mjs): the pipeline's own
 * split, a 200-tree GBM (GBM_KERNEL), the first N test e-mails (default 400; 0 = the whole test
 * split) re-created as RFC-822 text with `recordToRfc822`, 200 warm-up calls, then `--passes`
 * timed passes (default 5). Prints per pass p50/p99 and their median (the bench's figure), then,
 * in a separate instrumented pass per message, the time of each stage of the same work — MIME
 * parse, text, structural, temporal, sender, TF-IDF, model — and the attributes of the slowest
 * messages (size, html, parts, attachments). GC pauses are observed with a PerformanceObserver
 * and attributed to the calls they fall into.
 *
 * Uses the compiled tree (TRAIN_SPAM_BENCH_DIST or dist/).
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import os from 'node:os';
import { DIST, ROOT, GBM_KERNEL, loadDist, prepareShared } from './lib/ours.mjs';
import { quantileSorted, summarize } from './lib/stats.mjs';

function parseArgs(argv) {
  const o = { emails: 400, passes: 5, model: 'gbm', top: 12, data: null, json: null, gcEach: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--emails') o.emails = Number(v());
    else if (a === '--passes') o.passes = Number(v());
    else if (a === '--model') o.model = v();
    else if (a === '--top') o.top = Number(v());
    else if (a === '--data') o.data = v();
    else if (a === '--json') o.json = v();
    else if (a === '--gc-each') o.gcEach = true;
    else throw new Error(`latency.bench: unknown option '${a}'`);
  }
  return o;
}

const o = parseArgs(process.argv.slice(2));
const log = (s) => process.stderr.write(`latency: ${s}\n`);
const m = await loadDist();
const [mime, views, viewMod] = await Promise.all([
  import(new URL(`file://${path.join(DIST, 'data/mime.js')}`).href),
  import(new URL(`file://${path.join(DIST, 'features/email-views.js')}`).href),
  import(new URL(`file://${path.join(DIST, 'features/view.js')}`).href),
]);
const core = await import(new URL(`file://${path.join(DIST, 'core/matrix.js')}`).href);

const dataPath = path.resolve(o.data ?? path.join(ROOT, 'datasets/processed/emails/all_emails.parquet'));
const shared = await prepareShared(m, { dataPath, workers: 1 });
const train = shared.features.train;
const model = await m.registry.createEstimator(o.model, o.model === 'gbm' ? GBM_KERNEL : {}).fit({ X: train.X, y: train.y }, { seed: 1 });
const pipe = shared.features.pipeline;
const sc = new m.scorer.SpamScorer(pipe, model);
const testRecords = shared.records?.test ?? shared.data.test;
const records = o.emails > 0 ? testRecords.slice(0, o.emails) : testRecords;
const raws = records.map(m.scorer.recordToRfc822);
log(`heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB; ${raws.length} test e-mails, model ${o.model}, dist ${path.relative(ROOT, DIST) || '.'}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

// GC pauses: [start, end] in performance.now() time
const gcs = [];
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: e.detail?.kind ?? e.kind });
});
obs.observe({ entryTypes: ['gc'] });
const gcName = (k) => ({ [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' })[k] ?? String(k);

for (let i = 0; i < Math.min(200, raws.length); i++) await sc.scoreRaw(raws[i]);

// 1. the bench's figure: per pass p50/p99 of scoreRaw
const p50 = [];
const p99 = [];
const perMsg = raws.map(() => []);
const spans = [];
const heap0 = process.memoryUsage().heapUsed;
const cpu0 = process.cpuUsage();
const cpuPerCall = [];
const tw0 = performance.now();
for (let pass = 0; pass < o.passes; pass++) {
  const d = new Float64Array(raws.length);
  for (let i = 0; i < raws.length; i++) {
    if (o.gcEach) globalThis.gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await sc.scoreRaw(raws[i]);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    cpuPerCall.push((c1.user + c1.system) / 1000);
    d[i] = t1 - t0;
    perMsg[i].push(d[i]);
    spans.push({ i, t0, t1 });
  }
  const s = Float64Array.from(d).sort();
  p50.push(quantileSorted(s, 0.5));
  p99.push(quantileSorted(s, 0.99));
}
const cpu = process.cpuUsage(cpu0);
const tw1 = performance.now();
await new Promise((r) => setTimeout(r, 50)); // let the observer deliver
const timedGcs = gcs.filter((g) => g.start >= tw0 && g.start < tw1);
const calls = raws.length * o.passes;
log(`scoreRaw passes: p50 ${p50.map((x) => x.toFixed(3)).join(' ')} ms; p99 ${p99.map((x) => x.toFixed(3)).join(' ')} ms`);
const P50 = summarize(p50);
const P99 = summarize(p99);

// GC attribution: calls overlapped by a GC pause
let gcCalls = 0;
let gcInCalls = 0;
const slowCalls = spans.slice().sort((a, b) => b.t1 - b.t0 - (a.t1 - a.t0)).slice(0, Math.ceil(spans.length / 100));
let slowWithGc = 0;
const overl = (s) => gcs.filter((g) => g.end > s.t0 && g.start < s.t1);
for (const s of spans) {
  const g = overl(s);
  if (g.length) {
    gcCalls++;
    for (const x of g) gcInCalls += Math.min(x.end, s.t1) - Math.max(x.start, s.t0);
  }
}
for (const s of slowCalls) if (overl(s).length) slowWithGc++;
const gcTotal = timedGcs.reduce((a, g) => a + (g.end - g.start), 0);
const gcByKind = {};
for (const g of timedGcs) {
  const k = gcName(g.kind);
  gcByKind[k] = gcByKind[k] ?? { n: 0, ms: 0, max: 0 };
  gcByKind[k].n++;
  gcByKind[k].ms += g.end - g.start;
  gcByKind[k].max = Math.max(gcByKind[k].max, g.end - g.start);
}

// 2. stage attribution: the same work as scoreRaw, one stage at a time
const now = () => performance.now();
const stageNames = ['parse', 'text', 'structural', 'temporal', 'sender', 'tfidf', 'model'];
const readerMod = await import(new URL(`file://${path.join(DIST, 'data/mime-reader.js')}`).href).catch(() => null);
const reader = readerMod ? new readerMod.MimeReader() : null;
const stageT = raws.map(() => new Float64Array(stageNames.length));
const info = [];
for (let rep = 0; rep < 3; rep++) {
  for (let i = 0; i < raws.length; i++) {
    const st = stageT[i];
    let t = now();
    const meta = { email_id: 'input', label: 0, source_group: 'serving' };
    const rec = (reader && mime.parseEmailSync(raws[i], meta, reader)) || (await mime.parseEmail(raws[i], meta));
    let u = now();
    st[0] += (u - t) / 3;
    const dv = new Float64Array(pipe.denseCols);
    const text = viewMod.emailText(rec);
    let off = 0;
    for (let v = 0; v < pipe.denseViews.length; v++) {
      t = now();
      pipe.denseViews[v].compute(rec, dv, off, text);
      u = now();
      st[1 + v] += (u - t) / 3;
      off += pipe.denseViews[v].features.length;
    }
    t = now();
    const sparse = pipe.tfidf.transform([text]);
    u = now();
    st[5] += (u - t) / 3;
    const X = core.featureMatrix(core.denseMatrix(1, pipe.denseCols, dv), sparse, pipe.featureNames);
    t = now();
    model.predictProba(X);
    u = now();
    st[6] += (u - t) / 3;
    if (rep === 0) {
      const raw = raws[i];
      const r = records[i];
      info.push({
        id: r.email_id,
        rawKB: Buffer.byteLength(raw) / 1024,
        lines: raw.split('\n').length,
        textKB: r.body_text.length / 1024,
        htmlKB: (r.body_html?.length ?? 0) / 1024,
        attachments: r.num_attachments,
        multipart: r.is_multipart,
        maxLine: raw.split('\n').reduce((a, l) => Math.max(a, l.length), 0),
      });
    }
  }
}

const median = (a) => summarize(a).median;
// 3. heap allocation per call: heapUsed before/after each call, calls without a GC in between
const alloc = [];
const allocExt = [];
for (let i = 0; i < raws.length; i++) {
  const n0 = gcs.length;
  const m0 = process.memoryUsage();
  await sc.scoreRaw(raws[i]);
  const m1 = process.memoryUsage();
  await new Promise((r) => setImmediate(r));
  if (gcs.length === n0 && m1.heapUsed >= m0.heapUsed) {
    alloc.push((m1.heapUsed - m0.heapUsed) / 1024);
    allocExt.push((m1.arrayBuffers - m0.arrayBuffers) / 1024);
  }
}
const extMean = allocExt.reduce((a, b) => a + b, 0) / Math.max(1, allocExt.length);
const allocSorted = Float64Array.from(alloc).sort();
const allocMean = alloc.reduce((a, b) => a + b, 0) / Math.max(1, alloc.length);

const order = raws.map((_, i) => i).sort((a, b) => median(perMsg[b]) - median(perMsg[a]));
const top = order.slice(0, o.top);
const f = (x, d = 3) => x.toFixed(d);
console.log(`\nscoreRaw, ${raws.length} e-mails × ${o.passes} passes (load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}):`);
console.log(`  p50 median ${f(P50.median)} ms (${f(P50.min)}–${f(P50.max)}), p99 median ${f(P99.median)} ms (${f(P99.min)}–${f(P99.max)})`);
const overMs = raws.filter((_, i) => median(perMsg[i]) > 1).length;
const overCalls = perMsg.reduce((a, d) => a + d.filter((x) => x > 1).length, 0) / o.passes;
console.log(`  e-mails whose median over passes is > 1 ms: ${overMs} (p99 < 1 ms allows ${raws.length - Math.ceil(0.99 * raws.length)}); calls > 1 ms per pass: ${f(overCalls, 1)}`);
console.log(`  CPU ${f((cpu.user + cpu.system) / 1000 / calls)} ms/call, heap growth ${((process.memoryUsage().heapUsed - heap0) / 1e6).toFixed(1)} MB`);
const cpuSorted = Float64Array.from(cpuPerCall).sort();
console.log(`  process CPU time per call (all threads, µs resolution): p50 ${f(quantileSorted(cpuSorted, 0.5))} ms, p99 ${f(quantileSorted(cpuSorted, 0.99))} ms`);
console.log(`  GC during the timed passes: ${timedGcs.length} pauses, ${f(gcTotal, 1)} ms total; ${Object.entries(gcByKind).map(([k, v]) => `${k} ${v.n}× ${f(v.ms, 1)} ms (max ${f(v.max, 2)})`).join(', ')}`);
console.log(`  calls overlapped by a GC pause: ${gcCalls}/${calls} (${f(gcInCalls, 1)} ms inside calls); slowest 1 % of calls: ${slowWithGc}/${slowCalls.length} with a GC pause`);

console.log(`  JS heap allocated per call (${alloc.length} calls without GC): mean ${f(allocMean, 1)} KB, p50 ${f(quantileSorted(allocSorted, 0.5), 1)} KB, p99 ${f(quantileSorted(allocSorted, 0.99), 1)} KB; ArrayBuffer backing stores (outside the JS heap) mean ${f(extMean, 1)} KB`);
const stageTot = new Float64Array(stageNames.length);
for (const st of stageT) for (let k = 0; k < st.length; k++) stageTot[k] += st[k];
console.log(`\nstage means (ms/e-mail, instrumented pass): ${stageNames.map((n, k) => `${n} ${f(stageTot[k] / raws.length)}`).join(', ')}`);
const stageQ = (k, q) => quantileSorted(Float64Array.from(stageT, (st) => st[k]).sort(), q);
console.log(`stage p50 / p99 over e-mails (ms): ${stageNames.map((n, k) => `${n} ${f(stageQ(k, 0.5))} / ${f(stageQ(k, 0.99))}`).join(', ')}`);
const topTot = new Float64Array(stageNames.length);
for (const i of order.slice(0, Math.max(1, Math.ceil(raws.length / 100)))) for (let k = 0; k < stageNames.length; k++) topTot[k] += stageT[i][k];
const topN = Math.max(1, Math.ceil(raws.length / 100));
console.log(`stage means over the slowest 1 % (${topN} e-mails): ${stageNames.map((n, k) => `${n} ${f(topTot[k] / topN)}`).join(', ')}`);
console.log(`\nslowest e-mails (median of passes):`);
console.log(`  ${'id'.padEnd(18)} ${'ms'.padStart(7)} ${'rawKB'.padStart(7)} ${'lines'.padStart(6)} ${'maxLn'.padStart(6)} ${'textKB'.padStart(7)} ${'htmlKB'.padStart(7)} att mp | ${stageNames.join(' ')}`);
for (const i of top) {
  const x = info[i];
  console.log(
    `  ${x.id.padEnd(18)} ${f(median(perMsg[i])).padStart(7)} ${f(x.rawKB, 1).padStart(7)} ${String(x.lines).padStart(6)} ${String(x.maxLine).padStart(6)} ${f(x.textKB, 1).padStart(7)} ${f(x.htmlKB, 1).padStart(7)} ${String(x.attachments).padStart(3)} ${x.multipart ? ' y' : ' n'} | ${Array.from(stageT[i], (v) => f(v)).join(' ')}`,
  );
}
const sizes = info.map((x) => x.rawKB).sort((a, b) => a - b);
console.log(`\nraw size KB: p50 ${f(quantileSorted(sizes, 0.5), 1)}, p90 ${f(quantileSorted(sizes, 0.9), 1)}, p99 ${f(quantileSorted(sizes, 0.99), 1)}, max ${f(sizes[sizes.length - 1], 1)}`);
if (o.json) {
  writeFileSync(o.json, JSON.stringify({ load: os.loadavg(), emails: raws.length, passes: o.passes, p50: P50, p99: P99, gc: { pauses: timedGcs.length, totalMs: gcTotal, byKind: gcByKind, callsWithGc: gcCalls, slowWithGc, slowCalls: slowCalls.length }, stages: Object.fromEntries(stageNames.map((n, k) => [n, stageTot[k] / raws.length])) }, null, 2));
}
obs.disconnect();
