#!/usr/bin/env python3
"""Edge-case goldens for every torch.nn loss of the catalog: empty batches, NaN inputs, refused options.

Run with Debian's PyTorch 1.13 (the default `python3` may lack torch):

    /usr/bin/python3 tools/golden/gen_edge_goldens.py

Writes torch/src/test/resources/golden-edge/<TorchClassName>.json in the format of gen_goldens.py (see
tools/golden/README.md), read by EdgeCaseGoldenTest:
  * empty_<reduction>_<dtype>: a batch of 0 ([0, ...] inputs), every reduction (and batchmean), forward and
    backward. PyTorch gives NaN for mean, 0 for sum, an empty tensor for none, gradients of the inputs' shape.
  * nan_<reduction>_<dtype>, inf_<reduction>_<dtype>: one NaN (or +Inf) in a value input, the rest ordinary.
    float32 runs LossForge's fused path, float64 its general path.
  * rejects_*: option values and combinations PyTorch refuses when the loss is called.
Everything is seeded per loss, so re-running gives identical files.
"""
import contextlib
import os
import sys
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_goldens as base  # noqa: E402  (Gen, opts and the file format)

F64, F32, I64 = torch.float64, torch.float32, torch.int64
NAN, INF = float("nan"), float("inf")
OUT_DIR = os.path.join(base.ROOT, "torch", "src", "test", "resources", "golden-edge")
GENERATOR = "tools/golden/gen_edge_goldens.py"


def pm1(g, shape):
    return g.sign(shape)


# one valid call per loss for a batch of n: (inputs, which input gets the NaN / Inf, extra reductions)
def inputs_for(name, g, n):
    C = 4
    if name in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "PoissonNLLLoss"):
        return [("input", g.N((n, 3))), ("target", g.U((n, 3), 0, 3))], 0
    if name == "SoftMarginLoss":
        return [("input", g.N((n, 3))), ("target", pm1(g, (n, 3)))], 0
    if name == "HingeEmbeddingLoss":
        return [("input", g.N((n, 3))), ("target", pm1(g, (n, 3)))], 0
    if name == "BCELoss":  # PyTorch refuses a NaN input ("between 0 and 1"): the NaN goes to the target
        return [("input", g.U((n, 3), 0.05, 0.95)), ("target", g.U((n, 3)))], 1
    if name == "BCEWithLogitsLoss":
        return [("input", g.N((n, 3))), ("target", g.U((n, 3)))], 0
    if name == "KLDivLoss":
        return [("input", g.N((n, 3)).log_softmax(1)), ("target", g.U((n, 3), 0.1, 1))], 0
    if name == "GaussianNLLLoss":
        return [("input", g.N((n, 3))), ("target", g.N((n, 3))), ("var", g.U((n, 3), 0.1, 2))], 0
    if name in ("NLLLoss", "CrossEntropyLoss", "MultiMarginLoss"):
        x = g.N((n, C))
        return [("input", x.log_softmax(1) if name == "NLLLoss" else x), ("target", g.I(0, C, (n,)))], 0
    if name == "MultiLabelSoftMarginLoss":
        return [("input", g.N((n, C))), ("target", g.I(0, 2, (n, C)).to(F64))], 0
    if name == "MultiLabelMarginLoss":
        t = torch.full((n, C), -1, dtype=I64)
        if n:
            t[:, 0] = g.I(0, C, (n,))
        return [("input", g.N((n, C))), ("target", t)], 0
    if name == "MarginRankingLoss":
        return [("input1", g.N((n,))), ("input2", g.N((n,))), ("target", pm1(g, (n,)))], 0
    if name == "CosineEmbeddingLoss":
        return [("input1", g.N((n, 3))), ("input2", g.N((n, 3))), ("target", pm1(g, (n,)))], 0
    if name in ("TripletMarginLoss", "TripletMarginWithDistanceLoss"):
        return [("anchor", g.N((n, 3))), ("positive", g.N((n, 3))), ("negative", g.N((n, 3)))], 0
    if name == "CTCLoss":
        T, S = 5, 2
        return [("log_probs", g.N((T, n, C)).log_softmax(2)), ("targets", g.I(1, C, (n, S))),
                ("input_lengths", torch.full((n,), T, dtype=I64)), ("target_lengths", torch.full((n,), S, dtype=I64))], 0
    raise AssertionError(name)


def reductions(name):
    return base.REDUCTIONS + (("batchmean",) if name == "KLDivLoss" else ())


def with_value(inputs, at, value):
    out = [(k, v.clone()) for k, v in inputs]
    out[at][1].view(-1)[1] = value
    return out


class MultiMarginFormula(nn.Module):
    """nn.MultiMarginLoss's documented formula in PyTorch's ops: mean_{i != y} w_y max(0, margin - x_y + x_i)^p.
    nn.MultiMarginLoss's kernel skips a NaN (its `if (z > 0)`) and returns uninitialised memory for an empty
    batch with reduction mean or sum: LossForge propagates the NaN and reduces nothing to NaN (mean) or 0 (sum),
    a deliberate difference listed in docs/catalog.md."""

    def __init__(self, reduction="mean", p=1, margin=1.0, weight=None):
        super().__init__()
        self.reduction, self.p, self.margin, self.weight = reduction, p, margin, weight

    def forward(self, x, y):
        picked = x.gather(1, y.unsqueeze(1))
        own = F.one_hot(y, x.shape[1]).bool()
        hinge = torch.where(own, torch.zeros_like(x), torch.relu(x - picked + self.margin)) ** self.p
        if self.weight is not None:
            hinge = hinge * self.weight[y].unsqueeze(1)
        loss = hinge.mean(1)
        return loss if self.reduction == "none" else loss.mean() if self.reduction == "mean" else loss.sum()


class MultiLabelMarginEmpty(nn.Module):
    """An empty batch of nn.MultiLabelMarginLoss: PyTorch 1.13 returns uninitialised memory for mean and sum; this
    is its reduction of no per-sample losses (NaN for mean, 0 for sum), as for every other loss."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, x, y):
        loss = (x * 0).sum(1)
        return loss if self.reduction == "none" else loss.mean() if self.reduction == "mean" else loss.sum()


@contextlib.contextmanager
def formula(name, module):
    """Cases recorded with `module` (PyTorch computing the loss's formula) instead of nn.<name>."""
    real = base.nn
    base.nn = types.SimpleNamespace(**{name: module})
    try:
        yield
    finally:
        base.nn = real


def edge_cases(name, g):
    for red in reductions(name):
        for dt in (F64, F32):
            suffix = "f64" if dt == F64 else "f32"
            ins, _ = inputs_for(name, g, 0)
            empty_module = {"MultiMarginLoss": MultiMarginFormula, "MultiLabelMarginLoss": MultiLabelMarginEmpty}.get(name)
            with formula(name, empty_module) if empty_module else contextlib.nullcontext():
                g.add("empty_%s_%s" % (red, suffix), base.opts(red), ins, dtype=dt)
            ins, at = inputs_for(name, g, 3)
            with formula(name, MultiMarginFormula) if name == "MultiMarginLoss" else contextlib.nullcontext():
                g.add("nan_%s_%s" % (red, suffix), base.opts(red), with_value(ins, at, NAN), dtype=dt)
            if name not in ("BCELoss",):  # an infinite probability target is no probability
                ins, at = inputs_for(name, g, 3)
                g.add("inf_%s_%s" % (red, suffix), base.opts(red), with_value(ins, at, INF), dtype=dt)
    # probability targets: the other declaration of CrossEntropyLoss
    if name == "CrossEntropyLoss":
        for red in base.REDUCTIONS:
            for n in (0, 3):
                x = g.N((n, 4))
                t = g.U((n, 4)).softmax(1)
                ins = [("input", x), ("target", t)] if n == 0 else with_value([("input", x), ("target", t)], 0, NAN)
                g.add("%s_probabilities_%s_f64" % ("empty" if n == 0 else "nan", red), base.opts(red), ins)


# option values and combinations PyTorch refuses at the call (build-time checks are in gen_goldens.py)
def rejects(name, g):
    x23 = g.N((2, 3))
    if name == "BCELoss":
        g.reject("rejects_weight_beyond_the_input", base.opts("mean", weight=g.U((4, 2, 3))),
                 [("input", g.U((2, 3), 0.05, 0.95)), ("target", g.U((2, 3)))])
        g.reject("rejects_weight_not_broadcastable", base.opts("mean", weight=g.U((2,))),
                 [("input", g.U((2, 3), 0.05, 0.95)), ("target", g.U((2, 3)))])
    if name == "CrossEntropyLoss":
        g.reject("rejects_ignore_index_with_probability_targets", base.opts("mean", ignore_index=1),
                 [("input", g.N((3, 4))), ("target", g.U((3, 4)).softmax(1))])
        g.reject("rejects_ignore_index_0_with_probability_targets", base.opts("sum", ignore_index=0),
                 [("input", g.N((3, 4))), ("target", g.U((3, 4)).softmax(1))])
        g.reject("rejects_weight_of_wrong_size", base.opts("mean", weight=g.U((3,))),
                 [("input", g.N((3, 4))), ("target", g.I(0, 4, (3,)))])
        g.reject("rejects_weight_of_wrong_size_with_probability_targets", base.opts("mean", weight=g.U((3,))),
                 [("input", g.N((3, 4))), ("target", g.U((3, 4)).softmax(1))])
        g.reject("rejects_weight_of_rank_2", base.opts("mean", weight=g.U((1, 4))),
                 [("input", g.N((3, 4))), ("target", g.I(0, 4, (3,)))])
        # an explicit negative ignore_index is accepted with probability targets
        g.add("accepts_negative_ignore_index_with_probability_targets_f64", base.opts("mean", ignore_index=-1),
              [("input", g.N((3, 4))), ("target", g.U((3, 4)).softmax(1))])
    if name == "NLLLoss":
        g.reject("rejects_weight_of_wrong_size", base.opts("mean", weight=g.U((3,))),
                 [("input", g.N((3, 4))), ("target", g.I(0, 4, (3,)))])
        g.reject("rejects_weight_of_rank_2", base.opts("mean", weight=g.U((1, 4))),
                 [("input", g.N((3, 4)).log_softmax(1)), ("target", g.I(0, 4, (3,)))])
    if name == "MultiMarginLoss":
        g.reject("rejects_p_3", base.opts("mean", p=3), [("input", g.N((3, 4))), ("target", g.I(0, 4, (3,)))])
    if name == "CrossEntropyLoss":
        g.reject("rejects_label_smoothing_above_1", base.opts("mean", label_smoothing=1.5),
                 [("input", g.N((3, 4))), ("target", g.I(0, 4, (3,)))])
    if name == "HuberLoss":
        g.reject("rejects_delta_0", base.opts("mean", delta=0.0), [("input", x23), ("target", g.N((2, 3)))])
    if name == "SmoothL1Loss":
        g.reject("rejects_negative_beta", base.opts("mean", beta=-1.0), [("input", x23), ("target", g.N((2, 3)))])
    if name == "BCEWithLogitsLoss":
        g.reject("rejects_pos_weight_not_broadcastable", base.opts("mean", pos_weight=g.U((2,))),
                 [("input", x23), ("target", g.U((2, 3)))])
        g.reject("rejects_weight_not_broadcastable", base.opts("mean", weight=g.U((2,))),
                 [("input", x23), ("target", g.U((2, 3)))])
    if name == "MultiLabelSoftMarginLoss":
        g.reject("rejects_weight_not_broadcastable", base.opts("mean", weight=g.U((3,))),
                 [("input", g.N((2, 4))), ("target", g.I(0, 2, (2, 4)).to(F64))])
    if name == "GaussianNLLLoss":
        g.reject("rejects_negative_var", base.opts("mean"),
                 [("input", x23), ("target", g.N((2, 3))), ("var", -g.U((2, 3), 0.1, 1))])
        g.reject("rejects_var_of_wrong_size", base.opts("mean"),
                 [("input", x23), ("target", g.N((2, 3))), ("var", g.U((2, 2), 0.1, 1))])
    if name == "CTCLoss":
        lp = g.N((5, 2, 4)).log_softmax(2)
        args = [("log_probs", lp), ("targets", torch.tensor([[1, 2], [2, 1]], dtype=I64)),
                ("input_lengths", torch.tensor([5, 5], dtype=I64)), ("target_lengths", torch.tensor([2, 2], dtype=I64))]
        g.reject("rejects_blank_out_of_range", base.opts("mean", blank=4), args)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name, _ in base.LOSSES:
        torch.manual_seed(0)
        g = base.Gen(name)
        edge_cases(name, g)
        rejects(name, g)
        path = os.path.join(OUT_DIR, name + ".json")
        base.dump_file(path, {"loss": name, "torch_version": torch.__version__, "generator": GENERATOR}, g.cases)
        total += len(g.cases)
        print("%-30s %3d cases (%d rejections)" % (name, len(g.cases), sum(1 for c in g.cases if "error" in c)))
    print("total %d cases" % total)


if __name__ == "__main__":
    main()
