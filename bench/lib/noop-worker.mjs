// Exec-pool worker for the pool-overhead figure: every task returns at once (plain JS over the
// compiled tree: dist/, or TRAIN_SPAM_BENCH_DIST as in ours.mjs; worker threads share process.env).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { workerData } from 'piscina';

const distRoot = process.env.TRAIN_SPAM_BENCH_DIST ? path.resolve(process.env.TRAIN_SPAM_BENCH_DIST) : new URL('../../dist', import.meta.url).pathname;
const { defineWorker } = await import(pathToFileURL(path.join(distRoot, 'exec/worker-runtime.js')).href);

export default defineWorker(workerData, async () => null);
