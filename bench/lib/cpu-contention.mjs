#!/usr/bin/env node
/**
 * Is the machine able to run two threads at full speed? Runs fixed amounts of work in 1 and in
 * 2 worker threads at once and reports each thread's slowdown against running alone:
 *
 *   node bench/lib/cpu-contention.mjs [--reps 5] [--ms 1500] [--fits]
 *
 * Workloads (each sized to take about --ms alone):
 * - alu:    an integer LCG loop (registers only: no memory traffic at all);
 * - float:  a dependent chain of floating-point multiply-adds (FMA latency-bound, like a dot product);
 * - l2:     random reads and writes in a 256 KiB Float64Array (fits each core's private L2);
 * - stream: a sequential read-modify-write over a 64 MiB Float64Array (memory bandwidth, like
 *           histogram building over a big matrix);
 * - sab-read: sequential reads of one 64 MiB SharedArrayBuffer that both threads share (the
 *           feature matrix reaches the trial workers that way);
 * - alloc:  many short-lived objects (young-generation GC; each isolate has its own heap);
 * - with --fits, also real fits on a synthetic 4837 × 524 matrix (the SpamAssassin shape):
 *   fit-gbm (60 trees, depth 5), fit-mlp (4 epochs, [64]), fit-logistic (C 10); after `npm run build`.
 * For every workload: wall time, the thread's own CPU time and its run-queue wait (Linux
 * schedstat) of one thread alone, then of each of two concurrent threads (started together behind
 * a barrier), reps times alternated. cpu_slowdown = median concurrent CPU time / median alone CPU
 * time: > 1 means the cores interfere (shared cache, memory bandwidth, a hypervisor that shares a
 * physical core). A wall time that grows while CPU time does not means the threads did not get a
 * core each: the run-queue wait says how long they waited for one (other processes on the box).
 * Prints one JSON object with the load average before and after.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const KINDS = ['alu', 'float', 'l2', 'stream', 'sab-read', 'alloc'];
/** --fits: the same comparison for real model fits (compiled tree: dist/ or TRAIN_SPAM_BENCH_DIST). */
const FITS = {
  'fit-gbm': ['gbm', { n_estimators: 60, max_depth: 5 }],
  'fit-mlp': ['mlp', { epochs: 4, hidden_layers: [64] }],
  'fit-logistic': ['logistic', { C: 10 }],
};

async function fitWorkload(kind) {
  const path = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const dist = path.resolve(process.env.TRAIN_SPAM_BENCH_DIST ?? new URL('../../dist', import.meta.url).pathname);
  const { createEstimator } = await import(pathToFileURL(path.join(dist, 'models/registry.js')).href);
  const { syntheticData } = await import(pathToFileURL(path.join(dist, 'models/conformance.js')).href);
  // the SpamAssassin matrix's shape: 4837 rows, 24 dense + 500 sparse columns
  const data = syntheticData({ rows: 4837, seed: 1, denseCols: 24, sparseCols: 500, density: 0.08 });
  const [family, params] = FITS[kind];
  return async (units) => {
    let it = 0;
    for (let u = 0; u < units; u++) it += (await createEstimator(family, params).fit(data, { seed: 1 })).iterations;
    return it;
  };
}

function work(kind, units) {
  if (kind === 'alu') {
    let x = 1;
    const n = units * 1_000_000;
    for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
    return x;
  }
  if (kind === 'float') {
    let a = 1.0000001;
    let s = 0;
    const n = units * 1_000_000;
    for (let i = 0; i < n; i++) s = s * 0.9999999 + a;
    return s;
  }
  if (kind === 'l2') {
    const a = new Float64Array(32 * 1024); // 256 KiB
    let x = 12345;
    const n = units * 1_000_000;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      const j = (x >>> 8) & (a.length - 1);
      a[j] += 1;
    }
    return a[7];
  }
  if (kind === 'sab-read') {
    // both threads read the SAME 64 MiB SharedArrayBuffer (as trials read the shared feature matrix)
    const a = new Float64Array(workerData.sab);
    let s = 0;
    for (let u = 0; u < units; u++) for (let i = 0; i < a.length; i++) s += a[i];
    return s;
  }
  if (kind === 'stream') {
    const a = streamBuf ?? (streamBuf = new Float64Array(8 * 1024 * 1024)); // 64 MiB
    let s = 0;
    for (let u = 0; u < units; u++) {
      for (let i = 0; i < a.length; i++) {
        a[i] = a[i] * 0.5 + 1;
        s += a[i];
      }
    }
    return s;
  }
  // alloc
  let keep = null;
  let s = 0;
  const n = units * 100_000;
  for (let i = 0; i < n; i++) {
    const o = { a: i, b: [i, i + 1, i + 2], c: 'x' + (i & 15) };
    if ((i & 1023) === 0) keep = o;
    s += o.b[1];
  }
  return s + (keep ? keep.a : 0);
}
let streamBuf = null;

/**
 * This thread's CPU time and run-queue wait in ms, from /proc/thread-self/schedstat (Linux:
 * "<ns on cpu> <ns waiting on a run queue> <timeslices>"). process.cpuUsage() would not do: it
 * counts every thread of the process, also inside a worker. Elsewhere: process CPU, no wait.
 */
function threadTimes() {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return { cpuMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    const u = process.cpuUsage();
    return { cpuMs: (u.user + u.system) / 1000, waitMs: NaN };
  }
}

if (!isMainThread) {
  const { kind, units, flag } = workerData;
  const run = kind in FITS ? await fitWorkload(kind) : (n) => work(kind, n);
  await run(Math.max(1, Math.round(units / 10))); // warm-up: JIT, page faults of the buffer, module loading
  parentPort.postMessage({ ready: true });
  const f = new Int32Array(flag);
  Atomics.wait(f, 0, 0); // start together
  const c0 = threadTimes();
  const t0 = performance.now();
  const r = await run(units);
  const wallMs = performance.now() - t0;
  const c1 = threadTimes();
  parentPort.postMessage({ wallMs, cpuMs: c1.cpuMs - c0.cpuMs, waitMs: c1.waitMs - c0.waitMs, r });
} else {
  const args = process.argv.slice(2);
  const opt = (n, d) => (args.includes(n) ? Number(args[args.indexOf(n) + 1]) : d);
  const reps = opt('--reps', 5);
  const targetMs = opt('--ms', 1500);
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };

  /** Runs `threads` workers doing `units` of `kind` at the same time; returns their timings. */
  const sab = new SharedArrayBuffer(64 * 1024 * 1024);
  new Float64Array(sab).fill(0.5);
  async function runTogether(kind, units, threads) {
    const flag = new SharedArrayBuffer(4);
    const ws = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { kind, units, flag, sab } }));
    const ready = ws.map((w) => new Promise((res) => w.once('message', res)));
    await Promise.all(ready);
    const done = ws.map((w) => new Promise((res, rej) => { w.once('message', res); w.once('error', rej); }));
    const f = new Int32Array(flag);
    Atomics.store(f, 0, 1);
    Atomics.notify(f, 0);
    const out = await Promise.all(done);
    await Promise.all(ws.map((w) => w.terminate()));
    return out;
  }

  const load0 = os.loadavg();
  const result = {};
  const kinds = args.includes('--fits') ? [...KINDS, ...Object.keys(FITS)] : KINDS;
  for (const kind of kinds) {
    // calibrate on CPU time (not wall: other processes): units so that one thread alone uses about targetMs
    const probeUnits = kind in FITS ? 1 : 20;
    const probe = await runTogether(kind, probeUnits, 1);
    const units = Math.max(1, Math.round((probeUnits * targetMs) / Math.max(1, probe[0].cpuMs)));
    const alone = { wall: [], cpu: [], wait: [] };
    const pair = { wall: [], cpu: [], wait: [], maxWall: [] };
    for (let r = 0; r < reps; r++) {
      const [a] = await runTogether(kind, units, 1);
      alone.wall.push(a.wallMs);
      alone.cpu.push(a.cpuMs);
      alone.wait.push(a.waitMs);
      const both = await runTogether(kind, units, 2);
      for (const b of both) {
        pair.wall.push(b.wallMs);
        pair.cpu.push(b.cpuMs);
        pair.wait.push(b.waitMs);
      }
      pair.maxWall.push(Math.max(...both.map((b) => b.wallMs)));
    }
    result[kind] = {
      units,
      alone_wall_ms: +median(alone.wall).toFixed(1),
      alone_cpu_ms: +median(alone.cpu).toFixed(1),
      alone_runqueue_wait_ms: +median(alone.wait).toFixed(1),
      pair_wall_ms: +median(pair.wall).toFixed(1),
      pair_cpu_ms: +median(pair.cpu).toFixed(1),
      pair_runqueue_wait_ms: +median(pair.wait).toFixed(1),
      cpu_slowdown: +(median(pair.cpu) / median(alone.cpu)).toFixed(3),
      wall_slowdown: +(median(pair.wall) / median(alone.wall)).toFixed(3),
      throughput_2_vs_1: +((2 * median(alone.wall)) / median(pair.maxWall)).toFixed(3),
    };
    process.stderr.write(`cpu-contention ${kind}: ${JSON.stringify(result[kind])}\n`);
  }
  process.stdout.write(
    JSON.stringify(
      {
        bench: 'cpu-contention',
        cores: os.availableParallelism(),
        cpu: os.cpus()[0]?.model,
        node: process.version,
        reps,
        loadavg_before: load0.map((x) => +x.toFixed(2)),
        loadavg_after: os.loadavg().map((x) => +x.toFixed(2)),
        workloads: result,
      },
      null,
      2,
    ) + '\n',
  );
}
