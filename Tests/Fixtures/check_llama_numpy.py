#!/usr/bin/env python3
"""Independent check of the llama fixtures with a from-scratch numpy float64 Llama (no transformers).

    /work/venv/bin/python Tests/Fixtures/check_llama_numpy.py

1. HF path: reads llama/f32/model.safetensors + config.json, HF rotary convention (rotate_half: pairs
   (i, i + d/2)), compares with logits_f32.npy.
2. GGUF path: reads llama/tiny_f32.gguf and the tiny32 GGUFs with gguf.GGUFReader, keeps Q/K in the
   PERMUTED order they are stored in and applies llama.cpp's LLAMA_ROPE_TYPE_NORM rotation (adjacent
   pairs (2i, 2i+1)), i.e. what llama.cpp itself computes; compares with the dequantized-reference
   logits. Agreement proves that the stored permutation is the one llama.cpp expects.
3. Prints the GGUF metadata and the tensor table of one file.
Exits non-zero on any mismatch.
"""
import json
import os
import sys

import numpy as np
import gguf
from safetensors.torch import load_file as _load_torch


def load_file(p):
    return {k: v.float().numpy() for k, v in _load_torch(p).items()}

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llama")
PROMPTS = json.load(open(os.path.join(ROOT, "prompts.json")))["prompts"]


def rmsnorm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def rope_tables(T, hd, theta):
    inv = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)  # (hd/2,)
    ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]       # (T, hd/2)
    return np.cos(ang), np.sin(ang)


def rope_hf(x, cos, sin):  # x (T, H, hd): pairs (i, i + hd/2)
    h = x.shape[-1] // 2
    a, b = x[..., :h], x[..., h:]
    c, s = cos[:, None, :], sin[:, None, :]
    return np.concatenate([a * c - b * s, b * c + a * s], -1)


def rope_norm(x, cos, sin):  # llama.cpp NORM: pairs (2i, 2i+1)
    a, b = x[..., 0::2], x[..., 1::2]
    c, s = cos[:, None, :], sin[:, None, :]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = b * c + a * s
    return out


def forward(W, cfg, ids, rope):
    C, L = cfg["hidden"], cfg["layers"]
    H, KV = cfg["heads"], cfg["kv"]
    hd = C // H
    T = len(ids)
    cos, sin = rope_tables(T, hd, cfg["theta"])
    x = W["embed"][ids].astype(np.float64)
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(L):
        g = lambda n: W[f"{l}.{n}"].astype(np.float64)  # noqa: E731
        h = rmsnorm(x, g("attn_norm"), cfg["eps"])
        q = (h @ g("q").T).reshape(T, H, hd)
        k = (h @ g("k").T).reshape(T, KV, hd)
        v = (h @ g("v").T).reshape(T, KV, hd)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = H // KV
        k = np.repeat(k, rep, axis=1)  # head h uses kv head h // rep
        v = np.repeat(v, rep, axis=1)
        s = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        p = s / s.sum(-1, keepdims=True)
        o = np.einsum("hts,shd->thd", p, v).reshape(T, H * hd)
        x = x + o @ g("o").T
        h = rmsnorm(x, g("ffn_norm"), cfg["eps"])
        a = h @ g("gate").T
        x = x + ((a / (1 + np.exp(-a))) * (h @ g("up").T)) @ g("down").T
    x = rmsnorm(x, W["norm"].astype(np.float64), cfg["eps"])
    return x @ W["head"].astype(np.float64).T


def from_hf(d):
    c = json.load(open(os.path.join(d, "config.json")))
    t = load_file(os.path.join(d, "model.safetensors"))
    theta = c.get("rope_theta") or c["rope_parameters"]["rope_theta"]
    cfg = dict(hidden=c["hidden_size"], layers=c["num_hidden_layers"], heads=c["num_attention_heads"],
               kv=c["num_key_value_heads"], eps=c["rms_norm_eps"], theta=theta)
    W = {"embed": t["model.embed_tokens.weight"], "norm": t["model.norm.weight"]}
    W["head"] = t["lm_head.weight"] if "lm_head.weight" in t else W["embed"]
    names = dict(attn_norm="input_layernorm", ffn_norm="post_attention_layernorm", q="self_attn.q_proj",
                 k="self_attn.k_proj", v="self_attn.v_proj", o="self_attn.o_proj", gate="mlp.gate_proj",
                 up="mlp.up_proj", down="mlp.down_proj")
    for l in range(cfg["layers"]):
        for k, n in names.items():
            W[f"{l}.{k}"] = t[f"model.layers.{l}.{n}.weight"]
    return cfg, W


def from_gguf(path, show=False):
    r = gguf.GGUFReader(path)
    f = lambda k: r.fields[k].contents()  # noqa: E731
    cfg = dict(hidden=f("llama.embedding_length"), layers=f("llama.block_count"),
               heads=f("llama.attention.head_count"), kv=f("llama.attention.head_count_kv"),
               eps=f("llama.attention.layer_norm_rms_epsilon"), theta=f("llama.rope.freq_base"))
    assert f("general.architecture") == "llama"
    assert f("llama.rope.dimension_count") == cfg["hidden"] // cfg["heads"]
    assert f("llama.vocab_size") == len(r.fields["tokenizer.ggml.tokens"].data) == 515
    T = {}
    for t in r.tensors:
        a = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type)
        T[t.name] = a.reshape([int(x) for x in reversed(t.shape)])
        if show:
            print(f"  {t.name:24s} ne={list(map(int, t.shape))!s:12s} {t.tensor_type.name:5s} bytes={t.n_bytes}")
    if show:
        for k, v in r.fields.items():
            if k.startswith("tokenizer.ggml.") and k.split(".")[-1] in ("tokens", "merges", "token_type"):
                print(f"  {k} = [{len(v.data)} entries] first: {v.contents()[:4]!r}")
            elif not k.startswith("GGUF."):
                print(f"  {k} = {v.contents()!r}")
    W = {"embed": T["token_embd.weight"], "norm": T["output_norm.weight"]}
    W["head"] = T.get("output.weight", W["embed"])
    names = dict(attn_norm="attn_norm", ffn_norm="ffn_norm", q="attn_q", k="attn_k", v="attn_v",
                 o="attn_output", gate="ffn_gate", up="ffn_up", down="ffn_down")
    for l in range(cfg["layers"]):
        for k, n in names.items():
            W[f"{l}.{k}"] = T[f"blk.{l}.{n}.weight"]
    return cfg, W


def main():
    bad = 0

    def check(label, got, ref, tol):
        nonlocal bad
        err = float(np.abs(got - ref).max())
        ok = err <= tol
        bad += not ok
        print(f"{'OK ' if ok else 'BAD'} {label}: max|diff| = {err:.3e} (tol {tol:g})")

    for d, ref in (("f32", "logits_f32.npy"), ("bf16", "logits_bf16.npy"), ("tied", "logits_tied.npy"),
                   ("tiny32", "logits_tiny32_f32.npy")):
        cfg, W = from_hf(os.path.join(ROOT, d))
        check(f"numpy f64 HF-rope {d}/ vs {ref}", forward(W, cfg, PROMPTS[d + "/"], rope_hf),
              np.load(os.path.join(ROOT, ref)), 1e-4)
    for fn, ref in (("tiny_f32.gguf", "logits_f32.npy"), ("tiny_q8_0.gguf", "logits_tiny_q8_0_dequant.npy"),
                    ("tiny32_f32.gguf", "logits_tiny32_f32.npy"),
                    ("tiny32_q8_0.gguf", "logits_tiny32_q8_0_dequant.npy"),
                    ("tiny32_q4_0.gguf", "logits_tiny32_q4_0_dequant.npy"),
                    ("tiny32_q4_1.gguf", "logits_tiny32_q4_1_dequant.npy"),
                    ("tiny32_q4_1_q8emb.gguf", "logits_tiny32_q4_1_q8emb_dequant.npy")):
        cfg, W = from_gguf(os.path.join(ROOT, fn))
        ids = PROMPTS[fn]
        check(f"numpy f64 llama.cpp-NORM-rope on permuted {fn} vs {ref}", forward(W, cfg, ids, rope_norm),
              np.load(os.path.join(ROOT, ref)), 1e-4)
        # and the same weights with HF rope must NOT match (the permutation matters)
        wrong = float(np.abs(forward(W, cfg, ids, rope_hf) - np.load(os.path.join(ROOT, ref))).max())
        if wrong < 1e-2:
            bad += 1
            print(f"BAD {fn}: HF rope on permuted weights also matches ({wrong:.2e}); the check is vacuous")
    print("tiny32_q4_1.gguf:")
    from_gguf(os.path.join(ROOT, "tiny32_q4_1.gguf"), show=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
