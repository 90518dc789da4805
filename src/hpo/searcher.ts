/**
 * Searchers propose trial configurations. The contract is index-based: `suggest(i)` is a pure
 * function of (master seed, i), so trial i gets the same config and seed whatever the number of
 * workers, the completion order, the shard or a resume.
 */
import { deriveSeed } from '../core/random.js';
import { sampleConfig, type SearchSpace, type TrialConfig } from './space.js';

export interface TrialSuggestion {
  readonly index: number;
  /** Seed for everything random inside the trial's fit. */
  readonly seed: number;
  readonly config: TrialConfig;
}

export interface Searcher {
  readonly kind: string;
  suggest(index: number): TrialSuggestion;
}

/** Random search: config from deriveSeed(master, 'config', i), fit seed deriveSeed(master, 'trial', i). */
export function randomSearcher(space: SearchSpace, masterSeed: number): Searcher {
  return {
    kind: 'random',
    suggest(index: number): TrialSuggestion {
      return {
        index,
        seed: deriveSeed(masterSeed, 'trial', index),
        config: sampleConfig(space, deriveSeed(masterSeed, 'config', index)),
      };
    },
  };
}

/** Trial indices of one shard: i in [0, trials) with i % count === index. */
export function shardTrials(trials: number, shardIndex: number, shardCount: number): number[] {
  const out: number[] = [];
  for (let i = shardIndex; i < trials; i += shardCount) out.push(i);
  return out;
}
