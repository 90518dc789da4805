/** Public surface of the feature engine (step 2). */
export { fitTfidf, fitTransformTfidf, FittedTfidf, TfidfFitter, resolveTfidfOptions, compareCodePoints, TFIDF_DEFAULTS, type TfidfOptions } from './tfidf.js';
export { tokenize } from './tokenizer.js';
export { ENGLISH_STOP_WORDS } from './stop-words.js';
export { numpyArgsort } from './numpy-argsort.js';
export { TEXT_VIEW, STRUCTURAL_VIEW, TEMPORAL_VIEW } from './email-views.js';
export { SenderHistory, buildSenderHistory, SENDER_FEATURES, type SenderHistoryArrays } from './sender-history.js';
export {
  fitFeaturePipeline,
  fitTransformFeaturePipeline,
  FeaturePipelineFitter,
  FittedFeaturePipeline,
  PIPELINE_PAYLOAD_KIND,
  PIPELINE_PAYLOAD_VERSION,
  PIPELINE_TFIDF_DEFAULTS,
  DEFAULT_SENDER_PSEUDO_COUNT,
  type FeaturePipelineOptions,
} from './pipeline.js';
export { featurePipelineFromPayload } from './pipeline-payload.js';
export { FeatureMatrixBuilder } from './matrix-builder.js';
export { materializeViews, getHistoricalFeatures, type FeatureViewTable, type EntityFrame, type RetrieveOptions } from './store.js';
export { VIEW_NAMES, qualifiedName, emailText, type DenseFeatureView, type ViewInfo } from './view.js';
