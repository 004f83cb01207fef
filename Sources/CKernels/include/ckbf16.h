// Bulk bfloat16 conversions (EdgeTensor/Half.swift `BF16`), vectorized for the CPU found at run time.
#pragma once
#ifdef __cplusplus
extern "C" {
#endif

/// dst[i] = bfloat16 of src[i] (round to nearest even; a NaN stays a quiet NaN) for i < n; dst has any alignment.
void ek_bf16_encode(const float *src, void *dst, long n);
/// dst[i] = the Float32 value of the bfloat16 src[i] (exact) for i < n; src has any alignment.
void ek_bf16_decode(const void *src, float *dst, long n);

#ifdef __cplusplus
}
#endif
