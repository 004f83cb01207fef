// Shared pieces of the plain-C kernels that are compiled once per instruction set: eight-lane vector types with
// unaligned loads/stores (one zmm with AVX-512, two ymm with AVX2, four xmm otherwise) and the run-time dispatch.
// Internal header.
#pragma once
#include <stdint.h>
#include <string.h>

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef uint16_t v8h __attribute__((vector_size(16)));

// Macros, not functions: a function returning a 64-byte vector would change the ABI of the AVX2 and generic builds.
#define load8_f64(p) ({ v8d v_; memcpy(&v_, (p), 64); v_; })
#define store8_f64(p, v) ({ v8d w_ = (v); memcpy((p), &w_, 64); })
#define load8_f32(p) ({ v8f v_; memcpy(&v_, (p), 32); __builtin_convertvector(v_, v8d); })
#define load8_bf16(p) ({ v8h h_; memcpy(&h_, (p), 16); __builtin_convertvector((v8f)(__builtin_convertvector(h_, v8u) << 16), v8d); })
#define hsum8(v) ({ v8d s_ = (v); ((s_[0] + s_[1]) + (s_[2] + s_[3])) + ((s_[4] + s_[5]) + (s_[6] + s_[7])); })

#define EK_CAT2(a, b) a##b
#define EK_CAT(a, b) EK_CAT2(a, b)

// Calls name##_avx512, name##_avx2 or name##_generic with the arguments, for the level ek_simd_level() reports
// (ckernels.h). Works for void and value-returning kernels alike.
#if defined(__x86_64__)
#define EK_DISPATCH(name, ...)                                                                                  \
    (ek_simd_level() == 2 ? name##_avx512(__VA_ARGS__)                                                          \
                          : ek_simd_level() == 1 ? name##_avx2(__VA_ARGS__) : name##_generic(__VA_ARGS__))
#else
#define EK_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

// Instantiates KERNELS(isa, target attribute) for each instruction set EK_DISPATCH can pick (the features are those
// ek_simd_level checks).
#if defined(__x86_64__)
#define EK_FOR_EACH_ISA(KERNELS)                                                          \
    KERNELS(avx512, __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))) \
    KERNELS(avx2, __attribute__((target("avx2,fma,f16c"))))                             \
    KERNELS(generic, )
#else
#define EK_FOR_EACH_ISA(KERNELS) KERNELS(generic, )
#endif
