// Natural GaLore's history passes (see ckhistory.h), compiled for AVX-512, AVX2 and generic x86-64 / other CPUs
// from one plain-C body (history_body.h, per storage type by history_isa.h); the level is chosen at run time (ek_simd_level).
#include "ckhistory.h"
#include "ckernels.h"
#include "ckoptim.h"
#include "vec8.h"
#include <stdint.h>
#include <string.h>

#define EK_BLOCK 512   // entries of g (and h_prev) widened once, then reused for every stored vector

static inline double widen_bf16(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return (double)f;
}

#if defined(__x86_64__)
#define EK_KERNEL __attribute__((target("avx2,fma,avx512f")))
#define EK_ISA avx512
#include "history_isa.h"
#undef EK_KERNEL
#undef EK_ISA
#define EK_KERNEL __attribute__((target("avx2,fma")))
#define EK_ISA avx2
#include "history_isa.h"
#undef EK_KERNEL
#undef EK_ISA
#endif
#define EK_KERNEL
#define EK_ISA generic
#include "history_isa.h"
#undef EK_KERNEL
#undef EK_ISA

void ek_history_dots(int bf16, const void *const *h, int nv, const float *g, const void *hp, long n, double *out) {
    if (bf16) EK_DISPATCH(dots_bf16, (const uint16_t *const *)h, nv, g, hp, n, out);
    else EK_DISPATCH(dots_f32, (const float *const *)h, nv, g, hp, n, out);
}

void ek_history_apply(int bf16, const void *const *h, int nv, const double *z, double zc, double inv_lambda,
                      double inv_lambda2, float *r, long n) {
    if (bf16) EK_DISPATCH(apply_bf16, (const uint16_t *const *)h, nv, z, zc, inv_lambda, inv_lambda2, r, n);
    else EK_DISPATCH(apply_f32, (const float *const *)h, nv, z, zc, inv_lambda, inv_lambda2, r, n);
}
