#!/usr/bin/env bash
# Data-parallel fine-tuning benchmark (issue #11; a benchmark, not a test): on preset:small, 2 MPI ranks × 1 thread
# against 1 process × 2 threads over the same global batches, for AdamW (full gradient all-reduce) and GaLore
# (low-rank all-reduce between refreshes), with and without the per-layer overlap. Prints one line per run and a
# JSON summary: tokens/s (median step, global tokens), the tokens/s ratio 2 ranks / 1 process, the payload bytes
# each rank all-reduced per step (measured, summary.json comm_bytes_per_step), the median seconds per step the
# training thread waited for communication (train_log.jsonl comm_wait_s), plus `bench comm` at TinyLlama's shape.
#
# Usage: scripts/bench/mpi_finetune_bench.sh            (STEPS=12 BATCH=4 RANK=128 OUT=/tmp/mpi-bench to change)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
ensure_system_packages
swift build -c release --product edgeagent
bin=.build/release/edgeagent
unset OPENBLAS_CORETYPE
STEPS=${STEPS:-12}
BATCH=${BATCH:-4}          # global batch; each of the 2 ranks takes BATCH/2
RANK=${RANK:-128}
OUT=${OUT:-/tmp/mpi-bench}
root=(); [ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
common=(finetune --model preset:small --data datasets/sample.jsonl --prompt-style minimal --max-seq 1024 --steps "$STEPS"
        --warmup 2 --lr 1e-3 --save-every 0 --seed 0)
rm -rf "$OUT"; mkdir -p "$OUT"

run() {   # name, then edgeagent arguments (the first may be "mpi" for 2 ranks)
    local name=$1; shift
    local launcher=()
    if [ "$1" = mpi ]; then shift; launcher=(mpirun -np 2 --oversubscribe --bind-to none "${root[@]}"); fi
    "${launcher[@]}" "$bin" "${common[@]}" --out "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1
    python3 - "$OUT/$name" "$name" <<'PY'
import json, statistics, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
waits = [json.loads(l).get("comm_wait_s", 0) for l in open(sys.argv[1] + "/train_log.jsonl")]
print(f"{sys.argv[2]:28s} {s['tokens_per_s']:8.0f} tok/s  final loss {s['final_loss']:.4f}  "
      f"comm {s.get('comm_bytes_per_step', 0)/1e6:8.2f} MB/step  waiting for comm {statistics.median(waits):.3f} s/step")
PY
}

for opt in adamw galore; do
    extra=(--optimizer "$opt"); [ "$opt" = galore ] && extra+=(--rank "$RANK" --update-gap 200 --max-grad-norm 0)
    run "$opt-1x2" --threads 2 --batch "$BATCH" "${extra[@]}"
    run "$opt-2x1" mpi --threads 1 --batch $((BATCH / 2)) --distributed mpi "${extra[@]}"
    run "$opt-2x1-no-overlap" mpi --threads 1 --batch $((BATCH / 2)) --distributed mpi --no-comm-overlap "${extra[@]}"
done

python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
s = {n: json.load(open(f"{out}/{n}/summary.json")) for n in
     ["adamw-1x2", "adamw-2x1", "adamw-2x1-no-overlap", "galore-1x2", "galore-2x1", "galore-2x1-no-overlap"]}
def wait(n):
    return round(statistics.median(json.loads(l).get("comm_wait_s", 0) for l in open(f"{out}/{n}/train_log.jsonl")), 4)
res = {n: {"tokens_per_s": round(v["tokens_per_s"], 1), "comm_bytes_per_step": v.get("comm_bytes_per_step"),
           "comm_wait_s_per_step": wait(n)} for n, v in s.items()}
for o in ["adamw", "galore"]:
    res[o + "_ratio_2x1_over_1x2"] = round(s[o + "-2x1"]["tokens_per_s"] / s[o + "-1x2"]["tokens_per_s"], 3)
print(json.dumps(res, indent=1))
PY
echo "bytes per step at preset:tinyllama-1.1b (rank 512, gap 200):"
for opt in adamw galore natural-galore; do "$bin" bench comm --model preset:tinyllama-1.1b --optimizer "$opt" --rank 512 --update-gap 200; done
