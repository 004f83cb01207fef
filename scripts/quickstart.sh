#!/usr/bin/env bash
# The main job (README): set up, build in release mode, and run EdgeAgent.
# Today: system packages, release build, `edgeagent --help`, `edgeagent bench gemm`.
# The end-to-end recipe (fetch model → generate data → fine-tune → eval) replaces this as it lands.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_system_packages
swift build -c release --product edgeagent
bin=.build/release/edgeagent
$bin --help
# OpenBLAS picks its AVX-512 kernels only when OPENBLAS_CORETYPE does not force older ones.
env -u OPENBLAS_CORETYPE $bin bench gemm
