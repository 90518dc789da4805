/** Branded string ids: a RunId cannot be passed where a TrialId is expected. */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type RunId = Brand<string, 'RunId'>;
export type ExperimentId = Brand<string, 'ExperimentId'>;
export type TrialId = Brand<string, 'TrialId'>;
export type EmailId = Brand<string, 'EmailId'>;

export const asRunId = (s: string) => s as RunId;
export const asExperimentId = (s: string) => s as ExperimentId;
export const asTrialId = (s: string) => s as TrialId;
export const asEmailId = (s: string) => s as EmailId;
