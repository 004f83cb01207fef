#!/usr/bin/env bash
# The optimizer comparison of docs/results.md: the default recipe (scripts/quickstart.sh) with each optimizer on the
# same data, steps and batch, each scored on the same held-out requests, then `edgeagent report` over the runs.
#
#   STEPS=40 EVAL_LIMIT=300 ./scripts/bench/compare_optimizers.sh      # a shorter budget
#
# Learning rates: the GaLore family steps with lr·α (α = 0.25), so AdamW gets 2.5e-4, the same effective step; LoRA
# (rank 16, alpha 32) uses 1e-3 as PEFT recipes do. Runs go to $OUT/<optimizer>; finished runs are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/edgeagent
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
TRAIN=${TRAIN:-datasets/train.jsonl}
TEST=${TEST:-datasets/test.jsonl}
OUT=${OUT:-runs/compare}
STEPS=${STEPS:-160}
BATCH=${BATCH:-8}
EVAL_LIMIT=${EVAL_LIMIT:-1000}
OPTIMIZERS=${OPTIMIZERS:-adamw galore natural-galore adarankgrad lora}
unset OPENBLAS_CORETYPE

for opt in $OPTIMIZERS; do
    run=$OUT/$opt
    case $opt in
        adamw) extra=(--lr 2.5e-4) ;;
        lora) extra=(--lr 1e-3 --rank 16 --lora-alpha 32) ;;
        *) extra=(--lr 1e-3 --rank 128) ;;
    esac
    if [ ! -f "$run/summary.json" ]; then
        rm -rf "$run"
        $bin finetune --model "$MODEL" --data "$TRAIN" --out "$run" --optimizer "$opt" "${extra[@]}" \
            --prompt-style minimal --steps "$STEPS" --batch "$BATCH" --warmup $(( STEPS / 10 )) --schedule cosine \
            --max-seq 384 --group-by-length --save-every 0
    fi
    [ -f "$run/eval.json" ] || $bin eval --model "$run" --batch 16 --data "$TEST" --limit "$EVAL_LIMIT" \
        --predictions "$run/predictions.jsonl" --result "$run/eval.json"
done
runs=()
for opt in $OPTIMIZERS; do runs+=("$OUT/$opt"); done
$bin report --runs "${runs[@]}" --smooth 10 --out "$OUT/report"
