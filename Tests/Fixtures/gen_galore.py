#!/usr/bin/env python3
"""GaLore parity fixtures (galore-torch 1.0) and the 8-bit blockwise quantization reference.

Pinned versions (PyPI, in /work/venv; Python 3.11.7):
    galore-torch==1.0  torch==2.15.0 (CPU build, +cu132 wheel)  numpy==2.4.6 (scipy-openblas 0.3.31)
    bitsandbytes==0.50.2 (only to cross-check the 8-bit reference; the fixture itself is NumPy)

Run from the repository root (run twice: the MANIFEST hashes must not change):
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv/bin/python Tests/Fixtures/gen_galore.py

Writes into Tests/Fixtures/galore/ (see README.md there for every convention and formula):
    galore/<id>.json        parameters, derived facts (side, r', refresh steps), summary numbers, checks
    galore/<id>.W.npy       float64 (K, m, n): W after the stored steps (index 0 = W0), row-major
    galore/<id>.inputs.npy  (some cases) float64 (steps+1, m, n): W0 then G_0..G_{steps-1} (open loop)
    galore/<id>.A.npy/.C.npy (closed-loop cases with dumped inputs) float64
    galore/<id>.debug_*.npy (some cases) canonical bases at each refresh, R_0, final M and V
    galore/index.json       the list of case ids; rng_sanity.json: SplitMix64 raw draws
    quant8/*                dynamic code tables + blockwise quantization of a test vector
    MANIFEST.json           section "gen_galore.py" (sha256 + bytes per file + command)

Method: galore-torch's GaLoreAdamW is run on float64 parameters with its SVD patched to a float64
NumPy SVD plus the canonical sign rule (optimizers.md §8.2, Appendix). An independent NumPy
implementation of optimizers.md §1-§2 must agree to <= 1e-12 relative (asserted), and the
spec's own table (§8.3) is reproduced (asserted to 1e-10).
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import hashlib
import json
import math
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "galore")
REPO = os.path.dirname(os.path.dirname(ROOT))
COMMAND = "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv/bin/python Tests/Fixtures/gen_galore.py"
MASK = (1 << 64) - 1

# ----------------------------------------------------------------------------- shared helpers
# (gen_natural_galore.py imports these)


class SplitMix64:
    """optimizers.md §8.1. u = 2*((out >> 11) * 2^-53) - 1, matrices filled row-major."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next_u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return 2.0 * ((self.next_u64() >> 11) * 2.0**-53) - 1.0

    def matrix(self, m, n):
        return np.array([[self.uniform() for _ in range(n)] for _ in range(m)], dtype=np.float64)


def canon_cols(v):
    """Canonical sign per column: entry of largest |.| (lowest index on ties) made positive."""
    v = np.array(v, dtype=np.float64, copy=True)
    for j in range(v.shape[1]):
        i = int(np.argmax(np.abs(v[:, j])))
        if v[i, j] < 0:
            v[:, j] *= -1.0
    return v


def canon_rows(v):
    return canon_cols(np.asarray(v).T).T.copy()


def sign_margin(v_cols):
    """Smallest (|largest| - |second largest|) / |largest| over columns: how robust the sign rule is."""
    out = math.inf
    for j in range(v_cols.shape[1]):
        a = np.sort(np.abs(v_cols[:, j]))[::-1]
        if a.size > 1:
            out = min(out, (a[0] - a[1]) / a[0])
    return out


def side_for(proj_type, m, n):
    """optimizers.md §2.1 table. 'right': R = G Q^T; 'left': R = P^T G; 'both': R = P^T G Q^T."""
    if proj_type == "std":
        return "right" if m >= n else "left"
    if proj_type == "reverse_std":
        return "left" if m >= n else "right"
    if proj_type in ("left", "right"):
        return proj_type
    if proj_type == "full":
        return "both"
    raise ValueError(proj_type)


def svd_basis(G, rank, side):
    """float64 thin SVD, keep r' = min(rank, m, n) vectors, canonical signs. Returns (P, Q, info)."""
    U, s, Vh = np.linalg.svd(G, full_matrices=False)
    P = canon_cols(U[:, :rank]).astype(G.dtype) if side in ("left", "both") else None
    Q = canon_rows(Vh[:rank, :]).astype(G.dtype) if side in ("right", "both") else None
    r = min(rank, *G.shape)
    gap = (s[r - 1] - s[r]) / s[0] if r < s.size else math.inf  # subspace stability
    dist = min(np.min(np.diff(-s[: r + 1])) / s[0], gap) if r > 1 else gap
    margins = []
    if P is not None:
        margins.append(sign_margin(P))
    if Q is not None:
        margins.append(sign_margin(Q.T))
    return P, Q, {"sigma_sep": float(dist), "sign_margin": float(min(margins))}


def project(G, P, Q, side):
    if side == "right":
        return G @ Q.T
    if side == "left":
        return P.T @ G
    return (P.T @ G) @ Q.T


def project_back(N, P, Q, side, scale):
    if side == "right":
        B = N @ Q
    elif side == "left":
        B = P @ N
    else:
        B = (P @ N) @ Q
    return B * scale


def adamw_hf(W, R, M, V, t, lr, betas, eps, wd, correct_bias, back):
    """optimizers.md §1 (transformers-style AdamW). Returns (W, M, V, t)."""
    b1, b2 = betas
    t += 1
    dt = W.dtype.type
    M = dt(b1) * M + dt(1.0 - b1) * R
    V = dt(b2) * V + dt(1.0 - b2) * (R * R)
    D = np.sqrt(V) + dt(eps)
    a = lr
    if correct_bias:
        a = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
    U = back(M / D)
    W = W + dt(-a) * U
    if wd > 0.0:
        W = W + dt(-lr * wd) * W
    return W, M, V, t


def save_npy(path, arr):
    arr = np.ascontiguousarray(arr)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def save_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_manifest_section(section, subdirs, command, versions):
    """MANIFEST.json holds one section per generator; each generator rewrites only its own."""
    path = os.path.join(ROOT, "galore", "MANIFEST.json")
    man = {}
    if os.path.exists(path):
        with open(path) as f:
            man = json.load(f)
    files = {}
    for sub in subdirs:
        d = os.path.join(ROOT, "galore", sub)
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            files[f"{sub}/{name}"] = {"sha256": sha256(p), "bytes": os.path.getsize(p)}
    man[section] = {"command": command, "versions": versions, "files": files,
                    "total_bytes": sum(v["bytes"] for v in files.values())}
    save_json(path, man)
    return man[section]


def clean_dir(d):
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        os.remove(os.path.join(d, name))


# ----------------------------------------------------------------------------- GaLore (torch reference)


def numpy_galore(m, n, steps, seed, rank, gap, scale=0.25, proj_type="std", lr=0.01, wd=0.0,
                 betas=(0.9, 0.999), eps=1e-6, correct_bias=True, closed_loop=False, dtype=np.float64):
    """Independent NumPy implementation of optimizers.md §1-§2 (canonical SVD in `dtype`).
    dtype=float32 emulates a Float32 port (inputs rounded to float32, SVD/matmuls/Adam in float32)."""
    rng = SplitMix64(seed)
    W = (0.5 * rng.matrix(m, n)).astype(dtype)
    W0 = W.copy()
    if closed_loop:
        A = rng.matrix(m, m).astype(dtype)
        C = rng.matrix(m, n).astype(dtype)
    if dtype != np.float64:
        scale, lr, wd, eps = dtype(scale), dtype(lr), dtype(wd), dtype(eps)
    side = side_for(proj_type, m, n)
    P = Q = M = V = None
    t = 0
    traj, grads, bases, refresh, info = [W0], [], [], [], []
    R0 = None
    for _ in range(steps):
        G = A.T @ (A @ W - C) if closed_loop else rng.matrix(m, n).astype(dtype)
        grads.append(G)
        if (P is None and Q is None) or t % gap == 0:
            P, Q, inf = svd_basis(G, rank, side)
            bases.append((P, Q))
            refresh.append(t)
            info.append(inf)
        R = project(G, P, Q, side)
        if R0 is None:
            R0 = R.copy()
        if M is None:
            M = np.zeros_like(R)
            V = np.zeros_like(R)
        W, M, V, t = adamw_hf(W, R, M, V, t, lr, betas, eps, wd, correct_bias,
                              lambda N: project_back(N, P, Q, side, scale))
        traj.append(W.copy())
    return {"traj": np.array(traj), "grads": grads, "bases": bases, "refresh": refresh,
            "info": info, "R0": R0, "M": M, "V": V, "side": side, "lowrank_shape": list(R0.shape),
            "A": A if closed_loop else None, "C": C if closed_loop else None}


SVD_CALLS = []


def _patched_get_orthogonal_matrix(self, weights, rank, type):
    import torch
    SVD_CALLS.append(type)
    U, s, Vh = np.linalg.svd(weights.detach().double().numpy(), full_matrices=False)
    Ur, Vr = canon_cols(U[:, :rank]), canon_rows(Vh[:rank, :])
    t = lambda x: torch.from_numpy(np.ascontiguousarray(x)).to(weights.dtype)
    return {"right": lambda: t(Vr), "left": lambda: t(Ur), "full": lambda: [t(Ur), t(Vr)]}[type]()


def torch_galore(m, n, steps, seed, rank, gap, scale=0.25, proj_type="std", lr=0.01, wd=0.0,
                 betas=(0.9, 0.999), eps=1e-6, correct_bias=True, closed_loop=False, canonical=True):
    """galore-torch 1.0 GaLoreAdamW on a float64 parameter (SVD patched when canonical=True)."""
    import torch
    from galore_torch import GaLoreAdamW
    from galore_torch.galore_projector import GaLoreProjector

    GaLoreProjector.get_orthogonal_matrix = _patched_get_orthogonal_matrix if canonical else ORIG_GOM
    SVD_CALLS.clear()
    rng = SplitMix64(seed)
    W0 = 0.5 * rng.matrix(m, n)
    W = torch.nn.Parameter(torch.from_numpy(W0.copy()))
    opt = GaLoreAdamW([{"params": [W], "rank": rank, "update_proj_gap": gap, "scale": scale,
                        "proj_type": proj_type}], lr=lr, betas=betas, eps=eps, weight_decay=wd,
                      correct_bias=correct_bias, no_deprecation_warning=True)
    if closed_loop:
        A = rng.matrix(m, m)
        C = rng.matrix(m, n)
    traj, calls_at = [W0.copy()], []
    for t in range(steps):
        G = A.T @ (A @ W.detach().numpy() - C) if closed_loop else rng.matrix(m, n)
        W.grad = torch.from_numpy(G)
        before = len(SVD_CALLS)
        opt.step()
        if len(SVD_CALLS) > before:
            calls_at.append(t)
        traj.append(W.detach().numpy().copy())
    return np.array(traj), calls_at


def rel_traj(a, b):
    """max over steps t>=1 of ||a_t - b_t||_F / ||b_t - b_0||_F."""
    return max(np.linalg.norm(a[t] - b[t]) / np.linalg.norm(b[t] - b[0]) for t in range(1, len(b)))


DEFAULTS = dict(scale=0.25, proj_type="std", lr=0.01, wd=0.0, betas=(0.9, 0.999), eps=1e-6,
                correct_bias=True, closed_loop=False)

# id -> (kwargs, description, extras). extras: store ("all" | "last"), dump (inputs/debug), spec (table row)
CASES = [
    # ---- one projection period (gap > steps): sign-independent, also comparable to unpatched galore-torch
    ("tall_std_r4_single", dict(m=24, n=16, steps=6, seed=101, rank=4, gap=100),
     "tall, std -> right projection, one period", {"dump": ["inputs", "debug"]}),
    ("wide_std_r4_single", dict(m=16, n=24, steps=6, seed=102, rank=4, gap=100),
     "wide, std -> left projection, one period", {"dump": ["inputs", "debug"]}),
    ("square_std_r4_single", dict(m=20, n=20, steps=6, seed=103, rank=4, gap=100),
     "square, std -> right projection (m >= n), one period", {}),
    # ---- across refreshes (gap 3, 8 steps: SVD at steps 0, 3, 6)
    ("tall_std_r4_gap3", dict(m=24, n=16, steps=8, seed=104, rank=4, gap=3),
     "tall, std, refreshes at 0,3,6 (canonical signs matter)", {"dump": ["debug"]}),
    ("wide_std_r4_gap3", dict(m=16, n=24, steps=8, seed=105, rank=4, gap=3),
     "wide, std, refreshes at 0,3,6", {"dump": ["debug"]}),
    ("square_std_r4_gap3", dict(m=20, n=20, steps=8, seed=106, rank=4, gap=3),
     "square, std, refreshes at 0,3,6", {}),
    # ---- rank larger than the small dimension: r' = min(r, m, n), lossless rotation
    ("tall_std_r20_gap3", dict(m=24, n=16, steps=8, seed=107, rank=20, gap=3),
     "tall, rank 20 > n=16 -> r'=16", {}),
    ("wide_std_r32_gap3", dict(m=16, n=24, steps=8, seed=108, rank=32, gap=3),
     "wide, rank 32 > m=16 -> r'=16", {}),
    ("square_std_r20_gap3_scale1", dict(m=20, n=20, steps=8, seed=109, rank=20, gap=3, scale=1.0),
     "square, rank = n = 20 (full rotation), scale 1.0", {}),
    ("wide_right_r20_gap3", dict(m=16, n=24, steps=8, seed=110, rank=20, gap=3, proj_type="right"),
     "wide, right projection with rank 20 > m=16 -> Q is 16x24", {}),
    # ---- weight decay, scale, bias correction
    ("wide_std_r4_gap3_wd0.1", dict(m=16, n=24, steps=8, seed=111, rank=4, gap=3, wd=0.1),
     "weight decay 0.1 (decoupled, after the update, plain lr)", {}),
    ("tall_std_r4_gap3_wd0.01", dict(m=24, n=16, steps=8, seed=112, rank=4, gap=3, wd=0.01),
     "weight decay 0.01", {}),
    ("wide_std_r4_gap3_scale1", dict(m=16, n=24, steps=8, seed=113, rank=4, gap=3, scale=1.0),
     "scale alpha 1.0", {}),
    ("tall_std_r4_gap3_scale0.5_lr0.003", dict(m=24, n=16, steps=8, seed=114, rank=4, gap=3, scale=0.5,
                                                lr=0.003, betas=(0.8, 0.99), eps=1e-8),
     "scale 0.5, lr 3e-3, betas (0.8, 0.99), eps 1e-8", {}),
    ("square_std_r4_gap3_nobc_wd0.1", dict(m=20, n=20, steps=8, seed=115, rank=4, gap=3, wd=0.1,
                                           correct_bias=False),
     "correct_bias false (a = lr), wd 0.1", {}),
    # ---- proj_type
    ("wide_reverse_std_r4_gap3", dict(m=16, n=24, steps=8, seed=116, rank=4, gap=3, proj_type="reverse_std"),
     "reverse_std on wide -> right", {}),
    ("tall_reverse_std_r4_gap3", dict(m=24, n=16, steps=8, seed=117, rank=4, gap=3, proj_type="reverse_std"),
     "reverse_std on tall -> left", {}),
    ("square_reverse_std_r4_gap3", dict(m=20, n=20, steps=8, seed=118, rank=4, gap=3, proj_type="reverse_std"),
     "reverse_std on square -> left", {}),
    ("wide_left_r4_gap3", dict(m=16, n=24, steps=8, seed=119, rank=4, gap=3, proj_type="left"),
     "left on wide", {}),
    ("tall_left_r4_gap3", dict(m=24, n=16, steps=8, seed=120, rank=4, gap=3, proj_type="left"),
     "left on tall (moments r' x n)", {}),
    ("wide_right_r4_gap3", dict(m=16, n=24, steps=8, seed=121, rank=4, gap=3, proj_type="right"),
     "right on wide (moments m x r')", {}),
    ("tall_right_r4_gap3", dict(m=24, n=16, steps=8, seed=122, rank=4, gap=3, proj_type="right"),
     "right on tall", {}),
    ("wide_full_r4_gap3", dict(m=16, n=24, steps=8, seed=123, rank=4, gap=3, proj_type="full"),
     "full (two-sided, r x r core) on wide", {"dump": ["debug"]}),
    ("tall_full_r4_gap3", dict(m=24, n=16, steps=8, seed=124, rank=4, gap=3, proj_type="full"),
     "full on tall", {}),
    ("square_full_r4_gap3_wd0.1", dict(m=20, n=20, steps=8, seed=125, rank=4, gap=3, proj_type="full", wd=0.1),
     "full on square, wd 0.1", {}),
    # ---- closed loop G_t = A^T (A W_t - C)
    ("wide_std_r4_gap4_closed", dict(m=16, n=24, steps=12, seed=126, rank=4, gap=4, closed_loop=True),
     "closed loop, wide, refreshes at 0,4,8", {"dump": ["inputs"]}),
    ("tall_std_r4_gap4_closed_wd0.1", dict(m=24, n=16, steps=12, seed=127, rank=4, gap=4, wd=0.1,
                                          closed_loop=True),
     "closed loop, tall, wd 0.1", {}),
    ("square_full_r4_gap4_closed", dict(m=20, n=20, steps=12, seed=128, rank=4, gap=4, proj_type="full",
                                        closed_loop=True),
     "closed loop, square, full", {}),
    ("wide_std_r4_single_closed", dict(m=16, n=24, steps=12, seed=129, rank=4, gap=100, closed_loop=True),
     "closed loop, one period (8.3 (i): also compared with unpatched galore-torch)", {}),
]

# optimizers.md §8.3 table rows: (id, kwargs, ||dW||, W_T[0,0], W_T[m-1,n-1])
SPEC_TABLE = [
    ("spec_T1", dict(m=4, n=6, steps=5, seed=1, rank=2, gap=2), 1.814248721939e-02, 6.681292455725e-02, -3.730203198698e-01),
    ("spec_T2", dict(m=6, n=4, steps=5, seed=2, rank=2, gap=2), 1.441637472153e-02, 8.461931418810e-02, -1.687322767571e-01),
    ("spec_T3", dict(m=5, n=5, steps=4, seed=3, rank=5, gap=100, scale=1.0), 1.009693486993e-01, -3.970966376071e-01, 1.556899404017e-01),
    ("spec_T4", dict(m=4, n=6, steps=4, seed=4, rank=8, gap=2), 2.220965128305e-02, -7.598199478957e-02, -3.682981802428e-01),
    ("spec_T5_reverse_std_wide", dict(m=4, n=6, seed=5, steps=5, rank=2, gap=2, proj_type="reverse_std"), 1.401613209364e-02, -1.121538239629e-01, 3.723521457970e-01),
    ("spec_T5_reverse_std_tall", dict(m=6, n=4, seed=6, steps=5, rank=2, gap=2, proj_type="reverse_std"), 1.256250339304e-02, 2.405412963792e-01, -4.837246455772e-01),
    ("spec_T5_left_wide", dict(m=4, n=6, seed=5, steps=5, rank=2, gap=2, proj_type="left"), 2.158794411573e-02, -1.097046998130e-01, 3.730645087016e-01),
    ("spec_T5_left_tall", dict(m=6, n=4, seed=6, steps=5, rank=2, gap=2, proj_type="left"), 1.256250339304e-02, 2.405412963792e-01, -4.837246455772e-01),
    ("spec_T5_right_wide", dict(m=4, n=6, seed=5, steps=5, rank=2, gap=2, proj_type="right"), 1.401613209364e-02, -1.121538239629e-01, 3.723521457970e-01),
    ("spec_T5_right_tall", dict(m=6, n=4, seed=6, steps=5, rank=2, gap=2, proj_type="right"), 1.317147464599e-02, 2.373460987767e-01, -4.859408148309e-01),
    ("spec_T5_full_wide", dict(m=4, n=6, seed=5, steps=5, rank=2, gap=2, proj_type="full"), 8.651028617466e-03, -1.130483200212e-01, 3.749922280852e-01),
    ("spec_T5_full_tall", dict(m=6, n=4, seed=6, steps=5, rank=2, gap=2, proj_type="full"), 8.250886641045e-03, 2.372922858821e-01, -4.864445335746e-01),
    ("spec_T6", dict(m=4, n=6, steps=5, seed=7, rank=2, gap=2, wd=0.1, correct_bias=False), 5.765416447853e-02, -1.043415407473e-01, -7.782315981606e-02),
    ("spec_T7", dict(m=16, n=24, steps=20, seed=8, rank=4, gap=5, closed_loop=True), 4.685838270919e-01, 1.368228058649e-01, 2.026716591445e-01),
    ("spec_T8", dict(m=64, n=96, steps=30, seed=9, rank=8, gap=10, lr=1e-3), 3.391172085032e-02, 1.832197107454e-01, 2.900645251966e-01),
]
SPEC_T1_FINAL = [
    [6.681292455725348e-02, 2.493857745132052e-01, 4.726590108159411e-01, -5.702366222615229e-02, -4.771187836395874e-02, 2.561841989545205e-01],
    [3.758325532896931e-01, 2.450436674980678e-02, -2.133312752646348e-01, 2.954628211867018e-01, -9.404615222754761e-02, 1.017121628794398e-01],
    [-4.793214828648192e-02, 2.647390962430502e-02, -6.522685013848260e-02, -3.289126697090083e-01, 1.471679683310206e-01, 3.145136633674549e-01],
    [1.887721335952896e-01, 3.861467323362271e-01, -4.399380366401792e-01, -4.236518102052144e-01, -1.817226313037546e-03, -3.730203198697699e-01]]


def run_case(cid, kw, desc, extras, outdir, spec=None):
    full = dict(DEFAULTS)
    full.update(kw)
    traj, calls_at = torch_galore(**full)
    ref = numpy_galore(**full)
    np_rel = rel_traj(ref["traj"], traj)
    tol64 = 1e-9 if ref["side"] == "both" else 1e-10  # see README: 'full' amplifies rounding noise
    assert np_rel <= tol64 / 10, (cid, np_rel)
    f32 = numpy_galore(**full, dtype=np.float32)
    f32_rel = rel_traj(f32["traj"].astype(np.float64), traj)
    assert calls_at == ref["refresh"], (cid, calls_at, ref["refresh"])
    m, n, steps = full["m"], full["n"], full["steps"]
    assert calls_at == list(range(0, steps, full["gap"])), (cid, calls_at)
    checks = {"numpy_reference_max_rel": float(np_rel), "numpy_float32_pipeline_max_rel": float(f32_rel)}
    # unpatched galore-torch (float32 SVD, library signs): equal within one period, not across refreshes
    try:
        traj_u, _ = torch_galore(**full, canonical=False)
        checks["unpatched_galore_torch_max_rel"] = float(rel_traj(traj_u, traj))
    except RuntimeError as e:  # reverse_std wide with r >= m crashes in galore-torch 1.0
        checks["unpatched_galore_torch_error"] = str(e)
    single = full["gap"] >= steps
    if single:
        assert checks["unpatched_galore_torch_max_rel"] < 1e-4, (cid, checks)  # float32-SVD noise, see README
    store = extras.get("store", "all")
    idx = list(range(steps + 1)) if store == "all" else [steps]
    files = {"W": f"{cid}.W.npy"}
    save_npy(os.path.join(outdir, files["W"]), traj[idx])
    dump = extras.get("dump", [])
    if "inputs" in dump:
        if full["closed_loop"]:
            files["A"], files["C"] = f"{cid}.A.npy", f"{cid}.C.npy"
            save_npy(os.path.join(outdir, files["A"]), ref["A"])
            save_npy(os.path.join(outdir, files["C"]), ref["C"])
        else:
            files["inputs"] = f"{cid}.inputs.npy"
            save_npy(os.path.join(outdir, files["inputs"]), np.array([traj[0]] + ref["grads"]))
    if "debug" in dump:
        side = ref["side"]
        if side in ("left", "both"):
            files["debug_P"] = f"{cid}.debug_P.npy"
            save_npy(os.path.join(outdir, files["debug_P"]), np.array([b[0] for b in ref["bases"]]))
        if side in ("right", "both"):
            files["debug_Q"] = f"{cid}.debug_Q.npy"
            save_npy(os.path.join(outdir, files["debug_Q"]), np.array([b[1] for b in ref["bases"]]))
        for k in ("R0", "M", "V"):
            files[f"debug_{k}"] = f"{cid}.debug_{k}.npy"
            save_npy(os.path.join(outdir, files[f"debug_{k}"]), ref[k])
    WT = traj[-1]
    summary = {"dW_norm_per_step": [float(np.linalg.norm(traj[t] - traj[0])) for t in range(1, steps + 1)],
               "dW_norm": float(np.linalg.norm(WT - traj[0])), "W_T_first": float(WT[0, 0]),
               "W_T_last": float(WT[m - 1, n - 1])}
    if spec is not None:
        _, _, dwn, w00, wlast = spec
        for got, want in ((summary["dW_norm"], dwn), (summary["W_T_first"], w00), (summary["W_T_last"], wlast)):
            assert abs(got - want) <= 1e-10 * max(1.0, abs(want)) + 1e-12, (cid, got, want)
        checks["spec_table_reproduced"] = True
        if cid == "spec_T1":
            err = np.max(np.abs(WT - np.array(SPEC_T1_FINAL)))
            assert err < 1e-14, err
            checks["spec_T1_full_matrix_max_abs"] = float(err)
    r_eff = min(full["rank"], m, n)
    params = {k: full[k] for k in ("m", "n", "steps", "seed", "rank", "gap", "scale", "proj_type", "lr",
                                   "eps", "correct_bias")}
    params["betas"] = list(full["betas"])
    params["weight_decay"] = full["wd"]
    params["loop"] = "closed" if full["closed_loop"] else "open"
    obj = {
        "id": cid, "description": desc, "params": params,
        "derived": {"side": ref["side"], "effective_rank": r_eff, "lowrank_shape": ref["lowrank_shape"],
                    "refresh_steps": calls_at, "single_period": single},
        "conditioning": {"min_sigma_separation_rel": min(i["sigma_sep"] for i in ref["info"]),
                         "min_sign_margin": min(i["sign_margin"] for i in ref["info"])},
        "files": files, "stored_steps": idx, "summary": summary, "checks": checks,
        "tolerance": {"float64_rel": tol64, "acceptance_rel": 1e-5, "float32_rel": (1e-4 if ref["side"] != "both" else None),
                      "metric": "||W_swift[t] - W_ref[t]||_F / ||W_ref[t] - W_ref[0]||_F for every stored t >= 1"},
        "source": "galore-torch 1.0 GaLoreAdamW, float64 param, SVD patched: float64 numpy SVD + canonical signs",
    }
    assert obj["conditioning"]["min_sign_margin"] > 1e-5 and obj["conditioning"]["min_sigma_separation_rel"] > 1e-4, obj
    save_json(os.path.join(outdir, f"{cid}.json"), obj)
    return obj


def plain_adamw_case(outdir):
    """optimizers.md §8.3 (iii): non-projected 1-D param through GaLoreAdamW (a group without 'rank')."""
    import torch
    from galore_torch import GaLoreAdamW
    rng = SplitMix64(12)
    w0 = 0.5 * rng.matrix(1, 5)[0]
    grads = [rng.matrix(1, 5)[0] for _ in range(4)]
    w = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    opt = GaLoreAdamW([{"params": [w]}], lr=0.01, weight_decay=0.1, eps=1e-6, no_deprecation_warning=True)
    wt = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    opt_t = torch.optim.AdamW([wt], lr=0.01, weight_decay=0.1, eps=1e-6)
    traj = [w0.copy()]
    for g in grads:
        w.grad = torch.from_numpy(g.copy())
        wt.grad = torch.from_numpy(g.copy())
        opt.step()
        opt_t.step()
        traj.append(w.detach().numpy().copy())
    W = np.zeros(5); M = np.zeros(5); V = np.zeros(5); t = 0
    Wn = w0.copy()
    for g in grads:
        Wn, M, V, t = adamw_hf(Wn, g, M, V, t, 0.01, (0.9, 0.999), 1e-6, 0.1, True, lambda N: N)
    final = traj[-1]
    spec = [0.08548691403586715, 0.441677511153978, -0.2958084147156904, 0.4338324655517589, 0.3613502843407536]
    assert np.max(np.abs(final - np.array(spec))) < 1e-15, final
    assert np.max(np.abs(final - Wn)) < 1e-15
    tw = wt.detach().numpy()
    save_npy(os.path.join(outdir, "plain_adamw.W.npy"), np.array(traj))
    obj = {"id": "plain_adamw", "description": "optimizers.md 8.3 (iii): non-projected parameter, AdamWHF (transformers form)",
           "params": {"shape": [5], "seed": 12, "steps": 4, "lr": 0.01, "weight_decay": 0.1, "betas": [0.9, 0.999],
                      "eps": 1e-6, "correct_bias": True,
                      "inputs": "w0 = 0.5*U(1x5), then 4 gradients U(1x5), all from one SplitMix64(12)"},
           "files": {"W": "plain_adamw.W.npy"}, "stored_steps": [0, 1, 2, 3, 4],
           "expected_final": [float(x) for x in final],
           "torch_optim_AdamW_final_must_not_match": [float(x) for x in tw],
           "torch_vs_hf_rel": float(np.linalg.norm(tw - final) / np.linalg.norm(final - w0)),
           "tolerance": {"float64_abs": 1e-14, "acceptance_rel": 1e-5}}
    save_json(os.path.join(outdir, "plain_adamw.json"), obj)


def rng_sanity(outdir):
    r = SplitMix64(1)
    raw = [r.next_u64() for _ in range(8)]
    assert raw[0] == 10451216379200822465
    r = SplitMix64(1)
    u = [r.uniform() for _ in range(8)]
    assert u[:3] == [0.1331231503445618, 0.49156351452540226, 0.9420055071735924]
    r = SplitMix64(101)
    save_json(os.path.join(outdir, "rng_sanity.json"), {
        "seed": 1, "raw_u64_decimal": [str(x) for x in raw], "uniform": u,
        "seed101_first_matrix_2x3_times_0.5": (0.5 * r.matrix(2, 3)).tolist(),
        "note": "u = 2*((out >> 11) * 2^-53) - 1; matrices are filled row-major; W0 = 0.5*U(m x n)"})


def reverse_std_crash():
    """optimizers.md §2.1: galore-torch 1.0 reverse_std crashes on wide matrices with r >= m."""
    try:
        torch_galore(m=4, n=6, steps=1, seed=1, rank=4, gap=2, proj_type="reverse_std",
                     **{k: v for k, v in DEFAULTS.items() if k != "proj_type"})
        return "no error"
    except RuntimeError as e:
        return str(e)


# ----------------------------------------------------------------------------- 8-bit blockwise quantization

F32 = np.float32


def linspace_f32(start, end, steps, fma=True):
    """torch.linspace(start, end, steps, dtype=float32) on CPU. PyTorch's AVX2/AVX512 kernels (the
    usual x86 build) contract start + step*i into one FMA; the scalar 'default' build does not."""
    a, b = F32(start), F32(end)
    step = F32((b - a) / F32(steps - 1))
    half = steps // 2
    out = np.empty(steps, F32)
    for i in range(steps):
        if fma:  # exact in float64 (<= 31 significant bits), then one rounding = fmaf
            v = np.float64(a) + np.float64(step) * i if i < half else np.float64(b) - np.float64(step) * (steps - i - 1)
            out[i] = F32(v)
        else:
            out[i] = a + step * F32(i) if i < half else b - step * F32(steps - i - 1)
    return out


def create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8, fma=True):
    """bitsandbytes functional.create_dynamic_map, all arithmetic in float32 as torch does it."""
    data = []
    non_sign_bits = total_bits - 1
    additional_items = 2 ** (non_sign_bits - max_exponent_bits) - 1
    for i in range(max_exponent_bits):
        fraction_items = (2 ** (i + non_sign_bits - max_exponent_bits) + 1 if signed
                          else 2 ** (i + non_sign_bits - max_exponent_bits + 1) + 1)
        bnd = linspace_f32(0.1, 1.0, fraction_items, fma)
        means = (bnd[:-1] + bnd[1:]) / F32(2.0)
        scale = F32(10.0 ** (-(max_exponent_bits - 1) + i))
        data += list(scale * means)
        if signed:
            data += list(-(scale * means))
    assert additional_items == 0  # true for the 8-bit maps used here
    data += [F32(0.0), F32(1.0)]
    assert len(data) == 2**total_bits
    return np.array(sorted(data), dtype=F32)


def quantize_blockwise(A, code, blocksize):
    """Exact round-to-nearest blockwise quantization, float32 throughout (bitsandbytes csrc/common.cpp
    quantize_block and the CUDA dQuantize<0> both intend this; see README for where bnb 0.50.2's CPU
    kernel deviates).
      absmax[b] = max |A| over the block; x = A / absmax[b] (float32 division);
      i = largest index with code[i] <= x (0 if x < code[0]);
      q = i + 1 if i < 255 and |x - code[i+1]| < |x - code[i]| (float32 differences) else i."""
    A = np.asarray(A, dtype=F32)
    c = code
    n = A.size
    nb = -(-n // blocksize)
    absmax = np.empty(nb, F32)
    q = np.empty(n, np.uint8)
    for b in range(nb):
        blk = A[b * blocksize:(b + 1) * blocksize]
        am = F32(np.max(np.abs(blk)))
        absmax[b] = am
        if am == 0:  # all-zero block: bitsandbytes gives 0/0 = NaN; we define q = index of 0.0
            q[b * blocksize:(b + 1) * blocksize] = int(np.nonzero(code == 0)[0][0])
            continue
        x = (blk / am).astype(F32)
        i = np.clip(np.searchsorted(c, x, side="right") - 1, 0, 255)  # c[i] <= x < c[i+1]
        j = np.minimum(i + 1, 255)
        dl = np.abs((x - c[i]).astype(F32))
        dr = np.abs((x - c[j]).astype(F32))
        q[b * blocksize:(b + 1) * blocksize] = np.where((i < 255) & (dr < dl), j, i)
    return q, absmax


def dequantize_blockwise(q, absmax, code, blocksize):
    """out[k] = code[q[k]] * absmax[k // blocksize] (float32 multiply; code is NOT modified)."""
    return (code[q.astype(np.int64)] * np.repeat(absmax, blocksize)[: q.size]).astype(F32)


def bnb_excess(A, am, q_ours, q_bnb, code, blocksize):
    """How much worse (in normalised units) bitsandbytes' chosen code is than the nearest one."""
    x = (A / np.repeat(am, blocksize)[: A.size]).astype(np.float64)
    c = code.astype(np.float64)
    e = np.abs(x - c[q_bnb.astype(int)]) - np.abs(x - c[q_ours.astype(int)])
    return {"codes_differing": int((q_ours != q_bnb).sum()), "max_index_diff": int(np.max(np.abs(q_ours.astype(int) - q_bnb.astype(int)))),
            "max_excess_normalised_error": float(e.max()), "min_excess_normalised_error": float(e.min())}


def quant8(outdir):
    import torch
    import bitsandbytes.functional as BF

    res = {}
    maps = {}
    for signed in (True, False):
        name = "dynamic_signed" if signed else "dynamic_unsigned"
        code = create_dynamic_map(signed=signed)
        code_nofma = create_dynamic_map(signed=signed, fma=False)
        bnb = BF.create_dynamic_map(signed=signed).numpy()
        ulp = np.abs(code.view(np.int32).astype(np.int64) - code_nofma.view(np.int32).astype(np.int64))
        res[name] = {"file": f"code_{name}.npy", "equals_bitsandbytes_here": bool(np.array_equal(code.view(np.uint32), bnb.view(np.uint32))),
                     "torch_cpu_capability_here": torch.backends.cpu.get_cpu_capability(),
                     "entries_differing_without_fma": int((ulp > 0).sum()), "max_ulp_without_fma": int(ulp.max()),
                     "index_of_zero": int(np.nonzero(code == 0)[0][0]), "min": float(code[0]), "max": float(code[-1]),
                     "hex_bits": [f"0x{v:08x}" for v in code.view(np.uint32)]}
        assert res[name]["equals_bitsandbytes_here"]
        save_npy(os.path.join(outdir, res[name]["file"]), code)
        maps[signed] = code
    # Test vector: 5 blocks of 256 + a partial block (n = 1380), per-block scales 10^-4 .. 10^2,
    # exact zeros, +-absmax, an exact code value, and midpoints between code values (ties).
    rng = SplitMix64(61)
    n = 5 * 256 + 100
    u = np.array([rng.uniform() for _ in range(n)])
    scales = np.repeat([1e-4, 1e-2, 1.0, 3.0, 100.0, 0.5], 256)[:n]
    A = (u * scales).astype(F32)
    code = maps[True]
    A[0:4] = F32(0.0)
    A[300] = F32(-2.0e-2)            # block 1: -absmax exactly (normalised -1.0 -> index 0)
    A[301] = F32(2.0e-2) * code[200]  # (roughly) an exact code value after normalisation
    A[600:620] = ((code[100:120] + code[101:121]) / F32(2)).astype(F32)  # block 2: absmax 1.0 -> exact midpoints
    A[700] = F32(1.0)
    q, am = quantize_blockwise(A, code, 256)
    deq = dequantize_blockwise(q, am, code, 256)
    qt, st = BF.quantize_blockwise(torch.from_numpy(A.copy()), blocksize=256)
    qb = qt.numpy()
    deq_b = BF.dequantize_blockwise(qt, st).numpy()
    assert np.array_equal(am.view(np.uint32), st.absmax.numpy().view(np.uint32))
    assert np.array_equal(dequantize_blockwise(qb, am, code, 256).view(np.uint32), deq_b.view(np.uint32))
    diff = qb.astype(int) - q.astype(int)
    # error bound: |A - deq| <= absmax * (half the gap to the neighbouring code) (+ rounding)
    x = A / np.repeat(am, 256)[:n]
    ours_dist = np.abs(x - code[q])
    best = np.min(np.abs(x[:, None] - code[None, :]), axis=1)
    assert np.all(ours_dist <= best)
    save_npy(os.path.join(outdir, "vec_blocksize256_input.npy"), A)
    save_npy(os.path.join(outdir, "vec_blocksize256_codes.npy"), q)
    save_npy(os.path.join(outdir, "vec_blocksize256_absmax.npy"), am)
    save_npy(os.path.join(outdir, "vec_blocksize256_dequant.npy"), deq)
    save_npy(os.path.join(outdir, "vec_blocksize256_codes_bitsandbytes.npy"), qb)
    # blocksize 2048 on a longer vector (2 full blocks + partial), unsigned map on |A| (Adam V-style)
    rng = SplitMix64(62)
    n2 = 2 * 2048 + 500
    B = np.array([rng.uniform() for _ in range(n2)]).astype(F32) * F32(0.03)
    q2, am2 = quantize_blockwise(B, code, 2048)
    qt2, st2 = BF.quantize_blockwise(torch.from_numpy(B.copy()), blocksize=2048)
    d2 = qt2.numpy().astype(int) - q2.astype(int)
    assert np.array_equal(am2, st2.absmax.numpy())
    save_npy(os.path.join(outdir, "vec_blocksize2048_input.npy"), B)
    save_npy(os.path.join(outdir, "vec_blocksize2048_codes.npy"), q2)
    save_npy(os.path.join(outdir, "vec_blocksize2048_absmax.npy"), am2)
    save_npy(os.path.join(outdir, "vec_blocksize2048_dequant.npy"), dequantize_blockwise(q2, am2, code, 2048))
    ucode = maps[False]
    Bv = (B * B).astype(F32)  # nonnegative, like Adam's second moment
    q3, am3 = quantize_blockwise(Bv, ucode, 256)
    qt3, st3 = BF.quantize_blockwise(torch.from_numpy(Bv.copy()), code=torch.from_numpy(ucode.copy()), blocksize=256)
    d3 = qt3.numpy().astype(int) - q3.astype(int)
    assert np.array_equal(am3, st3.absmax.numpy())
    save_npy(os.path.join(outdir, "vec_unsigned_blocksize256_input.npy"), Bv)
    save_npy(os.path.join(outdir, "vec_unsigned_blocksize256_codes.npy"), q3)
    save_npy(os.path.join(outdir, "vec_unsigned_blocksize256_absmax.npy"), am3)
    save_npy(os.path.join(outdir, "vec_unsigned_blocksize256_dequant.npy"), dequantize_blockwise(q3, am3, ucode, 256))
    gaps = np.diff(code.astype(np.float64))
    res["vectors"] = {
        "blocksize256_signed": {"n": n, "blocks": int(am.size), "input": "vec_blocksize256_input.npy",
                                "codes": "vec_blocksize256_codes.npy", "absmax": "vec_blocksize256_absmax.npy",
                                "dequant": "vec_blocksize256_dequant.npy", "code": "code_dynamic_signed.npy",
                                "codes_bitsandbytes_0.50.2_cpu": "vec_blocksize256_codes_bitsandbytes.npy",
                                "bitsandbytes_0.50.2_cpu_vs_ours": bnb_excess(A, am, q, qb, code, 256),
                                "generation": "SplitMix64(61): u_k for k < 1380; A_k = float32(u_k * s_block) with s = "
                                              "[1e-4, 1e-2, 1, 3, 100, 0.5] per 256-block; then the overrides listed in gen_galore.py quant8()"},
        "blocksize2048_signed": {"n": n2, "input": "vec_blocksize2048_input.npy", "codes": "vec_blocksize2048_codes.npy",
                                 "absmax": "vec_blocksize2048_absmax.npy", "dequant": "vec_blocksize2048_dequant.npy",
                                 "code": "code_dynamic_signed.npy", "bitsandbytes_0.50.2_cpu_vs_ours": bnb_excess(B, am2, q2, qt2.numpy(), code, 2048),
                                 "generation": "SplitMix64(62): B_k = float32(u_k) * float32(0.03)"},
        "blocksize256_unsigned": {"n": n2, "input": "vec_unsigned_blocksize256_input.npy",
                                  "codes": "vec_unsigned_blocksize256_codes.npy", "absmax": "vec_unsigned_blocksize256_absmax.npy",
                                  "dequant": "vec_unsigned_blocksize256_dequant.npy", "code": "code_dynamic_unsigned.npy",
                                  "bitsandbytes_0.50.2_cpu_vs_ours": bnb_excess(Bv, am3, q3, qt3.numpy(), ucode, 256),
                                  "generation": "B*B (float32) of the 2048 vector"},
    }
    res["error_bound"] = {"signed_max_half_gap": float(gaps.max() / 2),
                          "rule": "q is a nearest code: |x - code[q]| = min_i |x - code[i]|, x = A/absmax; hence "
                                  "|A - dequant| <= absmax * (max(max_i (code[i+1]-code[i])/2, 1 + code[0]) + 2^-23)"}
    save_json(os.path.join(outdir, "quant8.json"), res)
    return res


# ----------------------------------------------------------------------------- main


def main():
    import bitsandbytes
    import galore_torch  # noqa: F401
    import importlib.metadata as md
    import torch
    from galore_torch.galore_projector import GaLoreProjector

    global ORIG_GOM
    ORIG_GOM = GaLoreProjector.get_orthogonal_matrix
    torch.set_num_threads(1)
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
                "galore-torch": md.version("galore-torch"), "bitsandbytes": bitsandbytes.__version__}
    gdir = os.path.join(OUT, "galore")
    qdir = os.path.join(OUT, "quant8")
    clean_dir(gdir)
    clean_dir(qdir)
    ids = []
    for cid, kw, desc, extras in CASES:
        obj = run_case(cid, kw, desc, extras, gdir)
        ids.append(cid)
        print(f"{cid:40s} dW={obj['summary']['dW_norm']:.6e} np={obj['checks']['numpy_reference_max_rel']:.1e} "
              f"unpatched={obj['checks'].get('unpatched_galore_torch_max_rel', float('nan')):.1e} f32={obj['checks']['numpy_float32_pipeline_max_rel']:.1e}")
    for row in SPEC_TABLE:
        cid, kw = row[0], row[1]
        extras = {"store": "last"} if cid in ("spec_T8", "spec_T7") else {}
        obj = run_case(cid, kw, "optimizers.md 8.3 table row " + cid, extras, gdir, spec=row)
        ids.append(cid)
        print(f"{cid:40s} dW={obj['summary']['dW_norm']:.6e} (spec {row[2]:.6e})")
    plain_adamw_case(gdir)
    ids.append("plain_adamw")
    rng_sanity(gdir)
    crash = reverse_std_crash()
    save_json(os.path.join(gdir, "index.json"), {
        "cases": ids, "reverse_std_wide_r_ge_m_galore_torch_error": crash,
        "note": "every <id>.json names its files; W arrays are float64 (K, m, n), K = len(stored_steps)"})
    q = quant8(qdir)
    print("quant8: bnb vs ours", {k: v["bitsandbytes_0.50.2_cpu_vs_ours"] for k, v in q["vectors"].items()})
    sec = write_manifest_section("gen_galore.py", ["galore", "quant8"], COMMAND, versions)
    print("files", len(sec["files"]), "bytes", sec["total_bytes"])


if __name__ == "__main__":
    main()
