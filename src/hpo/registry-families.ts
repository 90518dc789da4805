/**
 * The real models as a ModelFamilies port. Kept apart from families.ts so that code paths which
 * never touch the real models (worker threads running fake or plugin estimators, tests) do not
 * load the registry and, through it, TensorFlow.js.
 */
import { createEstimator, paramSpecFor } from '../models/registry.js';
import type { ModelFamilies } from './families.js';

export const registryFamilies: ModelFamilies = { createEstimator, paramSpecFor };
