// Hand-written CPU kernels for decode (matrix-vector) on quantized and F32 weights.
// x86-64: AVX-512 VNNI or AVX2 paths chosen at run time by CPUID, with portable scalar fallbacks.
// Block layouts are llama.cpp's (see EdgeTensor/BlockFormat.swift). Activations are quantized per block
// of 32 to int8 ("Q8"): xq[32·b + j] = round(x / xd[b]), xd[b] = max|x| / 127, xs[b] = xd[b]·Σ_j xq[32·b + j].
#pragma once
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

enum { EK_Q8_0 = 0, EK_Q4_0 = 1, EK_Q4_1 = 2 };

/// The kernels in use: 2 AVX-512 VNNI, 1 AVX2 + FMA + F16C, 0 scalar.
int ek_simd_level(void);
/// Tests only: caps ek_simd_level() at `level` (0 scalar, 1 AVX2, 2 AVX-512) on the calling thread and in the
/// ek_parallel jobs it starts (so concurrent tests are unaffected); a negative level removes the cap.
void ek_limit_simd(int level);
/// The calling thread's cap (2 when none).
int ek_simd_limit(void);

/// Quantizes n floats (n multiple of 32) to Q8 blocks: xq (n int8), xd and xs (n/32 floats each).
void ek_quantize_q8(const float *x, int n, int8_t *xq, float *xd, float *xs);

/// y[r] = W[r]·x for r in [r0, r1): W rows of `format` blocks (row_bytes each), x given in Q8 form.
void ek_matvec_q(int format, const uint8_t *w, size_t row_bytes, int r0, int r1,
                 const int8_t *xq, const float *xd, const float *xs, int nblocks, float *y);

/// y[r] = W[r]·x for r in [r0, r1): W row-major F32 with `cols` columns.
void ek_matvec_f32(const float *w, int cols, int r0, int r1, const float *x, float *y);

/// y[t·ldy + r] = W[r]·x[t] for r in [r0, r1) and T vectors x (T, cols): a few vectors at once (batched decode),
/// reading W from memory once.
void ek_matmul_f32(const float *w, int cols, int r0, int r1, const float *x, int T, float *y, int ldy);

#ifdef __cplusplus
}
#endif
