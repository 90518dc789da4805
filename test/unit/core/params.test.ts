/**
 * resolveParams: names outside the spec are refused by the spec's own keys only (names every
 * object inherits, such as 'toString' or 'constructor', are unknown too), defaults fill the rest.
 */
import { describe, expect, it } from 'vitest';
import { resolveParams, type ParamSpec } from '../../../src/core/params.js';
import { gbmParamSpec } from '../../../src/models/gbm/params.js';

describe('resolveParams', () => {
  it('refuses names the spec does not own, including inherited object properties', () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', 'learning_rat']) {
      expect(() => resolveParams('gbm', gbmParamSpec as ParamSpec, { [name]: 1 }), name).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`gbm: unknown parameter '${name}'`) }),
      );
    }
  });

  it('fills defaults and keeps given values', () => {
    const p = resolveParams('gbm', gbmParamSpec as ParamSpec, { max_depth: 3 }) as Record<string, unknown>;
    expect(p.max_depth).toBe(3);
    expect(p.scale_pos_weight).toBe(1);
  });
});
