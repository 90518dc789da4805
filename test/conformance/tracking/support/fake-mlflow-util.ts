/** Shared pieces of the fake MLflow server: API errors as MLflow shapes them, JSON helpers. */
export type J = Record<string, any>;

export class ApiError extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}
export const notFound = (m: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', m);
export const invalid = (m: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', m);

export class RouteError extends Error {
  constructor(readonly status: number) {
    super(`route ${status}`);
  }
}

export function kv(m: Map<string, string> | undefined): J[] {
  return [...(m ?? new Map())].map(([key, value]) => ({ key, value }));
}

/** The server omits empty repeated fields. */
export function omitEmpty(o: J): J {
  const out: J = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out;
}

