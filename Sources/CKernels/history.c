// Natural GaLore's history passes (see ckhistory.h), compiled for AVX-512, AVX2 and generic x86-64 / other CPUs
// from one plain-C body (history_body.h, per storage type by history_isa.h); the level is chosen at run time (ek_simd_level).
#include "ckhistory.h"
#include "ckernels.h"
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
    int level = ek_simd_level();
    if (bf16) {
        const uint16_t *const *hv = (const uint16_t *const *)h;
#if defined(__x86_64__)
        if (level == 2) { dots_bf16_avx512(hv, nv, g, hp, n, out); return; }
        if (level == 1) { dots_bf16_avx2(hv, nv, g, hp, n, out); return; }
#endif
        dots_bf16_generic(hv, nv, g, hp, n, out);
    } else {
        const float *const *hv = (const float *const *)h;
#if defined(__x86_64__)
        if (level == 2) { dots_f32_avx512(hv, nv, g, hp, n, out); return; }
        if (level == 1) { dots_f32_avx2(hv, nv, g, hp, n, out); return; }
#endif
        dots_f32_generic(hv, nv, g, hp, n, out);
    }
    (void)level;
}

void ek_history_apply(int bf16, const void *const *h, int nv, const double *z, double zc, double inv_lambda,
                      double inv_lambda2, float *r, long n) {
    int level = ek_simd_level();
    if (bf16) {
        const uint16_t *const *hv = (const uint16_t *const *)h;
#if defined(__x86_64__)
        if (level == 2) { apply_bf16_avx512(hv, nv, z, zc, inv_lambda, inv_lambda2, r, n); return; }
        if (level == 1) { apply_bf16_avx2(hv, nv, z, zc, inv_lambda, inv_lambda2, r, n); return; }
#endif
        apply_bf16_generic(hv, nv, z, zc, inv_lambda, inv_lambda2, r, n);
    } else {
        const float *const *hv = (const float *const *)h;
#if defined(__x86_64__)
        if (level == 2) { apply_f32_avx512(hv, nv, z, zc, inv_lambda, inv_lambda2, r, n); return; }
        if (level == 1) { apply_f32_avx2(hv, nv, z, zc, inv_lambda, inv_lambda2, r, n); return; }
#endif
        apply_f32_generic(hv, nv, z, zc, inv_lambda, inv_lambda2, r, n);
    }
    (void)level;
}
