// Body of the attention kernels, included once per instruction set by attention.c with EK_KERNEL (target
// attribute), EK_NAME (suffix), R and NC (register tile: R rows × NC columns) defined. No include guard on purpose.
//
// Every product here has the form C[r][c] = Σ_k A(r, k)·B[k][c] over a tile of R rows and NC columns: A read by
// broadcast with any strides, B a row-major panel whose rows are contiguous and padded to a multiple of NC (so
// the tile never needs a column tail). The compiler keeps the tile in vector registers. Row loops that need a
// reduction (softmax) keep NC lane-wise partials, so they vectorize too.

EK_KERNEL static inline void EK_NAME(tile)(float out[R][NC], const float *a, ptrdiff_t ars, ptrdiff_t aks, int nr,
                                           const float *b, ptrdiff_t ldb, int k0, int k1) {
    float acc[R][NC];
    const float *ar[R];
    for (int r = 0; r < R; r++) {
        ar[r] = a + (ptrdiff_t)(r < nr ? r : nr - 1) * ars;   // rows past nr repeat the last (results dropped)
        for (int c = 0; c < NC; c++) acc[r][c] = 0;
    }
    for (int kk = k0; kk < k1; kk++) {
        const float *brow = b + (ptrdiff_t)kk * ldb;
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            float av = ar[r][(ptrdiff_t)kk * aks];
#pragma clang loop unroll(full)
            for (int c = 0; c < NC; c++) acc[r][c] += av * brow[c];
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < NC; c++) out[r][c] = acc[r][c];
}

// Lower triangle of scale·X·Yᵀ into c (row stride T): c[i][j] for j ≤ i; yt is Yᵀ padded (hd × Tp).
EK_KERNEL static void EK_NAME(lower_xyt)(const float *x, int ldx, const float *yt, int Tp, int T, int hd, float scale,
                                         float *c) {
    float t[R][NC];
    for (int i0 = 0; i0 < T; i0 += R) {
        int nr = T - i0 < R ? T - i0 : R;
        for (int j0 = 0; j0 < i0 + nr; j0 += NC) {
            EK_NAME(tile)(t, x + (ptrdiff_t)i0 * ldx, ldx, 1, nr, yt + j0, Tp, 0, hd);
            for (int r = 0; r < nr; r++) {
                float *row = c + (ptrdiff_t)(i0 + r) * T + j0;
                int end = i0 + r + 1 - j0;
                if (end >= NC) for (int cc = 0; cc < NC; cc++) row[cc] = scale * t[r][cc];
                else for (int cc = 0; cc < end; cc++) row[cc] = scale * t[r][cc];
            }
        }
    }
}

// out[i][d] = scale·Σ_{j ≤ i} w[i][j]·y[j][d]; w is lower-triangular T×T, yp is Y padded (T × hdp).
EK_KERNEL static void EK_NAME(lower_wy)(const float *w, const float *yp, int hdp, int T, int hd, float scale,
                                        float *out, int ldo) {
    float t[R][NC];
    for (int i0 = 0; i0 < T; i0 += R) {
        int nr = T - i0 < R ? T - i0 : R;
        for (int d0 = 0; d0 < hd; d0 += NC) {
            EK_NAME(tile)(t, w + (ptrdiff_t)i0 * T, T, 1, nr, yp + d0, hdp, 0, i0 + nr);
            int nd = hd - d0 < NC ? hd - d0 : NC;
            for (int r = 0; r < nr; r++)
                for (int cc = 0; cc < nd; cc++) out[(ptrdiff_t)(i0 + r) * ldo + d0 + cc] = scale * t[r][cc];
        }
    }
}

// out[j][d] += scale·Σ_{i ≥ j} w[i][j]·x[i][d]; w lower-triangular T×T, xp is X padded (T × hdp).
EK_KERNEL static void EK_NAME(upper_wtx)(const float *w, const float *xp, int hdp, int T, int hd, float scale,
                                         float *out, int ldo) {
    float t[R][NC];
    for (int j0 = 0; j0 < T; j0 += R) {
        int nr = T - j0 < R ? T - j0 : R;
        for (int d0 = 0; d0 < hd; d0 += NC) {
            EK_NAME(tile)(t, w + j0, 1, T, nr, xp + d0, hdp, j0, T);
            int nd = hd - d0 < NC ? hd - d0 : NC;
            for (int r = 0; r < nr; r++)
                for (int cc = 0; cc < nd; cc++) out[(ptrdiff_t)(j0 + r) * ldo + d0 + cc] += scale * t[r][cc];
        }
    }
}

// Softmax of x[0..<n] in place; x[n..<T] = 0. Lane-wise max and sum (NC lanes), then a fixed-order reduction.
EK_KERNEL static void EK_NAME(softmax_row)(float *x, int n, int T) {
    float lane[NC], m = -INFINITY, sum = 0;
    int i = 0;
    for (int l = 0; l < NC; l++) lane[l] = -INFINITY;
    for (; i + NC <= n; i += NC)
        for (int l = 0; l < NC; l++) lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
    for (int l = 0; l < NC; l++) m = lane[l] > m ? lane[l] : m;
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    for (int l = 0; l < NC; l++) lane[l] = 0;
    for (i = 0; i + NC <= n; i += NC)
        for (int l = 0; l < NC; l++) { float e = exp_approx(x[i + l] - m); x[i + l] = e; lane[l] += e; }
    for (; i < n; i++) { float e = exp_approx(x[i] - m); x[i] = e; sum += e; }
    for (int l = 0; l < NC; l++) sum += lane[l];
    float inv = 1 / sum;
    for (i = 0; i < n; i++) x[i] *= inv;
    for (; i < T; i++) x[i] = 0;
}

// dp[0..<n] = p·(dp − ⟨p, dp⟩) (softmax backward); dp[n..<T] = 0.
EK_KERNEL static void EK_NAME(softmax_backward_row)(const float *p, float *dp, int n, int T) {
    float lane[NC], dot = 0;
    int i = 0;
    for (int l = 0; l < NC; l++) lane[l] = 0;
    for (; i + NC <= n; i += NC)
        for (int l = 0; l < NC; l++) lane[l] += p[i + l] * dp[i + l];
    for (; i < n; i++) dot += p[i] * dp[i];
    for (int l = 0; l < NC; l++) dot += lane[l];
    for (i = 0; i < n; i++) dp[i] = p[i] * (dp[i] - dot);
    for (; i < T; i++) dp[i] = 0;
}

EK_KERNEL static void EK_NAME(forward)(int heads, const float *q, int ldq, const float *k, int ldk, const float *v,
                                       int ldv, int T, int hd, float scale, float *p, float *o, int ldo, float *kt,
                                       float *vp, int Tp, int hdp) {
    transpose_pad(k, ldk, T, hd, kt, Tp, hdp);
    copy_pad(v, ldv, T, hd, vp, hdp);
    for (int h = 0; h < heads; h++) {
        float *ph = p + (ptrdiff_t)h * T * T;
        EK_NAME(lower_xyt)(q + h * hd, ldq, kt, Tp, T, hd, scale, ph);
        for (int i = 0; i < T; i++) EK_NAME(softmax_row)(ph + (ptrdiff_t)i * T, i + 1, T);
        EK_NAME(lower_wy)(ph, vp, hdp, T, hd, 1.0f, o + h * hd, ldo);
    }
}

EK_KERNEL static void EK_NAME(backward)(int heads, const float *p, const float *q, int ldq, const float *k, int ldk,
                                        const float *v, int ldv, const float *dout, int lddo, int T, int hd, float scale,
                                        float *dq, int lddq, float *dk, int lddk, float *dv, int lddv, float *vt,
                                        float *kp, float *xp, float *ds, int Tp, int hdp) {
    transpose_pad(v, ldv, T, hd, vt, Tp, hdp);
    copy_pad(k, ldk, T, hd, kp, hdp);
    for (int h = 0; h < heads; h++) {
        const float *ph = p + (ptrdiff_t)h * T * T, *qh = q + h * hd, *doh = dout + h * hd;
        // dP = dO·Vᵀ (lower), then dS = P∘(dP − rowsum(P∘dP)) in place; zero above the diagonal.
        EK_NAME(lower_xyt)(doh, lddo, vt, Tp, T, hd, 1.0f, ds);
        for (int i = 0; i < T; i++) EK_NAME(softmax_backward_row)(ph + (ptrdiff_t)i * T, ds + (ptrdiff_t)i * T, i + 1, T);
        // dV += Pᵀ·dO; dQ = scale·dS·K; dK += scale·dSᵀ·Q
        copy_pad(doh, lddo, T, hd, xp, hdp);
        EK_NAME(upper_wtx)(ph, xp, hdp, T, hd, 1.0f, dv, lddv);
        EK_NAME(lower_wy)(ds, kp, hdp, T, hd, scale, dq + h * hd, lddq);
        copy_pad(qh, ldq, T, hd, xp, hdp);
        EK_NAME(upper_wtx)(ds, xp, hdp, T, hd, scale, dk, lddk);
    }
}
