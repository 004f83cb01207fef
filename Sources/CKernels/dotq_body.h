// Body of the quantized dot kernels, included once per instruction set by ckernels.c with
// EK_KERNEL (target attribute), EK_DPBUSD (u8·s8 → int32 lanes) and EK_NAME (suffix) defined.
// No include guard on purpose.

// Four rows at a time share each block of x (loaded once); per block: one dpbusd per row and one fmadd with
// the per-row scale d_w·d_x. Q4_1's offset term m_w·(d_x·Σq_x) is accumulated in scalar.
EK_KERNEL static void EK_NAME(dot4_q)(int format, const uint8_t *w, size_t row_bytes, const int8_t *xq, const float *xd,
                                      const float *xs, int nb, float *out) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float extra[4] = {0, 0, 0, 0};
    const int bb = format == EK_Q8_0 ? 34 : format == EK_Q4_0 ? 18 : 20;
    for (int b = 0; b < nb; b++) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + 32 * b));
        __m256i xsum8 = _mm256_setzero_si256();
        if (format == EK_Q4_0) xsum8 = EK_DPBUSD(_mm256_set1_epi8(8), xv);
        for (int r = 0; r < 4; r++) {
            const uint8_t *p = w + r * row_bytes + (size_t)b * bb;
            __m256i isum;
            if (format == EK_Q8_0) {
                // s8·s8 via u8·s8: |w| · sign(x, w)
                __m256i wv = _mm256_loadu_si256((const __m256i *)(p + 2));
                isum = EK_DPBUSD(_mm256_abs_epi8(wv), _mm256_sign_epi8(xv, wv));
            } else if (format == EK_Q4_0) {
                // Σ(q−8)x = Σ q·x − 8·Σ x
                isum = _mm256_sub_epi32(EK_DPBUSD(nibbles(p + 2), xv), xsum8);
            } else {
                isum = EK_DPBUSD(nibbles(p + 4), xv);
                extra[r] += h2f(p + 2) * xs[b];
            }
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(h2f(p) * xd[b]), acc[r]);
        }
    }
    for (int r = 0; r < 4; r++) out[r] = hsum256(acc[r]) + extra[r];
}

// One row (the remainder after groups of four).
EK_KERNEL static float EK_NAME(dot_q)(int format, const uint8_t *w, const int8_t *xq, const float *xd, const float *xs, int nb) {
    __m256 acc = _mm256_setzero_ps();
    float extra = 0;
    const int bb = format == EK_Q8_0 ? 34 : format == EK_Q4_0 ? 18 : 20;
    for (int b = 0; b < nb; b++) {
        const uint8_t *p = w + (size_t)b * bb;
        __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + 32 * b));
        __m256i isum;
        if (format == EK_Q8_0) {
            __m256i wv = _mm256_loadu_si256((const __m256i *)(p + 2));
            isum = EK_DPBUSD(_mm256_abs_epi8(wv), _mm256_sign_epi8(xv, wv));
        } else if (format == EK_Q4_0) {
            isum = _mm256_sub_epi32(EK_DPBUSD(nibbles(p + 2), xv), EK_DPBUSD(_mm256_set1_epi8(8), xv));
        } else {
            isum = EK_DPBUSD(nibbles(p + 4), xv);
            extra += h2f(p + 2) * xs[b];
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(h2f(p) * xd[b]), acc);
    }
    return hsum256(acc) + extra;
}
