// Causal attention of one head for training (forward and backward), without BLAS: small register-tiled products
// that skip the masked upper triangle, so a head's work is half of the full T×T products, and many heads can run
// at once on separate threads (each call is single-threaded and reentrant).
#pragma once
#ifdef __cplusplus
extern "C" {
#endif

/// `heads` query heads sharing one key/value head (grouped-query attention): P = softmax(scale·Q·Kᵀ) over j ≤ i
/// (row i of P, T×T row-major, zero for j > i) and O = P·V. Q, K, V, O are T rows of `hd` with the given row strides;
/// head h's Q and O start `h·hd` floats after q and o, its P `h·T·T` after p.
void ek_attn_forward(int heads, const float *q, int ldq, const float *k, int ldk, const float *v, int ldv, int T, int hd,
                     float scale, float *p, float *o, int ldo);

/// Backward of `heads` query heads sharing one key/value head (grouped-query attention). Head h's Q, dO and dQ
/// start `h·hd` floats after q, dout and dq; its P (from ek_attn_forward) `h·T·T` after p. Writes dQ, adds into
/// dK and dV (which the caller zeroes once).
void ek_attn_backward(int heads, const float *p, const float *q, int ldq, const float *k, int ldk, const float *v,
                      int ldv, const float *dout, int lddo, int T, int hd, float scale, float *dq, int lddq, float *dk,
                      int lddk, float *dv, int lddv);

#ifdef __cplusplus
}
#endif
