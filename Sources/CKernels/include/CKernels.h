// Umbrella header of the CKernels module.
#pragma once
#include "ckernels.h"
#include "ckpool.h"
#include "ckattention.h"
