/*
 * Native GBM kernel: the hot loops of src/models/gbm/kernel.ts (GbmKernel) in C, as a
 * context-aware N-API addon (works in worker threads; one instance per thread; the only global is
 * a cached answer to "does the CPU have AVX2", see simd_avx2).
 *
 * Every function mirrors its TypeScript twin operation for operation, in the same order, so the
 * results are bit-identical: build with -ffp-contract=off (no fused multiply-add) and never with
 * -ffast-math. Argument contents are trusted (the histogram pool and the tree learner produce
 * them); types and lengths are checked, and a mismatch throws a TypeError / RangeError.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_ABI 4
#define MAX_ARGS 20
#define BLOCK_SHIFT 14 /* histogram.ts BLOCK_SHIFT */
/* Smallest call (list entries / bins) worth splitting over two threads. */
#define PARALLEL_MIN_WORK 4096

typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  int failed;
  int threads; /* 1, or 2 for the *2 exports (the function's data pointer) */
} args_t;

static int load_args(napi_env env, napi_callback_info info, args_t* a, size_t want) {
  a->env = env;
  a->argc = MAX_ARGS;
  a->failed = 0;
  void* data = NULL;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, &data) != napi_ok) return 0;
  a->threads = data == NULL ? 1 : (int)(intptr_t)data;
  if (a->argc < want) {
    napi_throw_type_error(env, "ERR_GBM_KERNEL_ARGS", "gbm native kernel: too few arguments");
    return 0;
  }
  return 1;
}

static void* typed(args_t* a, size_t i, napi_typedarray_type want, size_t* len) {
  napi_typedarray_type t;
  size_t l = 0;
  void* d = NULL;
  napi_value ab;
  size_t off;
  if (a->failed) return NULL;
  if (napi_get_typedarray_info(a->env, a->argv[i], &t, &l, &d, &ab, &off) != napi_ok || t != want) {
    /* napi_get_typedarray_info may have thrown already (not a typed array). */
    bool pending = false;
    napi_is_exception_pending(a->env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(a->env, &ignored);
    }
    napi_throw_type_error(a->env, "ERR_GBM_KERNEL_ARGS", "gbm native kernel: a typed-array argument has the wrong type");
    a->failed = 1;
    return NULL;
  }
  *len = l;
  return d;
}

static int32_t int_arg(args_t* a, size_t i) {
  int32_t v = 0;
  if (a->failed) return 0;
  if (napi_get_value_int32(a->env, a->argv[i], &v) != napi_ok) {
    napi_throw_type_error(a->env, "ERR_GBM_KERNEL_ARGS", "gbm native kernel: an integer argument is not a number");
    a->failed = 1;
  }
  return v;
}

static double num_arg(args_t* a, size_t i) {
  double v = 0;
  if (a->failed) return 0;
  if (napi_get_value_double(a->env, a->argv[i], &v) != napi_ok) {
    napi_throw_type_error(a->env, "ERR_GBM_KERNEL_ARGS", "gbm native kernel: a number argument is not a number");
    a->failed = 1;
  }
  return v;
}

static int check(args_t* a, int ok, const char* what) {
  if (a->failed) return 0;
  if (!ok) {
    napi_throw_range_error(a->env, "ERR_GBM_KERNEL_ARGS", what);
    a->failed = 1;
    return 0;
  }
  return 1;
}

static napi_value int_result(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* ---- optional second thread (the *2 exports): one helper per addon instance, i.e. per JS thread ----
 * A call splits its work into two independent halves (disjoint bins / features), runs one on the
 * helper and one on the calling thread, and waits: the JS call stays synchronous. Each half does
 * exactly the arithmetic the single-threaded loop does for its bins, so results are unchanged.
 *
 * Hand-off: a fit makes ~30 kernel calls per tree, a few microseconds of JS apart. Waking a
 * sleeping thread through a condition variable costs tens of microseconds on a virtual machine
 * (an inter-processor interrupt through the hypervisor), which ate the whole gain. So both sides
 * spin first: the helper polls for the next job for up to HELPER_SPIN_NS after finishing one, the
 * caller polls for the helper's half for up to CALLER_SPIN_NS; only then do they sleep on the
 * condition variable. The "sleeping" flags and the generation counters are sequentially
 * consistent atomics, so a post never misses a sleeper (each side stores its own variable, then
 * loads the other's). */
typedef void (*job_fn)(void*);

/* Where a call splits its work: each thread's recent cost per unit of work (list entries, bins),
 * as decayed sums, per operation. The helper's half tends to take longer than the caller's for
 * the same number of entries (the caller's cache holds the lists it just produced), so a fixed
 * half/half split left the caller waiting ~15 % of the fit. Only the split point adapts; the
 * arithmetic and results are the same for any split. */
enum { OP_SWEEP, OP_BUILD_SUBTRACT, OP_SEARCH, OP_COUNT };
typedef struct {
  double main_ns, main_units, helper_ns, helper_units;
} balance_t;

#define HELPER_SPIN_NS 300000L  /* 0.3 ms: longer than the JS between two kernel calls of one tree */
#define CALLER_SPIN_NS 2000000L /* 2 ms: the helper's half is about as long as ours */

typedef struct {
  pthread_t thread;
  int started;
  int failed;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  _Atomic unsigned long gen;      /* jobs posted */
  _Atomic unsigned long done_gen; /* jobs the helper finished */
  _Atomic int helper_sleeping;
  _Atomic int caller_sleeping;
  _Atomic int quit;
  job_fn fn; /* written before gen is incremented, read after it is seen */
  void* arg;
  long helper_ns; /* how long the helper's last job took (written before done_gen) */
  long main_ns;   /* how long the caller's half of the last pair took */
  balance_t balance[OP_COUNT];
} pool_t;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Polls until *v differs from `value` (want_equal = 0) or equals it (want_equal = 1), or *quit is
 * set, or budget_ns have passed; returns 0 only when the time ran out. */
static int spin_until(_Atomic unsigned long* v, unsigned long value, int want_equal, const _Atomic int* quit, long budget_ns) {
  const long until = now_ns() + budget_ns;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      const unsigned long x = atomic_load(v);
      if (want_equal ? x == value : x != value) return 1;
      if (quit && atomic_load(quit)) return 1;
      cpu_relax();
    }
    if (now_ns() > until) return 0;
  }
}

/* The caller's share of the next split of operation `op`, from the measured costs (0.5 until both are known). */
static double main_share(const balance_t* b) {
  if (b->main_units <= 0 || b->helper_units <= 0 || b->main_ns <= 0 || b->helper_ns <= 0) return 0.5;
  const double cm = b->main_ns / b->main_units;
  const double ch = b->helper_ns / b->helper_units;
  double share = ch / (cm + ch);
  if (share < 0.3) share = 0.3;
  if (share > 0.7) share = 0.7;
  return share;
}

static void balance_record(pool_t* pool, int op, double main_units, double helper_units) {
  balance_t* b = &pool->balance[op];
  const double keep = 0.9; /* the last ~10 calls */
  b->main_ns = b->main_ns * keep + (double)pool->main_ns;
  b->main_units = b->main_units * keep + main_units;
  b->helper_ns = b->helper_ns * keep + (double)pool->helper_ns;
  b->helper_units = b->helper_units * keep + helper_units;
}

static void* helper_main(void* p) {
  pool_t* pool = p;
  unsigned long seen = 0;
  for (;;) {
    if (!spin_until(&pool->gen, seen, 0, &pool->quit, HELPER_SPIN_NS)) {
      pthread_mutex_lock(&pool->mu);
      atomic_store(&pool->helper_sleeping, 1);
      while (atomic_load(&pool->gen) == seen && !atomic_load(&pool->quit)) pthread_cond_wait(&pool->cv, &pool->mu);
      atomic_store(&pool->helper_sleeping, 0);
      pthread_mutex_unlock(&pool->mu);
    }
    if (atomic_load(&pool->quit)) break;
    seen = atomic_load(&pool->gen);
    const long t0 = now_ns();
    pool->fn(pool->arg);
    pool->helper_ns = now_ns() - t0;
    atomic_store(&pool->done_gen, seen);
    if (atomic_load(&pool->caller_sleeping)) {
      pthread_mutex_lock(&pool->mu);
      pthread_cond_broadcast(&pool->cv);
      pthread_mutex_unlock(&pool->mu);
    }
  }
  return NULL;
}

static void pool_finalize(napi_env env, void* data, void* hint) {
  pool_t* pool = data;
  if (pool->started) {
    pthread_mutex_lock(&pool->mu);
    atomic_store(&pool->quit, 1);
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    pthread_join(pool->thread, NULL);
  }
  pthread_cond_destroy(&pool->cv);
  pthread_mutex_destroy(&pool->mu);
  free(pool);
}

static pool_t* get_pool(napi_env env) {
  void* data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return data;
}

/* Runs helper_fn(helper_arg) on the helper thread and main_fn(main_arg) here; returns when both are done. */
static void run_pair(pool_t* pool, job_fn main_fn, void* main_arg, job_fn helper_fn, void* helper_arg) {
  pool->fn = helper_fn;
  pool->arg = helper_arg;
  const unsigned long g = atomic_load(&pool->gen) + 1;
  atomic_store(&pool->gen, g);
  if (atomic_load(&pool->helper_sleeping)) {
    pthread_mutex_lock(&pool->mu);
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
  }
  const long t0 = now_ns();
  main_fn(main_arg);
  pool->main_ns = now_ns() - t0;
  if (!spin_until(&pool->done_gen, g, 1, NULL, CALLER_SPIN_NS)) {
    pthread_mutex_lock(&pool->mu);
    atomic_store(&pool->caller_sleeping, 1);
    while (atomic_load(&pool->done_gen) != g) pthread_cond_wait(&pool->cv, &pool->mu);
    atomic_store(&pool->caller_sleeping, 0);
    pthread_mutex_unlock(&pool->mu);
  }
}

/* The pool when the call asked for two threads and the work is large enough to pay for a
 * hand-off; the helper thread starts on first use (a failed start means one thread). */
static pool_t* parallel_pool(napi_env env, int threads, size_t work) {
  if (threads < 2 || work < PARALLEL_MIN_WORK) return NULL;
  pool_t* pool = get_pool(env);
  if (!pool) return NULL;
  if (!pool->started && !pool->failed) {
    if (pthread_create(&pool->thread, NULL, helper_main, pool) == 0)
      pool->started = 1;
    else
      pool->failed = 1;
  }
  return pool->started ? pool : NULL;
}

/* ---- loops (twins of src/models/gbm/histogram.ts, split.ts, kernel.ts) ---- */

static void accumulate_rows(const int32_t* rows, int32_t begin, int32_t end, const int32_t* block_ptr, size_t B1, size_t blk,
                            const int32_t* bins, const double* grad, const double* hess, double* acc, uint16_t* mark) {
  for (int32_t i = begin; i < end; i++) {
    const size_t r = (size_t)rows[i];
    const double g = grad[r];
    const double h = hess[r];
    const size_t q = r * B1 + blk;
    const int32_t k_end = block_ptr[q + 1];
    for (int32_t k = block_ptr[q]; k < k_end; k++) {
      const uint32_t b = (uint32_t)bins[k];
      double* p = acc + 2 * (size_t)b;
      p[0] += g;
      p[1] += h;
      mark[b >> 4] |= (uint16_t)(1u << (b & 15));
    }
  }
}

/* keep = 0: move sums out and clear them (compactScratch); keep = 1: leave them (compactKeep). */
static int32_t compact(double* acc, uint16_t* mark, size_t w0, size_t w1, int32_t* out_bins, double* out_grad, double* out_hess, int keep) {
  int32_t n = 0;
  for (size_t w = w0; w < w1; w++) {
    uint32_t bits = mark[w];
    if (bits == 0) continue;
    while (bits != 0) {
      const uint32_t b = (uint32_t)(w << 4) + (uint32_t)__builtin_ctz(bits);
      bits &= bits - 1;
      double* p = acc + 2 * (size_t)b;
      out_bins[n] = (int32_t)b;
      out_grad[n] = p[0];
      out_hess[n] = p[1];
      if (!keep) {
        p[0] = 0;
        p[1] = 0;
      }
      n++;
    }
    mark[w] = 0;
  }
  return n;
}

static int32_t subtract_scratch(int32_t* p_bins, double* p_grad, double* p_hess, int32_t p_len, const double* acc) {
  int32_t w = 0;
  for (int32_t i = 0; i < p_len; i++) {
    const int32_t b = p_bins[i];
    const double* p = acc + 2 * (size_t)b;
    const double h = p_hess[i];
    const double ch = p[1];
    const double h2 = h - ch;
    p_bins[w] = b;
    p_grad[w] = p_grad[i] - p[0];
    p_hess[w] = h2;
    w += h2 <= 1e-11 * h ? 0 : 1;
  }
  return w;
}

/* subtract_scratch compacting toward the end: kept entries of [0, p_len) end up in
 * [p_len - kept, p_len), in order; returns that first position. Walking down, the write cursor
 * never passes the read cursor. */
static int32_t subtract_scratch_back(int32_t* p_bins, double* p_grad, double* p_hess, int32_t p_len, const double* acc) {
  int32_t w = p_len;
  for (int32_t i = p_len - 1; i >= 0; i--) {
    const int32_t b = p_bins[i];
    const double* p = acc + 2 * (size_t)b;
    const double h = p_hess[i];
    const double ch = p[1];
    const double h2 = h - ch;
    const double g2 = p_grad[i] - p[0];
    p_bins[w - 1] = b;
    p_grad[w - 1] = g2;
    p_hess[w - 1] = h2;
    w -= h2 <= 1e-11 * h ? 0 : 1;
  }
  return w;
}

static void clear_scratch(double* acc, const int32_t* bins, int32_t len) {
  for (int32_t i = 0; i < len; i++) {
    double* p = acc + 2 * (size_t)bins[i];
    p[0] = 0;
    p[1] = 0;
  }
}

/* First position in the ascending list with bin >= v. */
static int32_t lower_bound(const int32_t* bins, int32_t len, int32_t v) {
  int32_t lo = 0, hi = len;
  while (lo < hi) {
    const int32_t mid = lo + ((hi - lo) >> 1);
    if (bins[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* ---- exported functions ---- */

typedef struct {
  const int32_t* bin_start;
  const int32_t* entry_row;
  const double* grad;
  const double* hess;
  int32_t* out_bins;
  double* out_grad;
  double* out_hess;
  size_t b0, b1;
  int32_t out0; /* first output position (counted by the job itself when count_before) */
  int32_t n;    /* entries written */
  int count_before;
} sweep_t;

static void sweep_job(void* p) {
  sweep_t* s = p;
  if (s->count_before) {
    int32_t c = 0;
    for (size_t b = 0; b < s->b0; b++) c += s->bin_start[b] != s->bin_start[b + 1];
    s->out0 = c;
  }
  int32_t n = s->out0;
  for (size_t b = s->b0; b < s->b1; b++) {
    const int32_t st = s->bin_start[b];
    const int32_t e = s->bin_start[b + 1];
    if (st == e) continue;
    double g = 0;
    double h = 0;
    for (int32_t k = st; k < e; k++) {
      const int32_t r = s->entry_row[k];
      g += s->grad[r];
      h += s->hess[r];
    }
    s->out_bins[n] = (int32_t)b;
    s->out_grad[n] = g;
    s->out_hess[n] = h;
    n++;
  }
  s->n = n - s->out0;
}

/* sweepAllRows(binStart, entryRow, grad, hess, outBins, outGrad, outHess): number */
static napi_value sweep_all_rows(napi_env env, napi_callback_info info) {
  args_t a;
  if (!load_args(env, info, &a, 7)) return NULL;
  size_t nbs, ner, ng, nh, nob, nog, noh;
  const int32_t* bin_start = typed(&a, 0, napi_int32_array, &nbs);
  const int32_t* entry_row = typed(&a, 1, napi_int32_array, &ner);
  const double* grad = typed(&a, 2, napi_float64_array, &ng);
  const double* hess = typed(&a, 3, napi_float64_array, &nh);
  int32_t* out_bins = typed(&a, 4, napi_int32_array, &nob);
  double* out_grad = typed(&a, 5, napi_float64_array, &nog);
  double* out_hess = typed(&a, 6, napi_float64_array, &noh);
  if (a.failed) return NULL;
  if (!check(&a, nbs >= 1, "sweepAllRows: binStart is empty")) return NULL;
  const size_t total = nbs - 1;
  if (!check(&a, nob >= total && nog >= total && noh >= total && ng == nh && (size_t)bin_start[total] <= ner,
             "sweepAllRows: output lists shorter than the bin count, or entry/gradient lengths inconsistent"))
    return NULL;
  sweep_t parts[2] = {{bin_start, entry_row, grad, hess, out_bins, out_grad, out_hess, 0, total, 0, 0, 0},
                      {bin_start, entry_row, grad, hess, out_bins, out_grad, out_hess, total / 2, total, 0, 0, 1}};
  pool_t* pool = parallel_pool(env, a.threads, total);
  if (!pool) {
    sweep_job(&parts[0]);
    return int_result(env, parts[0].n);
  }
  /* The split is by entries (what a half's time follows: the dense features' bins hold most of
   * them), at the first bin where the caller's share of the entries is reached. */
  const int32_t target = (int32_t)(main_share(&pool->balance[OP_SWEEP]) * (double)bin_start[total]);
  const size_t mid = (size_t)lower_bound(bin_start, (int32_t)total, target);
  parts[0].b1 = mid;
  parts[1].b0 = mid;
  run_pair(pool, sweep_job, &parts[0], sweep_job, &parts[1]);
  balance_record(pool, OP_SWEEP, (double)bin_start[mid], (double)(bin_start[total] - bin_start[mid]));
  return int_result(env, parts[1].out0 + parts[1].n);
}

typedef struct {
  const int32_t* rows;
  int32_t begin, end;
  const int32_t* block_ptr;
  int32_t blocks;
  const int32_t* bins;
  const double* grad;
  const double* hess;
  double* acc;
  uint16_t* mark;
  size_t mark_words;
  int32_t* out_bins;
  double* out_grad;
  double* out_hess;
} build_args_t;

/* Arguments 0..12 of build / buildSubtract. */
static int load_build(args_t* a, build_args_t* b) {
  size_t nrows, nbp, nbins, ng, nh, nacc, nmark, nob, nog, noh;
  b->rows = typed(a, 0, napi_int32_array, &nrows);
  b->begin = int_arg(a, 1);
  b->end = int_arg(a, 2);
  b->block_ptr = typed(a, 3, napi_int32_array, &nbp);
  b->blocks = int_arg(a, 4);
  b->bins = typed(a, 5, napi_int32_array, &nbins);
  b->grad = typed(a, 6, napi_float64_array, &ng);
  b->hess = typed(a, 7, napi_float64_array, &nh);
  b->acc = typed(a, 8, napi_float64_array, &nacc);
  b->mark = typed(a, 9, napi_uint16_array, &nmark);
  b->out_bins = typed(a, 10, napi_int32_array, &nob);
  b->out_grad = typed(a, 11, napi_float64_array, &nog);
  b->out_hess = typed(a, 12, napi_float64_array, &noh);
  if (a->failed) return 0;
  const size_t total = nacc / 2;
  b->mark_words = nmark;
  return check(a,
               b->begin >= 0 && b->begin <= b->end && (size_t)b->end <= nrows && b->blocks >= 1 && ng == nh && nmark * 16 >= total &&
                   nob >= total && nog >= total && noh >= total && nbp % ((size_t)b->blocks + 1) == 0 && nbp / ((size_t)b->blocks + 1) == ng,
               "build: row range outside the row list, or scratch / output / block-pointer lengths inconsistent");
}

static void accumulate_blocks(const build_args_t* b, int32_t blk0, int32_t blk1) {
  const size_t B1 = (size_t)b->blocks + 1;
  for (int32_t blk = blk0; blk < blk1; blk++)
    accumulate_rows(b->rows, b->begin, b->end, b->block_ptr, B1, (size_t)blk, b->bins, b->grad, b->hess, b->acc, b->mark);
}

static void accumulate_all(const build_args_t* b) {
  accumulate_blocks(b, 0, b->blocks);
}

/* One half of a two-thread build-and-subtract: bins of blocks [blk0, blk1), i.e. mark words
 * [w0, w1) and parent entries [p0, p1). Nothing is moved afterwards:
 * - child list: the first half compacts its bins from position 0 and publishes its count; the
 *   second half compacts its bins right after them once that count is out (it subtracts first,
 *   so it rarely waits);
 * - parent list: the first half compacts its entries toward the split point (kept entries end at
 *   p_mid), the second half from the split point on, so the list stays contiguous and starts
 *   where the first half's entries now start (lens[2]). Closing the gap by moving the second half
 *   down instead cost ~8 % of a two-thread fit here. */
typedef struct {
  const build_args_t* b;
  int32_t blk0, blk1;
  size_t w0, w1;
  int32_t n;      /* child entries */
  int32_t* p_bins;
  double* p_grad;
  double* p_hess;
  int32_t p0, p1;
  int32_t pw;     /* first half: where its kept entries start; second half: how many it kept */
  _Atomic int32_t* first_n; /* the first half's child count, -1 until published */
  int second;
} half_t;

static void build_subtract_job(void* p) {
  half_t* h = p;
  const build_args_t* b = h->b;
  accumulate_blocks(b, h->blk0, h->blk1);
  if (!h->second) {
    h->n = compact(b->acc, b->mark, h->w0, h->w1, b->out_bins, b->out_grad, b->out_hess, 1);
    atomic_store(h->first_n, h->n);
    h->pw = h->p0 + subtract_scratch_back(h->p_bins + h->p0, h->p_grad + h->p0, h->p_hess + h->p0, h->p1 - h->p0, b->acc);
    clear_scratch(b->acc, b->out_bins, h->n);
  } else {
    h->pw = subtract_scratch(h->p_bins + h->p0, h->p_grad + h->p0, h->p_hess + h->p0, h->p1 - h->p0, b->acc);
    int32_t out0;
    while ((out0 = atomic_load(h->first_n)) < 0) cpu_relax();
    h->n = compact(b->acc, b->mark, h->w0, h->w1, b->out_bins + out0, b->out_grad + out0, b->out_hess + out0, 1);
    clear_scratch(b->acc, b->out_bins + out0, h->n);
  }
}

/* Two-thread build_subtract; returns 0 when not applicable (the caller runs the sequential one).
 * The halves split the bin blocks at the block boundary nearest the middle of the parent list:
 * parent entries are what the subtraction walks, and they track where the child's entries fall. */
static int build_subtract_pair(pool_t* pool, const build_args_t* b, int32_t* p_bins, double* p_grad, double* p_hess, int32_t p_len, int32_t* lens) {
  if (b->blocks < 2 || p_len < 2) return 0;
  /* the block boundary nearest the caller's share of the parent entries */
  const int32_t target = (int32_t)(main_share(&pool->balance[OP_BUILD_SUBTRACT]) * (double)p_len);
  int32_t mid_blk = (int32_t)((uint32_t)p_bins[target] >> BLOCK_SHIFT);
  if (mid_blk < 1) mid_blk = 1;
  if (mid_blk > b->blocks - 1) mid_blk = b->blocks - 1;
  int32_t p_mid = lower_bound(p_bins, p_len, mid_blk << BLOCK_SHIFT);
  if (mid_blk + 1 < b->blocks) {
    const int32_t up = lower_bound(p_bins, p_len, (mid_blk + 1) << BLOCK_SHIFT);
    if (up - target < target - p_mid) {
      mid_blk++;
      p_mid = up;
    }
  }
  const int32_t mid_bin = mid_blk << BLOCK_SHIFT;
  const size_t mid_word = (size_t)mid_bin >> 4;
  if (mid_word >= b->mark_words) return 0;
  half_t h[2];
  memset(h, 0, sizeof h);
  _Atomic int32_t first_n = -1;
  for (int i = 0; i < 2; i++) {
    h[i].b = b;
    h[i].p_bins = p_bins;
    h[i].p_grad = p_grad;
    h[i].p_hess = p_hess;
    h[i].first_n = &first_n;
    h[i].second = i;
  }
  h[0].blk0 = 0;
  h[0].blk1 = mid_blk;
  h[0].w0 = 0;
  h[0].w1 = mid_word;
  h[0].p0 = 0;
  h[0].p1 = p_mid;
  h[1].blk0 = mid_blk;
  h[1].blk1 = b->blocks;
  h[1].w0 = mid_word;
  h[1].w1 = b->mark_words;
  h[1].p0 = p_mid;
  h[1].p1 = p_len;
  run_pair(pool, build_subtract_job, &h[0], build_subtract_job, &h[1]);
  balance_record(pool, OP_BUILD_SUBTRACT, (double)p_mid, (double)(p_len - p_mid));
  lens[0] = h[0].n + h[1].n;
  lens[1] = p_mid - h[0].pw + h[1].pw;
  lens[2] = h[0].pw;
  return 1;
}

/* build(rows, begin, end, blockPtr, blocks, bins, grad, hess, acc, mark, outBins, outGrad, outHess): number */
static napi_value build(napi_env env, napi_callback_info info) {
  args_t a;
  build_args_t b;
  if (!load_args(env, info, &a, 13) || !load_build(&a, &b)) return NULL;
  accumulate_all(&b);
  return int_result(env, compact(b.acc, b.mark, 0, b.mark_words, b.out_bins, b.out_grad, b.out_hess, 0));
}

/* buildSubtract(rows, begin, end, blockPtr, blocks, bins, grad, hess, acc, mark, outBins, outGrad, outHess,
 *               pBins, pGrad, pHess, pLen, lens): void; lens = [child length, parent length, parent start] */
static napi_value build_subtract(napi_env env, napi_callback_info info) {
  args_t a;
  build_args_t b;
  if (!load_args(env, info, &a, 18) || !load_build(&a, &b)) return NULL;
  size_t npb, npg, nph, nlens;
  int32_t* p_bins = typed(&a, 13, napi_int32_array, &npb);
  double* p_grad = typed(&a, 14, napi_float64_array, &npg);
  double* p_hess = typed(&a, 15, napi_float64_array, &nph);
  const int32_t p_len = int_arg(&a, 16);
  int32_t* lens = typed(&a, 17, napi_int32_array, &nlens);
  if (a.failed) return NULL;
  if (!check(&a, p_len >= 0 && (size_t)p_len <= npb && (size_t)p_len <= npg && (size_t)p_len <= nph && nlens >= 3,
             "buildSubtract: parent length exceeds its lists, or lens is shorter than 3"))
    return NULL;
  pool_t* pool = parallel_pool(env, a.threads, (size_t)p_len);
  if (pool && build_subtract_pair(pool, &b, p_bins, p_grad, p_hess, p_len, lens)) return NULL;
  accumulate_all(&b);
  const int32_t n = compact(b.acc, b.mark, 0, b.mark_words, b.out_bins, b.out_grad, b.out_hess, 1);
  lens[1] = subtract_scratch(p_bins, p_grad, p_hess, p_len, b.acc);
  clear_scratch(b.acc, b.out_bins, n);
  lens[0] = n;
  lens[2] = 0;
  return NULL;
}

#define PREFILTER (1 - 1e-12)

/* ---- the positive side's candidate test (search_job), scalar and AVX2 ---- */

#define POS_BLOCK 64
/* Positive sides shorter than this take the plain loop (the blocks' three passes cost more there). */
#ifndef POS_BLOCKED_MIN
#define POS_BLOCKED_MIN 16
#endif

/* One block of the positive side: candidates t = 0..n-1 (n <= POS_BLOCK) are entries top - t.
 * Writes the right-hand sums before each entry (sg[t], sh[t]: split.ts's gr, hr at candidate t),
 * advances *gr / *hr past the block, and returns bit t set when candidate t passes split.ts's
 * conditions (hb > eps, hr >= minChildWeight, hr > eps, hl >= minChildWeight) and its prefilter
 * against `thr`. The sums are the sequential scan's, added one entry at a time in its order. */
static uint64_t pos_block_scalar(const double* grad, const double* hess, int32_t top, int32_t n, double* gr_io, double* hr_io, double* sg,
                                 double* sh, double G, double H, double lambda, double mcw, double eps, double thr) {
  double gr = *gr_io, hr = *hr_io;
  uint64_t flags = 0;
  for (int32_t t = 0; t < n; t++) {
    const double hb = hess[top - t];
    const double hlc = H - hr;
    const double glc = G - gr;
    const double av = hlc + lambda;
    const double c = hr + lambda;
    const int ok = (hb > eps) & (hr >= mcw) & (hr > eps) & (hlc >= mcw) & (glc * glc * c + gr * gr * av > thr * av * c);
    flags |= (uint64_t)ok << t;
    sg[t] = gr;
    sh[t] = hr;
    gr += grad[top - t];
    hr += hb;
  }
  *gr_io = gr;
  *hr_io = hr;
  return flags;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
/* The same block four candidates at a time: the sums are still added one by one (into
 * registers, not through memory: a wide load of narrow stores would stall), then each lane runs
 * the scalar version's operations in its order (no fused multiply-add: -ffp-contract=off, and no
 * FMA instruction is used); the ordered, quiet comparisons are false for NaN as C's are. */
__attribute__((target("avx2"))) static uint64_t pos_block_avx2(const double* grad, const double* hess, int32_t top, int32_t n, double* gr_io,
                                                                double* hr_io, double* sg, double* sh, double G, double H, double lambda,
                                                                double mcw, double eps, double thr) {
  const __m256d vG = _mm256_set1_pd(G), vH = _mm256_set1_pd(H), vl = _mm256_set1_pd(lambda);
  const __m256d vm = _mm256_set1_pd(mcw), ve = _mm256_set1_pd(eps), vt = _mm256_set1_pd(thr);
  double gr = *gr_io, hr = *hr_io;
  uint64_t flags = 0;
  int32_t t = 0;
  for (; t + 4 <= n; t += 4) {
    const int32_t i = top - t; /* entries i, i-1, i-2, i-3 */
    const double g0 = gr, h0 = hr;
    const double g1 = g0 + grad[i], h1 = h0 + hess[i];
    const double g2 = g1 + grad[i - 1], h2 = h1 + hess[i - 1];
    const double g3 = g2 + grad[i - 2], h3 = h2 + hess[i - 2];
    gr = g3 + grad[i - 3];
    hr = h3 + hess[i - 3];
    const __m256d vgr = _mm256_set_pd(g3, g2, g1, g0);
    const __m256d vhr = _mm256_set_pd(h3, h2, h1, h0);
    const __m256d hb = _mm256_permute4x64_pd(_mm256_loadu_pd(hess + i - 3), 0x1B); /* hess[i], hess[i-1], ... */
    _mm256_storeu_pd(sg + t, vgr);
    _mm256_storeu_pd(sh + t, vhr);
    const __m256d hlc = _mm256_sub_pd(vH, vhr);
    const __m256d glc = _mm256_sub_pd(vG, vgr);
    const __m256d av = _mm256_add_pd(hlc, vl);
    const __m256d c = _mm256_add_pd(vhr, vl);
    const __m256d lhs = _mm256_add_pd(_mm256_mul_pd(_mm256_mul_pd(glc, glc), c), _mm256_mul_pd(_mm256_mul_pd(vgr, vgr), av));
    const __m256d rhs = _mm256_mul_pd(_mm256_mul_pd(vt, av), c);
    __m256d ok = _mm256_cmp_pd(hb, ve, _CMP_GT_OQ);
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(vhr, vm, _CMP_GE_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(vhr, ve, _CMP_GT_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(hlc, vm, _CMP_GE_OQ));
    ok = _mm256_and_pd(ok, _mm256_cmp_pd(lhs, rhs, _CMP_GT_OQ));
    flags |= (uint64_t)_mm256_movemask_pd(ok) << t;
  }
  *gr_io = gr;
  *hr_io = hr;
  if (t < n) flags |= pos_block_scalar(grad, hess, top - t, n - t, gr_io, hr_io, sg + t, sh + t, G, H, lambda, mcw, eps, thr) << t;
  return flags;
}

/* Whether the AVX2 versions run: the CPU's answer, cached (threads that race here all store the
 * same value); TRAIN_SPAM_GBM_SIMD=0 turns them off (the scalar versions: tests, A/B runs). */
static int simd_avx2(void) {
  static _Atomic int have_avx2 = -1;
  int have = atomic_load_explicit(&have_avx2, memory_order_relaxed);
  if (have < 0) {
    __builtin_cpu_init();
    const char* simd = getenv("TRAIN_SPAM_GBM_SIMD");
    have = __builtin_cpu_supports("avx2") && !(simd && strcmp(simd, "0") == 0) ? 1 : 0;
    atomic_store_explicit(&have_avx2, have, memory_order_relaxed);
  }
  return have;
}

static uint64_t pos_block(const double* grad, const double* hess, int32_t top, int32_t n, double* gr_io, double* hr_io, double* sg, double* sh,
                          double G, double H, double lambda, double mcw, double eps, double thr) {
  return simd_avx2() ? pos_block_avx2(grad, hess, top, n, gr_io, hr_io, sg, sh, G, H, lambda, mcw, eps, thr)
                     : pos_block_scalar(grad, hess, top, n, gr_io, hr_io, sg, sh, G, H, lambda, mcw, eps, thr);
}
#else
#define pos_block pos_block_scalar
#endif

typedef struct {
  const int32_t* bins;
  const double* grad;
  const double* hess;
  const int32_t* offset;
  const int32_t* zero_bin;
  const uint8_t* mask;
  double G, H, lambda, min_child_weight, min_gain;
  int32_t f0, f1, k0, k1; /* features [f0, f1), list entries [k0, k1) */
  double out[5];
} search_t;

/* The running best of a scan: split.ts's bestGain, threshold and out. */
typedef struct {
  double G, H, lambda, mcw, eps, parent_score;
  double best_gain, threshold;
  double* out;
} best_t;

static inline void take(best_t* b, double gain, int32_t f, int32_t local_bin, double gl, double hl) {
  b->threshold = (gain + b->parent_score) * PREFILTER;
  b->best_gain = gain;
  b->out[0] = gain;
  b->out[1] = f;
  b->out[2] = local_bin;
  b->out[3] = gl;
  b->out[4] = hl;
}

/* split.ts's negative side of feature f (entries [k0, k) below the zero bin, upwards); returns
 * the first positive entry and leaves the side's totals in *gl_o, *hl_o. */
static int32_t negative_side(best_t* b, const int32_t* bins, const double* grad, const double* hess, int32_t f, int32_t k0, int32_t k, int32_t lo,
                             int32_t zb, double* gl_o, double* hl_o) {
  const double G = b->G, H = b->H, lambda = b->lambda, mcw = b->mcw, eps = b->eps;
  double gl = 0;
  double hl = 0;
  int32_t j = k0;
  for (; j < k && bins[j] < zb; j++) {
    const double hb = hess[j];
    gl += grad[j];
    hl += hb;
    if (hb > eps) {
      const double hr = H - hl;
      if (hr > eps && hl >= mcw && hr >= mcw) {
        const double gr = G - gl;
        const double av = hl + lambda;
        const double c = hr + lambda;
        if (gl * gl * c + gr * gr * av <= b->threshold * av * c) continue;
        const double gain = (gl * gl) / av + (gr * gr) / c - b->parent_score;
        if (gain > b->best_gain) take(b, gain, f, bins[j] - lo, gl, hl);
      }
    }
  }
  *gl_o = gl;
  *hl_o = hl;
  return j;
}

/* The candidates of one positive block that passed the early test, re-tested in scan order
 * against the current threshold exactly as split.ts does (entry of candidate t: top - t). */
static void resolve_block(best_t* b, const int32_t* bins, int32_t f, int32_t lo, int32_t top, const double* sg, const double* sh, uint64_t flags) {
  const double G = b->G, H = b->H, lambda = b->lambda;
  while (flags != 0) {
    const int32_t t = __builtin_ctzll(flags);
    flags &= flags - 1;
    const double hlc = H - sh[t];
    const double glc = G - sg[t];
    const double gr = sg[t];
    const double av = hlc + lambda;
    const double c = sh[t] + lambda;
    if (glc * glc * c + gr * gr * av > b->threshold * av * c) {
      const double gain = (glc * glc) / av + (gr * gr) / c - b->parent_score;
      if (gain > b->best_gain) take(b, gain, f, bins[top - t] - lo, glc, hlc);
    }
  }
}

/* split.ts's last candidate of a feature: right after the zero bin (left = negatives + zero,
 * right = all positives). */
static void zero_bin_split(best_t* b, int32_t f, int32_t zb_local, double gl, double hl, double gr, double hr) {
  const double H = b->H, eps = b->eps, mcw = b->mcw;
  const double hz = H - hl - hr;
  if (hz > eps && hr > eps && hr >= mcw) {
    const double hlc = H - hr;
    if (hlc >= mcw) {
      const double glc = b->G - gr;
      const double gain = (glc * glc) / (hlc + b->lambda) + (gr * gr) / (hr + b->lambda) - b->parent_score;
      /* split.ts leaves the threshold where it was here; raising it as take() does only makes the
       * next features' prefilter tighter, never wrong (it stays below the best gain's score) */
      if (gain > b->best_gain) take(b, gain, f, zb_local, glc, hlc);
    }
  }
}

/* The positive side of a feature (entries [first_pos, k), downwards): split.ts's loop for
 * short sides (deep nodes: the blocks' passes cost more there), else block by block. */
static void positive_side(best_t* b, const int32_t* bins, const double* grad, const double* hess, int32_t f, int32_t lo, int32_t first_pos,
                          int32_t k, double* gr_o, double* hr_o) {
  const double G = b->G, H = b->H, lambda = b->lambda, mcw = b->mcw, eps = b->eps;
  double gr = 0;
  double hr = 0;
  if (k - first_pos < POS_BLOCKED_MIN) {
    for (int32_t i = k - 1; i >= first_pos; i--) {
      const double hb = hess[i];
      if (hb > eps && hr >= mcw && hr > eps) {
        const double hlc = H - hr;
        if (hlc >= mcw) {
          const double glc = G - gr;
          const double av = hlc + lambda;
          const double c = hr + lambda;
          if (glc * glc * c + gr * gr * av > b->threshold * av * c) {
            const double gain = (glc * glc) / av + (gr * gr) / c - b->parent_score;
            if (gain > b->best_gain) take(b, gain, f, bins[i] - lo, glc, hlc);
          }
        }
      }
      gr += grad[i];
      hr += hb;
    }
  } else {
    double sg[POS_BLOCK], sh[POS_BLOCK];
    for (int32_t top = k - 1; top >= first_pos; top -= POS_BLOCK) {
      const int32_t n = top - first_pos + 1 < POS_BLOCK ? top - first_pos + 1 : POS_BLOCK;
      const uint64_t flags = pos_block(grad, hess, top, n, &gr, &hr, sg, sh, G, H, lambda, mcw, eps, b->threshold);
      resolve_block(b, bins, f, lo, top, sg, sh, flags);
    }
  }
  *gr_o = gr;
  *hr_o = hr;
}

/* The split scan of split.ts over features [f0, f1) (list entries [k0, k1)); the best into s->out.
 * Per feature, in split.ts's order: the negative side, the positive side (positive_side: long
 * sides in blocks whose candidates are tested ahead, see pos_block), the zero-bin split. */
static void search_job(void* p) {
  search_t* s = p;
  const int32_t* bins = s->bins;
  const double* grad = s->grad;
  const double* hess = s->hess;
  const int32_t* offset = s->offset;
  const int32_t* zero_bin = s->zero_bin;
  const uint8_t* mask = s->mask;
  double* out = s->out;
  out[0] = 0;
  out[1] = -1;
  out[2] = -1;
  out[3] = 0;
  out[4] = 0;
  best_t b;
  b.G = s->G;
  b.H = s->H;
  b.lambda = s->lambda;
  b.mcw = s->min_child_weight;
  b.eps = 1e-12 * s->H;
  b.parent_score = (s->G * s->G) / (s->H + s->lambda);
  b.best_gain = s->min_gain;
  b.threshold = (b.best_gain + b.parent_score) * PREFILTER;
  b.out = out;
  int32_t k = s->k0;
  const int32_t len = s->k1;
  for (int32_t f = s->f0; f < s->f1 && k < len; f++) {
    const int32_t hi_b = offset[f + 1];
    const int32_t k0 = k;
    if (bins[k] >= hi_b) continue; /* no entry of this feature */
    {
      /* end of the feature's segment (split.ts segmentEnd): gallop, then binary search */
      int32_t step = 8, lo = k + 1, hi = k + 1;
      while (hi < len && bins[hi] < hi_b) {
        lo = hi + 1;
        hi += step;
        step <<= 1;
      }
      if (hi > len) hi = len;
      k = lo + lower_bound(bins + lo, hi - lo, hi_b);
    }
    if (mask[f] == 0) continue;
    const int32_t lo = offset[f];
    const int32_t zb = lo + zero_bin[f];
    double gl, hl, gr, hr;
    const int32_t first_pos = negative_side(&b, bins, grad, hess, f, k0, k, lo, zb, &gl, &hl);
    positive_side(&b, bins, grad, hess, f, lo, first_pos, k, &gr, &hr);
    zero_bin_split(&b, f, zb - lo, gl, hl, gr, hr);
  }
}

/* findBestSplit(bins, grad, hess, len, offset, zeroBin, featureMask, G, H, lambda, minChildWeight, minGain, out): void */
static napi_value find_best_split(napi_env env, napi_callback_info info) {
  args_t a;
  if (!load_args(env, info, &a, 13)) return NULL;
  size_t nb, ng, nh, noff, nzb, nmask, nout;
  const int32_t* bins = typed(&a, 0, napi_int32_array, &nb);
  const double* grad = typed(&a, 1, napi_float64_array, &ng);
  const double* hess = typed(&a, 2, napi_float64_array, &nh);
  const int32_t len = int_arg(&a, 3);
  const int32_t* offset = typed(&a, 4, napi_int32_array, &noff);
  const int32_t* zero_bin = typed(&a, 5, napi_int32_array, &nzb);
  const uint8_t* mask = typed(&a, 6, napi_uint8_array, &nmask);
  const double G = num_arg(&a, 7);
  const double H = num_arg(&a, 8);
  const double lambda = num_arg(&a, 9);
  const double min_child_weight = num_arg(&a, 10);
  const double min_gain = num_arg(&a, 11);
  double* out = typed(&a, 12, napi_float64_array, &nout);
  if (a.failed) return NULL;
  if (!check(&a, len >= 0 && (size_t)len <= nb && (size_t)len <= ng && (size_t)len <= nh && noff == nzb + 1 && nmask >= nzb && nout >= 5,
             "findBestSplit: list length exceeds its arrays, or offset / zeroBin / featureMask / out lengths inconsistent"))
    return NULL;
  search_t parts[2];
  for (int i = 0; i < 2; i++) {
    search_t* t = &parts[i];
    t->bins = bins;
    t->grad = grad;
    t->hess = hess;
    t->offset = offset;
    t->zero_bin = zero_bin;
    t->mask = mask;
    t->G = G;
    t->H = H;
    t->lambda = lambda;
    t->min_child_weight = min_child_weight;
    t->min_gain = min_gain;
  }
  const int32_t F = (int32_t)nzb;
  parts[0].f0 = 0;
  parts[0].f1 = F;
  parts[0].k0 = 0;
  parts[0].k1 = len;
  pool_t* pool = parallel_pool(env, a.threads, (size_t)len);
  /* Two halves at a feature boundary near the middle of the list: the first candidate with the
   * largest gain over both halves is the sequential scan's answer (ties keep the first half). */
  int32_t f_mid = -1;
  if (pool && F > 1) {
    const int32_t b = bins[(int32_t)(main_share(&pool->balance[OP_SEARCH]) * (double)len)];
    int32_t lo = 0, hi = F; /* the feature holding bin b */
    while (hi - lo > 1) {
      const int32_t m = lo + ((hi - lo) >> 1);
      if (offset[m] <= b)
        lo = m;
      else
        hi = m;
    }
    if (lo > 0) f_mid = lo;
  }
  if (f_mid < 0) {
    search_job(&parts[0]);
    memcpy(out, parts[0].out, sizeof parts[0].out);
    return NULL;
  }
  const int32_t k_mid = lower_bound(bins, len, offset[f_mid]);
  parts[0].f1 = f_mid;
  parts[0].k1 = k_mid;
  parts[1].f0 = f_mid;
  parts[1].f1 = F;
  parts[1].k0 = k_mid;
  parts[1].k1 = len;
  run_pair(pool, search_job, &parts[0], search_job, &parts[1]);
  balance_record(pool, OP_SEARCH, (double)k_mid, (double)(len - k_mid));
  const int second = parts[1].out[1] >= 0 && (parts[0].out[1] < 0 || parts[1].out[0] > parts[0].out[0]);
  memcpy(out, parts[second].out, sizeof parts[0].out);
  return NULL;
}

/* ---- binning (binning.ts sortSegments, binEntries) ---- */

/* Ascending in-place sort of doubles (no NaN: the matrix rejects them; no zeros: binning keeps
 * non-zeros only), so any correct sort gives TypedArray.prototype.sort's array. Quicksort with a
 * median-of-three pivot, insertion sort below 24 values, recursion on the smaller side only. */
static void sort_doubles(double* a, int32_t n) {
  while (n > 24) {
    const int32_t m = n >> 1;
    double x = a[0], y = a[m], z = a[n - 1], t;
    if (y < x) { t = x; x = y; y = t; }
    if (z < y) { t = y; y = z; z = t; if (y < x) { t = x; x = y; y = t; } }
    const double pivot = y;
    int32_t i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot) i++;
      while (pivot < a[j]) j--;
      if (i >= j) break;
      t = a[i];
      a[i] = a[j];
      a[j] = t;
      i++;
      j--;
    }
    /* [0, j] <= pivot <= [j + 1, n) */
    const int32_t left = j + 1;
    if (left < n - left) {
      sort_doubles(a, left);
      a += left;
      n -= left;
    } else {
      sort_doubles(a + left, n - left);
      n = left;
    }
  }
  for (int32_t i = 1; i < n; i++) {
    const double v = a[i];
    int32_t j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/* Where n parts with prefix sums prefix[0..n] split into two halves of about equal work: the
 * first part boundary reaching half of it, or 0 when the parts do not split. */
static int32_t split_half(const int32_t* prefix, int32_t n) {
  if (n < 2) return 0;
  const int32_t mid = lower_bound(prefix, n, prefix[0] + (prefix[n] - prefix[0]) / 2);
  return mid < n ? mid : 0;
}

typedef struct {
  const int32_t* start;
  double* values;
  int32_t s0, s1;
} sort_part_t;

static void sort_job(void* p) {
  const sort_part_t* t = p;
  for (int32_t i = t->s0; i < t->s1; i++) sort_doubles(t->values + t->start[i], t->start[i + 1] - t->start[i]);
}

/* sortSegments(start, segments, values): void */
static napi_value sort_segments(napi_env env, napi_callback_info info) {
  args_t a;
  if (!load_args(env, info, &a, 3)) return NULL;
  size_t ns, nv;
  const int32_t* start = typed(&a, 0, napi_int32_array, &ns);
  const int32_t segments = int_arg(&a, 1);
  double* values = typed(&a, 2, napi_float64_array, &nv);
  if (a.failed) return NULL;
  int ok = segments >= 0 && (size_t)segments < ns;
  for (int32_t i = 0; ok && i < segments; i++) ok = start[i] >= 0 && start[i] <= start[i + 1] && (size_t)start[i + 1] <= nv;
  if (!check(&a, ok, "sortSegments: segment bounds outside the values, or not ascending")) return NULL;
  sort_part_t parts[2] = {{start, values, 0, segments}, {start, values, segments, segments}};
  pool_t* pool = parallel_pool(env, a.threads, segments > 0 ? (size_t)(start[segments] - start[0]) : 0);
  const int32_t mid = pool ? split_half(start, segments) : 0;
  if (mid > 0) {
    parts[0].s1 = mid;
    parts[1].s0 = mid;
    run_pair(pool, sort_job, &parts[0], sort_job, &parts[1]);
  } else {
    sort_job(&parts[0]);
  }
  return NULL;
}

/* First global bin b in [lo, hi) with v <= upper[b] (binning.ts binOf; upper[hi - 1] is +Infinity).
 * Halving without a data-dependent branch; the first such bin is unique, so the answer is binOf's. */
static inline int32_t bin_of(const double* upper, int32_t lo, int32_t hi, double v) {
  int32_t base = lo;
  int32_t len = hi - lo;
  while (len > 1) {
    const int32_t half = len >> 1;
    base = v <= upper[base + half - 1] ? base : base + half;
    len -= half;
  }
  return base;
}

typedef struct {
  const double* dense;
  int32_t dc;
  const int32_t* indptr;
  const int32_t* indices;
  const double* data;
  const int32_t* offset;
  const double* upper;
  const int32_t* row_ptr;
  int32_t* bins;
  int32_t r0, r1;
} bin_part_t;

static void bin_job(void* p) {
  const bin_part_t* t = p;
  const int32_t dc = t->dc;
  for (int32_t i = t->r0; i < t->r1; i++) {
    int32_t pos = t->row_ptr[i];
    const double* row = t->dense + (size_t)i * (size_t)dc;
    for (int32_t j = 0; j < dc; j++) {
      const double v = row[j];
      if (v != 0) t->bins[pos++] = bin_of(t->upper, t->offset[j], t->offset[j + 1], v);
    }
    for (int32_t k = t->indptr[i]; k < t->indptr[i + 1]; k++) {
      const double v = t->data[k];
      if (v != 0) {
        const int32_t f = dc + t->indices[k];
        t->bins[pos++] = bin_of(t->upper, t->offset[f], t->offset[f + 1], v);
      }
    }
  }
}

/* binEntries(dense, dc, rows, indptr, indices, data, offset, upper, rowPtr, bins): void */
static napi_value bin_entries(napi_env env, napi_callback_info info) {
  args_t a;
  if (!load_args(env, info, &a, 10)) return NULL;
  size_t nd, nip, nix, ndata, noff, nup, nrp, nb;
  bin_part_t t;
  t.dense = typed(&a, 0, napi_float64_array, &nd);
  t.dc = int_arg(&a, 1);
  const int32_t rows = int_arg(&a, 2);
  t.indptr = typed(&a, 3, napi_int32_array, &nip);
  t.indices = typed(&a, 4, napi_int32_array, &nix);
  t.data = typed(&a, 5, napi_float64_array, &ndata);
  t.offset = typed(&a, 6, napi_int32_array, &noff);
  t.upper = typed(&a, 7, napi_float64_array, &nup);
  t.row_ptr = typed(&a, 8, napi_int32_array, &nrp);
  t.bins = typed(&a, 9, napi_int32_array, &nb);
  if (a.failed) return NULL;
  int ok = rows >= 0 && t.dc >= 0 && nd >= (size_t)rows * (size_t)t.dc && nip >= (size_t)rows + 1 && nrp >= (size_t)rows + 1 && noff >= (size_t)t.dc + 1 &&
           (size_t)t.indptr[rows] <= nix && (size_t)t.indptr[rows] <= ndata && (size_t)t.row_ptr[rows] <= nb && t.offset[noff - 1] >= 0 && (size_t)t.offset[noff - 1] <= nup;
  /* every sparse column index and feature range must stay inside offset / upper */
  const int32_t F = (int32_t)noff - 1;
  for (int32_t k = 0; ok && k < t.indptr[rows]; k++) ok = t.indices[k] >= 0 && t.dc + t.indices[k] < F;
  for (int32_t f = 0; ok && f < F; f++) ok = t.offset[f] < t.offset[f + 1];
  for (int32_t i = 0; ok && i < rows; i++) ok = t.row_ptr[i] <= t.row_ptr[i + 1] && t.indptr[i] <= t.indptr[i + 1] &&
                                                 t.row_ptr[i + 1] - t.row_ptr[i] <= t.dc + (t.indptr[i + 1] - t.indptr[i]);
  if (!check(&a, ok, "binEntries: matrix, offset, upper, rowPtr or bins lengths inconsistent")) return NULL;
  bin_part_t parts[2] = {t, t};
  parts[0].r0 = 0;
  parts[0].r1 = rows;
  pool_t* pool = parallel_pool(env, a.threads, (size_t)(t.row_ptr[rows] - t.row_ptr[0]));
  const int32_t mid = pool ? split_half(t.row_ptr, rows) : 0;
  if (mid > 0) {
    parts[0].r1 = mid;
    parts[1].r0 = mid;
    parts[1].r1 = rows;
    run_pair(pool, bin_job, &parts[0], bin_job, &parts[1]);
  } else {
    bin_job(&parts[0]);
  }
  return NULL;
}

/* Local bin of feature [lo, hi) in one binned row (binning.ts rowBin). */
static inline int32_t row_bin(const int32_t* bins, int32_t from, int32_t to, int32_t lo, int32_t hi, int32_t zero_local) {
  int32_t a = from;
  int32_t b = to;
  while (a < b) {
    const int32_t mid = (int32_t)(((uint32_t)a + (uint32_t)b) >> 1);
    if (bins[mid] < lo)
      a = mid + 1;
    else
      b = mid;
  }
  if (a < to) {
    const int32_t g = bins[a];
    if (g < hi) return g - lo;
  }
  return zero_local;
}

/* partitionRows(rows, begin, end, tmp, rowPtr, bins, lo, hi, zeroLocal, splitBin): number */
static napi_value partition_rows(napi_env env, napi_callback_info info) {
  args_t a;
  if (!load_args(env, info, &a, 10)) return NULL;
  size_t nrows, ntmp, nrp, nbins;
  int32_t* rows = typed(&a, 0, napi_int32_array, &nrows);
  const int32_t begin = int_arg(&a, 1);
  const int32_t end = int_arg(&a, 2);
  int32_t* tmp = typed(&a, 3, napi_int32_array, &ntmp);
  const int32_t* row_ptr = typed(&a, 4, napi_int32_array, &nrp);
  const int32_t* bins = typed(&a, 5, napi_int32_array, &nbins);
  const int32_t lo = int_arg(&a, 6);
  const int32_t hi = int_arg(&a, 7);
  const int32_t zero_local = int_arg(&a, 8);
  const int32_t split_bin = int_arg(&a, 9);
  if (a.failed) return NULL;
  if (!check(&a, begin >= 0 && begin <= end && (size_t)end <= nrows && (size_t)(end - begin) <= ntmp && nrp >= 1,
             "partitionRows: row range outside the row list, or tmp too short"))
    return NULL;
  int32_t l = begin;
  int32_t t = 0;
  for (int32_t i = begin; i < end; i++) {
    const int32_t r = rows[i];
    if (row_bin(bins, row_ptr[r], row_ptr[r + 1], lo, hi, zero_local) <= split_bin)
      rows[l++] = r;
    else
      tmp[t++] = r;
  }
  for (int32_t i = 0; i < t; i++) rows[l + i] = tmp[i];
  return int_result(env, l);
}

/* partitionColumn(rows, begin, end, tmp, localBins, base, splitBin): number */
static napi_value partition_column(napi_env env, napi_callback_info info) {
  args_t a;
  if (!load_args(env, info, &a, 7)) return NULL;
  size_t nrows, ntmp, nlb;
  int32_t* rows = typed(&a, 0, napi_int32_array, &nrows);
  const int32_t begin = int_arg(&a, 1);
  const int32_t end = int_arg(&a, 2);
  int32_t* tmp = typed(&a, 3, napi_int32_array, &ntmp);
  const uint8_t* local_bins = typed(&a, 4, napi_uint8_array, &nlb);
  const double base = num_arg(&a, 5);
  const int32_t split_bin = int_arg(&a, 6);
  if (a.failed) return NULL;
  if (!check(&a, begin >= 0 && begin <= end && (size_t)end <= nrows && (size_t)(end - begin) <= ntmp && base >= 0 && base <= (double)nlb,
             "partitionColumn: row range outside the row list, tmp too short, or base outside the table"))
    return NULL;
  const uint8_t* col = local_bins + (size_t)base;
  int32_t l = begin;
  int32_t t = 0;
  for (int32_t i = begin; i < end; i++) {
    const int32_t r = rows[i];
    if (col[r] <= split_bin)
      rows[l++] = r;
    else
      tmp[t++] = r;
  }
  for (int32_t i = 0; i < t; i++) rows[l + i] = tmp[i];
  return int_result(env, l);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"sweepAllRows", NULL, sweep_all_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"build", NULL, build, NULL, NULL, NULL, napi_enumerable, NULL},
      {"buildSubtract", NULL, build_subtract, NULL, NULL, NULL, napi_enumerable, NULL},
      {"findBestSplit", NULL, find_best_split, NULL, NULL, NULL, napi_enumerable, NULL},
      {"partitionRows", NULL, partition_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"partitionColumn", NULL, partition_column, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sortSegments", NULL, sort_segments, NULL, NULL, NULL, napi_enumerable, NULL},
      {"binEntries", NULL, bin_entries, NULL, NULL, NULL, napi_enumerable, NULL},
      /* Two-thread variants (same arguments and results; the data pointer says 2). */
      {"sweepAllRows2", NULL, sweep_all_rows, NULL, NULL, NULL, napi_enumerable, (void*)(intptr_t)2},
      {"buildSubtract2", NULL, build_subtract, NULL, NULL, NULL, napi_enumerable, (void*)(intptr_t)2},
      {"findBestSplit2", NULL, find_best_split, NULL, NULL, NULL, napi_enumerable, (void*)(intptr_t)2},
      {"sortSegments2", NULL, sort_segments, NULL, NULL, NULL, napi_enumerable, (void*)(intptr_t)2},
      {"binEntries2", NULL, bin_entries, NULL, NULL, NULL, napi_enumerable, (void*)(intptr_t)2},
  };
  napi_value abi;
  napi_create_int32(env, KERNEL_ABI, &abi);
  pool_t* pool = calloc(1, sizeof(pool_t));
  if (!pool) return NULL;
  pthread_mutex_init(&pool->mu, NULL);
  pthread_cond_init(&pool->cv, NULL);
  if (napi_set_instance_data(env, pool, pool_finalize, NULL) != napi_ok) {
    pool_finalize(env, pool, NULL);
    return NULL;
  }
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "abi", abi) != napi_ok) return NULL;
  return exports;
}
