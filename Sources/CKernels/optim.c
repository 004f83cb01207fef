// Streaming element loops of the training step (see ckoptim.h): plain C compiled for AVX-512, AVX2 and the baseline,
// the level chosen at run time. Contraction is off so the AdamW arithmetic rounds exactly as the Swift loops do.
#include "ckoptim.h"
#include "ckernels.h"
#include "vec8.h"

#pragma clang fp contract(off)

#define EK_OPTIM_KERNELS(ISA, TARGET)                                                                             \
    TARGET static double sum_squares_##ISA(const float *x, long n) {                                             \
        v8d a0 = {0}, a1 = {0};                                                                                  \
        long i = 0;                                                                                              \
        for (; i + 16 <= n; i += 16) {                                                                           \
            v8d x0 = load8_f32(x + i), x1 = load8_f32(x + i + 8);                                                \
            a0 += x0 * x0;                                                                                       \
            a1 += x1 * x1;                                                                                       \
        }                                                                                                        \
        double s = hsum8(a0 + a1);                                                                               \
        for (; i < n; i++) s += (double)x[i] * (double)x[i];                                                     \
        return s;                                                                                                \
    }                                                                                                            \
    TARGET static void adamw_##ISA(float *w, float *m, float *v, const float *g, long n, float b1, float b2,      \
                                   float c1, float c2, float eps, float s, float d) {                            \
        if (d != 0) {                                                                                            \
            for (long i = 0; i < n; i++) {                                                                       \
                float gi = g[i], mi = b1 * m[i] + c1 * gi, vi = b2 * v[i] + c2 * (gi * gi);                      \
                m[i] = mi;                                                                                       \
                v[i] = vi;                                                                                       \
                float wi = w[i] + s * (mi / (__builtin_elementwise_sqrt(vi) + eps));                                                  \
                w[i] = wi + d * wi;                                                                              \
            }                                                                                                    \
        } else {                                                                                                 \
            for (long i = 0; i < n; i++) {                                                                       \
                float gi = g[i], mi = b1 * m[i] + c1 * gi, vi = b2 * v[i] + c2 * (gi * gi);                      \
                m[i] = mi;                                                                                       \
                v[i] = vi;                                                                                       \
                w[i] = w[i] + s * (mi / (__builtin_elementwise_sqrt(vi) + eps));                                                      \
            }                                                                                                    \
        }                                                                                                        \
    }

EK_FOR_EACH_ISA(EK_OPTIM_KERNELS)

double ek_sum_squares(const float *x, long n) { return EK_DISPATCH(sum_squares, x, n); }

void ek_adamw_f32(float *w, float *m, float *v, const float *g, long n, float b1, float b2, float c1, float c2,
                  float eps, float s, float d) {
    EK_DISPATCH(adamw, w, m, v, g, n, b1, b2, c1, c2, eps, s, d);
}
