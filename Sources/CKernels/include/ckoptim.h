// Element loops of the training step that must stream memory at full speed (EdgeOptim, EdgeTrain), vectorized for
// the CPU found at run time. Single-threaded and reentrant: callers split large arrays across threads.
#pragma once
#ifdef __cplusplus
extern "C" {
#endif

/// Σ x[i]² over n floats in Float64, as sixteen lane-wise partial sums added in a fixed order (the same result at
/// every SIMD level).
double ek_sum_squares(const float *x, long n);

/// One pass of the plain Float32 AdamW step over n elements with the arithmetic of EdgeOptim's
/// `ScalarKernels.adamBody`, `addScaled` and `decay` in turn (no fused multiply-adds, so bit-identical to them):
/// m ← b1·m + c1·g;  v ← b2·v + c2·g²;  w ← w + s·(m / (√v + eps));  then w ← w + d·w when d ≠ 0.
void ek_adamw_f32(float *w, float *m, float *v, const float *g, long n, float b1, float b2, float c1, float c2,
                  float eps, float s, float d);

#ifdef __cplusplus
}
#endif
