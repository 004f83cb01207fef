// Body of the quantized matrix-vector kernel, included once per instruction set by ckernels.c with
// EK_KERNEL (target attribute), EK_DPBUSD (u8·s8 → int32 lanes), EK_DPBUSD2 (two such products summed; the u8
// operands must be nibbles) and EK_NAME (suffix) defined. No include guard on purpose.

// Eight rows at a time. Per block, each row's 32 products go into int32 lanes, a tree of hadds reduces the eight
// rows' lanes to one vector of the eight block sums, and one gather fetches the eight rows' block headers (the f16
// scale d, and Q4_1's f16 minimum m after it), so the per-block scale work is shared by eight rows.
// Q4_0 is Q4_1 with m = −8·d: Σ d(q−8)·x = d·Σq·x − 8d·Σx. The offset term m·(d_x·Σq_x) = m·xs[b] is its own FMA.
// Rows past `nrows` repeat the last row and their results are dropped. Each row stays in its own lane from the
// reduction on, so a row gets the same bits whichever group of eight it is computed in (grouped and split
// matvecs agree exactly).
EK_KERNEL static void EK_NAME(dot8_q)(int format, const uint8_t *w, size_t row_bytes, int nrows, const int8_t *xq,
                                      const float *xd, const float *xs, int nb, float *out) {
    // Q8_0 sums come out in row order; Q4 sums in lane order 0 2 4 6 1 3 5 7 (see below).
    static const int q8_order[8] = {0, 1, 2, 3, 4, 5, 6, 7}, q4_order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
    const int *order = format == EK_Q8_0 ? q8_order : q4_order;
    const int bb = format == EK_Q8_0 ? 34 : format == EK_Q4_0 ? 18 : 20, qs = format == EK_Q4_1 ? 4 : 2;
    const uint8_t *row[8];
    int lane_offset[8];
    for (int i = 0; i < 8; i++) {
        row[i] = w + (size_t)(i < nrows ? i : nrows - 1) * row_bytes;
        lane_offset[i] = (int)((size_t)(order[i] < nrows ? order[i] : nrows - 1) * row_bytes);
    }
    const __m256i vidx = _mm256_loadu_si256((const __m256i *)lane_offset);
    const __m256i low16 = _mm256_set1_epi32(0xFFFF), m4 = _mm256_set1_epi8(15);
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    // The next group of eight rows (8·row_bytes contiguous bytes) is prefetched while this one is computed, a few
    // cache lines per block: decode streams every weight once from memory, and the rows are too short (a few
    // hundred bytes) for the hardware prefetcher to get ahead on its own.
    const uint8_t *next = w + 8 * row_bytes;
    const int lines = (8 * bb + 63) / 64;
    for (int b = 0; b < nb; b++) {
        const int8_t *xb = xq + 32 * b;
        const size_t off = (size_t)b * bb;
        for (int l = 0; l < lines; l++) _mm_prefetch((const char *)(next + ((size_t)b * lines + l) * 64), _MM_HINT_T0);
        __m256i sums;
        if (format == EK_Q8_0) {
            // s8·s8 via u8·s8: |w| · sign(x, w). Row i's 8 lanes: 4 partial sums per 128-bit half.
            __m256i xv = _mm256_loadu_si256((const __m256i *)xb), v[8];
            for (int i = 0; i < 8; i++) {
                __m256i wv = _mm256_loadu_si256((const __m256i *)(row[i] + off + 2));
                v[i] = EK_DPBUSD(_mm256_abs_epi8(wv), _mm256_sign_epi8(xv, wv));
            }
            // Two hadd levels leave rows 0–3 (h0) and 4–7 (h1) with one sum per 128-bit half; add the halves.
            __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
            __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
            sums = _mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20), _mm256_permute2x128_si256(h0, h1, 0x31));
        } else {
            // x's elements 0–15 and 16–31, each in both 128-bit halves; rows 2k (low half) and 2k+1 (high half)
            // share one register: low nibbles are elements 0–15, high nibbles 16–31.
            __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)xb));
            __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(xb + 16)));
            __m256i v[4];
            for (int k = 0; k < 4; k++) {
                __m256i raw = _mm256_inserti128_si256(
                    _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(row[2 * k] + off + qs))),
                    _mm_loadu_si128((const __m128i *)(row[2 * k + 1] + off + qs)), 1);
                v[k] = EK_DPBUSD2(_mm256_and_si256(raw, m4), xlo, _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4), xhi);
            }
            // Each 128-bit half holds one row's 4 partial sums; two hadd levels give rows [0 2 4 6 | 1 3 5 7].
            sums = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
        }
        // The block headers in lane order: low 16 bits d, high 16 bits Q4_1's m (other formats: data, unused).
        __m256i dm = _mm256_i32gather_epi32((const int *)(w + off), vidx, 1);
        __m256i halves = _mm256_permute4x64_epi64(
            _mm256_packus_epi32(_mm256_and_si256(dm, low16), _mm256_srli_epi32(dm, 16)), 0xD8);   // [d0..7 | m0..7]
        __m256 d = _mm256_cvtph_ps(_mm256_castsi256_si128(halves));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(d, _mm256_set1_ps(xd[b])), acc);
        if (format == EK_Q4_1)
            accm = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm256_extracti128_si256(halves, 1)), _mm256_set1_ps(xs[b]), accm);
        else if (format == EK_Q4_0)
            accm = _mm256_fmadd_ps(d, _mm256_set1_ps(-8 * xs[b]), accm);
    }
    float res[8];
    _mm256_storeu_ps(res, _mm256_add_ps(acc, accm));
    for (int i = 0; i < 8; i++)
        if (order[i] < nrows) out[order[i]] = res[i];
}
