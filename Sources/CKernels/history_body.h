// Body of the history kernels, included by history_isa.h once per instruction set and storage type with EK_KERNEL
// (target attribute), EK_NAME (suffix), EK_T (stored element type) and EK_LOAD8 (eight stored entries to a v8d)
// defined. No include guard on purpose. Each sweep over a block handles four stored vectors, so the widened g (and
// h_prev, t) are loaded once per four; sums keep two v8d partials per vector (no reassociation needed).

// For the `nh` (≤ 4, a constant after inlining) vectors h[0..nh) over m entries: Σ h_j[e]·gb[e] into sg[j] and,
// when `both`, Σ h_j[e]·pb[e] into sp[j]; gb and pb are widened blocks, loaded once for all nh vectors.
EK_KERNEL static inline __attribute__((always_inline)) void EK_NAME(dot_block)(const EK_T *const *h, int nh,
                                                                               const double *gb, const double *pb,
                                                                               int both, int m, double *sg, double *sp) {
    v8d ag[4][2] = {{0}}, ap[4][2] = {{0}};
    int e = 0;
    for (; e + 16 <= m; e += 16) {
#pragma clang loop unroll(full)
        for (int u = 0; u < 2; u++) {
            v8d g = load8_f64(gb + e + 8 * u), p = both ? load8_f64(pb + e + 8 * u) : g;
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                if (j >= nh) break;
                v8d x = EK_LOAD8(h[j] + e + 8 * u);
                ag[j][u] += x * g;
                if (both) ap[j][u] += x * p;
            }
        }
    }
    for (int j = 0; j < nh; j++) {
        double s = hsum8(ag[j][0] + ag[j][1]), q = hsum8(ap[j][0] + ap[j][1]);
        for (int f = e; f < m; f++) {
            double x = EK_LOAD1(h[j][f]);
            s += x * gb[f];
            if (both) q += x * pb[f];
        }
        sg[j] += s;
        if (both) sp[j] += q;
    }
}

EK_KERNEL static void EK_NAME(dots)(const EK_T *const *h, int nv, const float *g, const EK_T *hp, long n, double *out) {
    double gb[EK_BLOCK], pb[EK_BLOCK];
    for (long a = 0; a < n; a += EK_BLOCK) {
        int m = (int)(n - a < EK_BLOCK ? n - a : EK_BLOCK);
        for (int e = 0; e < m; e++) gb[e] = (double)g[a + e];
        if (hp) for (int e = 0; e < m; e++) pb[e] = EK_LOAD1(hp[a + e]);
        out[nv] += ek_sum_squares(g + a, m);
        int i = 0;
        for (; i + 4 <= nv; i += 4) {   // four vectors per sweep over gb (and pb)
            const EK_T *hi[4] = {h[i] + a, h[i + 1] + a, h[i + 2] + a, h[i + 3] + a};
            if (hp) EK_NAME(dot_block)(hi, 4, gb, pb, 1, m, out + i, out + nv + 1 + i);
            else EK_NAME(dot_block)(hi, 4, gb, pb, 0, m, out + i, 0);
        }
        for (; i < nv; i++) {
            const EK_T *hi[1] = {h[i] + a};
            if (hp) EK_NAME(dot_block)(hi, 1, gb, pb, 1, m, out + i, out + nv + 1 + i);
            else EK_NAME(dot_block)(hi, 1, gb, pb, 0, m, out + i, 0);
        }
    }
}

EK_KERNEL static void EK_NAME(apply)(const EK_T *const *h, int nv, const double *z, double zc, double il, double il2,
                                     float *r, long n) {
    double t[EK_BLOCK];
    for (long a = 0; a < n; a += EK_BLOCK) {
        int m = (int)(n - a < EK_BLOCK ? n - a : EK_BLOCK), m8 = m / 8 * 8;
        for (int e = 0; e < m; e++) t[e] = zc * (double)r[a + e];
        int i = 0;
        for (; i + 4 <= nv; i += 4) {   // four vectors per sweep over t
            const EK_T *h0 = h[i] + a, *h1 = h[i + 1] + a, *h2 = h[i + 2] + a, *h3 = h[i + 3] + a;
            double z0 = z[i], z1 = z[i + 1], z2 = z[i + 2], z3 = z[i + 3];
            for (int e = 0; e < m8; e += 8)
                store8_f64(t + e, load8_f64(t + e) + z0 * EK_LOAD8(h0 + e) + z1 * EK_LOAD8(h1 + e) +
                                      z2 * EK_LOAD8(h2 + e) + z3 * EK_LOAD8(h3 + e));
            for (int e = m8; e < m; e++)
                t[e] += z0 * EK_LOAD1(h0[e]) + z1 * EK_LOAD1(h1[e]) + z2 * EK_LOAD1(h2[e]) + z3 * EK_LOAD1(h3[e]);
        }
        for (; i < nv; i++) {
            const EK_T *hi = h[i] + a;
            double zi = z[i];
            for (int e = 0; e < m8; e += 8) store8_f64(t + e, load8_f64(t + e) + zi * EK_LOAD8(hi + e));
            for (int e = m8; e < m; e++) t[e] += zi * EK_LOAD1(hi[e]);
        }
        for (int e = 0; e < m; e++) r[a + e] = (float)((double)r[a + e] * il - t[e] * il2);
    }
}
