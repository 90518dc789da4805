/**
 * numpy's default `argsort` (kind='quicksort', numpy ≤ 1.24 on float64: an introsort with
 * median-of-three pivots, insertion sort for ranges of at most 16 elements and a heapsort fallback). It is not
 * stable, so which of several equal values comes first depends on this exact algorithm; scikit-learn's
 * `max_features` cut-off uses it, and reproducing it reproduces sklearn's choice among tied terms.
 * Values must not be NaN.
 */

const SMALL_QUICKSORT = 15;

/** Indices that sort `v` ascending, in the order numpy 1.24 `np.argsort(v)` returns them. */
export function numpyArgsort(v: Float64Array): Int32Array {
  const num = v.length;
  const a = new Int32Array(num);
  for (let i = 0; i < num; i++) a[i] = i;
  if (num < 2) return a;
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = msb(num) * 2;
  for (;;) {
    if (cdepth < 0) {
      heapsort(v, a, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[a[pm]] < v[a[pl]]) swap(a, pm, pl);
        if (v[a[pr]] < v[a[pm]]) swap(a, pr, pm);
        if (v[a[pm]] < v[a[pl]]) swap(a, pm, pl);
        const vp = v[a[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(a, pm, pj);
        for (;;) {
          do ++pi;
          while (v[a[pi]] < vp);
          do --pj;
          while (vp < v[a[pj]]);
          if (pi >= pj) break;
          swap(a, pi, pj);
        }
        swap(a, pi, pr - 1);
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = a[pi];
        const vp = v[vi];
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && vp < v[a[pk]]) a[pj--] = a[pk--];
        a[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop() as number;
    pl = stack.pop() as number;
    cdepth = depths.pop() as number;
  }
  return a;
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function msb(n: number): number {
  let d = 0;
  while ((n = Math.floor(n / 2)) > 0) d++;
  return d;
}

/** numpy's aheapsort over a[off .. off+n), 1-based heap indexing as in the C code. */
function heapsort(v: Float64Array, arr: Int32Array, off: number, n: number): void {
  const at = (k: number) => arr[off + k - 1];
  const put = (k: number, x: number) => {
    arr[off + k - 1] = x;
  };
  let i: number;
  let j: number;
  let tmp: number;
  for (let l = n >> 1; l > 0; --l) {
    tmp = at(l);
    for (i = l, j = l << 1; j <= n; ) {
      if (j < n && v[at(j)] < v[at(j + 1)]) j += 1;
      if (v[tmp] < v[at(j)]) {
        put(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    put(i, tmp);
  }
  for (; n > 1; ) {
    tmp = at(n);
    put(n, at(1));
    n -= 1;
    for (i = 1, j = 2; j <= n; ) {
      if (j < n && v[at(j)] < v[at(j + 1)]) j++;
      if (v[tmp] < v[at(j)]) {
        put(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    put(i, tmp);
  }
}
