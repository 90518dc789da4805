/** Public surface of the MLP (TensorFlow.js training, plain-TypeScript inference). */
export { mlpParamSpec, type MlpParams } from './params.js';
export { MlpClassifier, preloadMlp, type MlpOptions } from './estimator.js';
export { FittedMlp, mlpFromPayload, MLP_PAYLOAD_KIND, MLP_PAYLOAD_VERSION } from './fitted.js';
export { tfRuntime, type TfRuntime, type TfBackendName } from './backend.js';
export type { MlpNetwork, DenseLayer, DenseScaler, Activation } from './network.js';
