/** Public surface of hpo (layer 3): search spaces, searcher, schedulers, trial stores, studies, shards. */
export * from './space.js';
export { parseSearchSpace, loadSearchSpace, searchSpaceFromJson, searchSpaceToJson } from './space-file.js';
export { randomSearcher, shardTrials, type Searcher, type TrialSuggestion } from './searcher.js';
export * from './scheduler.js';
export { type TrialStore, MemoryTrialStore } from './store/store.js';
export { JournalTrialStore, readJournal, parseJournal } from './store/journal.js';
export * from './store/events.js';
export { runStudy, journalFileName, DEFAULT_TRIALS, DEFAULT_ASHA_METRIC, DEFAULT_TIE_TOLERANCE, type StudyOptions, type StudyHooks, type SchedulerOptions, type TrialStartEvent, type TrialReportEvent } from './study.js';
export { mergeShards, type MergeOptions } from './shards.js';
export { writeStudyArtifacts, trialsCsv, pickBest, type StudyResult, type TrialRow, type ArtifactPaths } from './results.js';
export { jsonProgress, ttyProgress, silentProgress, formatProgressLine, type ProgressReporter, type ProgressEvent, type ProgressCounts } from './progress.js';
export { defaultSpace, paramSpecs, iterationBudget, ITERATION_PARAM, expectedTrialCost, longestFirstOrder, type ModelFamilies } from './families.js';
export { METRIC_NAMES, METRIC_MODE, THRESHOLD, type MetricName, type TrialResult } from './trial.js';
export { DEFAULT_VALIDATION, type ValidationOptions } from './validation.js';
export { saveMatrix, loadGroups, loadMatrix } from './matrix-file.js';
