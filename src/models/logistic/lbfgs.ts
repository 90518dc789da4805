/**
 * Limited-memory quasi-Newton minimisation, one step at a time (so the caller can report progress
 * and stop between steps).
 *
 * - Smooth objectives (L2): L-BFGS with the two-loop recursion and a line search satisfying the
 *   strong Wolfe conditions (bracketing + zoom with safeguarded cubic interpolation, Nocedal &
 *   Wright algorithms 3.5/3.6), c1 = 1e-4, c2 = 0.9.
 * - With an L1 term Σ λ_j |x_j|: OWL-QN (Andrew & Gao 2007): the quasi-Newton direction is computed
 *   from the pseudo-gradient, clipped to the descent orthant, and a backtracking (Armijo) line
 *   search projects each trial point onto that orthant, so coefficients reach exact zeros.
 */

/** f(x) of the smooth part; writes ∇f(x) into grad (overwriting it). */
export type SmoothObjective = (x: Float64Array, grad: Float64Array) => number;

export interface QuasiNewtonOptions {
  /** Converged when max |(pseudo-)gradient| ≤ gtol. */
  readonly gtol: number;
  /**
   * Converged when the relative decrease (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol
   * (default 2.22e-9: scipy's L-BFGS-B default factr = 1e7 times machine epsilon).
   */
  readonly ftol?: number;
  /** Memory pairs (default 10, as scipy's L-BFGS-B). */
  readonly memory?: number;
  /** Per-coordinate L1 weights; null or all zero = plain L-BFGS. */
  readonly l1?: Float64Array | null;
}

/** 'failed': the line search found no acceptable step (the iterate is left unchanged). */
export type StepOutcome = 'continue' | 'converged' | 'failed';

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/** OWL-QN pseudo-gradient of f + Σ l1_j |x_j| written into pg. */
function pseudoGradient(x: Float64Array, g: Float64Array, l1: Float64Array, pg: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const lam = l1[j];
    if (lam === 0) pg[j] = g[j];
    else if (x[j] > 0) pg[j] = g[j] + lam;
    else if (x[j] < 0) pg[j] = g[j] - lam;
    else if (g[j] + lam < 0) pg[j] = g[j] + lam;
    else if (g[j] - lam > 0) pg[j] = g[j] - lam;
    else pg[j] = 0;
  }
}

function l1Norm(x: Float64Array, l1: Float64Array, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += l1[j] * Math.abs(x[j]);
  return s;
}

/** Minimiser of the cubic through (a, fa, ga), (b, fb, gb), clamped into the inner 80 % of [a, b]. */
function cubicStep(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  let t = NaN;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
  }
  const margin = 0.1 * (hi - lo);
  // Safeguard: a minimiser outside the inner 80 % is moved to its nearest edge (not to the middle:
  // when the first trial overshoots by orders of magnitude, bisection would need one evaluation
  // per halving); no usable cubic → bisection.
  if (!Number.isFinite(t)) t = (lo + hi) / 2;
  else if (t < lo + margin) t = lo + margin;
  else if (t > hi - margin) t = hi - margin;
  return t;
}

export class QuasiNewton {
  readonly x: Float64Array;
  /** Smooth gradient at x. */
  readonly g: Float64Array;
  /** Smooth objective value at x (without the L1 term). */
  f: number;
  iterations = 0;
  evaluations = 1;
  private readonly n: number;
  private readonly m: number;
  private readonly S: Float64Array[];
  private readonly Y: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private stored = 0;
  private head = 0;
  private readonly d: Float64Array;
  private readonly pg: Float64Array;
  private readonly xt: Float64Array;
  private readonly gt: Float64Array;
  private readonly l1: Float64Array | null;

  constructor(
    private readonly fun: SmoothObjective,
    x0: Float64Array,
    private readonly options: QuasiNewtonOptions,
  ) {
    const n = x0.length;
    this.n = n;
    this.m = options.memory ?? 10;
    this.x = Float64Array.from(x0);
    this.g = new Float64Array(n);
    this.S = [];
    this.Y = [];
    for (let i = 0; i < this.m; i++) {
      this.S.push(new Float64Array(n));
      this.Y.push(new Float64Array(n));
    }
    this.rho = new Float64Array(this.m);
    this.alpha = new Float64Array(this.m);
    this.d = new Float64Array(n);
    this.pg = new Float64Array(n);
    this.xt = new Float64Array(n);
    this.gt = new Float64Array(n);
    const l1 = options.l1 ?? null;
    this.l1 = l1 && maxAbs(l1, n) > 0 ? l1 : null;
    this.f = fun(this.x, this.g);
  }

  /** Full objective (smooth + L1). */
  objective(): number {
    return this.l1 ? this.f + l1Norm(this.x, this.l1, this.n) : this.f;
  }

  /** Largest component of the (pseudo-)gradient at x. */
  gradientNorm(): number {
    if (!this.l1) return maxAbs(this.g, this.n);
    pseudoGradient(this.x, this.g, this.l1, this.pg, this.n);
    return maxAbs(this.pg, this.n);
  }

  isConverged(): boolean {
    return this.gradientNorm() <= this.options.gtol;
  }

  /** d = -H · v by the two-loop recursion. */
  private direction(v: Float64Array): void {
    const { n, d, S, Y, rho, alpha, m } = this;
    for (let i = 0; i < n; i++) d[i] = -v[i];
    let idx = this.head;
    for (let k = 0; k < this.stored; k++) {
      idx = (idx - 1 + m) % m;
      const a = rho[idx] * dot(S[idx], d, n);
      alpha[idx] = a;
      const y = Y[idx];
      for (let i = 0; i < n; i++) d[i] -= a * y[i];
    }
    if (this.stored > 0) {
      const last = (this.head - 1 + m) % m;
      const gamma = 1 / (rho[last] * dot(Y[last], Y[last], n));
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let k = 0; k < this.stored; k++) {
      const b = rho[idx] * dot(Y[idx], d, n);
      const s = S[idx];
      const a = alpha[idx];
      for (let i = 0; i < n; i++) d[i] += (a - b) * s[i];
      idx = (idx + 1) % m;
    }
  }

  /**
   * Accepts xt/gt/ft as the new iterate and stores the curvature pair, unless `keepPair` is false:
   * a step the last-resort searches found far below the first trial crossed a region where f is
   * nothing like its quadratic model (one feature value of 1e20 makes the loss a step function of
   * the step length), and its pair would scale the next directions down by as many orders of
   * magnitude, so that their steps lower f by less than ftol and the fit stops there.
   */
  private accept(ft: number, keepPair = true): void {
    const { n, x, g, xt, gt, m } = this;
    const s = this.S[this.head];
    const y = this.Y[this.head];
    for (let i = 0; i < n; i++) {
      s[i] = xt[i] - x[i];
      y[i] = gt[i] - g[i];
    }
    const sy = dot(s, y, n);
    if (keepPair && sy > 1e-12 * Math.sqrt(dot(y, y, n) * dot(s, s, n))) {
      this.rho[this.head] = 1 / sy;
      this.head = (this.head + 1) % m;
      if (this.stored < m) this.stored++;
    }
    x.set(xt);
    g.set(gt);
    this.f = ft;
  }

  /** One quasi-Newton iteration. */
  step(): StepOutcome {
    if (this.isConverged()) return 'converged';
    const before = this.objective();
    let ok = this.l1 ? this.owlqnStep() : this.wolfeStep();
    if (!ok && this.stored > 0) {
      // As scipy's L-BFGS-B: a search along the direction of the stored curvature pairs that finds
      // no step is retried once from steepest descent with the memory dropped. Pairs taken where
      // one feature's values are orders of magnitude above the others' scale that direction down
      // so far that no step along it lowers f measurably.
      this.stored = 0;
      ok = this.l1 ? this.owlqnStep() : this.wolfeStep();
    }
    if (!ok) return 'failed';
    this.iterations++;
    const after = this.objective();
    if (this.isConverged()) return 'converged';
    const ftol = this.options.ftol ?? 2.220446049250313e-9;
    if (before - after <= ftol * Math.max(Math.abs(before), Math.abs(after), 1)) return 'converged';
    return 'continue';
  }

  private evalAt(alpha: number): number {
    const { n, x, d, xt, gt } = this;
    for (let i = 0; i < n; i++) xt[i] = x[i] + alpha * d[i];
    this.evaluations++;
    return this.fun(xt, gt);
  }

  private wolfeStep(): boolean {
    const { n, g, d } = this;
    this.direction(g);
    let g0 = dot(g, d, n);
    if (!(g0 < 0)) {
      // Not a descent direction (stale curvature): restart from steepest descent.
      this.stored = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      g0 = dot(g, d, n);
      if (!(g0 < 0)) return false;
    }
    // ‖g‖² beyond the largest double (features near 1e154 and above): no step can be chosen
    if (!Number.isFinite(g0)) return false;
    const f0 = this.f;
    const c1 = 1e-4;
    const c2 = 0.9;
    let a1 = this.stored === 0 ? Math.min(1, 1 / Math.sqrt(dot(g, g, n))) : 1;
    let a0 = 0;
    let f0prev = f0;
    let g0prev = g0;
    for (let i = 0; i < 30; i++) {
      const f1 = this.evalAt(a1);
      const d1 = dot(this.gt, d, n);
      if (!Number.isFinite(f1) || f1 > f0 + c1 * a1 * g0 || (i > 0 && f1 >= f0prev)) {
        return this.zoom(a0, f0prev, g0prev, a1, f1, d1, f0, g0);
      }
      if (Math.abs(d1) <= -c2 * g0) {
        this.accept(f1);
        return true;
      }
      if (d1 >= 0) return this.zoom(a1, f1, d1, a0, f0prev, g0prev, f0, g0);
      a0 = a1;
      f0prev = f1;
      g0prev = d1;
      a1 *= 2;
    }
    // 30 doublings, each with sufficient decrease and f still falling: take the last (evaluated
    // last, so xt / gt hold it) rather than discard the progress
    this.accept(f0prev);
    return true;
  }

  private zoom(lo: number, flo: number, glo: number, hi: number, fhi: number, ghi: number, f0: number, g0: number): boolean {
    const { n, d } = this;
    const c1 = 1e-4;
    const c2 = 0.9;
    for (let i = 0; i < 30; i++) {
      const a = Number.isFinite(fhi) ? cubicStep(lo, flo, glo, hi, fhi, ghi) : (lo + hi) / 2;
      const fa = this.evalAt(a);
      const ga = dot(this.gt, d, n);
      if (!Number.isFinite(fa) || fa > f0 + c1 * a * g0 || fa >= flo) {
        hi = a;
        fhi = fa;
        ghi = ga;
      } else {
        if (Math.abs(ga) <= -c2 * g0) {
          this.accept(fa);
          return true;
        }
        if (ga * (hi - lo) >= 0) {
          hi = lo;
          fhi = flo;
          ghi = glo;
        }
        lo = a;
        flo = fa;
        glo = ga;
      }
      // relative to the bracket itself: the first trial step is 1 / ‖g‖, far below 1 when a column
      // holds large raw values, and a bracket below an absolute 1e-16 ended the search there
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(Math.abs(lo), Math.abs(hi))) break;
    }
    // Fall back to the best point found with sufficient decrease, if any.
    if (lo > 0 && flo < f0) {
      const fl = this.evalAt(lo);
      this.accept(fl);
      return true;
    }
    // None: every trial failed, so lo = 0 and hi is the smallest one.
    return this.backtrack(hi, f0, g0);
  }

  /**
   * Last resort of the Wolfe search: steps a / 10, a / 100, … until one lowers f with sufficient
   * decrease (Armijo only; accept() keeps the curvature pair only if it is one), or until the step
   * no longer moves x (at most ~650 evaluations from a ≤ 2^30; a failure then). The zoom shrinks
   * its bracket by a factor of ~3 per trial where f drops like a step function of a: one feature
   * value of 1e20 puts the acceptable steps ~16 orders of magnitude below the first trial 1 / ‖g‖.
   */
  private backtrack(a: number, f0: number, g0: number): boolean {
    const { n, x, d, xt } = this;
    for (;;) {
      a *= 0.1;
      let moved = false;
      for (let i = 0; i < n; i++) {
        xt[i] = x[i] + a * d[i];
        if (xt[i] !== x[i]) moved = true;
      }
      if (!moved) return false;
      this.evaluations++;
      const ft = this.fun(xt, this.gt);
      if (ft < f0 && ft <= f0 + 1e-4 * a * g0) {
        this.accept(ft, false);
        return true;
      }
    }
  }

  private owlqnStep(): boolean {
    const { n, x, g, d, pg, xt } = this;
    const l1 = this.l1 as Float64Array;
    pseudoGradient(x, g, l1, pg, n);
    this.direction(pg);
    for (let j = 0; j < n; j++) if (d[j] * pg[j] >= 0) d[j] = 0;
    if (!(dot(d, pg, n) < 0)) {
      this.stored = 0;
      for (let j = 0; j < n; j++) d[j] = -pg[j];
    }
    const F0 = this.f + l1Norm(x, l1, n);
    let a = 1;
    if (this.stored === 0) {
      const norm = Math.sqrt(dot(pg, pg, n));
      // ‖pg‖² beyond the largest double (features near 1e154 and above): no first step to take
      if (!Number.isFinite(norm)) return false;
      a = Math.min(1, 1 / norm);
    }
    // 60 halvings; then, as the Wolfe search's backtrack(), steps / 10 that must lower F until the
    // step no longer moves x (one feature value of 1e25 puts the acceptable steps ~21 orders of
    // magnitude below the first trial 1 / ‖pg‖). A step that took 20 halvings or more (2^-20 of
    // the first trial; ordinary fits, raw SpamAssassin columns of 1e5 included, take fewer) keeps
    // no curvature pair (accept()): with it, one value of 1e10 stopped the fit after two steps.
    for (let i = 0; ; i++) {
      let moved = false;
      for (let j = 0; j < n; j++) {
        const v = x[j] + a * d[j];
        if (l1[j] === 0) {
          xt[j] = v;
        } else {
          const orth = x[j] !== 0 ? Math.sign(x[j]) : -Math.sign(pg[j]);
          xt[j] = Math.sign(v) === orth ? v : 0;
        }
        if (xt[j] !== x[j]) moved = true;
      }
      if (i >= 60 && !moved) return false;
      this.evaluations++;
      const ft = this.fun(xt, this.gt);
      const Ft = ft + l1Norm(xt, l1, n);
      let dec = 0;
      for (let j = 0; j < n; j++) dec += pg[j] * (xt[j] - x[j]);
      if (Number.isFinite(Ft) && Ft <= F0 + 1e-4 * dec && (i < 60 || Ft < F0)) {
        this.accept(ft, i < 20);
        return true;
      }
      a *= i < 60 ? 0.5 : 0.1;
    }
  }
}
