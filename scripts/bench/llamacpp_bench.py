#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) decode/prefill speed on a GGUF, for `edgeagent bench decode|prefill` comparisons.

Usage: python scripts/bench/llamacpp_bench.py MODEL.gguf [--threads 2] [--prompt-tokens 128] [--decode-tokens 128] [--runs 5]
Prints one JSON object: {"prefill_tokens_per_s", "decode_tokens_per_s", "threads", "llama_cpp_version"} (medians).
Install: pip install llama-cpp-python (builds llama.cpp from source; CMAKE_ARGS="-DGGML_NATIVE=ON" for this CPU).
"""
import argparse, json, statistics, time

import llama_cpp
from llama_cpp import Llama

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--prompt-tokens", type=int, default=128)
ap.add_argument("--decode-tokens", type=int, default=128)
ap.add_argument("--runs", type=int, default=5)
a = ap.parse_args()

llm = Llama(model_path=a.model, n_ctx=a.prompt_tokens + a.decode_tokens + 8, n_threads=a.threads,
            n_threads_batch=a.threads, n_batch=512, verbose=False)
# Same token stream as edgeagent's bench: ids 100, 101, … (any valid ids; speed does not depend on them).
prompt = [100 + (i % 1000) for i in range(a.prompt_tokens)]
prefill, decode = [], []
for _ in range(a.runs + 1):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    t1 = time.perf_counter()
    tok = 100
    for _ in range(a.decode_tokens):
        llm.eval([tok])
        tok = 100 + (tok + 1) % 1000
    t2 = time.perf_counter()
    prefill.append(a.prompt_tokens / (t1 - t0))
    decode.append(a.decode_tokens / (t2 - t1))
print(json.dumps({"prefill_tokens_per_s": statistics.median(prefill[1:]),
                  "decode_tokens_per_s": statistics.median(decode[1:]), "threads": a.threads,
                  "llama_cpp_version": llama_cpp.__version__}))
