#!/usr/bin/env python3
"""Training parity fixtures (loss, every gradient, 10 AdamW steps, LR schedules) for EdgeModel backward,
EdgeOptim and EdgeTrain.

Pinned versions this was run with (PyPI, CPU, in /work/venv):
    torch==2.15.0  transformers==5.23.0  galore-torch==1.0  safetensors==0.8.0  numpy==2.4.6

Exact command (from the repository root; needs the models written by gen_llama.py):
    /work/venv/bin/python Tests/Fixtures/gen_llama.py   # once, writes Tests/Fixtures/llama/
    /work/venv/bin/python Tests/Fixtures/gen_train.py

Model: Tests/Fixtures/llama/f32 (untied, hidden 72, 3 layers, 6 heads, 2 KV heads, intermediate 200,
vocab 515) and Tests/Fixtures/llama/tied (2 layers, tied head). Eager attention, no dropout.

Loss convention (Hugging Face causal LM, labels = -100 convention):
    logits = model(ids)                          # (B, T, V)
    position t predicts token t+1: the loss terms are CE(logits[b, t], ids[b, t+1]) for t = 0..T-2
    where labels[b, t+1] != -100, i.e. mask[b, t+1] == 1.  (mask/labels are indexed by the TARGET
    position; mask[:, 0] is always 0 because nothing predicts position 0.)
    loss = sum of the terms / number of terms     (one mean over all unmasked targets of the batch,
                                                   not a mean of per-sequence means)

Everything is computed in float64 (model.double(); HF still computes the RoPE cos/sin in float32 and
casts them; the loss is computed by causal_lm_loss in float64 because transformers' own loss upcasts
logits to float32 only) and stored as float32, except that loss.json also has the float32 loss.

AdamW (10 steps on the same batch, from the f32 model, in float64, one parameter group with every
parameter, weight decay included for norms and embeddings):
    per step: zero grads -> loss (recorded: the loss of the weights BEFORE this step) -> backward ->
    global-norm clipping exactly as torch.nn.utils.clip_grad_norm_(params, 1.0):
        total = sqrt(sum over all params of sum(g^2));  c = 1.0 / (total + 1e-6);  if c < 1: g *= c
    -> optimizer step.
  (a) adamw_hf_*: the transformers/galore-torch form of ../shared/reference/optimizers.md section 1,
      implemented below in adamw_hf_step (eps 1e-6 added to sqrt(v); step size
      lr*sqrt(1-b2^t)/(1-b1^t); decoupled decay W -= lr*wd*W AFTER the update, on the updated W).
      Cross-checked against galore_torch.GaLoreAdamW (no "rank" in the group = plain HF AdamW) -> checks.json.
  (b) adamw_torch_*: torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
      (decay W *= 1-lr*wd first, then W -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)).
"""
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)

import galore_torch  # noqa: E402
import safetensors  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import LlamaForCausalLM  # noqa: E402
from transformers.optimization import (get_cosine_schedule_with_warmup,  # noqa: E402
                                       get_linear_schedule_with_warmup)

transformers.logging.set_verbosity_error()

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "train")
LLAMA = os.path.join(ROOT, "llama")
COMMAND = "/work/venv/bin/python Tests/Fixtures/gen_train.py"

IDS = [[1, 45, 300, 12, 77, 500, 2, 88, 14, 403],
       [1, 1, 250, 3, 99, 128, 64, 511, 7, 0]]
# 1 = this position is a target (its token is predicted from the previous position), indexed like IDS.
MASK = [[0, 0, 0, 0, 1, 1, 1, 1, 1, 1],   # prompt of 4 tokens masked out, 6 targets
        [0, 0, 0, 0, 0, 0, 0, 1, 1, 0]]   # long prefix masked, 2 targets, last position masked too
LR, BETAS, WD, CLIP, STEPS = 1e-3, (0.9, 0.999), 0.1, 1.0, 10
EPS_HF, EPS_TORCH = 1e-6, 1e-8


def load(name, dtype):
    m = LlamaForCausalLM.from_pretrained(os.path.join(LLAMA, name), dtype=torch.float32,
                                         attn_implementation="eager")
    return m.to(dtype).train()  # train(): dropout is 0 in the config anyway


def batch():
    ids = torch.tensor(IDS, dtype=torch.long)
    mask = torch.tensor(MASK, dtype=torch.long)
    labels = torch.where(mask == 1, ids, torch.full_like(ids, -100))
    return ids, mask, labels


def causal_lm_loss(logits, labels):
    """HF's causal-LM loss written out in the dtype of the logits. (transformers' own ForCausalLMLoss
    upcasts the logits with .float(), i.e. it computes the loss in float32 even for a float64 model,
    so the float64 references below use this function instead; checks.json records the difference.)"""
    shift_logits = logits[:, :-1].reshape(-1, logits.shape[-1])
    shift_labels = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=-100, reduction="mean")


def loss_and_grads(name, dtype):
    model = load(name, dtype)
    ids, mask, labels = batch()
    model.zero_grad()
    out = model(ids, labels=labels, use_cache=False)
    loss = causal_lm_loss(out.logits, labels)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    return model, float(loss.detach()), float(out.loss.detach()), grads


def clip_(params, max_norm):
    total = torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in params))
    c = max_norm / (float(total) + 1e-6)
    if c < 1.0:
        for p in params:
            p.grad.mul_(c)
    return float(total)


class AdamWHF:
    """optimizers.md section 1 (transformers/galore-torch AdamW), written out."""

    def __init__(self, params, lr, betas, eps, weight_decay):
        self.params, self.lr, self.b1, self.b2, self.eps, self.wd = list(params), lr, *betas, eps, weight_decay
        self.t = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.t += 1                                                   # before the moment update
        a = self.lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)                # M <- b1 M + (1-b1) R
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)         # V <- b2 V + (1-b2) R*R
            d = v.sqrt().add_(self.eps)                               # D <- sqrt(V) + eps
            p.add_(m / d, alpha=-a)                                   # W <- W - a M/D
            if self.wd > 0:
                p.add_(p, alpha=-self.lr * self.wd)                   # W <- W - lr wd W (updated W)


def run_adamw(kind, dtype):
    model = load("f32", dtype)
    ids, _, labels = batch()
    params = [p for _, p in model.named_parameters()]
    if kind == "hf":
        opt = AdamWHF(params, LR, BETAS, EPS_HF, WD)
    elif kind == "galore":
        opt = galore_torch.GaLoreAdamW(params, lr=LR, betas=BETAS, eps=EPS_HF, weight_decay=WD, correct_bias=True)
    else:
        opt = torch.optim.AdamW(params, lr=LR, betas=BETAS, eps=EPS_TORCH, weight_decay=WD)
    losses, norms = [], []
    for _ in range(STEPS):
        for p in params:
            p.grad = None
        loss = causal_lm_loss(model(ids, use_cache=False).logits, labels)
        loss.backward()
        losses.append(float(loss.detach()))
        norms.append(clip_(params, CLIP))
        opt.step()
    with torch.no_grad():
        final_loss = float(causal_lm_loss(model(ids, use_cache=False).logits, labels))
    final = {n: p.detach().clone() for n, p in model.named_parameters()}
    return losses, norms, final_loss, final


def to_f32(d):
    return {k: v.detach().to(torch.float32).contiguous() for k, v in d.items()}


def maxrel(a: dict, b: dict):
    """max over tensors of max|a-b| / max|b| (per tensor)."""
    worst = 0.0
    for k in b:
        den = float(b[k].abs().max())
        if den > 0:
            worst = max(worst, float((a[k].double() - b[k].double()).abs().max()) / den)
    return worst


def maxabs(a: dict, b: dict):
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in b)


def dump_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def sha256(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    os.makedirs(OUT, exist_ok=True)
    ids, mask, labels = batch()
    np.save(os.path.join(OUT, "ids.npy"), ids.numpy().astype(np.int32))
    np.save(os.path.join(OUT, "mask.npy"), mask.numpy().astype(np.int32))
    np.save(os.path.join(OUT, "labels.npy"), labels.numpy().astype(np.int64))
    checks = {}

    # ---------------- loss + gradients ----------------------------------------------------------
    loss_rec = {}
    for name, fn in (("f32", "grads.safetensors"), ("tied", "grads_tied.safetensors")):
        m64, l64, hf64, g64 = loss_and_grads(name, torch.float64)
        _, l32, _, g32 = loss_and_grads(name, torch.float32)
        save_file(to_f32(g64), os.path.join(OUT, fn), metadata={"format": "pt"})
        key = "untied" if name == "f32" else "tied"
        loss_rec[key] = {"model": f"Tests/Fixtures/llama/{name}", "loss_f64": l64, "loss_f32": l32,
                         "n_targets": int(mask[:, 1:].sum()), "grads": fn}
        checks[f"{key}_loss_f64_minus_transformers_loss_of_f64_model"] = l64 - hf64
        checks[f"{key}_grad_maxrel_f32_vs_f64"] = maxrel(g32, g64)
        checks[f"{key}_grad_maxabs_f32_vs_f64"] = maxabs(g32, g64)
        checks[f"{key}_grad_keys"] = sorted(g64.keys())
        checks[f"{key}_grad_global_norm_f64"] = float(torch.sqrt(sum((g ** 2).sum() for g in g64.values())))
        if name == "tied":
            # the embedding gradient includes the head's contribution: check by untying by hand
            mu = load("tied", torch.float64)
            mu.lm_head.weight = torch.nn.Parameter(mu.model.embed_tokens.weight.detach().clone())
            mu.zero_grad()
            causal_lm_loss(mu(ids, use_cache=False).logits, labels).backward()
            both = mu.model.embed_tokens.weight.grad + mu.lm_head.weight.grad
            checks["tied_embed_grad_equals_embed_plus_head_untied"] = float(
                (both - g64["model.embed_tokens.weight"]).abs().max())
    loss_rec["convention"] = ("HF causal-LM loss: position t predicts ids[t+1]; terms where mask[t+1]==1 "
                              "(labels[t+1] != -100); loss = sum/count over the whole batch. loss_f64 from "
                              "model.double(), loss_f32 from the float32 model.")
    dump_json(os.path.join(OUT, "loss.json"), loss_rec)

    # ---------------- AdamW ---------------------------------------------------------------------
    ref = {}
    for kind, tag in (("hf", "adamw_hf"), ("torch", "adamw_torch")):
        losses, norms, final_loss, final = run_adamw(kind, torch.float64)
        losses32, _, _, final32 = run_adamw(kind, torch.float32)
        ref[kind] = final
        save_file(to_f32(final), os.path.join(OUT, f"{tag}_final.safetensors"), metadata={"format": "pt"})
        dump_json(os.path.join(OUT, f"{tag}_losses.json"), {
            "optimizer": ("AdamWHF (optimizers.md section 1; transformers/galore-torch form)" if kind == "hf"
                          else "torch.optim.AdamW"),
            "lr": LR, "betas": list(BETAS), "eps": EPS_HF if kind == "hf" else EPS_TORCH,
            "weight_decay": WD, "weight_decay_on": "every parameter (one group)",
            "clip_global_norm": CLIP, "clip_formula": "c = 1.0/(total_norm + 1e-6); grads *= c if c < 1",
            "steps": STEPS, "schedule": "constant lr",
            "losses": losses,
            "losses_f32": losses32,
            "grad_norm_before_clip": norms,
            "loss_after_last_step": final_loss,
            "note": "losses[k] is the loss of the weights before optimizer step k+1 (losses[0] = loss of the "
                    "initial model). Computed in float64; losses_f32 is the same run in float32. Final weights "
                    f"in {tag}_final.safetensors (float32, HF names).",
        })
        checks[f"{tag}_final_maxrel_f32run_vs_f64run"] = maxrel(final32, final)
        checks[f"{tag}_final_maxabs_f32run_vs_f64run"] = maxabs(final32, final)
        checks[f"{tag}_losses_maxrel_f32run_vs_f64run"] = max(abs(a - b) / abs(b) for a, b in zip(losses32, losses))
        init = {n: p.detach().double() for n, p in load("f32", torch.float64).named_parameters()}
        d32 = torch.cat([(final32[k].double() - init[k]).flatten() for k in init])
        d64 = torch.cat([(final[k] - init[k]).flatten() for k in init])
        e = (d32 - d64).abs()
        checks[f"{tag}_update_nmse_f32run_vs_f64run"] = float(((d32 - d64) ** 2).sum() / (d64 ** 2).sum())
        checks[f"{tag}_final_absdiff_quantiles_f32run_vs_f64run"] = {
            q: float(torch.quantile(e, float(q))) for q in ("0.5", "0.99", "0.999", "1.0")}
        checks[f"{tag}_max_abs_weight_change"] = maxabs(final, init)
    _, _, _, gal = run_adamw("galore", torch.float64)
    checks["adamw_hf_vs_galore_torch_GaLoreAdamW_no_rank_final_maxabs_f64"] = maxabs(gal, ref["hf"])
    checks["adamw_hf_vs_torch_final_maxabs"] = maxabs(ref["torch"], ref["hf"])
    init = {n: p.detach().double() for n, p in load("f32", torch.float64).named_parameters()}
    dh = torch.cat([(ref["hf"][k] - init[k]).flatten() for k in init])
    dt = torch.cat([(ref["torch"][k] - init[k]).flatten() for k in init])
    checks["adamw_hf_vs_torch_update_nmse"] = float(((dt - dh) ** 2).sum() / (dh ** 2).sum())

    # ---------------- LR schedules --------------------------------------------------------------
    for kind, fn in (("cosine", get_cosine_schedule_with_warmup), ("linear", get_linear_schedule_with_warmup)):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=LR)
        sch = fn(opt, num_warmup_steps=10, num_training_steps=100)
        lrs = []
        for _ in range(101):
            lrs.append(sch.get_last_lr()[0])
            opt.step()
            sch.step()
        dump_json(os.path.join(OUT, f"schedule_{kind}_warmup.json"), {
            "function": f"transformers.get_{kind}_schedule_with_warmup",
            "base_lr": LR, "num_warmup_steps": 10, "num_training_steps": 100,
            **({"num_cycles": 0.5} if kind == "cosine" else {}),
            "lr": lrs,
            "note": "lr[k] is the learning rate used by optimizer step k+1 (k = 0..100; lr[0] = 0 because "
                    "warmup starts at 0; lr[100] is after training). "
                    + ("lr[k] = base * (k/10 if k < 10 else 0.5*(1+cos(pi*(k-10)/90)))" if kind == "cosine" else
                       "lr[k] = base * (k/10 if k < 10 else max(0, (100-k)/90))"),
        })

    dump_json(os.path.join(OUT, "checks.json"), checks)
    files = {}
    for fn in sorted(os.listdir(OUT)):
        if fn == "MANIFEST.json":
            continue
        p = os.path.join(OUT, fn)
        files[fn] = {"sha256": sha256(p), "bytes": os.path.getsize(p)}
    import importlib.metadata as md
    dump_json(os.path.join(OUT, "MANIFEST.json"), {
        "command": COMMAND,
        "inputs": {"llama/f32/model.safetensors": sha256(os.path.join(LLAMA, "f32", "model.safetensors")),
                   "llama/tied/model.safetensors": sha256(os.path.join(LLAMA, "tied", "model.safetensors"))},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "galore-torch": md.version("galore-torch"), "safetensors": safetensors.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "files": files})
    print(json.dumps({k: v for k, v in checks.items() if not k.endswith("_keys")}, indent=1))


if __name__ == "__main__":
    main()
