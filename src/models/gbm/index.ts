export { gbmParamSpec, type GbmParams } from './params.js';
export { GradientBoosting, FittedGbm, GBM_PAYLOAD_KIND, GBM_PAYLOAD_VERSION, type GbmInternals } from './booster.js';
export { gbmFromPayload } from './payload.js';
export { fitBins, binRows, type BinMapper, type BinnedRows } from './binning.js';
export type { FlatForest } from './forest.js';
