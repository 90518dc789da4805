import type { ParamSpec } from '../../../src/core/params.js';
import type { Estimator, ModelKind } from '../../../src/models/contract.js';
export declare function paramSpecFor(kind: ModelKind): ParamSpec;
export declare function createEstimator(kind: ModelKind, params: Readonly<Record<string, unknown>>): Estimator;
export declare function preload(kind: ModelKind): Promise<void>;
