// Natural GaLore's two passes over its gradient history (EdgeOptim/NaturalGradient.swift): Float64 dot products
// and combinations of the stored vectors with the current projected gradient, reading each stored vector once per
// pass at its storage precision (no widened copy).
#pragma once
#ifdef __cplusplus
extern "C" {
#endif

/// Stored vectors are Float32 (`bf16` = 0) or bfloat16 bit patterns (`bf16` = 1), given as `nv` pointers to the
/// first of their `n` entries; g is the current projected gradient (Float32). Every sum is in Float64.
///
/// out[i] += Σ_e h_i[e]·g[e] for i < nv, out[nv] += Σ_e g[e]², and, when hp (a stored vector of the same kind) is
/// not NULL, out[nv + 1 + i] += Σ_e h_i[e]·hp[e].
void ek_history_dots(int bf16, const void *const *h, int nv, const float *g, const void *hp, long n, double *out);

/// r[e] ← r[e]·inv_lambda − (zc·r[e] + Σ_i z[i]·h_i[e])·inv_lambda2 for e < n, the sum in Float64.
void ek_history_apply(int bf16, const void *const *h, int nv, const double *z, double zc, double inv_lambda,
                      double inv_lambda2, float *r, long n);

#ifdef __cplusplus
}
#endif
