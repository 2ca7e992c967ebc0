#!/usr/bin/env python3
"""Golden-value generator for LossForge's PyTorch-exact loss functions.

Run with Debian's PyTorch 1.13 (the default `python3` may lack torch):

    apt-get install -y python3-torch
    /usr/bin/python3 tools/golden/gen_goldens.py [LossName ...]

Writes one JSON file per torch.nn loss into torch/src/test/resources/golden/<TorchClassName>.json
holding forward values and every gradient PyTorch computes; see tools/golden/README.md for the
format. Everything is seeded (per loss, from the loss name), so re-running gives identical files.

Gradients: every floating-point input is given requires_grad=True, targets included, and the grads
are `torch.autograd.grad(out, float_inputs, grad_output, allow_unused=True)`. An entry of "grads"
is null when
  * the input is an integer tensor (class indices, MultiLabelMarginLoss targets, CTC targets and
    lengths), or
  * PyTorch refuses to differentiate it. In 1.13 that is SoftMarginLoss's `target`: the forward
    raises "The function 'soft_margin_loss' is not differentiable with respect to argument
    'target'", so the generator retries with that input not requiring grad; or
  * autograd returns no gradient for it (the input only feeds a non-differentiable condition):
    HingeEmbeddingLoss's `target` and CosineEmbeddingLoss's `y` (both only used in torch.where
    conditions).
All other float targets DO get gradients from PyTorch 1.13: MSELoss, L1Loss, SmoothL1Loss,
HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss (target and var),
MultiLabelSoftMarginLoss, MarginRankingLoss (y), CrossEntropyLoss with probability targets, and all
three inputs of TripletMarginLoss / TripletMarginWithDistanceLoss. Some of these are NaN at
boundary points (KLDivLoss target == 0, PoissonNLLLoss full=True target == 0) -- recorded as is.
For CTCLoss only log_probs is differentiable; note that PyTorch's CTC gradient with respect to
log_probs is the one that is correct *after* a log_softmax (it contains an extra exp(log_probs)
term), not the plain derivative of the loss -- the goldens record what PyTorch returns.

Other 1.13 behaviour the goldens pin down (all recorded as PyTorch computes it):
  * SmoothL1Loss with beta=0 at input == target: both d/dinput and d/dtarget are -1 (x <= -beta).
  * SoftMarginLoss is not overflow-safe: y*x = -1e4 gives output inf and gradient NaN.
  * GaussianNLLLoss clamps var to eps under no_grad, so var's gradient is computed with the clamped
    value but is NOT zeroed where the clamp was active.
  * BCELoss clamps log at -100 and its gradient divides by max(x*(1-x), 1e-12).
  * NLLLoss/CrossEntropyLoss 'mean' with every target ignored: output NaN, gradient 0; with
    total weight 0 (zero weights): output NaN, gradient NaN at the target entries.
  * CTCLoss with an infeasible target and zero_infinity=False: loss inf, gradient NaN for
    t < input_length (0 beyond).
"""
import json
import math
import os
import random
import re
import sys
import warnings
import zlib

import torch
import torch.nn as nn

warnings.filterwarnings("ignore")  # KLDivLoss 'mean', broadcasting targets, ...
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(ROOT, "torch", "src", "test", "resources", "golden")
GENERATOR = "tools/golden/gen_goldens.py"

F64, F32, I64 = torch.float64, torch.float32, torch.int64
REDUCTIONS = ("none", "mean", "sum")
NONDIFF = {}  # loss -> set of input names PyTorch refused to / did not differentiate


# ----------------------------------------------------------------------------------------------
# encoding
# ----------------------------------------------------------------------------------------------
def enc_number(v):
    """A float as the golden files write it: NaN and the infinities as strings, anything else as it is."""
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def enc_tensor(t, name=None):
    t = t.detach()
    d = {}
    if name is not None:
        d["name"] = name
    d["dtype"] = str(t.dtype).replace("torch.", "")
    d["shape"] = list(t.shape)
    # float32 -> tolist() gives the exact float32 value as a Python float
    d["data"] = [enc_number(v) for v in t.reshape(-1).tolist()]
    return d


def enc_option(v):
    if isinstance(v, torch.Tensor):
        return enc_tensor(v)
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return enc_number(v)
    return v


def dump_file(path, header, cases):
    out = ["{"]
    for k, v in header.items():
        out.append("  %s: %s," % (json.dumps(k), json.dumps(v)))
    out.append('  "cases": [')
    for i, c in enumerate(cases):
        out.append("    {")
        keys = list(c.keys())
        for j, k in enumerate(keys):
            s = json.dumps(c[k], allow_nan=False, separators=(", ", ": "))
            out.append("      %s: %s%s" % (json.dumps(k), s, "," if j + 1 < len(keys) else ""))
        out.append("    }" + ("," if i + 1 < len(cases) else ""))
    out.append("  ]")
    out.append("}")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ----------------------------------------------------------------------------------------------
# case generation
# ----------------------------------------------------------------------------------------------
class Gen:
    def __init__(self, name):
        self.name = name
        seed = zlib.crc32(name.encode())
        self.g = torch.Generator().manual_seed(seed)
        self.rng = random.Random(seed)
        self.cases = []
        self.ids = set()
        self.nvar = 0

    # --- random helpers: everything is drawn in float64 (cast later for float32 cases) --------
    def ri(self, a, b):
        return self.rng.randint(a, b)

    def choice(self, seq):
        return self.rng.choice(list(seq))

    def U(self, shape, lo=0.0, hi=1.0):
        return torch.rand(tuple(shape), generator=self.g, dtype=F64) * (hi - lo) + lo

    def N(self, shape, std=1.0):
        return torch.randn(tuple(shape), generator=self.g, dtype=F64) * std

    def I(self, lo, hi, shape):
        return torch.randint(lo, hi, tuple(shape), generator=self.g, dtype=I64)

    def sign(self, shape):
        return (self.I(0, 2, shape) * 2 - 1).to(F64)

    def batch(self):
        return self.ri(1, 5)

    def classes(self):
        return self.ri(2, 6)

    def extra(self):
        return self.ri(1, 3)

    def shape_of_rank(self, r):
        if r == 0:
            return ()
        if r == 1:
            return (self.batch(),)
        return (self.batch(), self.classes()) + tuple(self.extra() for _ in range(r - 2))

    def make_loss(self, options):
        """The callable under test: the torch.nn module named like the loss (other generators override this)."""
        return getattr(nn, self.name)(**options)

    # --- cases ---------------------------------------------------------------------------------
    def add(self, cid, options, inputs, dtype=F64, error=False, expect=None):
        """options: dict of constructor kwargs (tensors in float64 are cast to dtype);
        inputs: list of (name, tensor); floating tensors are cast to dtype."""
        assert cid not in self.ids, cid
        self.ids.add(cid)

        def cast(t):
            return t.to(dtype) if isinstance(t, torch.Tensor) and t.is_floating_point() else t

        options = {k: cast(v) for k, v in options.items()}
        inputs = [(n, cast(t)) for n, t in inputs]
        assert "reduction" in options
        case = {
            "id": cid,
            "dtype": str(dtype).replace("torch.", ""),
            "options": {k: enc_option(v) for k, v in options.items()},
            "inputs": [enc_tensor(t, n) for n, t in inputs],
        }

        def module():
            kw = {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in options.items()}
            return self.make_loss(kw)

        if error:
            try:
                module()(*[t.clone() for _, t in inputs])
            except (RuntimeError, ValueError, IndexError) as e:
                case["error"] = str(e).strip()
                self.cases.append(case)
                return case
            raise AssertionError("%s/%s: expected PyTorch to reject the inputs" % (self.name, cid))

        diff = [t.is_floating_point() for _, t in inputs]
        if self.name == "CTCLoss":
            diff = [i == 0 for i in range(len(inputs))]
        while True:
            xs = [t.detach().clone().requires_grad_(d) for (_, t), d in zip(inputs, diff)]
            try:
                out = module()(*xs)
                break
            except RuntimeError as e:
                m = re.search(r"not differentiable with respect to argument '(\w+)'", str(e))
                names = [n for n, _ in inputs]
                if not m or m.group(1) not in names or not diff[names.index(m.group(1))]:
                    raise
                diff[names.index(m.group(1))] = False
                NONDIFF.setdefault(self.name, set()).add(m.group(1) + " (raises)")

        if options["reduction"] == "none":
            gout = self.N(out.shape).to(out.dtype)
        else:
            gout = self.U((), 0.5, 1.5).to(out.dtype)
        wrt = [x for x, d in zip(xs, diff) if d]
        gs = list(torch.autograd.grad(out, wrt, gout, allow_unused=True))
        grads = []
        for (n, _), d in zip(inputs, diff):
            if not d:
                grads.append(None)
                continue
            g = gs.pop(0)
            if g is None:
                NONDIFF.setdefault(self.name, set()).add(n + " (no grad)")
                grads.append(None)
            else:
                grads.append(enc_tensor(g))
        case["grad_output"] = enc_tensor(gout)
        case["output"] = enc_tensor(out)
        case["grads"] = grads
        if expect is not None:
            got = out.detach().to(F64).reshape(-1)
            exp = torch.tensor(expect, dtype=F64).reshape(-1)
            assert got.shape == exp.shape and torch.allclose(got, exp, atol=1e-4, rtol=0), \
                "%s/%s: expected %s, got %s" % (self.name, cid, expect, got.tolist())
        self.cases.append(case)
        return case

    def var(self, base, make, f32=None):
        """A random variant: float64 always, float32 too for about a third of the variants.
        make() -> (options, inputs); it is called anew for each dtype (fresh shapes and data)."""
        if f32 is None:
            f32 = self.nvar % 3 == 0
        self.nvar += 1
        for dt in ((F64, F32) if f32 else (F64,)):
            opts, ins = make()
            self.add("%s_%s" % (base, "f64" if dt == F64 else "f32"), opts, ins, dtype=dt)

    def reject(self, cid, options, inputs, dtype=F64):
        self.add(cid, options, inputs, dtype=dtype, error=True)


LOSSES = []


def loss(fn):
    LOSSES.append((fn.__name__, fn))
    return fn


def opts(reduction, **kw):
    d = {"reduction": reduction}
    d.update(kw)
    return d


# ----------------------------------------------------------------------------------------------
# elementwise regression losses
# ----------------------------------------------------------------------------------------------
def regression_common(g, extra_opts=()):
    """Shared random cases of MSELoss / L1Loss / SmoothL1Loss / HuberLoss."""
    for red in REDUCTIONS:
        for r in range(5):
            g.var("%s_rank%d" % (red, r),
                  lambda r=r, red=red: (opts(red), [("input", g.N(s := g.shape_of_rank(r), 1.5)),
                                                    ("target", g.N(s, 1.5))]))
    for name, value in extra_opts:
        for red in REDUCTIONS:
            g.var("%s_%s_%s" % (red, name, str(value).replace(".", "p").replace("-", "m")),
                  lambda red=red, name=name, value=value: (
                      opts(red, **{name: value}),
                      [("input", g.N(s := g.shape_of_rank(g.ri(1, 4)), 1.5)), ("target", g.N(s, 1.5))]))
    # large values, ties (input == target where the derivative of |d| is taken at 0), NaN, empty
    for red in ("mean", "none"):
        g.var("%s_large_values" % red,
              lambda red=red: (opts(red), [("input", g.N(s := (g.batch(), g.classes()), 1e4)),
                                           ("target", g.N(s, 1e4))]), f32=True)
    for red in REDUCTIONS:
        def ties(red=red):
            s = (g.batch(), g.classes())
            x = g.N(s)
            t = g.N(s)
            m = g.U(s) < 0.5
            t[m] = x[m]
            return opts(red), [("input", x), ("target", t)]
        g.var("%s_ties" % red, ties)
    x = torch.tensor([[0.5, float("nan"), -1.0], [2.0, 1.0, float("inf")]], dtype=F64)
    t = torch.tensor([[0.0, 1.0, float("nan")], [1.0, 1.0, 1.0]], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_nan_inf" % red, opts(red), [("input", x), ("target", t)])
    for red in REDUCTIONS:
        g.add("%s_empty" % red, opts(red), [("input", torch.zeros(0, 3, dtype=F64)),
                                            ("target", torch.zeros(0, 3, dtype=F64))])
    # PyTorch broadcasts a differently shaped target (with a UserWarning) -- recorded as accepted
    for red in ("mean", "none"):
        g.add("broadcast_target_%s" % red, opts(red),
              [("input", g.N((3, 4))), ("target", g.N((4,)))])
    g.reject("rejects_target_size_mismatch", opts("mean"),
             [("input", g.N((2, 3))), ("target", g.N((2, 4)))])


@loss
def MSELoss(g):
    x = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=F64)
    t = torch.tensor([3.0, 3.0, 3.0, 3.0, 3.0], dtype=F64)
    g.add("seed", opts("mean"), [("input", x), ("target", t)], expect=2.0)
    g.add("seed_mean", opts("mean"), [("input", x), ("target", t)], expect=2.0)
    g.add("seed_sum", opts("sum"), [("input", x), ("target", t)], expect=10.0)
    g.add("seed_none", opts("none"), [("input", x), ("target", t)], expect=[4, 1, 0, 1, 4])
    regression_common(g)


@loss
def L1Loss(g):
    x = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=F64)
    t = torch.tensor([3.0, 3.0, 3.0, 3.0, 3.0], dtype=F64)
    g.add("seed_mean", opts("mean"), [("input", x), ("target", t)], expect=1.2)
    g.add("seed_sum", opts("sum"), [("input", x), ("target", t)], expect=6.0)
    g.add("seed_none", opts("none"), [("input", x), ("target", t)], expect=[2, 1, 0, 1, 2])
    regression_common(g)


def boundary_cases(g, name, values):
    """input - target exactly at +-param, at 0 and on both sides of the switch-over point."""
    for v in values:
        d = [-2 * v - 0.25, -v, -0.5 * v, 0.0, 0.5 * v, v, 2 * v + 0.25] if v > 0 else \
            [-1.5, -0.25, 0.0, 0.0, 0.25, 1.5]
        t = g.N((len(d),)).round(decimals=2)
        x = t + torch.tensor(d, dtype=F64)
        for red in ("none", "sum"):
            o = opts(red) if v == 1.0 else opts(red, **{name: v})
            g.add("%s_boundary_%s_%s" % (red, name, str(v).replace(".", "p")), o,
                  [("input", x), ("target", t)])


@loss
def SmoothL1Loss(g):
    regression_common(g, extra_opts=[("beta", 0.5), ("beta", 2.0), ("beta", 0.0)])
    boundary_cases(g, "beta", [1.0, 0.5, 0.0])
    g.reject("rejects_negative_beta", opts("mean", beta=-1.0),
             [("input", g.N((2, 3))), ("target", g.N((2, 3)))])


@loss
def HuberLoss(g):
    regression_common(g, extra_opts=[("delta", 0.5), ("delta", 2.0), ("delta", 0.01)])
    boundary_cases(g, "delta", [1.0, 0.5, 2.0])
    g.reject("rejects_nonpositive_delta", opts("mean", delta=0.0),
             [("input", g.N((2, 3))), ("target", g.N((2, 3)))])


# ----------------------------------------------------------------------------------------------
# binary cross entropy
# ----------------------------------------------------------------------------------------------
def bce_target(g, s, kind):
    if kind == "hard":
        return g.I(0, 2, s).to(F64)
    return g.U(s)


def weight_for(g, s, kind):
    if kind == "C":
        return g.U(s[-1:], 0.1, 2.0)
    if kind == "full":
        return g.U(s, 0.1, 2.0)
    if kind == "N1":
        return g.U(s[:-1] + (1,), 0.1, 2.0)
    if kind == "1":
        return g.U((1,), 0.1, 2.0)
    raise ValueError(kind)


@loss
def BCELoss(g):
    g.add("seed", opts("mean"), [("input", torch.tensor([[1.0, 0.0, 0.5]], dtype=F64)),
                                 ("target", torch.tensor([[1.0, 0.0, 1.0]], dtype=F64))], expect=0.2310)
    for red in REDUCTIONS:
        for r in range(5):
            g.var("%s_rank%d_%s" % (red, r, "hard" if r % 2 else "soft"),
                  lambda red=red, r=r: (opts(red), [("input", g.U(s := g.shape_of_rank(r), 0.02, 0.98)),
                                                    ("target", bce_target(g, s, "hard" if r % 2 else "soft"))]))
    for red in REDUCTIONS:
        for wk in ("C", "full", "N1", "1"):
            g.var("%s_weight_%s" % (red, wk),
                  lambda red=red, wk=wk: (opts(red, weight=weight_for(g, s := g.shape_of_rank(g.ri(2, 3)), wk)),
                                          [("input", g.U(s, 0.02, 0.98)), ("target", bce_target(g, s, "soft"))]))
    # exact 0 and 1 inputs: log is clamped at -100
    x = torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.5], [1.0, 0.0, 1e-30, 1 - 1e-12, 0.25]], dtype=F64)
    t = torch.tensor([[0.0, 1.0, 1.0, 0.0, 1.0], [0.3, 0.7, 0.0, 1.0, 0.0]], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_exact_0_1_f64" % red, opts(red), [("input", x), ("target", t)])
    g.add("mean_exact_0_1_f32", opts("mean"), [("input", x), ("target", t)], dtype=F32)
    g.add("none_exact_0_1_weight_f64", opts("none", weight=torch.tensor([0.5, 2.0, 1.0, 1.5, 0.1], dtype=F64)),
          [("input", x), ("target", t)])
    g.reject("rejects_target_shape", opts("mean"), [("input", torch.tensor([[1.0, 0.0, 0.5]], dtype=F64)),
                                                    ("target", torch.tensor([1.0, 0.0, 1.0], dtype=F64))])
    g.reject("rejects_input_out_of_range", opts("mean"),
             [("input", torch.tensor([[1.5, 0.0, 0.5]], dtype=F64)),
              ("target", torch.tensor([[1.0, 0.0, 1.0]], dtype=F64))])


@loss
def BCEWithLogitsLoss(g):
    for red in REDUCTIONS:
        for r in range(5):
            g.var("%s_rank%d_%s" % (red, r, "hard" if r % 2 else "soft"),
                  lambda red=red, r=r: (opts(red), [("input", g.N(s := g.shape_of_rank(r), 2.0)),
                                                    ("target", bce_target(g, s, "hard" if r % 2 else "soft"))]))
    for red in REDUCTIONS:
        for wk in ("C", "full", "N1"):
            g.var("%s_weight_%s" % (red, wk),
                  lambda red=red, wk=wk: (opts(red, weight=weight_for(g, s := g.shape_of_rank(g.ri(2, 3)), wk)),
                                          [("input", g.N(s, 2.0)), ("target", bce_target(g, s, "soft"))]))
        g.var("%s_pos_weight" % red,
              lambda red=red: (opts(red, pos_weight=g.U((s := g.shape_of_rank(g.ri(2, 4)))[-1:], 0.2, 3.0)),
                               [("input", g.N(s, 2.0)), ("target", bce_target(g, s, "soft"))]))
        g.var("%s_weight_pos_weight" % red,
              lambda red=red: (opts(red, weight=g.U((s := g.shape_of_rank(2))[-1:], 0.2, 2.0),
                                    pos_weight=g.U(s[-1:], 0.2, 3.0)),
                               [("input", g.N(s, 2.0)), ("target", bce_target(g, s, "hard"))]))
    # pos_weight of the input's full shape and of shape (1)
    g.var("none_pos_weight_full",
          lambda: (opts("none", pos_weight=g.U(s := g.shape_of_rank(2), 0.2, 3.0)),
                   [("input", g.N(s, 2.0)), ("target", bce_target(g, s, "soft"))]))
    g.var("mean_pos_weight_1",
          lambda: (opts("mean", pos_weight=g.U((1,), 0.2, 3.0)),
                   [("input", g.N(s := g.shape_of_rank(3), 2.0)), ("target", bce_target(g, s, "soft"))]))
    # huge logits: must not overflow
    x = torch.tensor([[1e4, -1e4, 1e4, -1e4, 0.0], [100.0, -100.0, 40.0, -40.0, 1e-8]], dtype=F64)
    t = torch.tensor([[1.0, 0.0, 0.0, 1.0, 0.5], [0.0, 1.0, 0.25, 0.75, 1.0]], dtype=F64)
    pw = torch.tensor([0.5, 2.0, 1.0, 3.0, 1.5], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_large_logits_f64" % red, opts(red), [("input", x), ("target", t)])
    g.add("sum_large_logits_f32", opts("sum"), [("input", x), ("target", t)], dtype=F32)
    g.add("none_large_logits_pos_weight_f64", opts("none", pos_weight=pw), [("input", x), ("target", t)])
    g.add("mean_large_logits_pos_weight_f32", opts("mean", pos_weight=pw), [("input", x), ("target", t)],
          dtype=F32)
    g.reject("rejects_target_size_mismatch", opts("mean"),
             [("input", g.N((1, 3))), ("target", g.U((3,)))])


# ----------------------------------------------------------------------------------------------
# classification: NLLLoss / CrossEntropyLoss
# ----------------------------------------------------------------------------------------------
def layout(g, L):
    """L=0: input (C), target (); L=1: (N,C)/(N); L=2: (N,C,d1)/(N,d1); L=3: (N,C,d1,d2)/(N,d1,d2)."""
    C = g.classes()
    if L == 0:
        return (C,), (), C
    n = g.batch()
    ex = tuple(g.extra() for _ in range(L - 1))
    return (n, C) + ex, (n,) + ex, C


def index_target(g, ts, C, ignore=None, frac=0.3):
    t = g.I(0, C, ts)
    if ignore is not None:
        m = g.U(ts) < frac
        t[m] = ignore
        if t.numel() > 1:
            t.view(-1)[0] = ignore  # at least one hit...
            t.view(-1)[-1] = (ignore + 1) % C if 0 <= ignore < C else C - 1  # ...and one miss
    return t


def classification_index_cases(g, make_input, with_ls):
    for red in REDUCTIONS:
        for L in range(4):
            g.var("%s_L%d" % (red, L), lambda red=red, L=L: (
                opts(red), [("input", make_input(xs := layout(g, L))), ("target", index_target(g, xs[1], xs[2]))]))
    # 'mean' gets every layout (its weighted denominator is the subtle part), the others a subset
    for red in REDUCTIONS:
        for L in ((0, 1, 2, 3) if red == "mean" else (1, 2)):
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                return (opts(red, weight=g.U((C,), 0.1, 2.0)),
                        [("input", make_input((xs, ts, C))), ("target", index_target(g, ts, C))])
            g.var("%s_weight_L%d" % (red, L), mk)
    for red in REDUCTIONS:
        for L in ((1, 2, 3, 0) if red == "mean" else (3, 0)):
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                ii = g.ri(0, C - 1)
                return (opts(red, ignore_index=ii),
                        [("input", make_input((xs, ts, C))), ("target", index_target(g, ts, C, ii))])
            g.var("%s_ignore_index_L%d" % (red, L), mk)
    for red in REDUCTIONS:
        for L in ((1, 3) if red == "mean" else (2,)):
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                ii = g.ri(0, C - 1)
                return (opts(red, weight=g.U((C,), 0.1, 2.0), ignore_index=ii),
                        [("input", make_input((xs, ts, C))), ("target", index_target(g, ts, C, ii))])
            g.var("%s_weight_ignore_index_L%d" % (red, L), mk)
    # the default ignore_index -100 appearing in targets, and a negative ignore_index -1
    for red in ("mean", "none"):
        def mk(red=red):
            xs, ts, C = layout(g, 2)
            return opts(red), [("input", make_input((xs, ts, C))), ("target", index_target(g, ts, C, -100))]
        g.var("%s_default_ignore_index_hit" % red, mk)
        def mk(red=red):
            xs, ts, C = layout(g, 1)
            return (opts(red, ignore_index=-1, weight=g.U((C,), 0.1, 2.0)),
                    [("input", make_input((xs, ts, C))), ("target", index_target(g, ts, C, -1))])
        g.var("%s_negative_ignore_index" % red, mk)
    # every target ignored: mean is 0/0 = nan
    for red in REDUCTIONS:
        for L in (1, 0):
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                ii = g.ri(0, C - 1)
                o = opts(red, ignore_index=ii, weight=g.U((C,), 0.1, 2.0)) if L == 1 else opts(red, ignore_index=ii)
                if with_ls and red != "none":
                    o["label_smoothing"] = 0.2
                return o, [("input", make_input((xs, ts, C))), ("target", torch.full(ts, ii, dtype=I64))]
            g.var("%s_all_ignored_L%d" % (red, L), mk, f32=False)
    # weights that are zero for every target present: weighted mean is 0/0
    def mk():
        xs, ts, C = layout(g, 1)
        w = g.U((C,), 0.1, 2.0)
        w[0] = 0.0
        return opts("mean", weight=w), [("input", make_input((xs, ts, C))), ("target", torch.zeros(ts, dtype=I64))]
    g.var("mean_zero_weight_sum", mk, f32=False)


def classification_rejects(g, extra=None):
    o = opts("mean")
    if extra:
        o.update(extra)
    g.reject("rejects_target_out_of_bounds", dict(o),
             [("input", g.N((2, 3))), ("target", torch.tensor([0, 7], dtype=I64))])
    g.reject("rejects_negative_target", dict(o),
             [("input", g.N((2, 3))), ("target", torch.tensor([-1, 2], dtype=I64))])
    g.reject("rejects_target_size_mismatch", dict(o),
             [("input", g.N((2, 3))), ("target", torch.tensor([0, 1, 2], dtype=I64))])
    g.reject("rejects_target_spatial_size_mismatch", dict(o),
             [("input", g.N((2, 3, 4))), ("target", torch.zeros((2, 3), dtype=I64))])
    g.reject("rejects_unbatched_target_size_mismatch", dict(o),
             [("input", g.N((3,))), ("target", torch.tensor([0, 1], dtype=I64))])
    o2 = dict(o)
    o2["weight"] = torch.ones(2, dtype=F64)
    g.reject("rejects_weight_size", o2, [("input", g.N((2, 3))), ("target", torch.tensor([0, 1], dtype=I64))])


@loss
def NLLLoss(g):
    p = torch.tensor([[0.29, 0.01, 0.7]], dtype=F64)
    g.add("seed_probs", opts("mean"), [("input", p), ("target", torch.tensor([2], dtype=I64))], expect=-0.7)
    g.add("seed_log", opts("mean"), [("input", p.log()), ("target", torch.tensor([2], dtype=I64))],
          expect=0.3567)

    def make_input(l):  # half log-probabilities, half arbitrary values
        xs = l[0]
        return g.N(xs, 2.0).log_softmax(0 if len(xs) == 1 else 1) if g.ri(0, 1) else g.N(xs, 2.0)
    classification_index_cases(g, make_input, with_ls=False)
    classification_rejects(g)


def prob_target(g, xs, kind):
    cdim = 0 if len(xs) == 1 else 1
    if kind == "softmax":
        return g.N(xs, 2.0).softmax(cdim)
    if kind == "onehot":
        t = g.U(xs)
        return (t == t.amax(cdim, keepdim=True)).to(F64)
    return g.U(xs)  # unnormalised soft labels: PyTorch does not check


@loss
def CrossEntropyLoss(g):
    g.add("seed", opts("mean"), [("input", torch.tensor([[0.29, 0.01, 0.7]], dtype=F64)),
                                 ("target", torch.tensor([2], dtype=I64))], expect=0.7725)

    def make_input(l):
        return g.N(l[0], 2.0)
    classification_index_cases(g, make_input, with_ls=True)
    # label smoothing, alone and with weight / ignore_index
    for red in REDUCTIONS:
        for ls in ((0.1, 0.5, 1.0) if red == "mean" else (0.1,)):
            def mk(red=red, ls=ls):
                xs, ts, C = layout(g, g.ri(0, 3))
                return opts(red, label_smoothing=ls), [("input", g.N(xs, 2.0)), ("target", index_target(g, ts, C))]
            g.var("%s_label_smoothing_%s" % (red, str(ls).replace(".", "p")), mk)
        for L in ((1, 2) if red == "mean" else (g.ri(1, 3),)):
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                return (opts(red, label_smoothing=0.2, weight=g.U((C,), 0.1, 2.0)),
                        [("input", g.N(xs, 2.0)), ("target", index_target(g, ts, C))])
            g.var("%s_label_smoothing_weight_L%d" % (red, L), mk)
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                ii = g.ri(0, C - 1)
                return (opts(red, label_smoothing=0.3, ignore_index=ii),
                        [("input", g.N(xs, 2.0)), ("target", index_target(g, ts, C, ii))])
            g.var("%s_label_smoothing_ignore_index_L%d" % (red, L), mk)
            def mk(red=red, L=L):
                xs, ts, C = layout(g, L)
                ii = g.ri(0, C - 1)
                return (opts(red, label_smoothing=0.15, ignore_index=ii, weight=g.U((C,), 0.1, 2.0)),
                        [("input", g.N(xs, 2.0)), ("target", index_target(g, ts, C, ii))])
            g.var("%s_label_smoothing_weight_ignore_index_L%d" % (red, L), mk)
    # probability targets (float target of the input's shape)
    for red in REDUCTIONS:
        for L in (range(4) if red == "mean" else (0, 3)):
            def mk(red=red, L=L):
                xs = layout(g, L)[0]
                return opts(red), [("input", g.N(xs, 2.0)), ("target", prob_target(g, xs, "softmax"))]
            g.var("%s_probs_L%d" % (red, L), mk)
    for red in REDUCTIONS:
        for name, kw in (("weight", {"weight": None}), ("label_smoothing", {"label_smoothing": 0.25}),
                         ("weight_label_smoothing", {"weight": None, "label_smoothing": 0.1})):
            def mk(red=red, kw=kw):
                L = g.ri(1, 3)
                xs = layout(g, L)[0]
                o = opts(red, **kw)
                if "weight" in o:
                    o["weight"] = g.U((xs[1],), 0.1, 2.0)
                return o, [("input", g.N(xs, 2.0)), ("target", prob_target(g, xs, g.choice(["softmax", "onehot"])))]
            g.var("%s_probs_%s" % (red, name), mk)
    for red in ("mean", "none"):
        g.var("%s_probs_unnormalised" % red, lambda red=red: (
            opts(red, label_smoothing=0.1), [("input", g.N(xs := layout(g, 1)[0], 2.0)),
                                             ("target", prob_target(g, xs, "raw"))]))
        g.var("%s_probs_unbatched_weight_label_smoothing" % red, lambda red=red: (
            opts(red, weight=g.U((xs := layout(g, 0)[0])[:1], 0.1, 2.0), label_smoothing=0.4),
            [("input", g.N(xs, 2.0)), ("target", prob_target(g, xs, "softmax"))]))
    # large logits (stability of log-softmax)
    big = torch.tensor([[0.0, 100.0], [100.0, 0.0], [1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]], dtype=F64)
    tgt = torch.tensor([0, 1, 1, 1, 0], dtype=I64)
    for red in REDUCTIONS:
        g.add("%s_large_logits_f64" % red, opts(red), [("input", big), ("target", tgt)])
    g.add("none_large_logits_f32", opts("none"), [("input", big), ("target", tgt)], dtype=F32)
    g.add("mean_large_logits_label_smoothing_weight_f64",
          opts("mean", label_smoothing=0.1, weight=torch.tensor([0.3, 1.7], dtype=F64)),
          [("input", big), ("target", tgt)])
    pt = torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [0.25, 0.75]], dtype=F64)
    g.add("none_large_logits_probs_f64", opts("none"), [("input", big), ("target", pt)])
    g.add("sum_large_logits_probs_label_smoothing_f32", opts("sum", label_smoothing=0.2),
          [("input", big), ("target", pt)], dtype=F32)
    classification_rejects(g)
    g.reject("rejects_target_out_of_bounds_label_smoothing", opts("mean", label_smoothing=0.1),
             [("input", g.N((2, 3))), ("target", torch.tensor([0, 7], dtype=I64))])
    g.reject("rejects_probs_class_count_mismatch", opts("mean"),
             [("input", g.N((2, 3))), ("target", g.U((2, 4)))])
    g.reject("rejects_probs_batch_mismatch", opts("mean"),
             [("input", g.N((2, 3))), ("target", g.U((3, 3)))])


# ----------------------------------------------------------------------------------------------
# margin / multi-label losses
# ----------------------------------------------------------------------------------------------
@loss
def MultiLabelSoftMarginLoss(g):
    for red in REDUCTIONS:
        for unb in (False, True):
            for tk in ("hard", "soft"):
                def mk(red=red, unb=unb, tk=tk):
                    s = (g.classes(),) if unb else (g.batch(), g.classes())
                    return opts(red), [("input", g.N(s, 2.0)), ("target", bce_target(g, s, tk))]
                g.var("%s_%s_%s" % (red, "unbatched" if unb else "batched", tk), mk)
        for unb in (False, True):
            def mk(red=red, unb=unb):
                s = (g.classes(),) if unb else (g.batch(), g.classes())
                return (opts(red, weight=g.U(s[-1:], 0.1, 2.0)),
                        [("input", g.N(s, 2.0)), ("target", bce_target(g, s, "hard"))])
            g.var("%s_weight_%s" % (red, "unbatched" if unb else "batched"), mk)
    x = torch.tensor([[1e4, -1e4, 50.0], [-50.0, 0.0, 1e4]], dtype=F64)
    t = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]], dtype=F64)
    g.add("none_large_logits_f64", opts("none"), [("input", x), ("target", t)])
    g.add("sum_large_logits_f32", opts("sum"), [("input", x), ("target", t)], dtype=F32)
    g.reject("rejects_target_size_mismatch", opts("mean"), [("input", g.N((2, 3))), ("target", g.U((2, 4)))])


def mlm_target(g, s):
    """int64 targets: each row lists some distinct class indices, then -1; after the -1, junk."""
    C = s[-1]
    rows = 1 if len(s) == 1 else s[0]
    out = []
    for _ in range(rows):
        k = g.ri(0, C)
        perm = torch.randperm(C, generator=g.g).tolist()
        row = perm[:k]
        if k < C:
            row.append(-1)
            row += [g.ri(0, C - 1) for _ in range(C - k - 1)]
        out.append(row)
    t = torch.tensor(out, dtype=I64)
    return t.reshape(s)


@loss
def MultiLabelMarginLoss(g):
    for red in REDUCTIONS:
        for unb in (False, True):
            for i in range(2):
                def mk(red=red, unb=unb):
                    s = (g.ri(2, 6),) if unb else (g.batch(), g.ri(2, 6))
                    return opts(red), [("input", g.N(s, 1.5)), ("target", mlm_target(g, s))]
                g.var("%s_%s_%d" % (red, "unbatched" if unb else "batched", i), mk)
    x = torch.tensor([[0.1, 0.2, 0.4, 0.8], [0.5, -0.3, 0.9, 0.0], [1.0, 1.0, 1.0, 1.0],
                      [0.3, 0.2, 0.1, 0.0]], dtype=F64)
    t = torch.tensor([[3, 0, -1, 1], [-1, 1, 2, 3], [0, 1, 2, 3], [1, 1, -1, 0]], dtype=I64)
    # row 1: no labels (loss 0); row 2: every class a label (loss 0); row 3: a repeated label
    for red in REDUCTIONS:
        g.add("%s_edge_rows_f64" % red, opts(red), [("input", x), ("target", t)])
    g.add("none_edge_rows_f32", opts("none"), [("input", x), ("target", t)], dtype=F32)
    g.add("mean_docs_example", opts("mean"), [("input", torch.tensor([[0.1, 0.2, 0.4, 0.8]], dtype=F64)),
                                              ("target", torch.tensor([[3, 0, -1, 1]], dtype=I64))],
          expect=0.85)
    g.reject("rejects_target_size_mismatch", opts("mean"),
             [("input", g.N((2, 3))), ("target", torch.tensor([[0, 1, -1]], dtype=I64))])
    g.reject("rejects_target_out_of_range", opts("mean"),
             [("input", g.N((3,))), ("target", torch.tensor([0, 5, -1], dtype=I64))])


@loss
def MultiMarginLoss(g):
    def mk_any(red, unb, **kw):
        def mk():
            C = g.classes()
            s = (C,) if unb else (g.batch(), C)
            o = opts(red, **kw)
            if "weight" in o:
                o["weight"] = g.U((C,), 0.1, 2.0)
            t = g.I(0, C, () if unb else s[:1])
            return o, [("input", g.N(s, 1.0)), ("target", t)]
        return mk
    for red in REDUCTIONS:
        for unb in (False, True):
            g.var("%s_%s" % (red, "unbatched" if unb else "batched"), mk_any(red, unb))
        for name, kw in (("p2", {"p": 2}), ("margin_0p5", {"margin": 0.5}), ("margin_2", {"margin": 2.0}),
                         ("margin_0", {"margin": 0.0}), ("weight", {"weight": None}),
                         ("p2_margin_weight", {"p": 2, "margin": 1.5, "weight": None})):
            g.var("%s_%s" % (red, name), mk_any(red, False, **kw))
        g.var("%s_p1_weight_unbatched" % red, mk_any(red, True, p=1, weight=None))
    x = torch.tensor([[0.1, 0.2, 0.4, 0.8], [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]], dtype=F64)
    t = torch.tensor([3, 0, 2], dtype=I64)  # hinge exactly at 0 / at the margin / ties
    for red in REDUCTIONS:
        g.add("%s_edge_f64" % red, opts(red), [("input", x), ("target", t)])
        g.add("%s_edge_p2_f64" % red, opts(red, p=2), [("input", x), ("target", t)])
    g.add("mean_docs_example", opts("mean"), [("input", torch.tensor([[0.1, 0.2, 0.4, 0.8]], dtype=F64)),
                                              ("target", torch.tensor([3], dtype=I64))], expect=0.325)
    g.reject("rejects_p3", opts("mean", p=3), [("input", g.N((2, 3))), ("target", torch.tensor([0, 1]))])
    g.reject("rejects_target_out_of_range", opts("mean"),
             [("input", g.N((2, 3))), ("target", torch.tensor([0, 5], dtype=I64))])
    g.reject("rejects_target_size_mismatch", opts("mean"),
             [("input", g.N((2, 3))), ("target", torch.tensor([0, 1, 1], dtype=I64))])


@loss
def SoftMarginLoss(g):
    for red in REDUCTIONS:
        for r in range(4):
            g.var("%s_rank%d" % (red, r), lambda red=red, r=r: (
                opts(red), [("input", g.N(s := g.shape_of_rank(r), 2.0)), ("target", g.sign(s))]))
        g.var("%s_real_valued_target" % red, lambda red=red: (
            opts(red), [("input", g.N(s := g.shape_of_rank(2), 2.0)), ("target", g.N(s))]))
    x = torch.tensor([[1e4, -1e4, 50.0, 0.0]], dtype=F64)
    t = torch.tensor([[1.0, 1.0, -1.0, -1.0]], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_large_f64" % red, opts(red), [("input", x), ("target", t)])
    g.add("none_large_f32", opts("none"), [("input", x), ("target", t)], dtype=F32)
    g.reject("rejects_target_size_mismatch", opts("mean"), [("input", g.N((2, 3))), ("target", g.sign((2, 4)))])


@loss
def HingeEmbeddingLoss(g):
    for red in REDUCTIONS:
        for r in range(4):
            g.var("%s_rank%d" % (red, r), lambda red=red, r=r: (
                opts(red), [("input", g.N(s := g.shape_of_rank(r), 1.5)), ("target", g.sign(s))]))
        for m in (0.5, 2.0, 0.0, -0.5):
            g.var("%s_margin_%s" % (red, str(m).replace(".", "p").replace("-", "m")), lambda red=red, m=m: (
                opts(red, margin=m), [("input", g.N(s := g.shape_of_rank(2), 1.5)), ("target", g.sign(s))]))
    x = torch.tensor([0.0, 1.0, 0.5, 1.0, 2.0, -1.0], dtype=F64)
    t = torch.tensor([-1.0, -1.0, -1.0, 1.0, -1.0, 1.0], dtype=F64)  # margin - x exactly 0 at x == 1
    for red in REDUCTIONS:
        g.add("%s_edge_f64" % red, opts(red), [("input", x), ("target", t)])
    g.reject("rejects_target_size_mismatch", opts("mean"), [("input", g.N((2, 3))), ("target", g.sign((2, 4)))])


@loss
def MarginRankingLoss(g):
    def mk_any(red, r, **kw):
        def mk():
            s = {0: (), 1: (g.batch(),), 2: (g.batch(), g.classes())}[r]
            return opts(red, **kw), [("input1", g.N(s)), ("input2", g.N(s)), ("target", g.sign(s))]
        return mk
    for red in REDUCTIONS:
        for r in (1, 0, 2):
            g.var("%s_rank%d" % (red, r), mk_any(red, r))
        for m in (0.5, -0.3, 2.0):
            g.var("%s_margin_%s" % (red, str(m).replace(".", "p").replace("-", "m")), mk_any(red, 1, margin=m))
    x1 = torch.tensor([1.0, 2.0, 0.5, 0.0], dtype=F64)
    x2 = torch.tensor([1.0, 1.5, 1.0, 0.0], dtype=F64)
    y = torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_edge_margin_0p5_f64" % red, opts(red, margin=0.5), [("input1", x1), ("input2", x2), ("target", y)])
    g.add("none_edge_f64", opts("none"), [("input1", x1), ("input2", x2), ("target", y)])
    g.reject("rejects_dimension_mismatch", opts("mean"),
             [("input1", g.N((3,))), ("input2", g.N((3,))), ("target", g.sign((1, 3)))])
    g.reject("rejects_size_mismatch", opts("mean"),
             [("input1", g.N((3,))), ("input2", g.N((4,))), ("target", g.sign((3,)))])


@loss
def CosineEmbeddingLoss(g):
    def mk_any(red, unb, **kw):
        def mk():
            D = g.ri(2, 6)
            s = (D,) if unb else (g.batch(), D)
            return opts(red, **kw), [("input1", g.N(s)), ("input2", g.N(s)), ("target", g.sign(s[:-1]))]
        return mk
    for red in REDUCTIONS:
        for unb in (False, True):
            g.var("%s_%s" % (red, "unbatched" if unb else "batched"), mk_any(red, unb))
        for m in (0.5, -0.5, 0.9):
            g.var("%s_margin_%s" % (red, str(m).replace(".", "p").replace("-", "m")), mk_any(red, False, margin=m))
    # zero vector (cosine uses EPSILON = 1e-12 in the squared magnitudes), identical and opposite rows
    x1 = torch.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 0.0, 0.0]], dtype=F64)
    x2 = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0], [0.0, 1.0, 0.0]], dtype=F64)
    for y in ((1.0, 1.0, 1.0, 1.0), (-1.0, -1.0, -1.0, -1.0)):
        yt = torch.tensor(y, dtype=F64)
        tag = "pos" if y[0] > 0 else "neg"
        for red in REDUCTIONS:
            g.add("%s_edge_%s_f64" % (red, tag), opts(red, margin=-0.2),
                  [("input1", x1), ("input2", x2), ("target", yt)])
    g.reject("rejects_0d_target_with_2d_inputs", opts("mean"),
             [("input1", g.N((2, 3))), ("input2", g.N((2, 3))), ("target", torch.tensor(1.0, dtype=F64))])
    g.reject("rejects_size_mismatch", opts("mean"),
             [("input1", g.N((2, 3))), ("input2", g.N((2, 4))), ("target", g.sign((2,)))])


# ----------------------------------------------------------------------------------------------
# distribution losses
# ----------------------------------------------------------------------------------------------
@loss
def KLDivLoss(g):
    def mk_any(red, r, log_target):
        def mk():
            s = g.shape_of_rank(r)
            cd = 0 if r == 1 else (1 if r >= 2 else None)
            x = g.N(s, 1.5).log_softmax(cd) if cd is not None else g.N(s).clamp_max(0.0)
            t = g.N(s, 1.5)
            t = (t.log_softmax(cd) if log_target else t.softmax(cd)) if cd is not None else \
                (t.clamp_max(0.0) if log_target else g.U(s))
            o = opts(red, log_target=True) if log_target else opts(red)
            return o, [("input", x), ("target", t)]
        return mk
    for red in ("none", "mean", "sum", "batchmean"):
        for lt in (False, True):
            for r in (2, 1, 3, 0, 4):
                g.var("%s_%srank%d" % (red, "log_target_" if lt else "", r), mk_any(red, r, lt))
    # zeros in the target: forward uses xlogy (0*log 0 = 0), but dloss/dtarget there is NaN in 1.13
    x = torch.tensor([[-1.2, -0.4, -2.0], [-0.1, -3.0, -0.7]], dtype=F64)
    t = torch.tensor([[0.0, 0.6, 0.4], [1.0, 0.0, 0.0]], dtype=F64)
    for red in ("none", "batchmean"):
        g.add("%s_target_zeros_f64" % red, opts(red), [("input", x), ("target", t)])
    g.add("none_log_target_minus_inf_f64", opts("none", log_target=True),
          [("input", x), ("target", torch.tensor([[float("-inf"), -0.5, -1.0], [0.0, -2.0, -40.0]], dtype=F64))])
    g.reject("rejects_target_size_mismatch", opts("sum"), [("input", g.N((2, 3))), ("target", g.U((2, 4)))])


@loss
def PoissonNLLLoss(g):
    def mk_any(red, log_input=True, full=False, eps=None, r=None):
        def mk():
            s = g.shape_of_rank(g.ri(1, 3) if r is None else r)
            x = g.N(s) if log_input else g.U(s, 0.05, 3.0)
            t = g.I(0, 7, s).to(F64) if g.ri(0, 1) else g.U(s, 0.0, 5.0)
            o = opts(red)
            if not log_input:
                o["log_input"] = False
            if full:
                o["full"] = True
            if eps is not None:
                o["eps"] = eps
            return o, [("input", x), ("target", t)]
        return mk
    for red in REDUCTIONS:
        for r in (0, 1, 2, 3):
            g.var("%s_rank%d" % (red, r), mk_any(red, r=r))
        g.var("%s_log_input_false" % red, mk_any(red, log_input=False))
        g.var("%s_full" % red, mk_any(red, full=True))
        g.var("%s_log_input_false_full" % red, mk_any(red, log_input=False, full=True))
        g.var("%s_log_input_false_eps_0p1" % red, mk_any(red, log_input=False, eps=0.1))
        g.var("%s_eps_0p1_ignored_for_log_input" % red, mk_any(red, eps=0.1), f32=False)
        g.var("%s_log_input_false_full_eps_1em3" % red, mk_any(red, log_input=False, full=True, eps=1e-3))
    # targets 0, 1 (the Stirling term only applies for target > 1), 2, input 0 with log_input=False
    x = torch.tensor([[0.0, 0.5, 1.0, 2.0], [0.0, 3.0, 0.25, 1e-3]], dtype=F64)
    t = torch.tensor([[0.0, 1.0, 2.0, 0.0], [1.0, 0.0, 1.5, 4.0]], dtype=F64)
    for name, kw in (("", {}), ("full_", {"full": True}), ("log_input_false_", {"log_input": False}),
                     ("log_input_false_full_", {"log_input": False, "full": True})):
        for red in ("none", "sum"):
            g.add("%s_edge_%sf64" % (red, name), opts(red, **kw), [("input", x), ("target", t)])
    g.add("mean_edge_log_input_false_full_f32", opts("mean", log_input=False, full=True),
          [("input", x), ("target", t)], dtype=F32)
    g.reject("rejects_target_size_mismatch", opts("mean"), [("input", g.N((2, 3))), ("target", g.U((2, 4)))])


@loss
def GaussianNLLLoss(g):
    # var shapes accepted by 1.13: same as input; input.shape[:-1] (gets unsqueezed);
    # input.shape[:-1] + (1,). Anything else -> "var is of incorrect size".
    def mk_any(red, vk, rank=2, **kw):
        def mk():
            if rank == 1:
                s = (g.ri(2, 6),)
            elif rank == 2:
                s = (g.batch(), g.ri(2, 6))
            else:
                s = (g.batch(), g.extra(), g.ri(2, 4))
            vs = {"full": s, "drop": s[:-1], "one": s[:-1] + (1,)}[vk]
            return opts(red, **kw), [("input", g.N(s)), ("target", g.N(s)), ("var", g.U(vs, 0.1, 2.0))]
        return mk
    for red in REDUCTIONS:
        for vk in ("full", "drop", "one"):
            g.var("%s_var_%s" % (red, vk), mk_any(red, vk))
        for vk in ("full", "drop", "one"):
            g.var("%s_unbatched_var_%s" % (red, vk), mk_any(red, vk, rank=1))
        g.var("%s_rank3_var_drop" % red, mk_any(red, "drop", rank=3))
        g.var("%s_full" % red, mk_any(red, "full", full=True))
        g.var("%s_full_var_one" % red, mk_any(red, "one", full=True))
        g.var("%s_eps_0p5" % red, mk_any(red, "full", eps=0.5))
    # var below eps is clamped (under no_grad) -- the gradient still flows to var as if unclamped
    x = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]], dtype=F64)
    t = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.3, 0.2]], dtype=F64)
    v = torch.tensor([[0.0, 1e-8, 0.5], [1e-3, 2.0, 0.05]], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_var_clamped_f64" % red, opts(red), [("input", x), ("target", t), ("var", v)])
    g.add("none_var_clamped_eps_0p1_full_f64", opts("none", eps=0.1, full=True),
          [("input", x), ("target", t), ("var", v)])
    g.add("sum_var_clamped_f32", opts("sum"), [("input", x), ("target", t), ("var", v)], dtype=F32)
    # target broadcasting against input is not checked by 1.13
    g.add("none_target_broadcast_f64", opts("none"),
          [("input", g.N((3, 4))), ("target", g.N((3, 1))), ("var", g.U((3,), 0.1, 2.0))])
    g.add("mean_unbatched_scalar_var_f64", opts("mean"),
          [("input", g.N((4,))), ("target", g.N((4,))), ("var", g.U((), 0.1, 2.0))])
    g.reject("rejects_negative_var", opts("mean"),
             [("input", g.N((2, 3))), ("target", g.N((2, 3))), ("var", torch.tensor([[1.0, -0.5, 1.0]] * 2))])
    g.reject("rejects_var_size", opts("mean"),
             [("input", g.N((2, 3))), ("target", g.N((2, 3))), ("var", g.U((3,), 0.1, 2.0))])
    g.reject("rejects_var_size_2", opts("mean"),
             [("input", g.N((2, 3))), ("target", g.N((2, 3))), ("var", g.U((2, 2), 0.1, 2.0))])


# ----------------------------------------------------------------------------------------------
# embedding / triplet losses
# ----------------------------------------------------------------------------------------------
def triplet_mk(g, red, unb=False, **kw):
    def mk():
        D = g.ri(2, 6)
        s = (D,) if unb else (g.batch(), D)
        return opts(red, **kw), [("anchor", g.N(s)), ("positive", g.N(s)), ("negative", g.N(s))]
    return mk


def triplet_edges(g, **kw):
    a = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], dtype=F64)
    p = torch.tensor([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0], [1.0, 1.0, 1.0]], dtype=F64)
    n = torch.tensor([[1.0, 2.0, 3.5], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], dtype=F64)
    for red in REDUCTIONS:
        g.add("%s_edge_identical_f64" % red, opts(red, **kw), [("anchor", a), ("positive", p), ("negative", n)])
    g.add("none_edge_identical_swap_f64", opts("none", swap=True, **kw),
          [("anchor", a), ("positive", p), ("negative", n)])


@loss
def TripletMarginLoss(g):
    for red in REDUCTIONS:
        g.var("%s_batched" % red, triplet_mk(g, red))
        g.var("%s_unbatched" % red, triplet_mk(g, red, unb=True))
        for name, kw in (("margin_0p5", {"margin": 0.5}), ("margin_3", {"margin": 3.0}),
                         ("p1", {"p": 1.0}), ("p3", {"p": 3.0}), ("p1p5", {"p": 1.5}),
                         ("eps_0p1", {"eps": 0.1}), ("swap", {"swap": True}),
                         ("p1_swap_margin_2", {"p": 1.0, "swap": True, "margin": 2.0})):
            g.var("%s_%s" % (red, name), triplet_mk(g, red, **kw))
        g.var("%s_unbatched_swap_p1" % red, triplet_mk(g, red, unb=True, swap=True, p=1.0))
    triplet_edges(g)
    g.reject("rejects_dimension_mismatch", opts("mean"),
             [("anchor", g.N((2, 3))), ("positive", g.N((3,))), ("negative", g.N((2, 3)))])
    g.reject("rejects_size_mismatch", opts("mean"),
             [("anchor", g.N((2, 3))), ("positive", g.N((2, 4))), ("negative", g.N((2, 3)))])


@loss
def TripletMarginWithDistanceLoss(g):
    # default distance_function only (pairwise_distance, p=2, eps=1e-6); option omitted
    for red in REDUCTIONS:
        g.var("%s_batched" % red, triplet_mk(g, red))
        g.var("%s_unbatched" % red, triplet_mk(g, red, unb=True))
        for name, kw in (("margin_0p5", {"margin": 0.5}), ("margin_3", {"margin": 3.0}), ("swap", {"swap": True}),
                         ("swap_margin_2", {"swap": True, "margin": 2.0})):
            g.var("%s_%s" % (red, name), triplet_mk(g, red, **kw))
    triplet_edges(g)
    # unlike TripletMarginLoss, a (D) positive against an (N,D) anchor is broadcast here (1.13)
    g.add("broadcast_positive_mean_f64", opts("mean"),
          [("anchor", g.N((2, 3))), ("positive", g.N((3,))), ("negative", g.N((2, 3)))])
    g.reject("rejects_size_mismatch", opts("mean"),
             [("anchor", g.N((2, 3))), ("positive", g.N((2, 4))), ("negative", g.N((2, 3)))])
    # 1.13 does not validate margin: 0 and negative margins are accepted
    for m in (0.0, -0.5):
        g.var("sum_margin_%s" % str(m).replace(".", "p").replace("-", "m"), triplet_mk(g, "sum", margin=m), f32=False)


# ----------------------------------------------------------------------------------------------
# CTC
# ----------------------------------------------------------------------------------------------
def ctc_make(g, red, blank=0, zero_infinity=None, concat=False, unbatched=False, varlen=True):
    def mk():
        C = g.ri(3, 6)
        N = 1 if unbatched else g.batch()
        T = g.ri(4, 9)
        Smax = g.ri(1, max(1, T // 2))
        lp = g.N((T, N, C), 2.0).log_softmax(2)
        labels = [c for c in range(C) if c != blank]
        in_lens, tgt_lens, tgts = [], [], []
        for _ in range(N):
            il = g.ri(max(1, T - 3), T) if varlen else T
            # feasible length: len + repeats <= il
            tl = g.ri(0 if varlen else 1, min(Smax, max(1, il // 2)))
            tgts.append([g.choice(labels) for _ in range(tl)])
            in_lens.append(il)
            tgt_lens.append(tl)
        o = opts(red)
        if blank != 0:
            o["blank"] = blank
        if zero_infinity is not None:
            o["zero_infinity"] = zero_infinity
        if unbatched:
            return o, [("log_probs", lp[:, 0]), ("targets", torch.tensor(tgts[0], dtype=I64)),
                       ("input_lengths", torch.tensor(in_lens[0], dtype=I64)),
                       ("target_lengths", torch.tensor(tgt_lens[0], dtype=I64))]
        if concat:
            flat = [c for row in tgts for c in row]
            t = torch.tensor(flat, dtype=I64)
        else:
            S = max(1, max(tgt_lens))
            t = torch.tensor([row + [g.choice(labels) for _ in range(S - len(row))] for row in tgts], dtype=I64)
        return o, [("log_probs", lp), ("targets", t), ("input_lengths", torch.tensor(in_lens, dtype=I64)),
                   ("target_lengths", torch.tensor(tgt_lens, dtype=I64))]
    return mk


@loss
def CTCLoss(g):
    for red in REDUCTIONS:
        g.var("%s_padded" % red, ctc_make(g, red))
        g.var("%s_padded_full_lengths" % red, ctc_make(g, red, varlen=False))
        g.var("%s_concatenated" % red, ctc_make(g, red, concat=True))
        g.var("%s_unbatched" % red, ctc_make(g, red, unbatched=True))
        g.var("%s_blank_2" % red, ctc_make(g, red, blank=2))
        g.var("%s_blank_2_concatenated" % red, ctc_make(g, red, blank=2, concat=True))
        g.var("%s_zero_infinity_feasible" % red, ctc_make(g, red, zero_infinity=True))
    # repeated labels need a blank in between; a target too long for its input gives inf
    lp = torch.randn((5, 3, 4), generator=g.g, dtype=F64).log_softmax(2)
    tg = torch.tensor([[1, 1, 2], [3, 3, 3], [1, 2, 3]], dtype=I64)
    il = torch.tensor([5, 4, 2], dtype=I64)  # row 0 feasible; row 1: "3 3 3" needs 5 frames; row 2: 3 labels, 2 frames
    tl = torch.tensor([3, 3, 3], dtype=I64)
    for zi in (False, True):
        for red in REDUCTIONS:
            g.add("%s_infeasible_zero_infinity_%s_f64" % (red, str(zi).lower()), opts(red, zero_infinity=zi),
                  [("log_probs", lp), ("targets", tg), ("input_lengths", il), ("target_lengths", tl)])
        g.add("mean_infeasible_zero_infinity_%s_f32" % str(zi).lower(), opts("mean", zero_infinity=zi),
              [("log_probs", lp), ("targets", tg), ("input_lengths", il), ("target_lengths", tl)], dtype=F32)
    lp2 = torch.randn((4, 2, 3), generator=g.g, dtype=F64).log_softmax(2)
    g.add("none_empty_targets_f64", opts("none"),
          [("log_probs", lp2), ("targets", torch.tensor([[1, 2], [2, 1]], dtype=I64)),
           ("input_lengths", torch.tensor([4, 3], dtype=I64)), ("target_lengths", torch.tensor([0, 0], dtype=I64))])
    g.add("mean_empty_target_f64", opts("mean"),
          [("log_probs", lp2), ("targets", torch.tensor([[1, 2], [2, 1]], dtype=I64)),
           ("input_lengths", torch.tensor([4, 3], dtype=I64)), ("target_lengths", torch.tensor([0, 2], dtype=I64))])
    g.reject("rejects_input_length_too_long", opts("mean"),
             [("log_probs", lp2), ("targets", torch.tensor([[1, 2], [2, 1]], dtype=I64)),
              ("input_lengths", torch.tensor([7, 3], dtype=I64)), ("target_lengths", torch.tensor([2, 2], dtype=I64))])
    g.reject("rejects_target_length_exceeds_padded_targets", opts("mean"),
             [("log_probs", lp2), ("targets", torch.tensor([[1, 2], [2, 1]], dtype=I64)),
              ("input_lengths", torch.tensor([4, 3], dtype=I64)), ("target_lengths", torch.tensor([3, 2], dtype=I64))])


# ----------------------------------------------------------------------------------------------
def main(argv):
    wanted = set(argv[1:])
    unknown = wanted - {n for n, _ in LOSSES}
    if unknown:
        sys.exit("unknown loss(es): %s" % ", ".join(sorted(unknown)))
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name, fn in LOSSES:
        if wanted and name not in wanted:
            continue
        torch.manual_seed(0)
        g = Gen(name)
        fn(g)
        path = os.path.join(OUT_DIR, name + ".json")
        dump_file(path, {"loss": name, "torch_version": torch.__version__, "generator": GENERATOR}, g.cases)
        nerr = sum(1 for c in g.cases if "error" in c)
        total += len(g.cases)
        print("%-30s %3d cases (%2d rejections)  %7.1f kB" % (name, len(g.cases), nerr, os.path.getsize(path) / 1024))
    print("total %d cases" % total)
    for k, v in sorted(NONDIFF.items()):
        print("  no gradient: %s: %s" % (k, ", ".join(sorted(v))))


if __name__ == "__main__":
    main(sys.argv)
