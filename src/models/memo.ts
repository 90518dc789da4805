/**
 * FitMemo implementations (see contract.ts): a memo over nested WeakMaps, so an entry lives as long
 * as its key objects (the fold matrices of a study) and no longer, and a pass-through for fits
 * without one.
 */
import type { FitMemo } from './contract.js';

type Node = { readonly next: WeakMap<object, Node>; readonly values: Map<string, unknown> };

const newNode = (): Node => ({ next: new WeakMap(), values: new Map() });

/** A memo for one thread's fits (e.g. one per HPO worker). */
export function createFitMemo(): FitMemo {
  const root = newNode();
  return {
    get<T>(keys: readonly object[], tag: string, make: () => T): T {
      let node = root;
      for (const k of keys) {
        let n = node.next.get(k);
        if (!n) {
          n = newNode();
          node.next.set(k, n);
        }
        node = n;
      }
      if (node.values.has(tag)) return node.values.get(tag) as T;
      const v = make();
      node.values.set(tag, v);
      return v;
    },
  };
}

/** Derives every value afresh (fits without a memo). */
export const NO_MEMO: FitMemo = Object.freeze({
  get<T>(_keys: readonly object[], _tag: string, make: () => T): T {
    return make();
  },
});
