// Bulk bfloat16 conversions (see ckbf16.h): one plain-C loop per direction, compiled for AVX-512, AVX2 and the
// baseline, the level chosen at run time (ek_simd_level). memcpy keeps unaligned access defined.
#include "ckbf16.h"
#include "ckernels.h"
#include "vec8.h"
#include <stdint.h>
#include <string.h>

static inline uint16_t bf16_round(uint32_t u) {
    uint16_t nan = (uint16_t)((u >> 16) | 0x40), rounded = (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
    return (u & 0x7fffffff) > 0x7f800000 ? nan : rounded;
}

#define EK_BF16_KERNELS(ISA, TARGET)                                                \
    TARGET static void encode_##ISA(const float *src, unsigned char *dst, long n) { \
        for (long i = 0; i < n; i++) {                                              \
            uint32_t u;                                                             \
            memcpy(&u, src + i, 4);                                                 \
            uint16_t b = bf16_round(u);                                             \
            memcpy(dst + 2 * i, &b, 2);                                             \
        }                                                                           \
    }                                                                               \
    TARGET static void decode_##ISA(const unsigned char *src, float *dst, long n) { \
        for (long i = 0; i < n; i++) {                                              \
            uint16_t b;                                                             \
            memcpy(&b, src + 2 * i, 2);                                             \
            uint32_t u = (uint32_t)b << 16;                                         \
            memcpy(dst + i, &u, 4);                                                 \
        }                                                                           \
    }

EK_FOR_EACH_ISA(EK_BF16_KERNELS)

void ek_bf16_encode(const float *src, void *dst, long n) { EK_DISPATCH(encode, src, dst, n); }

void ek_bf16_decode(const void *src, float *dst, long n) { EK_DISPATCH(decode, src, dst, n); }
