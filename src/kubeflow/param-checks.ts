/**
 * Checks of the values that reach the compiled pipeline both ways: as `compile-pipeline` flags
 * (baked into the spec) and as `kfp run --param` values (stored in the KFP run record and passed to
 * the steps on their command lines). One rule for both, so `kfp run` cannot send what
 * `compile-pipeline` refuses. Kept free of the heavier Kubeflow modules: `kfp run` checks its
 * parameters before it loads the client.
 */
import { TrainSpamError } from '../core/errors.js';
import { hasCredentials, redactUrl } from '../tracking/redact.js';

/** How a value was given: the flag named in the message, the `parameter` detail of the error, and where the value would end up. */
export interface ValueSource {
  readonly flag: string;
  readonly parameter: string;
  /** e.g. 'stored in the compiled pipeline' */
  readonly fate: string;
  /** What leaving the value out means, for the message. */
  readonly omitted: string;
}

export const COMPILE_TRACKING_URI: ValueSource = {
  flag: '--mlflow-tracking-uri', parameter: 'mlflow-tracking-uri', fate: 'stored in the compiled pipeline',
  omitted: 'the steps then read MLFLOW_TRACKING_URI from their environment',
};
export const RUN_TRACKING_URI: ValueSource = {
  flag: '--param mlflow_tracking_uri', parameter: 'mlflow_tracking_uri',
  fate: "stored in the KFP run record and passed to every MLflow step on its command line",
  omitted: "the pipeline's compiled default then applies; an empty value makes the steps read MLFLOW_TRACKING_URI from their environment",
};

const usage = (message: string, parameter: string) => new TrainSpamError('INVALID_ARGUMENT', message, { parameter, usage: true });

/**
 * The MLflow tracking URI of a pipeline: empty (the steps' environment decides) or the http(s)
 * address of a server, without credentials. Throws a usage error naming `src.flag`; the message
 * never holds the credentials.
 */
export function checkPipelineTrackingUri(uri: string, src: ValueSource): void {
  if (hasCredentials(uri)) {
    throw usage(
      `${src.flag} '${redactUrl(uri)}' carries credentials (user-info or a token-like query value), which would be ${src.fate}; ` +
        'pass the URI without them and give the steps MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN from a Kubernetes Secret',
      src.parameter,
    );
  }
  // Each step runs in a pod of its own: a local store (a path, file:) would stay behind in each one,
  // and promotion, comparison and the HPO merge would not see what the other steps recorded.
  if (uri !== '' && !/^https?:\/\/[^/]/i.test(uri)) {
    throw usage(
      `${src.flag} '${uri}' is not an http(s) URL; each pipeline step runs in a pod of its own, so a local store would be left behind in each pod ` +
        `and the steps would not see each other's runs or the registry: give the http(s) address of an MLflow server, or leave it out (${src.omitted})`,
      src.parameter,
    );
  }
}

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A Docker tag (the compiled images' tag, and the `image_tag` parameter that records it). */
export function checkImageTag(tag: string, src: Pick<ValueSource, 'flag' | 'parameter'>, hint = ''): void {
  if (!TAG_RE.test(tag)) throw usage(`${src.flag} '${tag}' is not a valid Docker tag (letters, digits, _ . -; at most 128, not starting with . or -)${hint}`, src.parameter);
}
