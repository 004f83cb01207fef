// Umbrella header of the CKernels module.
#pragma once
#include "ckernels.h"
#include "ckpool.h"
#include "ckattention.h"
#include "ckhistory.h"
#include "ckbf16.h"
#include "ckoptim.h"
