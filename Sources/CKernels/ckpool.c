#include "ckpool.h"
#include "ckernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define EK_MAX_THREADS 64
#define EK_SPIN_DEFAULT 200000

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   // guards worker creation and sleeping
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int workers = 0;                                         // threads started (excluding callers)
static _Atomic unsigned long generation = 0;                    // bumped once per job
static _Atomic int remaining = 0;                               // workers still running the current job
static _Atomic int sleepers = 0;
static ek_task_fn job_fn;
static void *job_ctx;
static int job_n;
static int job_simd_limit;                                      // the caller's ek_simd_limit()
static _Atomic int busy = 0;                                    // a job is in flight (reentrancy guard)
static _Atomic int spin_iterations = EK_SPIN_DEFAULT;           // pauses a worker spins before sleeping

void ek_set_spin(int iterations) { atomic_store(&spin_iterations, iterations < 0 ? EK_SPIN_DEFAULT : iterations); }

typedef struct { int id; unsigned long seen; } worker_start;

static void *worker_main(void *arg) {
    // The generation current when the worker was created: the job that created it is the next one, even if
    // the thread only starts running after that job was published.
    worker_start start = *(worker_start *)arg;
    free(arg);
    int id = start.id;   // 1-based
    unsigned long seen = start.seen;
    for (;;) {
        unsigned long g;
        int spins = 0, limit = atomic_load_explicit(&spin_iterations, memory_order_relaxed);
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            if (++spins < limit) { CPU_RELAX(); continue; }
            pthread_mutex_lock(&pool_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&pool_wake, &pool_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&pool_lock);
            break;
        }
        seen = g;
        if (id < job_n) {
            ek_limit_simd(job_simd_limit);
            job_fn(job_ctx, id, job_n);
            atomic_fetch_sub_explicit(&remaining, 1, memory_order_release);
        }
    }
    return NULL;
}

void ek_parallel(int n, ek_task_fn fn, void *ctx) {
    if (n > EK_MAX_THREADS) n = EK_MAX_THREADS;
    int expected = 0;
    if (n <= 1 || !atomic_compare_exchange_strong(&busy, &expected, 1)) {
        for (int t = 0; t < (n < 1 ? 1 : n); t++) fn(ctx, t, n < 1 ? 1 : n);
        return;
    }
    pthread_mutex_lock(&pool_lock);
    while (workers < n - 1) {
        pthread_t th;
        worker_start *start = malloc(sizeof *start);
        if (!start) break;
        start->id = workers + 1;
        start->seen = atomic_load(&generation);
        if (pthread_create(&th, NULL, worker_main, start) != 0) { free(start); break; }
        pthread_detach(th);
        workers++;
    }
    pthread_mutex_unlock(&pool_lock);
    int helpers = (workers < n - 1) ? workers : n - 1;
    job_fn = fn;
    job_ctx = ctx;
    job_n = helpers + 1;
    job_simd_limit = ek_simd_limit();
    // Workers with id ≥ job_n wake, see they have no share, and go back to waiting without touching `remaining`.
    atomic_store(&remaining, helpers);
    atomic_fetch_add(&generation, 1);   // seq_cst: pairs with the sleepers count (Dekker-style handshake)
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&pool_lock);
        pthread_cond_broadcast(&pool_wake);
        pthread_mutex_unlock(&pool_lock);
    }
    fn(ctx, 0, job_n);
    // Spin while the helpers finish; if they were descheduled (an oversubscribed machine), yield the core.
    for (long spins = 0; atomic_load_explicit(&remaining, memory_order_acquire) > 0; spins++) {
        if (spins < 20000) CPU_RELAX(); else sched_yield();
    }
    atomic_store(&busy, 0);
}
