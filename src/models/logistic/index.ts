export { logisticParamSpec, type LogisticParams } from './params.js';
export { LogisticRegression, FittedLogistic, logisticFromPayload, LOGISTIC_PAYLOAD_KIND, LOGISTIC_PAYLOAD_VERSION } from './model.js';
