#pragma once
// Debian: /usr/include/x86_64-linux-gnu/cblas.h -> alternatives -> openblas-pthread/cblas.h
#include <cblas.h>
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>

// OpenBLAS internals of its pthread build (Debian's libopenblas0-pthread exports them), declared weak so that a
// build without them still links: they are then NULL and edge_openblas_set_idle_spin does nothing.
extern void openblas_read_env(void) __attribute__((weak));
extern int blas_thread_init(void) __attribute__((weak));
extern int blas_thread_shutdown_(void) __attribute__((weak));

/// Sets how long OpenBLAS's idle worker threads spin (calling sched_yield) before they sleep: about 2^log2_cycles
/// cycles, 4…30 (OpenBLAS's default is 2^28, a tenth of a second), through its OPENBLAS_THREAD_TIMEOUT variable,
/// and restarts the workers so the value applies. Call it before any other BLAS work starts and never while a BLAS
/// call runs on another thread. Returns 1 when applied, 0 when this OpenBLAS has no such control.
static inline int edge_openblas_set_idle_spin(int log2_cycles) {
    if (!openblas_read_env || !blas_thread_init || !blas_thread_shutdown_) return 0;
    char value[16];
    snprintf(value, sizeof value, "%d", log2_cycles);
    setenv("OPENBLAS_THREAD_TIMEOUT", value, 1);
    openblas_read_env();
    blas_thread_shutdown_();
    blas_thread_init();
    return 1;
}
