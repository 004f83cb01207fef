#pragma once
// Debian: /usr/include/x86_64-linux-gnu/cblas.h -> alternatives -> openblas-pthread/cblas.h
#include <cblas.h>
#include <lapacke.h>
