#!/usr/bin/env python3
"""Checks that a directory written by `edgeagent finetune`/`export` loads in transformers and gives the same logits.

Usage: python scripts/check/hf_checkpoint.py RUN_DIR [--edgeagent .build/release/edgeagent] [--text "..."]
Runs `edgeagent generate --model RUN_DIR --prompt TEXT --max-new-tokens 0 --dump-logits F.npy`, then transformers
(AutoModelForCausalLM + AutoTokenizer from RUN_DIR, float32, eager attention) on the same ids, and prints
{"max_abs_diff", "tokens_equal", "transformers"}; exit status 1 when the logits differ by more than 1e-3.
"""
import argparse, json, subprocess, sys, tempfile

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ap = argparse.ArgumentParser()
ap.add_argument("run_dir")
ap.add_argument("--edgeagent", default=".build/release/edgeagent")
ap.add_argument("--text", default="<|im_start|>user\nText Alice that I'm running late<|im_end|>\n<|im_start|>assistant\n")
a = ap.parse_args()

tok = AutoTokenizer.from_pretrained(a.run_dir)
ids = tok(a.text, add_special_tokens=False)["input_ids"]
with tempfile.NamedTemporaryFile(suffix=".npy") as f:
    subprocess.run([a.edgeagent, "generate", "--model", a.run_dir, "--ids", " ".join(map(str, ids)),
                    "--max-new-tokens", "0", "--dump-logits", f.name, "--json"], check=True, stdout=subprocess.DEVNULL)
    ours = np.load(f.name)
    swift_ids = json.loads(subprocess.run([a.edgeagent, "tokenize", "--model", a.run_dir, "--text", a.text, "--special", "--json"],
                                          check=True, capture_output=True, text=True).stdout)["ids"]
model = AutoModelForCausalLM.from_pretrained(a.run_dir, torch_dtype=torch.float32, attn_implementation="eager")
with torch.no_grad():
    ref = model(torch.tensor([ids])).logits[0].float().numpy()
diff = float(np.abs(ref - ours).max())
print(json.dumps({"max_abs_diff": diff, "tokens_equal": swift_ids == ids, "prompt_tokens": len(ids),
                  "transformers": transformers.__version__}))
sys.exit(0 if diff <= 1e-3 and swift_ids == ids else 1)
