/**
 * Study orchestration: `runStudy(options) → StudyResult`.
 *
 * The study is the only stateful part of hpo, and its state lives in a TrialStore: the searcher
 * (pure in the trial index) proposes configs, the scheduler (pure over rung records) answers each
 * report, the runner executes trials (worker pool or in-process), hooks and the progress reporter
 * observe. At most `runner.concurrency` trials are in flight, launched in index order (ASHA, one
 * worker) or longest expected first (random search on several workers).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument, type ErrorData } from '../core/errors.js';
import type { JsonValue } from '../core/payload.js';
import type { Clock } from '../core/ports.js';
import type { IterationDecision, ModelKind, TrainingData } from '../models/contract.js';
import { defaultSpace, iterationCeilings, longestFirstOrder, type ModelFamilies } from './families.js';
import { defaultWorkerCount } from '../exec/pool.js';
import { silentProgress, type BestSoFar, type ProgressCounts, type ProgressReporter } from './progress.js';
import { better, pickBest, preferredInTie, summarize, toRow, withinTolerance, type StudyResult, type TrialRow } from './results.js';
import { inlineRunner, poolRunner, type TrialPool, type TrialRunner } from './runner.js';
import { ashaScheduler, fifoScheduler, normalizedTime, readyToDecide, type AshaOptions, type RungRecord, type Scheduler } from './scheduler.js';
import { randomSearcher, shardTrials } from './searcher.js';
import { SHARD_FILE } from './shards.js';
import { searchSpaceToJson } from './space-file.js';
import { familiesOf, sampleParams, type SearchSpace, type TrialConfig } from './space.js';
import { JOURNAL_VERSION, describeHeaderDifference, headerDifference, isFinished, type StudyHeader, type TrialEndState } from './store/events.js';
import { DEFAULT_JOURNAL_SETTING, JournalTrialStore } from './store/journal.js';
import { MemoryTrialStore, type TrialStore } from './store/store.js';
import { METRIC_MODE, checkMetricName, type MetricName, type TrialProgress, type TrialTask } from './trial.js';
import { DEFAULT_VALIDATION, makeFolds, type ValidationOptions } from './validation.js';
import { summarizeGroups, summarizeTrainingData } from './data-digest.js';
import { MAX_SEED } from '../core/random.js';


/** Progress reports per trial fold under random search (the curve for the journal and tracking; nothing decides on them). */
export const FIFO_MAX_REPORTS = 32;
export type SchedulerOptions =
  | { readonly kind: 'fifo' }
  | ({
      readonly kind: 'asha';
      /** Metric read from iteration reports (default 'val_auc'; every family reports it). */
      readonly metric?: string;
    } & AshaOptions);

export interface TrialStartEvent {
  readonly trial: number;
  readonly seed: number;
  readonly config: TrialConfig;
  readonly bracket: number;
}
export interface TrialReportEvent {
  readonly trial: number;
  readonly iteration: number;
  readonly time: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly decision: IterationDecision;
}

/**
 * Tracking hooks (e.g. one nested MLflow run per trial). Start/end hooks are awaited; report
 * hooks are not. A hook that throws never fails the study: the error is reported as a warning
 * through `onHookError` (default: ignored).
 */
export interface StudyHooks {
  onTrialStart?(e: TrialStartEvent): void | Promise<void>;
  onTrialReport?(e: TrialReportEvent): void | Promise<void>;
  onTrialEnd?(row: TrialRow): void | Promise<void>;
  onHookError?(hook: 'onTrialStart' | 'onTrialReport' | 'onTrialEnd', error: ErrorData): void;
}

export interface StudyOptions {
  /** Training data only (the test split never enters a study); validation folds are cut from it. */
  readonly data: TrainingData;
  /** Model registry port (createEstimator + paramSpecFor; default: src/models/registry.ts). The default space comes from it. */
  readonly families?: ModelFamilies;
  /** Total trials over all shards (default 20). */
  readonly trials?: number;
  /** Master seed (default 0). */
  readonly seed?: number;
  /** Default: defaultSpace(families). */
  readonly space?: SearchSpace;
  /** Default { kind: 'fifo' } (random search without early stopping). */
  readonly scheduler?: SchedulerOptions;
  /** Default 'f1' (at threshold 0.5); direction from METRIC_MODE. */
  readonly metric?: MetricName;
  /** Default 'auc'; null for none. */
  readonly tieBreak?: MetricName | null;
  /**
   * Scores within this of the top score count as tied and the tie-break metric chooses among them
   * (default DEFAULT_TIE_TOLERANCE; 0: exact ties only). No effect without a tie-break metric.
   */
  readonly tieTolerance?: number;
  /** Default stratified holdout of 20 %. */
  readonly validation?: ValidationOptions;
  /** Group id per training row (duplicate bodies): a group never straddles train and validation. */
  readonly groups?: Int32Array;
  /** 'pool' (worker threads, default) or 'inline' (this thread). */
  readonly executor?: 'pool' | 'inline';
  /** Trials running at once (default: available cores). */
  readonly workers?: number;
  /**
   * Launch order when several trials run at once: 'longest-first' (default for random search:
   * trials sorted by `expectedTrialCost`, so no worker sits idle behind one long last trial) or
   * 'index'. ASHA always launches in index order (its deterministic mode relies on it). Which
   * config and seed a trial gets, and every result, is the same either way.
   */
  readonly launchOrder?: 'index' | 'longest-first';
  /**
   * Worker threads started before the study (the pipeline starts them early): the trials run on
   * them and they stay up for the caller (who closes them). `workers`, `workerFile`,
   * `familiesModule` and `workerMemoryMb` are the pool's then, not the study's.
   */
  readonly pool?: TrialPool;
  /** Compiled worker entry (default dist/workers/trial-worker.js). */
  readonly workerFile?: string | URL;
  /** Module the worker imports createEstimator from (default: the models registry). */
  readonly familiesModule?: string | URL;
  /** Per-trial wall-clock limit in ms (none by default). */
  readonly trialTimeoutMs?: number;
  /** Heap limit of each worker thread in MB (none by default). */
  readonly workerMemoryMb?: number;
  /** This process runs trials i with i % count === index (default 0 of 1). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Journal directory (shared by shards); without it the store is in memory. */
  readonly journalDir?: string;
  /**
   * The flag that names journalDir to the user, for messages that ask for another directory
   * (default '--journal-dir', the `hpo run` flag; a pipeline step passes its own output flag).
   */
  readonly journalSetting?: string;
  /** Continue the journal in journalDir: finished trials are kept, the others re-run. */
  readonly resume?: boolean;
  /** Alternative to journalDir: any TrialStore. */
  readonly store?: TrialStore;
  readonly hooks?: StudyHooks;
  readonly progress?: ProgressReporter;
  /** Abort = Ctrl-C: running trials are cancelled, the journal flushed, the study marked killed. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

export const DEFAULT_TRIALS = 20;
export const DEFAULT_ASHA_METRIC = 'val_auc';
/**
 * Default tie tolerance of the best-trial choice, in units of the metric. On the default holdout of
 * the SpamAssassin corpus (967 e-mails, about 300 spam) one e-mail classified differently moves F1 by
 * about 0.0016, so two configs less than 0.001 apart made as many mistakes, or one more: the holdout
 * cannot tell them apart by F1, and the tie-break (AUC by default: every spam–ham pair, no
 * threshold) decides.
 */
export const DEFAULT_TIE_TOLERANCE = 0.001;

export function journalFileName(shardIndex: number, shardCount: number): string {
  return `journal-shard-${shardIndex}-of-${shardCount}.jsonl`;
}

const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

function schedulerJson(s: SchedulerOptions, seed: number): JsonValue {
  if (s.kind === 'fifo') return { kind: 'fifo' };
  const a = ashaScheduler({ ...s, seed: s.seed ?? seed }).config;
  return { kind: 'asha', metric: s.metric ?? DEFAULT_ASHA_METRIC, ...a };
}

/**
 * A resume that finds shard journals of another shard count in its directory would start a new
 * study beside them (and a later merge would refuse the mix): refuse it, naming what is there.
 */
function checkShardCountOnResume(dir: string, count: number, setting: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no directory yet: a fresh start
  }
  const other = names.filter((n) => {
    const m = SHARD_FILE.exec(n);
    return m !== null && Number(m[2]) !== count;
  });
  if (other.length > 0) {
    const what = setting === DEFAULT_JOURNAL_SETTING ? '--resume' : 'resuming';
    throw invalidArgument(`${what} with ${count} shard(s), but '${dir}' holds journals of another shard count (${other.sort().join(', ')}); resume with the shard count they were written with, or use another ${setting}`, { dir, parameter: 'shard-count' });
  }
}

/** Throws when a journal's header does not match this study's settings. */
export function checkHeader(found: StudyHeader, expected: StudyHeader, file: string, setting: string = DEFAULT_JOURNAL_SETTING): void {
  if (found.version !== expected.version) {
    throw invalidArgument(`journal '${file}' has format version ${JSON.stringify(found.version)}; this train-spam writes and resumes version ${expected.version}: use another ${setting} (or re-run the study)`, { file, field: 'version' });
  }
  const d = headerDifference(found, expected);
  if (d) {
    throw invalidArgument(`journal '${file}' was written with different settings (${describeHeaderDifference(d, found, 'the journal', expected, 'this run')}); resume with the same flags and data, or use another ${setting}`, { file, field: d });
  }
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw invalidArgument(`seed = ${seed}; expected an integer in [0, ${MAX_SEED}]`, { parameter: 'seed' });
  const trials = options.trials ?? DEFAULT_TRIALS;
  if (!Number.isInteger(trials) || trials < 1) throw invalidArgument(`trials = ${trials}; expected an integer ≥ 1`, { parameter: 'trials' });
  const shard = options.shard ?? { index: 0, count: 1 };
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw invalidArgument(`shard ${shard.index} of ${shard.count}; expected integers 0 ≤ index < count`, { parameter: 'shard' });
  }
  const metric = checkMetricName(options.metric ?? 'f1');
  const tieBreak = options.tieBreak === undefined ? 'auc' : options.tieBreak === null ? null : checkMetricName(options.tieBreak, 'tie-break metric');
  const tieTolerance = options.tieTolerance ?? DEFAULT_TIE_TOLERANCE;
  if (typeof tieTolerance !== 'number' || !Number.isFinite(tieTolerance) || tieTolerance < 0) {
    throw invalidArgument(`tie tolerance = ${String(tieTolerance)}; expected a finite number ≥ 0`, { parameter: 'tieTolerance' });
  }
  const mode = METRIC_MODE[metric];
  const tieMode = tieBreak ? METRIC_MODE[tieBreak] : 'max';
  const validation = options.validation ?? DEFAULT_VALIDATION;
  const schedOpts: SchedulerOptions = options.scheduler ?? { kind: 'fifo' };
  if (schedOpts.kind === 'asha' && validation.kind === 'kfold') {
    throw invalidArgument('the asha scheduler needs a holdout validation split; k-fold is supported with the fifo scheduler only', { parameter: 'validation' });
  }
  const scheduler: Scheduler = schedOpts.kind === 'asha' ? ashaScheduler({ ...schedOpts, seed: schedOpts.seed ?? seed }) : fifoScheduler();
  const ashaCfg = schedOpts.kind === 'asha' ? ashaScheduler({ ...schedOpts, seed: schedOpts.seed ?? seed }).config : null;
  const rungMetric = schedOpts.kind === 'asha' ? (schedOpts.metric ?? DEFAULT_ASHA_METRIC) : null;
  // loaded lazily: the registry pulls in TensorFlow.js
  const families = options.families ?? (await import('./registry-families.js')).registryFamilies;
  const space = options.space ?? defaultSpace(families);
  // A space the sampler cannot use (conditions in a cycle) fails now, before threads or a journal,
  // rather than when the first trial of the broken family is launched, halfway through the study.
  for (const kind of familiesOf(space)) sampleParams(space.families[kind]!, seed);
  const searcher = randomSearcher(space, seed);
  // ASHA's time axis: iterations over the family's largest budget in the space (or the trial's own)
  const ceilings = ashaCfg?.timeScale === 'family' ? iterationCeilings(space, families) : {};
  // ASHA's rung groups: one per model family, or one shared by all
  const perFamily = ashaCfg?.rungs === 'family';
  const familyCache: Map<number, ModelKind> = new Map();
  const familyOf = (j: number): ModelKind => familyCache.get(j) ?? familyCache.set(j, searcher.suggest(j).config.model).get(j)!;

  const header: StudyHeader = {
    version: JOURNAL_VERSION,
    seed,
    trials,
    shardIndex: shard.index,
    shardCount: shard.count,
    metric,
    mode,
    tieBreak,
    tieTolerance,
    scheduler: schedulerJson(schedOpts, seed),
    validation: { ...validation, groups: summarizeGroups(options.groups) },
    space: searchSpaceToJson(space),
    data: summarizeTrainingData(options.data),
  };
  // The folds before the journal: data the study cannot split fails here, with nothing written.
  const folds = makeFolds(options.data, validation, seed, options.groups);

  // ---- store
  let store: TrialStore;
  const setting = options.journalSetting ?? DEFAULT_JOURNAL_SETTING;
  if (options.store) store = options.store;
  else if (options.journalDir) {
    if (options.resume) checkShardCountOnResume(options.journalDir, shard.count, setting);
    store = new JournalTrialStore(join(options.journalDir, journalFileName(shard.index, shard.count)), { mode: options.resume ? 'resume' : 'create', setting });
  } else store = new MemoryTrialStore();
  const storeName = store instanceof JournalTrialStore ? store.file : '<memory>';
  try {
    if (store.state.header) checkHeader(store.state.header, header, storeName, setting);
    else store.append({ type: 'study', header, at: clock.now() });

    const mine = shardTrials(trials, shard.index, shard.count);
    const todo = mine.filter((i) => {
      const t = store.state.trials.get(i);
      return !t || !isFinished(t);
    });
    const launched = new Set<number>();
    const ended = new Set<number>();
    for (const i of mine) if (!todo.includes(i)) ended.add(i);

    // Rung records visible to decisions: finished trials from a replayed journal, and trials
    // launched in this session (stale records of an interrupted attempt are ignored).
    const visibleRungs = (): RungRecord[] => store.state.rungs.filter((r) => ended.has(r.trial) || launched.has(r.trial));

    // progress counters, and the best so far chosen as the study's result is (pickBest: the tie
    // tolerance and tie-break, not only the top score). Kept per state (completed trials first,
    // as pickBest): a new row is compared with the choice in O(1); only a new top score rescans
    // the rows of its state (the candidates within the tolerance change then).
    const tally = { completed: 0, stopped: 0, failed: 0, running: 0 };
    const finished = { completed: [] as TrialRow[], stopped: [] as TrialRow[] };
    const tops: { completed: TrialRow | null; stopped: TrialRow | null } = { completed: null, stopped: null };
    const choice: { completed: TrialRow | null; stopped: TrialRow | null } = { completed: null, stopped: null };
    const account = (i: number) => {
      const t = store.state.trials.get(i);
      if (!t || !isFinished(t)) return;
      tally[t.state as 'completed' | 'stopped' | 'failed']++;
      if (t.state !== 'completed' && t.state !== 'stopped') return;
      const row = toRow(t);
      if (row.score === null || !Number.isFinite(row.score)) return;
      const st = t.state;
      finished[st].push(row);
      const top = tops[st];
      if (top === null || better(row, top, mode, tieMode)) {
        tops[st] = row;
        choice[st] = pickBest(finished[st], mode, tieMode, tieTolerance);
      } else if (tieTolerance > 0 && withinTolerance(row, top, mode, tieTolerance) && preferredInTie(row, choice[st] as TrialRow, mode, tieMode)) {
        choice[st] = row;
      }
    };
    const bestChosen = (): TrialRow | null => choice.completed ?? choice.stopped;
    for (const i of ended) account(i);
    const counts = (): ProgressCounts => ({
      total: mine.length,
      done: tally.completed + tally.stopped + tally.failed,
      running: tally.running,
      completed: tally.completed,
      stopped: tally.stopped,
      failed: tally.failed,
    });
    const bestSoFar = (): BestSoFar | null => {
      const b = bestChosen();
      return b && b.score !== null ? { trial: b.trial, metric, score: b.score } : null;
    };
    const progress = options.progress ?? silentProgress;
    const hooks = options.hooks ?? {};
    const callHook = async <A>(name: 'onTrialStart' | 'onTrialReport' | 'onTrialEnd', arg: A): Promise<void> => {
      const fn = hooks[name] as ((a: A) => void | Promise<void>) | undefined;
      if (!fn) return;
      try {
        await fn.call(hooks, arg);
      } catch (e) {
        hooks.onHookError?.(name, { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) });
      }
    };

    // ---- deterministic-mode waiting: re-checked whenever rung records or trial ends change
    const waiters = new Set<() => boolean>();
    const changed = () => {
      for (const w of [...waiters]) if (w()) waiters.delete(w);
    };
    const until = (ready: () => boolean) =>
      new Promise<void>((resolve) => {
        if (ready()) return resolve();
        waiters.add(() => (ready() ? (resolve(), true) : false));
      });

    const signal = options.signal;
    // `halt` stops the study's own trials: on the caller's signal (Ctrl-C), and when a lane fails
    // (a journal write that throws), so that no trial keeps running after the study has failed.
    const halt = new AbortController();
    const halted = halt.signal;
    const forwardAbort = () => halt.abort();
    if (signal?.aborted) halt.abort();
    else signal?.addEventListener('abort', forwardAbort, { once: true });
    halted.addEventListener('abort', changed, { once: true });
    const decide = async (i: number, model: ModelKind, bracket: number, p: TrialProgress): Promise<IterationDecision> => {
      const time = ashaCfg ? normalizedTime(p.iteration, ceilings[model] ?? p.budget ?? undefined, ashaCfg.maxT) : p.budget ? p.iteration / p.budget : p.iteration;
      const raw = rungMetric ? p.metrics[rungMetric] : undefined;
      const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
      const report = { trial: i, bracket, time, value, ...(perFamily ? { group: model } : {}) };
      if (scheduler.deterministic && scheduler.kind !== 'fifo') {
        const m = scheduler.pendingMilestone(visibleRungs(), report);
        if (m !== null) {
          const groupOf = (j: number) => (perFamily ? familyOf(j) : undefined);
          await until(() => halted.aborted || ended.has(i) || readyToDecide(visibleRungs(), report, m, mine, (j) => ended.has(j), scheduler.bracketOf, groupOf));
        }
      }
      // A trial that timed out (or failed) while it waited at a rung has ended already: its late
      // decision must not journal a report or a rung record after its trial_end.
      if (halted.aborted || ended.has(i)) return 'stop';
      const outcome = scheduler.decide(visibleRungs(), report);
      store.append({ type: 'report', trial: i, iteration: p.iteration, time, metrics: p.metrics, decision: outcome.decision, at: clock.now() });
      for (const r of outcome.newRecords) store.append({ type: 'rung', ...r, at: clock.now() });
      if (outcome.newRecords.length) changed();
      void callHook('onTrialReport', { trial: i, iteration: p.iteration, time, metrics: p.metrics, decision: outcome.decision });
      if (outcome.decision === 'stop' && p.budget !== null && p.iteration < p.budget) {
        progress.event({ type: 'trial_stop_decision', trial: i, iteration: p.iteration, counts: counts(), best: bestSoFar() });
      }
      return outcome.decision;
    };

    // ---- runner
    const executor = options.executor ?? 'pool';
    const concurrency = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), Math.max(1, todo.length)));
    const runner: TrialRunner =
      executor === 'inline' || todo.length === 0 // nothing left to run (a resumed, finished study): no threads
        ? inlineRunner({ concurrency, folds, families })
        : options.pool
          ? options.pool.runner(folds, Math.max(1, Math.min(options.pool.size, todo.length)))
          : poolRunner({
            workers: concurrency,
            folds,
            workerFile: options.workerFile,
            familiesModule: options.familiesModule,
            resourceLimits: options.workerMemoryMb ? { maxOldGenerationSizeMb: options.workerMemoryMb } : undefined,
          });

    const runOne = async (i: number): Promise<void> => {
      const s = searcher.suggest(i);
      const bracket = scheduler.bracketOf(i);
      launched.add(i);
      tally.running++;
      store.append({ type: 'trial_start', trial: i, seed: s.seed, config: s.config, bracket, at: clock.now() });
      progress.event({ type: 'trial_start', trial: i, model: s.config.model, params: s.config.params, counts: counts(), best: bestSoFar() });
      await callHook('onTrialStart', { trial: i, seed: s.seed, config: s.config, bracket });
      const fifo = scheduler.kind === 'fifo';
      const task: TrialTask = { trial: i, seed: s.seed, model: s.config.model, params: s.config.params, metric, tieBreak, interactive: !fifo, ...(fifo ? { maxReports: FIFO_MAX_REPORTS } : {}) };
      const t0 = clock.monotonic();
      const out = await runner.run(task, {
        signal: halted,
        timeoutMs: options.trialTimeoutMs,
        onReport: (p) => (p.fold === 0 || scheduler.kind === 'fifo' ? decide(i, s.config.model, bracket, p) : 'continue'),
      });
      const durationMs = Math.round(clock.monotonic() - t0);
      let state: TrialEndState;
      if (out.ok) state = out.value.stopped ? 'stopped' : 'completed';
      else state = out.error.code === 'CANCELLED' && halted.aborted ? 'cancelled' : 'failed';
      store.append(
        out.ok
          ? { type: 'trial_end', trial: i, state, result: { score: out.value.score, tieBreak: out.value.tieBreak, metrics: out.value.metrics, iterations: out.value.iterations }, durationMs, at: clock.now() }
          : { type: 'trial_end', trial: i, state, error: out.error, durationMs, at: clock.now() },
      );
      ended.add(i);
      tally.running--;
      account(i);
      changed();
      const row = toRow(store.state.trials.get(i)!);
      progress.event({ type: 'trial_end', trial: i, state, score: row.score, iterations: row.iterations, error: row.error, counts: counts(), best: bestSoFar() });
      // not awaited here: the next trial starts while a slow tracking hook finishes (awaited below);
      // cancelled trials too, so that their nested runs are closed (KILLED), not left running
      endHooks.push(callHook('onTrialEnd', row));
    };
    const endHooks: Promise<void>[] = [];

    // ---- launch, at most `concurrency` in flight: in index order, or the longest expected first
    const longestFirst = scheduler.kind === 'fifo' && runner.concurrency > 1 && (options.launchOrder ?? 'longest-first') === 'longest-first';
    const queue = longestFirst ? longestFirstOrder(todo, (i) => searcher.suggest(i).config) : todo;
    try {
      let next = 0;
      let failure: { error: unknown } | null = null;
      const lane = async (): Promise<void> => {
        try {
          while (next < queue.length && !halted.aborted) {
            const i = queue[next++];
            await runOne(i);
          }
        } catch (e) {
          // The first failure stops the other lanes' trials (CANCELLED) and fails the study once
          // every lane has ended: the runner is never closed under a running trial.
          failure ??= { error: e };
          halt.abort();
        }
      };
      // Each lane takes the next trial of the queue when it frees up.
      await Promise.all(Array.from({ length: runner.concurrency }, lane));
      await Promise.all(endHooks);
      if (failure) throw (failure as { error: unknown }).error;
    } finally {
      signal?.removeEventListener('abort', forwardAbort);
      halted.removeEventListener('abort', changed);
      changed();
      await runner.close();
    }

    const killed = signal?.aborted === true;
    // a study resumed with nothing left to run (a step run again after it completed) leaves its
    // journal as it was: no second study_end
    if (!(todo.length === 0 && !killed && store.state.ended === 'completed')) store.append({ type: 'study_end', state: killed ? 'killed' : 'completed', at: clock.now() });
    const state = store.state;
    const mineSet = new Set(mine);
    const own = { ...state, trials: new Map([...state.trials].filter(([i]) => mineSet.has(i))) };
    const result = summarize(header, [own], [shard.index], killed ? 'killed' : 'completed', tieMode);
    // the end line names the trial the study chose (within the tie tolerance), not merely the top score
    const chosen = result.best && result.best.score !== null ? { trial: result.best.trial, metric, score: result.best.score } : null;
    progress.event({ type: 'study_end', state: killed ? 'killed' : 'completed', counts: counts(), best: chosen });
    progress.close();
    return result;
  } finally {
    await store.close();
  }
}
