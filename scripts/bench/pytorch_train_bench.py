#!/usr/bin/env python3
"""PyTorch eager CPU training-step speed for the `edgeagent bench train` comparison.

Usage: python scripts/bench/pytorch_train_bench.py [--preset small] [--seq 256] [--batch 4] [--threads 2] [--runs 5]
Same model shape as `edgeagent bench train --model preset:small` (LlamaForCausalLM from transformers, float32,
eager attention, random weights), same random tokens (SplitMix64 is not needed: speed does not depend on values),
torch.optim.AdamW, full steps (zero_grad, forward, loss, backward, step), median of --runs after 2 warm-ups.
Prints {"tokens_per_s", "median_step_s", "peak_rss_bytes", "threads", "torch"}.
"""
import argparse, json, resource, statistics, time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

PRESETS = {  # must equal Sources/EdgeModel/LlamaConfig+Presets.swift
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, intermediate_size=176, vocab_size=320),
    "small": dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=4, intermediate_size=1376, vocab_size=320),
    "smollm2-135m": dict(hidden_size=576, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, intermediate_size=1536,
                         vocab_size=49152, tie_word_embeddings=True, rope_theta=100000.0),
}

ap = argparse.ArgumentParser()
ap.add_argument("--preset", default="small")
ap.add_argument("--seq", type=int, default=256)
ap.add_argument("--batch", type=int, default=4)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--runs", type=int, default=5)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
cfg = LlamaConfig(rms_norm_eps=1e-5, max_position_embeddings=2048, attn_implementation="eager", **PRESETS[a.preset])
model = LlamaForCausalLM(cfg).float().train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
ids = torch.randint(0, cfg.vocab_size, (a.batch, a.seq))
times = []
for i in range(2 + a.runs):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step()
    if i >= 2:
        times.append(time.perf_counter() - t0)
med = statistics.median(times)
print(json.dumps({"tokens_per_s": a.batch * a.seq / med, "median_step_s": med,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "threads": a.threads, "torch": torch.__version__}))
