// A tiny persistent thread pool for fine-grained parallel loops (decode matvecs run ~200 of them per token).
// Workers spin briefly on a generation counter, then sleep on a condition variable, so back-to-back jobs cost
// well under a microsecond to start while an idle process burns no CPU.
#pragma once
#ifdef __cplusplus
extern "C" {
#endif

/// Work item: called once per thread with its index in [0, nthreads).
typedef void (*ek_task_fn)(void *ctx, int thread, int nthreads);

/// Runs fn(ctx, t, n) for t in [0, n) on n threads (the caller is thread 0) and returns when all finish.
/// Not reentrant: call from one thread at a time (nested calls run serially on the caller).
void ek_parallel(int nthreads, ek_task_fn fn, void *ctx);

/// How many pause iterations an idle worker spins for the next job before it sleeps (negative = the default,
/// 200,000: decode issues ~200 jobs per token back to back). Training wants a short spin: between its jobs OpenBLAS
/// runs its own threads on the same cores, and a spinning worker takes their time.
void ek_set_spin(int iterations);

#ifdef __cplusplus
}
#endif
