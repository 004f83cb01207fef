#!/usr/bin/env python3
"""Checks that a GGUF written by `edgeagent export --format gguf` loads in llama.cpp and plans the same greedy output.

Usage: python scripts/check/gguf_llamacpp.py MODEL.gguf [--edgeagent .build/release/edgeagent] [--prompt TEXT] [--tokens 32]
Tokenizes the prompt with llama.cpp (special tokens parsed), decodes --tokens greedily with llama.cpp and with
`edgeagent generate --ids … --greedy --json`, and prints {"llama_cpp_ids", "edgeagent_ids", "same", "first_difference"}.
Exit 1 when the first 16 ids differ (quantized models may drift later: activations are quantized differently).
"""
import argparse, json, subprocess, sys

from llama_cpp import Llama

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--edgeagent", default=".build/release/edgeagent")
ap.add_argument("--prompt", default="<|im_start|>user\nText Alice that I'm running 10 minutes late<|im_end|>\n<|im_start|>assistant\n")
ap.add_argument("--tokens", type=int, default=32)
a = ap.parse_args()

llm = Llama(model_path=a.model, n_ctx=512, n_threads=2, verbose=False)
ids = llm.tokenize(a.prompt.encode(), add_bos=False, special=True)
llm.reset()
llm.eval(ids)
ours_ref = []
for _ in range(a.tokens):
    t = llm.sample(top_k=1, temp=0)
    if t == llm.token_eos():
        break
    ours_ref.append(t)
    llm.eval([t])
out = json.loads(subprocess.run([a.edgeagent, "generate", "--model", a.model, "--ids", " ".join(map(str, ids)), "--greedy",
                                 "--max-new-tokens", str(a.tokens), "--json"], check=True, capture_output=True, text=True).stdout)
mine = out["ids"]
n = min(len(mine), len(ours_ref))
first = next((i for i in range(n) if mine[i] != ours_ref[i]), None)
print(json.dumps({"llama_cpp_ids": ours_ref, "edgeagent_ids": mine, "same": mine == ours_ref, "first_difference": first,
                  "text_llama_cpp": llm.detokenize(ours_ref).decode(errors="replace")}))
sys.exit(0 if first is None or first >= min(16, n) else 1)
