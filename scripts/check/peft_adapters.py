#!/usr/bin/env python3
"""Checks that LoRA adapters saved by `edgeagent finetune --optimizer lora --save-adapters` load in PEFT.

Usage: python scripts/check/peft_adapters.py [--edgeagent .build/release/edgeagent] [--model preset:tiny] [--work DIR]
Versions used: torch 2.x, transformers ≥ 4.45, peft ≥ 0.13 (pip install peft).

1. `edgeagent export --model M --format safetensors --out WORK/base`: the frozen base as an HF directory.
2. `edgeagent finetune --model M --optimizer lora --rank 4 --lora-alpha 8 --steps 6 --lr 1e-2 --save-adapters`:
   writes WORK/run (merged model, W + (α/r)·B·A) and WORK/run/adapter (adapter_model.safetensors + adapter_config.json).
3. transformers loads WORK/base, `peft.PeftModel.from_pretrained(base, WORK/run/adapter)` applies the adapters;
   its logits are compared with (a) `edgeagent generate --dump-logits` on the merged WORK/run, and (b) transformers on
   WORK/run; peft's own `merge_and_unload()` weights are compared with the merged safetensors.
Prints one JSON line; exit status 1 when any difference exceeds 1e-4 or the adapters have no effect (< 1e-3),
so a silently ignored adapter file fails.
"""
import argparse, json, os, subprocess, sys, tempfile

import numpy as np
import peft
import torch
import transformers
from peft import PeftModel
from safetensors.numpy import load_file
from transformers import AutoModelForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("--edgeagent", default=".build/release/edgeagent")
ap.add_argument("--model", default="preset:tiny")
ap.add_argument("--data", default="datasets/sample.jsonl")
ap.add_argument("--work", default=None)
a = ap.parse_args()
work = a.work or tempfile.mkdtemp(prefix="peft-check-")
base_dir, run_dir = os.path.join(work, "base"), os.path.join(work, "run")


def run(*args):
    subprocess.run([a.edgeagent, *args], check=True, stdout=subprocess.DEVNULL)


run("export", "--model", a.model, "--format", "safetensors", "--out", base_dir)
run("finetune", "--model", a.model, "--data", a.data, "--optimizer", "lora", "--rank", "4", "--lora-alpha", "8",
    "--steps", "6", "--lr", "1e-2", "--warmup", "0", "--batch", "1", "--max-seq", "4096", "--limit", "4",
    "--prompt-style", "minimal",
    "--save-adapters", "--out", run_dir)

ids = [int(x) for x in np.random.default_rng(0).integers(0, 256, size=24)]
with tempfile.NamedTemporaryFile(suffix=".npy") as f:
    run("generate", "--model", run_dir, "--ids", " ".join(map(str, ids)), "--max-new-tokens", "0", "--dump-logits", f.name, "--json")
    ours_merged = np.load(f.name)

x = torch.tensor([ids])
with torch.no_grad():
    base = AutoModelForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32, attn_implementation="eager")
    base_logits = base(x).logits[0].numpy()
    model = PeftModel.from_pretrained(base, os.path.join(run_dir, "adapter"))
    model.eval()
    peft_logits = model(x).logits[0].numpy()
    merged_hf = AutoModelForCausalLM.from_pretrained(run_dir, torch_dtype=torch.float32, attn_implementation="eager")
    merged_logits = merged_hf(x).logits[0].numpy()
    peft_merged = model.merge_and_unload().state_dict()

ours_weights = load_file(os.path.join(run_dir, "model.safetensors"))
weight_diff = max(float(np.abs(peft_merged[k].numpy() - v).max()) for k, v in ours_weights.items() if k in peft_merged)
result = {
    "peft_vs_edgeagent_merged_logits": float(np.abs(peft_logits - ours_merged).max()),
    "peft_vs_transformers_merged_logits": float(np.abs(peft_logits - merged_logits).max()),
    "peft_merge_vs_edgeagent_merge_weights": weight_diff,
    "adapter_effect_on_logits": float(np.abs(peft_logits - base_logits).max()),
    "adapter_tensors": len(load_file(os.path.join(run_dir, "adapter", "adapter_model.safetensors"))),
    "peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__,
}
print(json.dumps(result))
ok = (result["peft_vs_edgeagent_merged_logits"] <= 1e-4 and result["peft_vs_transformers_merged_logits"] <= 1e-4
      and weight_diff <= 1e-5 and result["adapter_effect_on_logits"] > 1e-3)
sys.exit(0 if ok else 1)
