#!/usr/bin/env python3
"""Llama inference parity fixtures (Hugging Face safetensors + GGUF) for EdgeModel / EdgeInference.

Pinned versions this was run with (PyPI, CPU, in /work/venv):
    torch==2.15.0  transformers==5.23.0  gguf==0.19.0  safetensors==0.8.0  numpy==2.4.6  tokenizers==0.23.3
    accelerate==1.15.0 (only for the transformers GGUF-loader cross-check)

Exact command (from the repository root):
    /work/venv/bin/python Tests/Fixtures/gen_llama.py

Everything is deterministic: the weights are drawn by this script from a seeded torch.Generator (not
by transformers' _init_weights, whose draw order may change between versions), the BPE vocabulary is
trained on a corpus generated from a seeded random.Random, and torch runs single-threaded.

Models (all random weights, all LlamaForCausalLM, eager attention):
    odd      hidden 72, 3 layers, 6 heads (head_dim 12), 2 KV heads, intermediate 200, vocab 515,
             rope_theta 5e5, rms_norm_eps 1e-5, max_position_embeddings 128, untied head.
             -> llama/f32/ (F32 safetensors), llama/bf16/ (same weights rounded to BF16),
                llama/tiny_f32.gguf, llama/tiny_q8_0.gguf
    tied     like odd but 2 layers and tie_word_embeddings=True (own seed) -> llama/tied/
    tiny32   hidden 64, 2 layers, 4 heads (head_dim 16), 2 KV heads, intermediate 128, vocab 515,
             rope_theta 1e5, tie_word_embeddings=True (like SmolLM2): every row length is a multiple of
             32, so the quantized GGUF paths are really exercised.
             -> llama/tiny32/ (F32 safetensors), llama/tiny32_{f32,q8_0,q4_0,q4_1,q4_1_q8emb}.gguf

Weights: every 2-D tensor ~ N(0, 0.2^2); every RMSNorm weight ~ 1 + N(0, 0.2^2) (not all ones, so a
norm-weight bug cannot hide).

See Tests/Fixtures/README.md for the list of outputs, the conventions and the recommended tolerances.
"""
import hashlib
import json
import os
import random
import shutil
import sys

import numpy as np
import torch

torch.set_num_threads(1)
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import gguf  # noqa: E402
import safetensors  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from gguf import GGMLQuantizationType as QT  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402

transformers.logging.set_verbosity_error()

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "llama")
COMMAND = "/work/venv/bin/python Tests/Fixtures/gen_llama.py"
VOCAB = 515
N_NEW = 20

# Fixed prompts (token ids). Index 0 is BOS (1). They include id 0 and the last id 514 to catch
# off-by-one errors at the vocabulary edges, and a repeated id (42) for the KV cache.
PROMPT_ODD = [1, 17, 300, 42, 511, 7, 128, 256, 42, 400, 0, 514]  # 12 ids
PROMPT_TIED = [1, 250, 3, 77, 499, 12, 260, 5, 99, 300, 11, 40]  # 12 ids
PROMPT_TINY32 = [1, 100, 200, 300, 400, 500, 33, 66, 99, 132, 165, 198]  # 12 ids

ODD = dict(hidden_size=72, num_hidden_layers=3, num_attention_heads=6, num_key_value_heads=2,
           intermediate_size=200, vocab_size=VOCAB, rope_theta=5e5, rms_norm_eps=1e-5,
           max_position_embeddings=128, tie_word_embeddings=False, initializer_range=0.2,
           bos_token_id=1, eos_token_id=2, pad_token_id=2)
TIED = dict(ODD, num_hidden_layers=2, tie_word_embeddings=True)
TINY32 = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
              intermediate_size=128, vocab_size=VOCAB, rope_theta=1e5, rms_norm_eps=1e-5,
              max_position_embeddings=128, tie_word_embeddings=True, initializer_range=0.2,
              bos_token_id=1, eos_token_id=2, pad_token_id=2)
STD = 0.2


# ----------------------------------------------------------------------------------------------
# model construction
# ----------------------------------------------------------------------------------------------
def make_model(cfg: dict, seed: int) -> LlamaForCausalLM:
    config = LlamaConfig(**cfg)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).float().eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        # named_parameters() yields a tied tensor once (under model.embed_tokens.weight).
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_(1.0 + STD * torch.randn(p.shape, generator=g, dtype=torch.float32))
            else:
                p.copy_(STD * torch.randn(p.shape, generator=g, dtype=torch.float32))
    if cfg["tie_word_embeddings"]:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    return model


def load_hf(path: str, dtype=torch.float32) -> LlamaForCausalLM:
    m = LlamaForCausalLM.from_pretrained(path, dtype=dtype, attn_implementation="eager").eval()
    return m


@torch.no_grad()
def logits_of(model, ids) -> np.ndarray:
    out = model(torch.tensor([ids]), use_cache=False).logits[0]
    return out.float().numpy()


@torch.no_grad()
def greedy(model, ids, n=N_NEW):
    """Greedy decoding by full re-forward each step (no KV cache), no EOS stopping."""
    seq = list(ids)
    margins = []
    for _ in range(n):
        last = model(torch.tensor([seq]), use_cache=False).logits[0, -1].double()
        top2 = torch.topk(last, 2)
        margins.append(float(top2.values[0] - top2.values[1]))
        seq.append(int(top2.indices[0]))
    return seq[len(ids):], margins


@torch.no_grad()
def greedy_generate(model, ids, n=N_NEW):
    """Cross-check with transformers' generate (KV cache): do_sample=False, min_new_tokens=n."""
    out = model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=n, min_new_tokens=n,
                         eos_token_id=None, pad_token_id=2)
    return [int(t) for t in out[0, len(ids):]]


# ----------------------------------------------------------------------------------------------
# tokenizer (a real byte-level BPE with 515 entries, so the GGUF tokenizer metadata is parseable)
# ----------------------------------------------------------------------------------------------
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # ids 0, 1, 2 (SmolLM2 layout)


def corpus():
    rng = random.Random(1234)
    words = ("the plan call search tool result answer query user assistant system agent step list "
             "file open read write return value error none true false weather city time date email "
             "send message calendar event create delete update note text number one two three "
             "hello world swift llama model token layer").split()
    lines = []
    for _ in range(3000):
        n = rng.randint(3, 12)
        s = " ".join(rng.choice(words) for _ in range(n))
        if rng.random() < 0.3:
            s += f" {rng.randint(0, 9999)}"
        if rng.random() < 0.2:
            s = s.capitalize() + "."
        lines.append(s)
    return lines


def build_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), min_frequency=1)
    tok.train_from_iterator(corpus(), trainer=trainer)
    assert tok.get_vocab_size() == VOCAB, tok.get_vocab_size()
    return tok


def save_tokenizer(tok: Tokenizer, d: str):
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   unk_token="<|endoftext|>", pad_token="<|im_end|>",
                                   model_max_length=128)
    fast.save_pretrained(d)
    for extra in ("special_tokens_map.json",):
        p = os.path.join(d, extra)
        if os.path.exists(p):
            os.remove(p)


def tokenizer_metadata(tok: Tokenizer):
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    tokens = [None] * VOCAB
    for s, i in vocab.items():
        tokens[i] = s
    for a in data["added_tokens"]:
        tokens[a["id"]] = a["content"]
    assert all(t is not None for t in tokens)
    merges = [m if isinstance(m, str) else " ".join(m) for m in data["model"]["merges"]]
    types = [gguf.TokenType.CONTROL if t in SPECIALS else gguf.TokenType.NORMAL for t in tokens]
    return tokens, merges, types


# ----------------------------------------------------------------------------------------------
# GGUF (as llama.cpp's convert_hf_to_gguf.py LlamaModel writes it)
# ----------------------------------------------------------------------------------------------
def permute(w: np.ndarray, n_head: int, n_head_kv) -> np.ndarray:
    """convert_hf_to_gguf.py LlamaModel.permute (verbatim, numpy)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape))


def unpermute(w: np.ndarray, n_head: int, n_head_kv) -> np.ndarray:
    """Inverse of permute: rows (h, i, two) -> (h, two, i)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape))


def gguf_name(hf: str) -> str:
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return "output.weight"
    parts = hf.split(".")  # model.layers.N.xxx.yyy.weight
    n = parts[2]
    tail = ".".join(parts[3:])
    table = {
        "input_layernorm.weight": "attn_norm.weight",
        "post_attention_layernorm.weight": "ffn_norm.weight",
        "self_attn.q_proj.weight": "attn_q.weight",
        "self_attn.k_proj.weight": "attn_k.weight",
        "self_attn.v_proj.weight": "attn_v.weight",
        "self_attn.o_proj.weight": "attn_output.weight",
        "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight",
        "mlp.down_proj.weight": "ffn_down.weight",
    }
    return f"blk.{n}.{table[tail]}"


FILE_TYPE = {QT.F32: gguf.LlamaFileType.ALL_F32, QT.F16: gguf.LlamaFileType.MOSTLY_F16,
             QT.Q8_0: gguf.LlamaFileType.MOSTLY_Q8_0, QT.Q4_0: gguf.LlamaFileType.MOSTLY_Q4_0,
             QT.Q4_1: gguf.LlamaFileType.MOSTLY_Q4_1}


def write_gguf(path: str, state: dict, cfg: dict, tok: Tokenizer, qtype, name: str, overrides=None):
    """state: HF name -> float32 numpy (HF layout (out, in)). qtype: type for 2-D tensors; a tensor
    whose row length is not a multiple of the block size falls back to F16, exactly as
    convert_hf_to_gguf.py does on gguf.QuantError. 1-D tensors are always F32. overrides: gguf name ->
    type. Returns {gguf name: type name} of what was written."""
    overrides = overrides or {}
    n_head, n_kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    head_dim = cfg["hidden_size"] // n_head
    w = gguf.GGUFWriter(path, "llama")
    w.add_name(name)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_rope_dimension_count(head_dim)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_vocab_size(cfg["vocab_size"])
    w.add_file_type(FILE_TYPE[qtype])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    tokens, merges, types = tokenizer_metadata(tok)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_pad_token_id(2)
    w.add_add_bos_token(False)
    written = {}
    for hf, arr in state.items():
        if hf == "lm_head.weight" and cfg["tie_word_embeddings"]:
            continue  # tied: no output.weight, as convert_hf_to_gguf.py writes a tied model
        gname = gguf_name(hf)
        data = arr.astype(np.float32)
        if hf.endswith("self_attn.q_proj.weight"):
            data = permute(data, n_head, n_head)
        elif hf.endswith("self_attn.k_proj.weight"):
            data = permute(data, n_head, n_kv)
        data = np.ascontiguousarray(data)
        t = QT.F32 if data.ndim == 1 else overrides.get(gname, qtype)
        try:
            q = gguf.quants.quantize(data, t)
        except gguf.QuantError:
            t = QT.F16
            q = gguf.quants.quantize(data, t)
        if t in (QT.F32, QT.F16):
            w.add_tensor(gname, q)
        else:
            w.add_tensor(gname, q, raw_dtype=t)
        written[gname] = t.name
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return written


def read_gguf_state(path: str, cfg: dict) -> dict:
    """GGUFReader -> HF-named float32 tensors: dequantized and with the Q/K permutation undone."""
    r = gguf.GGUFReader(path)
    n_head, n_kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    inv = {}
    for t in r.tensors:
        arr = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32)
        arr = arr.reshape([int(x) for x in reversed(t.shape)]) if arr.ndim != len(t.shape) else arr
        inv[t.name] = arr
    out = {}
    names = [f"model.layers.{i}.{s}" for i in range(cfg["num_hidden_layers"]) for s in (
        "input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_proj.weight",
        "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
        "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight")]
    names += ["model.embed_tokens.weight", "model.norm.weight"]
    if not cfg["tie_word_embeddings"]:
        names.append("lm_head.weight")
    for hf in names:
        a = inv[gguf_name(hf)]
        if hf.endswith("q_proj.weight"):
            a = unpermute(a, n_head, n_head)
        elif hf.endswith("k_proj.weight"):
            a = unpermute(a, n_head, n_kv)
        out[hf] = np.ascontiguousarray(a)
    return out


def model_from_state(cfg: dict, state: dict) -> LlamaForCausalLM:
    m = make_model(cfg, 0)
    sd = {k: torch.from_numpy(v) for k, v in state.items()}
    missing, unexpected = m.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not (k == "lm_head.weight" and cfg["tie_word_embeddings"])]
    assert not missing and not unexpected, (missing, unexpected)
    return m.eval()


# ----------------------------------------------------------------------------------------------
# llama.cpp-style decode path: activations quantized per block of 32 to int8 before a quantized matvec
# ----------------------------------------------------------------------------------------------
def q8_activation(x: torch.Tensor) -> torch.Tensor:
    """x -> xq*xd with xd = max|x|/127 (float32), xq = rint(x * (1/xd)) (round half to even, as C
    lrintf in Sources/CKernels/ckernels.c ek_quantize_q8), per block of 32 along the last dim."""
    shp = x.shape
    b = x.float().reshape(*shp[:-1], shp[-1] // 32, 32)
    d = b.abs().amax(dim=-1, keepdim=True) / np.float32(127.0)
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.round(b * inv)  # torch.round = half to even
    return (q * d).reshape(shp).to(x.dtype)


def add_actq8_hooks(model: LlamaForCausalLM, quantized_hf_names, flag=None):
    """flag: optional dict; the hooks act only while flag["on"] is true."""
    handles = []

    def hook(m, args):
        if flag is not None and not flag["on"]:
            return None
        return (q8_activation(args[0]),)
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Linear) and (name + ".weight") in quantized_hf_names:
            handles.append(mod.register_forward_pre_hook(hook))
    return handles


@torch.no_grad()
def greedy_hybrid(model, ids, flag, n=N_NEW):
    """The engine's schedule: the prompt is prefilled in one batch with dequantized weights (flag off),
    every later token is one decode step (T = 1) with Q8 activations (flag on), through the KV cache."""
    flag["on"] = False
    out = model(torch.tensor([ids]), use_cache=True)
    seq, margins = [], []
    for i in range(n):
        last = out.logits[0, -1].double()
        top2 = torch.topk(last, 2)
        margins.append(float(top2.values[0] - top2.values[1]))
        seq.append(int(top2.indices[0]))
        if i == n - 1:
            break
        flag["on"] = True
        out = model(torch.tensor([[seq[-1]]]), past_key_values=out.past_key_values, use_cache=True)
    flag["on"] = True
    return seq, margins


def hybrid_record(model_f32, quantized, prompt, label):
    recs = {}
    for dt in ("f64", "f32"):
        m = model_f32.__class__(model_f32.config).eval()
        m.load_state_dict(model_f32.state_dict())
        m = m.double() if dt == "f64" else m.float()
        flag = {"on": False}
        sanity, _ = greedy_hybrid(m, prompt, flag)  # no hooks yet: plain dequantized greedy with cache
        recs["nohooks_" + dt] = sanity
        add_actq8_hooks(m, quantized, flag)
        recs[dt] = greedy_hybrid(m, prompt, flag)
    return {
        "model": label,
        "prompt_ids": prompt,
        "n_new": N_NEW,
        "greedy_ids": recs["f64"][0],
        "greedy_ids_f32": recs["f32"][0],
        "f32_equals_f64": recs["f32"][0] == recs["f64"][0],
        "top1_minus_top2_f64": [round(x, 6) for x in recs["f64"][1]],
        "min_margin_f64": round(min(recs["f64"][1]), 6),
        "how": "prefill of the whole prompt in one batch with dequantized weights and float activations "
               "(gives token 1), then 19 single-token decode steps through the KV cache in which every "
               "quantized Linear's input is Q8-quantized (see q8_activation). This is the schedule of "
               "Sources/EdgeTensor/WeightMatrix.swift apply(): T > 1 sgemm on dequantized tiles, T = 1 "
               "int8 dot products.",
        "_sanity_same_schedule_without_q8_equals_dequant_greedy": recs["nohooks_f64"],
    }


# ----------------------------------------------------------------------------------------------
def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def state_np(model) -> dict:
    return {k: v.detach().float().numpy().copy() for k, v in model.state_dict().items()}


def save_hf(model, d, tok):
    if os.path.isdir(d):
        shutil.rmtree(d)
    model.save_pretrained(d)
    save_tokenizer(tok, d)


def greedy_record(model_f32, prompt, label, note="", setup=None):
    """float64 greedy (reference) + float32 greedy + transformers generate() cross-check.
    setup(model) installs the same forward hooks on the float64 copy as model_f32 has."""
    m64 = model_f32.__class__(model_f32.config).eval()
    m64.load_state_dict(model_f32.state_dict())
    m64 = m64.double()
    if setup is not None:
        setup(m64)
    ids64, marg64 = greedy(m64, prompt)
    ids32, marg32 = greedy(model_f32, prompt)
    gen32 = greedy_generate(model_f32, prompt)
    rec = {
        "model": label,
        "prompt_ids": prompt,
        "n_new": N_NEW,
        "greedy_ids": ids64,
        "greedy_ids_f32": ids32,
        "f32_equals_f64": ids32 == ids64,
        "generate_f32_kvcache": gen32,
        "generate_equals_f64": gen32 == ids64,
        "top1_minus_top2_f64": [round(x, 6) for x in marg64],
        "min_margin_f64": round(min(marg64), 6),
        "how": "argmax of the last-position logits of a full forward of prompt+generated so far (no "
               "KV cache), 20 steps, no EOS stopping; greedy_ids is computed with model.double() "
               "(HF still computes RoPE cos/sin in float32), greedy_ids_f32 with the float32 model. "
               "generate_f32_kvcache is transformers generate(do_sample=False, min_new_tokens=20).",
    }
    if note:
        rec["note"] = note
    return rec


def dump_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    made = {}  # relative path -> description
    checks = {}

    tok = build_tokenizer()

    # ---------------- odd model -----------------------------------------------------------------
    odd = make_model(ODD, seed=0)
    save_hf(odd, os.path.join(OUT, "f32"), tok)
    odd_bf16 = make_model(ODD, seed=0).to(torch.bfloat16)
    save_hf(odd_bf16, os.path.join(OUT, "bf16"), tok)

    m = load_hf(os.path.join(OUT, "f32"))
    lg = logits_of(m, PROMPT_ODD)
    np.save(os.path.join(OUT, "logits_f32.npy"), lg)
    checks["odd_reload_equals_in_memory"] = float(np.abs(lg - logits_of(odd, PROMPT_ODD)).max())
    dump_json(os.path.join(OUT, "greedy_f32.json"), greedy_record(m, PROMPT_ODD, "f32/"))
    checks["odd_logits_abs_max"] = float(np.abs(lg).max())
    checks["odd_logits_std"] = float(lg.std())

    # bf16 weights, computed in float32 (what a loader that widens BF16 to F32 must produce)
    mb = load_hf(os.path.join(OUT, "bf16"), dtype=torch.float32)
    lgb = logits_of(mb, PROMPT_ODD)
    np.save(os.path.join(OUT, "logits_bf16.npy"), lgb)
    dump_json(os.path.join(OUT, "greedy_bf16.json"), greedy_record(
        mb, PROMPT_ODD, "bf16/", "weights are the BF16 file widened to float32; compute in float32/64"))
    checks["bf16_vs_f32_logits_maxabs"] = float(np.abs(lgb - lg).max())

    # GGUF F32 and "Q8_0" (every 2-D row length here is 72 or 200 -> not a multiple of 32 -> F16)
    st = state_np(m)
    types = write_gguf(os.path.join(OUT, "tiny_f32.gguf"), st, ODD, tok, QT.F32, "edgeagent tiny odd F32")
    checks["tiny_f32.gguf_types"] = sorted(set(types.values()))
    back = read_gguf_state(os.path.join(OUT, "tiny_f32.gguf"), ODD)
    checks["tiny_f32.gguf_unpermuted_equals_hf_exactly"] = all(np.array_equal(back[k], st[k]) for k in back)
    checks["tiny_f32.gguf_logits_maxabs_vs_logits_f32"] = float(
        np.abs(logits_of(model_from_state(ODD, back), PROMPT_ODD) - lg).max())

    types = write_gguf(os.path.join(OUT, "tiny_q8_0.gguf"), st, ODD, tok, QT.Q8_0, "edgeagent tiny odd Q8_0")
    checks["tiny_q8_0.gguf_types"] = types
    back = read_gguf_state(os.path.join(OUT, "tiny_q8_0.gguf"), ODD)
    mq = model_from_state(ODD, back)
    lq = logits_of(mq, PROMPT_ODD)
    np.save(os.path.join(OUT, "logits_tiny_q8_0_dequant.npy"), lq)
    dump_json(os.path.join(OUT, "greedy_tiny_q8_0_dequant.json"), greedy_record(
        mq, PROMPT_ODD, "tiny_q8_0.gguf (dequantized)",
        "no 2-D tensor of this model has a row length divisible by 32, so convert_hf_to_gguf.py's "
        "fallback wrote them all as F16; this is an F16 fixture in practice"))
    checks["tiny_q8_0_dequant_vs_f32_logits_maxabs"] = float(np.abs(lq - lg).max())

    # ---------------- tied odd model -----------------------------------------------------------
    tied = make_model(TIED, seed=1)
    save_hf(tied, os.path.join(OUT, "tied"), tok)
    mt = load_hf(os.path.join(OUT, "tied"))
    assert mt.lm_head.weight.data_ptr() == mt.model.embed_tokens.weight.data_ptr()
    keys = list(load_file(os.path.join(OUT, "tied", "model.safetensors")).keys())
    checks["tied_safetensors_has_lm_head"] = "lm_head.weight" in keys
    lt = logits_of(mt, PROMPT_TIED)
    np.save(os.path.join(OUT, "logits_tied.npy"), lt)
    dump_json(os.path.join(OUT, "greedy_tied.json"), greedy_record(mt, PROMPT_TIED, "tied/"))

    # ---------------- tiny32 (quantizable) -------------------------------------------------------
    t32 = make_model(TINY32, seed=2)
    save_hf(t32, os.path.join(OUT, "tiny32"), tok)
    m32 = load_hf(os.path.join(OUT, "tiny32"))
    l32 = logits_of(m32, PROMPT_TINY32)
    np.save(os.path.join(OUT, "logits_tiny32_f32.npy"), l32)
    dump_json(os.path.join(OUT, "greedy_tiny32_f32.json"), greedy_record(m32, PROMPT_TINY32, "tiny32/"))
    st32 = state_np(m32)
    st32.pop("lm_head.weight", None)
    variants = [("f32", QT.F32, None), ("q8_0", QT.Q8_0, None), ("q4_0", QT.Q4_0, None),
                ("q4_1", QT.Q4_1, None), ("q4_1_q8emb", QT.Q4_1, {"token_embd.weight": QT.Q8_0})]
    for tag, qt, ov in variants:
        fn = f"tiny32_{tag}.gguf"
        types = write_gguf(os.path.join(OUT, fn), st32, TINY32, tok, qt, f"edgeagent tiny32 {tag}", ov)
        checks[f"{fn}_types"] = sorted(set(types.values()))
        back = read_gguf_state(os.path.join(OUT, fn), TINY32)
        mq = model_from_state(TINY32, back)
        if tag == "f32":
            checks[f"{fn}_unpermuted_equals_hf_exactly"] = all(np.array_equal(back[k], st32[k]) for k in back)
            checks[f"{fn}_logits_maxabs_vs_logits_tiny32_f32"] = float(
                np.abs(logits_of(mq, PROMPT_TINY32) - l32).max())
            continue
        lq = logits_of(mq, PROMPT_TINY32)
        np.save(os.path.join(OUT, f"logits_tiny32_{tag}_dequant.npy"), lq)
        dump_json(os.path.join(OUT, f"greedy_tiny32_{tag}_dequant.json"),
                  greedy_record(mq, PROMPT_TINY32, f"{fn} (dequantized)"))
        checks[f"{fn}_dequant_vs_f32_logits_maxabs"] = float(np.abs(lq - l32).max())
        # decode-path reference: activations of every quantized Linear quantized to int8 blocks
        quantized = {hf for hf in back if back[hf].ndim == 2}
        if TINY32["tie_word_embeddings"]:
            quantized.add("lm_head.weight")
        h = add_actq8_hooks(mq, quantized)
        la = logits_of(mq, PROMPT_TINY32)
        np.save(os.path.join(OUT, f"logits_tiny32_{tag}_actq8.npy"), la)
        rec = greedy_record(mq, PROMPT_TINY32, f"{fn} (dequantized weights, Q8 activations)",
                            "every quantized Linear's input quantized per 32-block: xd=max|x|/127, "
                            "xq=rint(x/xd) (see q8_activation)",
                            setup=lambda mm: add_actq8_hooks(mm, quantized))
        dump_json(os.path.join(OUT, f"greedy_tiny32_{tag}_actq8.json"), rec)
        hy = hybrid_record(mq, quantized, PROMPT_TINY32, f"{fn} (prefill dequantized, decode Q8 activations)")
        deq = json.load(open(os.path.join(OUT, f"greedy_tiny32_{tag}_dequant.json")))["greedy_ids"]
        checks[f"{fn}_hybrid_sanity_ok"] = hy.pop("_sanity_same_schedule_without_q8_equals_dequant_greedy") == deq
        dump_json(os.path.join(OUT, f"greedy_tiny32_{tag}_hybrid.json"), hy)
        for x in h:
            x.remove()
        checks[f"{fn}_actq8_vs_dequant_logits_maxabs"] = float(np.abs(la - lq).max())

    # ---------------- transformers' own GGUF loader ---------------------------------------------
    tf = {}
    for fn, cfg, prompt, ref in [("tiny_f32.gguf", ODD, PROMPT_ODD, "logits_f32.npy"),
                                 ("tiny_q8_0.gguf", ODD, PROMPT_ODD, "logits_tiny_q8_0_dequant.npy"),
                                 ("tiny32_f32.gguf", TINY32, PROMPT_TINY32, "logits_tiny32_f32.npy"),
                                 ("tiny32_q8_0.gguf", TINY32, PROMPT_TINY32, "logits_tiny32_q8_0_dequant.npy"),
                                 ("tiny32_q4_0.gguf", TINY32, PROMPT_TINY32, "logits_tiny32_q4_0_dequant.npy"),
                                 ("tiny32_q4_1.gguf", TINY32, PROMPT_TINY32, "logits_tiny32_q4_1_dequant.npy"),
                                 ("tiny32_q4_1_q8emb.gguf", TINY32, PROMPT_TINY32,
                                  "logits_tiny32_q4_1_q8emb_dequant.npy")]:
        try:
            mg = LlamaForCausalLM.from_pretrained(OUT, gguf_file=fn, dtype=torch.float32,
                                                  attn_implementation="eager").eval()
            c = mg.config
            cfg_ok = (c.hidden_size == cfg["hidden_size"] and c.num_hidden_layers == cfg["num_hidden_layers"]
                      and c.num_key_value_heads == cfg["num_key_value_heads"]
                      and c.intermediate_size == cfg["intermediate_size"] and c.vocab_size == VOCAB
                      and abs(c.rms_norm_eps - cfg["rms_norm_eps"]) < 1e-9)
            rp = getattr(c, "rope_parameters", None) or {}
            lgg = logits_of(mg, prompt)
            tf[fn] = {"config_ok": cfg_ok, "rope_theta": rp.get("rope_theta", getattr(c, "rope_theta", None)),
                      "tie_word_embeddings": c.tie_word_embeddings,
                      "logits_maxabs_vs_" + ref: float(np.abs(lgg - np.load(os.path.join(OUT, ref))).max())}
        except Exception as e:  # record, do not hide
            tf[fn] = {"error": f"{type(e).__name__}: {e}"[:400]}
    checks["transformers_from_pretrained_gguf_file"] = tf

    # ---------------- tokenizer sanity -----------------------------------------------------------
    r = gguf.GGUFReader(os.path.join(OUT, "tiny32_q4_1.gguf"))
    checks["gguf_tokenizer_fields"] = {
        "tokens": len(r.fields["tokenizer.ggml.tokens"].data),
        "merges": len(r.fields["tokenizer.ggml.merges"].data),
        "token_type": len(r.fields["tokenizer.ggml.token_type"].data)}
    checks["tokenizer_example"] = {"text": "Hello world, the plan calls search 42.",
                                   "ids": tok.encode("Hello world, the plan calls search 42.").ids}

    prompts = {"f32/": PROMPT_ODD, "bf16/": PROMPT_ODD, "tiny_f32.gguf": PROMPT_ODD,
               "tiny_q8_0.gguf": PROMPT_ODD, "tied/": PROMPT_TIED}
    for tag, _, _ in variants:
        prompts[f"tiny32_{tag}.gguf"] = PROMPT_TINY32
    prompts["tiny32/"] = PROMPT_TINY32
    dump_json(os.path.join(OUT, "prompts.json"), {
        "note": "token ids fed as-is (no BOS added: id 1 is already first). logits_*.npy are float32 "
                "[len(prompt), 515] of one full-sequence forward, row t = logits after token t.",
        "prompts": prompts})
    dump_json(os.path.join(OUT, "checks.json"), checks)

    # ---------------- manifest ------------------------------------------------------------------
    files = {}
    for dp, _, fns in os.walk(OUT):
        for fn in sorted(fns):
            p = os.path.join(dp, fn)
            rel = os.path.relpath(p, OUT)
            if rel == "MANIFEST.json":
                continue
            files[rel] = {"sha256": sha256(p), "bytes": os.path.getsize(p)}
    dump_json(os.path.join(OUT, "MANIFEST.json"), {
        "command": COMMAND,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "gguf": _ver("gguf"), "safetensors": safetensors.__version__,
                     "numpy": np.__version__, "tokenizers": tokenizers.__version__, "accelerate": _ver("accelerate"),
                     "python": sys.version.split()[0]},
        "files": dict(sorted(files.items()))})
    print(json.dumps(checks, indent=1))


def _ver(pkg):
    import importlib.metadata as md
    return md.version(pkg)


if __name__ == "__main__":
    main()
