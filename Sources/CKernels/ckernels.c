#include "ckernels.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) {
        if (mant == 0) bits = sign;
        else {  // subnormal half → normal float
            int e = -1;
            do { mant <<= 1; e++; } while (!(mant & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000 | (mant << 13);
    else bits = sign | ((exp + 112) << 23) | (mant << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

void ek_quantize_q8(const float *x, int n, int8_t *xq, float *xd, float *xs) {
    for (int b = 0; b < n / 32; b++) {
        const float *v = x + 32 * b;
        float amax = 0;
        for (int j = 0; j < 32; j++) { float a = fabsf(v[j]); if (a > amax) amax = a; }
        float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) { int q = (int)lrintf(v[j] * id); xq[32 * b + j] = (int8_t)q; sum += q; }
        xd[b] = d;
        xs[b] = d * (float)sum;
    }
}

// ---- scalar reference kernels ----
static float dot_q_scalar(int format, const uint8_t *w, const int8_t *xq, const float *xd, const float *xs, int nb) {
    float acc = 0;
    for (int b = 0; b < nb; b++) {
        const int8_t *q = xq + 32 * b;
        int isum = 0;
        if (format == EK_Q8_0) {
            const uint8_t *p = w + 34 * b;
            const int8_t *wq = (const int8_t *)(p + 2);
            for (int j = 0; j < 32; j++) isum += wq[j] * q[j];
            acc += f16_to_f32(rd16(p)) * xd[b] * (float)isum;
        } else if (format == EK_Q4_0) {
            const uint8_t *p = w + 18 * b, *qs = p + 2;
            for (int j = 0; j < 16; j++) isum += ((qs[j] & 15) - 8) * q[j] + ((qs[j] >> 4) - 8) * q[j + 16];
            acc += f16_to_f32(rd16(p)) * xd[b] * (float)isum;
        } else {
            const uint8_t *p = w + 20 * b, *qs = p + 4;
            for (int j = 0; j < 16; j++) isum += (qs[j] & 15) * q[j] + (qs[j] >> 4) * q[j + 16];
            acc += f16_to_f32(rd16(p)) * xd[b] * (float)isum + f16_to_f32(rd16(p + 2)) * xs[b];
        }
    }
    return acc;
}

#if defined(__x86_64__)
// Helpers need only AVX2, so both the AVX2 and the AVX-512 kernels can inline them.
#define EK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define EK_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

EK_AVX2 static inline float hsum256(__m256 acc) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_hadd_ps(s, s);
    s = _mm_hadd_ps(s, s);
    return _mm_cvtss_f32(s);
}

// u8·s8 dot products of 4-byte groups into 8 int32 lanes. AVX2 has no dpbusd: maddubs forms int16 pair sums
// (no saturation here: |u| ≤ 128 and |s| ≤ 127 give at most 32,512) and madd with ones widens them, as llama.cpp.
EK_AVX2 static inline __m256i dpbusd_avx2(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}
// Two such products summed, for nibble u (≤ 15): the int16 pair sums of both (≤ 2·15·127 each) add without
// overflow before one widening madd.
EK_AVX2 static inline __m256i dpbusd2_avx2(__m256i u1, __m256i s1, __m256i u2, __m256i s2) {
    return _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(u1, s1), _mm256_maddubs_epi16(u2, s2)),
                             _mm256_set1_epi16(1));
}
EK_AVX512 static inline __m256i dpbusd_vnni(__m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
}
EK_AVX512 static inline __m256i dpbusd2_vnni(__m256i u1, __m256i s1, __m256i u2, __m256i s2) {
    return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u1, s1), u2, s2);
}

// The quantized kernel, once per instruction set (dotq_body.h is written against EK_DPBUSD and EK_DPBUSD2).
#define EK_KERNEL EK_AVX512
#define EK_DPBUSD dpbusd_vnni
#define EK_DPBUSD2 dpbusd2_vnni
#define EK_NAME(n) n##_vnni
#include "dotq_body.h"
#undef EK_KERNEL
#undef EK_DPBUSD
#undef EK_DPBUSD2
#undef EK_NAME
#define EK_KERNEL EK_AVX2
#define EK_DPBUSD dpbusd_avx2
#define EK_DPBUSD2 dpbusd2_avx2
#define EK_NAME(n) n##_avx2
#include "dotq_body.h"

EK_AVX512 static float dot_f32_avx512(const float *a, const float *x, int n) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(x + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(x + i + 16), a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(x + i + 32), a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(x + i + 48), a3);
    }
    for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(x + i), a0);
    float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    for (; i < n; i++) s += a[i] * x[i];
    return s;
}

EK_AVX2 static float dot_f32_avx2(const float *a, const float *x, int n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(x + i), a0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += a[i] * x[i];
    return s;
}

// Y[t][r] = W[r]·X[t] for a few vectors (batched decode). A 4-row × 2-vector tile keeps 8 independent FMA chains
// in flight (one chain per accumulator would wait on the FMA latency) and shares each load of W between two vectors
// and each load of X between four rows; the four rows (a few KB) stay in L1 while all T vectors pass over them, so W
// is read from memory once per call.
EK_AVX2 static void matmul_f32_avx2(const float *w, int cols, int r0, int r1, const float *x, int T, float *y, int ldy) {
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = w + (size_t)r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        int t = 0;
        for (; t + 2 <= T; t += 2) {
            const float *xa = x + (size_t)t * cols, *xb = xa + cols;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
            __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
            int i = 0;
            for (; i + 8 <= cols; i += 8) {
                __m256 va = _mm256_loadu_ps(xa + i), vb = _mm256_loadu_ps(xb + i);
                __m256 v0 = _mm256_loadu_ps(w0 + i), v1 = _mm256_loadu_ps(w1 + i);
                __m256 v2 = _mm256_loadu_ps(w2 + i), v3 = _mm256_loadu_ps(w3 + i);
                a0 = _mm256_fmadd_ps(v0, va, a0); b0 = _mm256_fmadd_ps(v0, vb, b0);
                a1 = _mm256_fmadd_ps(v1, va, a1); b1 = _mm256_fmadd_ps(v1, vb, b1);
                a2 = _mm256_fmadd_ps(v2, va, a2); b2 = _mm256_fmadd_ps(v2, vb, b2);
                a3 = _mm256_fmadd_ps(v3, va, a3); b3 = _mm256_fmadd_ps(v3, vb, b3);
            }
            float sa[4] = {hsum256(a0), hsum256(a1), hsum256(a2), hsum256(a3)};
            float sb[4] = {hsum256(b0), hsum256(b1), hsum256(b2), hsum256(b3)};
            for (; i < cols; i++) {
                sa[0] += w0[i] * xa[i]; sa[1] += w1[i] * xa[i]; sa[2] += w2[i] * xa[i]; sa[3] += w3[i] * xa[i];
                sb[0] += w0[i] * xb[i]; sb[1] += w1[i] * xb[i]; sb[2] += w2[i] * xb[i]; sb[3] += w3[i] * xb[i];
            }
            for (int k = 0; k < 4; k++) {
                y[(size_t)t * ldy + r + k] = sa[k];
                y[(size_t)(t + 1) * ldy + r + k] = sb[k];
            }
        }
        for (; t < T; t++)
            for (int k = 0; k < 4; k++) y[(size_t)t * ldy + r + k] = dot_f32_avx2(w0 + (size_t)k * cols, x + (size_t)t * cols, cols);
    }
    for (; r < r1; r++)
        for (int t = 0; t < T; t++) y[(size_t)t * ldy + r] = dot_f32_avx2(w + (size_t)r * cols, x + (size_t)t * cols, cols);
}
// The AVX-512 form of the small-batch product: a 4-row × NT-vector tile (NT ≤ 4, a constant after inlining) keeps
// up to 16 accumulators in zmm registers, so each 16-float load of W feeds NT FMAs and each load of X feeds four;
// the column tail is a masked load.
EK_AVX512 static inline __attribute__((always_inline))
void matmul_tile_avx512(const float *w0, int cols, const float *x, int NT, float *y, int ldy, const float *next) {
    __m512 acc[4][4];
    for (int k = 0; k < 4; k++)
        for (int t = 0; t < NT; t++) acc[k][t] = _mm512_setzero_ps();
    for (int i = 0; i < cols; i += 16) {
        __mmask16 m = cols - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - i)) - 1);
        if (next)
            for (int k = 0; k < 4; k++) _mm_prefetch((const char *)(next + (size_t)k * cols + i), _MM_HINT_T0);
        __m512 wv[4], xv[4];
        for (int k = 0; k < 4; k++) wv[k] = _mm512_maskz_loadu_ps(m, w0 + (size_t)k * cols + i);
        for (int t = 0; t < NT; t++) xv[t] = _mm512_maskz_loadu_ps(m, x + (size_t)t * cols + i);
        for (int k = 0; k < 4; k++)
            for (int t = 0; t < NT; t++) acc[k][t] = _mm512_fmadd_ps(wv[k], xv[t], acc[k][t]);
    }
    for (int t = 0; t < NT; t++)
        for (int k = 0; k < 4; k++) y[(size_t)t * ldy + k] = _mm512_reduce_add_ps(acc[k][t]);
}

EK_AVX512 static void matmul_f32_avx512(const float *w, int cols, int r0, int r1, const float *x, int T, float *y, int ldy) {
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
        const float *w0 = w + (size_t)r * cols;
        // The first pass over these rows also prefetches the next four (memory latency, not FMAs, bounds this loop).
        const float *next = r + 8 <= r1 ? w0 + (size_t)4 * cols : NULL;
        int t = 0;
        for (; t + 4 <= T; t += 4, next = NULL)
            matmul_tile_avx512(w0, cols, x + (size_t)t * cols, 4, y + (size_t)t * ldy + r, ldy, next);
        switch (T - t) {
        case 3: matmul_tile_avx512(w0, cols, x + (size_t)t * cols, 3, y + (size_t)t * ldy + r, ldy, next); break;
        case 2: matmul_tile_avx512(w0, cols, x + (size_t)t * cols, 2, y + (size_t)t * ldy + r, ldy, next); break;
        case 1: matmul_tile_avx512(w0, cols, x + (size_t)t * cols, 1, y + (size_t)t * ldy + r, ldy, next); break;
        default: break;
        }
    }
    for (; r < r1; r++)
        for (int t = 0; t < T; t++) y[(size_t)t * ldy + r] = dot_f32_avx512(w + (size_t)r * cols, x + (size_t)t * cols, cols);
}
#endif

static int detected = -1;
static _Thread_local int limit = 2;   // per thread; ek_parallel hands the caller's to its workers

void ek_limit_simd(int level) { limit = level < 0 ? 2 : level; }

int ek_simd_limit(void) { return limit; }

int ek_simd_level(void) {
    if (detected < 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) detected = 2;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) detected = 1;
        else detected = 0;
#else
        detected = 0;
#endif
    }
    return detected < limit ? detected : limit;
}


void ek_matvec_q(int format, const uint8_t *w, size_t row_bytes, int r0, int r1,
                 const int8_t *xq, const float *xd, const float *xs, int nblocks, float *y) {
#if defined(__x86_64__)
    int level = ek_simd_level();
    if (level > 0) {
        for (int r = r0; r < r1; r += 8) {
            int n = r1 - r < 8 ? r1 - r : 8;
            const uint8_t *rows = w + (size_t)r * row_bytes;
            if (level == 2) dot8_q_vnni(format, rows, row_bytes, n, xq, xd, xs, nblocks, y + r);
            else dot8_q_avx2(format, rows, row_bytes, n, xq, xd, xs, nblocks, y + r);
        }
        return;
    }
#endif
    for (int r = r0; r < r1; r++) y[r] = dot_q_scalar(format, w + (size_t)r * row_bytes, xq, xd, xs, nblocks);
}

void ek_matvec_f32(const float *w, int cols, int r0, int r1, const float *x, float *y) {
#if defined(__x86_64__)
    int level = ek_simd_level();
    if (level == 2) {
        for (int r = r0; r < r1; r++) y[r] = dot_f32_avx512(w + (size_t)r * cols, x, cols);
        return;
    }
    if (level == 1) {
        for (int r = r0; r < r1; r++) y[r] = dot_f32_avx2(w + (size_t)r * cols, x, cols);
        return;
    }
#endif
    for (int r = r0; r < r1; r++) {
        const float *a = w + (size_t)r * cols;
        float s = 0;
        for (int i = 0; i < cols; i++) s += a[i] * x[i];
        y[r] = s;
    }
}

void ek_matmul_f32(const float *w, int cols, int r0, int r1, const float *x, int T, float *y, int ldy) {
#if defined(__x86_64__)
    int level = ek_simd_level();
    if (level == 2) {
        matmul_f32_avx512(w, cols, r0, r1, x, T, y, ldy);
        return;
    }
    if (level == 1) {
        matmul_f32_avx2(w, cols, r0, r1, x, T, y, ldy);
        return;
    }
#endif
    for (int r = r0; r < r1; r++)
        for (int t = 0; t < T; t++) {
            const float *a = w + (size_t)r * cols, *xt = x + (size_t)t * cols;
            float s = 0;
            for (int i = 0; i < cols; i++) s += a[i] * xt[i];
            y[(size_t)t * ldy + r] = s;
        }
}
