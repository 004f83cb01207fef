// The history kernels of one instruction set (EK_KERNEL, EK_ISA defined by history.c) for both storage types.
// No include guard on purpose.
#define EK_T float
#define EK_LOAD8 load8_f32
#define EK_LOAD1(x) ((double)(x))
#define EK_NAME(f) EK_CAT(f##_f32_, EK_ISA)
#include "history_body.h"
#undef EK_T
#undef EK_LOAD8
#undef EK_LOAD1
#undef EK_NAME
#define EK_T uint16_t
#define EK_LOAD8 load8_bf16
#define EK_LOAD1 widen_bf16
#define EK_NAME(f) EK_CAT(f##_bf16_, EK_ISA)
#include "history_body.h"
#undef EK_T
#undef EK_LOAD8
#undef EK_LOAD1
#undef EK_NAME
