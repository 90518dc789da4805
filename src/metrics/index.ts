/** Public surface of the metrics engine (layer 2: pure, no node:* imports). */
export * from './input.js';
export * from './classification.js';
export * from './ranking.js';
export * from './probabilistic.js';
export * from './latency.js';
export * from './evaluation.js';
