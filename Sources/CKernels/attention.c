#include "ckattention.h"
#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int round_up(int n, int m) { return (n + m - 1) / m * m; }

// dst (hd rows × Tp, zero padded) = srcᵀ for src T rows of hd (row stride ld).
static void transpose_pad(const float *src, int ld, int T, int hd, float *dst, int Tp, int hdp) {
    memset(dst, 0, sizeof(float) * (size_t)hdp * Tp);
    for (int j = 0; j < T; j++)
        for (int d = 0; d < hd; d++) dst[(ptrdiff_t)d * Tp + j] = src[(ptrdiff_t)j * ld + d];
}

// dst (T rows × hdp, zero padded) = src (T rows of hd, row stride ld).
static void copy_pad(const float *src, int ld, int T, int hd, float *dst, int hdp) {
    for (int j = 0; j < T; j++) {
        memcpy(dst + (ptrdiff_t)j * hdp, src + (ptrdiff_t)j * ld, sizeof(float) * hd);
        if (hdp > hd) memset(dst + (ptrdiff_t)j * hdp + hd, 0, sizeof(float) * (hdp - hd));
    }
}

// e^x for x ≤ 0 (softmax arguments), Cephes' polynomial (relative error ≈ 1e-7, as expf); plain arithmetic, so
// loops over it vectorize. Arguments below −87 give e^−87 ≈ 1.6e-38 instead of a denormal or zero.
static inline float exp_approx(float x) {
    x = x < -87.0f ? -87.0f : x;
    float n = __builtin_rintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { int32_t i; float f; } scale = {.i = ((int32_t)n + 127) << 23};
    return p * scale.f;
}

// Per-thread scratch, grown as needed and kept (the calls run on the persistent pool threads).
static _Thread_local float *scratch_buf;
static _Thread_local size_t scratch_cap;

static float *scratch(size_t n) {
    if (n > scratch_cap) {
        free(scratch_buf);
        scratch_buf = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
        scratch_cap = scratch_buf ? n : 0;
        if (!scratch_buf) abort();
    }
    return scratch_buf;
}

#if defined(__x86_64__)
#define EK_KERNEL __attribute__((target("avx2,fma,avx512f")))
#define EK_NAME(f) f##_avx512
#define R 8
#define NC 32      // 16 AVX-512 accumulators
#include "attention_body.h"
#undef EK_KERNEL
#undef EK_NAME
#undef R
#undef NC
#define EK_KERNEL __attribute__((target("avx2,fma")))
#define EK_NAME(f) f##_avx2
#define R 6
#define NC 16      // 12 AVX2 accumulators
#include "attention_body.h"
#undef EK_KERNEL
#undef EK_NAME
#undef R
#undef NC
#endif
#define EK_KERNEL
#define EK_NAME(f) f##_generic
#define R 4
#define NC 8
#include "attention_body.h"
#undef EK_KERNEL
#undef EK_NAME
#undef R
#undef NC

// The kernel level in use (2 AVX-512, 1 AVX2, 0 generic), and T and hd padded to its register tile's column width.
static int kernel_level(int T, int hd, int *Tp, int *hdp) {
    int level = 0;
#if defined(__x86_64__)
    level = ek_simd_level();
#endif
    int nc = level == 2 ? 32 : level == 1 ? 16 : 8;
    *Tp = round_up(T, nc);
    *hdp = round_up(hd, nc);
    return level;
}

void ek_attn_forward(int heads, const float *q, int ldq, const float *k, int ldk, const float *v, int ldv, int T, int hd,
                     float scale, float *p, float *o, int ldo) {
    if (T <= 0) return;
    int Tp, hdp, level = kernel_level(T, hd, &Tp, &hdp);
    float *kt = scratch((size_t)hdp * Tp + (size_t)Tp * hdp), *vp = kt + (size_t)hdp * Tp;
#if defined(__x86_64__)
    if (level == 2) { forward_avx512(heads, q, ldq, k, ldk, v, ldv, T, hd, scale, p, o, ldo, kt, vp, Tp, hdp); return; }
    if (level == 1) { forward_avx2(heads, q, ldq, k, ldk, v, ldv, T, hd, scale, p, o, ldo, kt, vp, Tp, hdp); return; }
#endif
    forward_generic(heads, q, ldq, k, ldk, v, ldv, T, hd, scale, p, o, ldo, kt, vp, Tp, hdp);
}

void ek_attn_backward(int heads, const float *p, const float *q, int ldq, const float *k, int ldk, const float *v,
                      int ldv, const float *dout, int lddo, int T, int hd, float scale, float *dq, int lddq, float *dk,
                      int lddk, float *dv, int lddv) {
    if (T <= 0) return;
    int Tp, hdp, level = kernel_level(T, hd, &Tp, &hdp);
    size_t panel = (size_t)Tp * hdp;
    float *vt = scratch(3 * panel + (size_t)T * T), *kp = vt + panel, *xp = kp + panel, *ds = xp + panel;
#if defined(__x86_64__)
    if (level == 2) {
        backward_avx512(heads, p, q, ldq, k, ldk, v, ldv, dout, lddo, T, hd, scale, dq, lddq, dk, lddk, dv, lddv, vt, kp,
                        xp, ds, Tp, hdp);
        return;
    }
    if (level == 1) {
        backward_avx2(heads, p, q, ldq, k, ldk, v, ldv, dout, lddo, T, hd, scale, dq, lddq, dk, lddk, dv, lddv, vt, kp,
                      xp, ds, Tp, hdp);
        return;
    }
#endif
    backward_generic(heads, p, q, ldq, k, ldk, v, ldv, dout, lddo, T, hd, scale, dq, lddq, dk, lddk, dv, lddv, vt, kp,
                     xp, ds, Tp, hdp);
}
