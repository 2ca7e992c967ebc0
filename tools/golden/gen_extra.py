"""Golden values for ExtraLosses (MONAI's DiceLoss and TverskyLoss, five of Keras's losses), on PyTorch 1.13.

Neither MONAI nor Keras is installable here, so each loss is re-implemented below in PyTorch from its library's
published source (the same formulas docs/catalog.md cites), independently of LossForge:
  - MONAI 1.1, monai/losses/dice.py (DiceLoss.forward) and monai/losses/tversky.py (TverskyLoss.forward);
  - Keras 2.11, keras/losses.py (log_cosh, mean_squared_logarithmic_error, mean_absolute_percentage_error,
    squared_hinge, categorical_hinge) with the default reduction SUM_OVER_BATCH_SIZE: the mean of the per-sample losses.
Where LossForge's result has another shape than the library's, the reference is reshaped as LossForge defines it,
and says so (DiceLoss/TverskyLoss reduction none: each example's sum over the channels scored).

Run with Debian's PyTorch: /usr/bin/python3 tools/golden/gen_extra.py
Writes torch/src/test/resources/golden/<name>.json in the format of tools/golden/README.md.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_goldens import F32, F64, OUT_DIR, REDUCTIONS, dump_file  # noqa: E402
from gen_torchvision import FunctionGen  # noqa: E402

GENERATOR = "tools/golden/gen_extra.py"
KERAS_EPSILON = 1e-7  # keras.backend.epsilon()


# ---------------------------------------------------------------------------------------------- MONAI
def _activate(x, sigmoid, softmax):
    if sigmoid:
        x = torch.sigmoid(x)
    n_pred_ch = x.shape[1]
    if softmax and n_pred_ch != 1:  # MONAI warns and skips softmax on a single channel
        x = torch.softmax(x, 1)
    return x


def _scored(x, t, include_background):
    if not include_background and x.shape[1] != 1:  # MONAI warns and keeps a single channel
        return x[:, 1:], t[:, 1:]
    return x, t


def _reduce_monai(f, reduction):
    """f: (N, C') per example and channel. MONAI's mean/sum; LossForge's none: the sum over the channels."""
    if reduction == "mean":
        return torch.mean(f)
    if reduction == "sum":
        return torch.sum(f)
    return f.sum(1)


def _as_channels(x):
    """A one-channel (N, S) input is MONAI's (N, 1, S)."""
    return x.unsqueeze(1) if x.dim() == 2 else x


def dice_loss(input, target, reduction="mean", include_background=True, sigmoid=False, softmax=False,
              squared_pred=False, jaccard=False, smooth_nr=1e-5, smooth_dr=1e-5):
    input, target = _as_channels(input), _as_channels(target)
    input = _activate(input, sigmoid, softmax)
    input, target = _scored(input, target, include_background)
    reduce_axis = list(range(2, input.dim()))
    intersection = torch.sum(target * input, dim=reduce_axis)
    if squared_pred:
        ground_o = torch.sum(target ** 2, dim=reduce_axis)
        pred_o = torch.sum(input ** 2, dim=reduce_axis)
    else:
        ground_o = torch.sum(target, dim=reduce_axis)
        pred_o = torch.sum(input, dim=reduce_axis)
    denominator = ground_o + pred_o
    if jaccard:
        denominator = 2.0 * (denominator - intersection)
    f = 1.0 - (2.0 * intersection + smooth_nr) / (denominator + smooth_dr)
    return _reduce_monai(f, reduction)


def tversky_loss(input, target, reduction="mean", include_background=True, sigmoid=False, softmax=False,
                 alpha=0.5, beta=0.5, smooth_nr=1e-5, smooth_dr=1e-5):
    input, target = _as_channels(input), _as_channels(target)
    input = _activate(input, sigmoid, softmax)
    input, target = _scored(input, target, include_background)
    p0 = input
    p1 = 1 - p0
    g0 = target
    g1 = 1 - g0
    reduce_axis = list(range(2, input.dim()))
    tp = torch.sum(p0 * g0, reduce_axis)
    fp = alpha * torch.sum(p0 * g1, reduce_axis)
    fn = beta * torch.sum(p1 * g0, reduce_axis)
    numerator = tp + smooth_nr
    denominator = tp + fp + fn + smooth_dr
    f = 1.0 - numerator / denominator
    return _reduce_monai(f, reduction)


# ---------------------------------------------------------------------------------------------- Keras
def _reduce_keras(per_sample, reduction):
    """Keras's SUM_OVER_BATCH_SIZE (its default) is the mean of the per-sample losses."""
    if reduction == "mean":
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    return per_sample


def log_cosh(y_pred, y_true, reduction="mean"):
    x = y_pred - y_true
    # keras: x + softplus(-2x) - log(2), softplus being tf.nn.softplus
    return _reduce_keras(torch.mean(x + torch.nn.functional.softplus(-2.0 * x) - math.log(2.0), dim=-1), reduction)


def mean_squared_logarithmic_error(y_pred, y_true, reduction="mean"):
    # keras: backend.maximum(y, epsilon) - TF's maximum passes the gradient to y at a tie, as clamp_min does
    first_log = torch.log(torch.clamp_min(y_pred, KERAS_EPSILON) + 1.0)
    second_log = torch.log(torch.clamp_min(y_true, KERAS_EPSILON) + 1.0)
    return _reduce_keras(torch.mean(torch.square(first_log - second_log), dim=-1), reduction)


def mean_absolute_percentage_error(y_pred, y_true, reduction="mean"):
    diff = torch.abs((y_true - y_pred) / torch.clamp_min(torch.abs(y_true), KERAS_EPSILON))
    return _reduce_keras(100.0 * torch.mean(diff, dim=-1), reduction)


def squared_hinge(y_pred, y_true, reduction="mean"):
    return _reduce_keras(torch.mean(torch.square(torch.clamp_min(1.0 - y_true * y_pred, 0.0)), dim=-1), reduction)


def categorical_hinge(y_pred, y_true, reduction="mean"):
    pos = torch.sum(y_true * y_pred, dim=-1)
    # tf.reduce_max's gradient splits evenly between ties, as torch.amax's does
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return _reduce_keras(torch.clamp_min(neg - pos + 1.0, 0.0), reduction)


# ---------------------------------------------------------------------------------------------- cases
def one_hot(g, n, c, s):
    classes = g.I(0, c, (n, s))
    return torch.nn.functional.one_hot(classes, c).permute(0, 2, 1).to(F64)


def segmentation_cases(g, extra_options):
    for shape in [(2, 3, 5), (3, 2, 4), (1, 4, 6)]:
        n, c, s = shape
        for act in ("none", "sigmoid", "softmax"):
            for include_background in (True, False):
                for options in extra_options:
                    for red in REDUCTIONS:
                        opts = {"reduction": red, "include_background": include_background,
                                "sigmoid": act == "sigmoid", "softmax": act == "softmax"}
                        opts.update(options)
                        tag = "_".join("%s%s" % (k, v) for k, v in options.items())
                        base = "%s_%s_bg%s_%s_%s" % (red, act, include_background, tag, "x".join(map(str, shape)))

                        def make():
                            logits = g.N(shape, 1.5)
                            pred = logits if act != "none" else torch.sigmoid(logits)  # probabilities without activation
                            target = one_hot(g, n, c, s) if act == "softmax" else g.I(0, 2, shape).to(F64)
                            return opts, [("input", pred), ("target", target)]
                        g.var(base, make)
    for red in REDUCTIONS:
        for act in ("none", "sigmoid"):
            def make_2d():
                logits = g.N((4, 7), 1.5)
                return ({"reduction": red, "sigmoid": act == "sigmoid"},
                        [("input", logits if act == "sigmoid" else torch.sigmoid(logits)), ("target", g.U((4, 7)))])
            g.var("one_channel_%s_%s" % (red, act), make_2d)
        g.add("empty_" + red, {"reduction": red, "sigmoid": True},
              [("input", torch.zeros(0, 3, 4, dtype=F64)), ("target", torch.zeros(0, 3, 4, dtype=F64))])


def keras_cases(g, make_inputs):
    for shape in [(6,), (4, 3), (2, 3, 5)]:
        for red in REDUCTIONS:
            g.var("%s_%s" % (red, "x".join(map(str, shape))), lambda: ({"reduction": red}, make_inputs(shape)))


def normal_pair(g):
    return lambda shape: [("y_pred", g.N(shape, 1.5)), ("y_true", g.N(shape, 1.5))]


LOSSES = {
    "DiceLoss": (dice_loss, lambda g: segmentation_cases(g, [{}, {"squared_pred": True}, {"jaccard": True},
                                                             {"smooth_nr": 0.0, "smooth_dr": 1.0}])),
    "TverskyLoss": (tversky_loss, lambda g: segmentation_cases(g, [{}, {"alpha": 0.3, "beta": 0.7},
                                                                   {"alpha": 0.8, "beta": 0.1, "smooth_nr": 1.0}])),
    "LogCosh": (log_cosh, lambda g: (keras_cases(g, normal_pair(g)), g.add("large_differences", {"reduction": "mean"}, [
        ("y_pred", torch.tensor([[-40.0, 0.3, 25.0]], dtype=F64)), ("y_true", torch.tensor([[1.0, 0.2, -20.0]], dtype=F64))]))),
    "MeanSquaredLogarithmicError": (mean_squared_logarithmic_error, lambda g: (
        keras_cases(g, lambda shape: [("y_pred", g.U(shape, 0.0, 5.0)), ("y_true", g.U(shape, 0.0, 5.0))]),
        # negative values are clamped to epsilon: no gradient there
        g.add("negative_values", {"reduction": "mean"}, [("y_pred", torch.tensor([[-0.5, 2.0], [3.0, -1.0]], dtype=F64)),
                                                         ("y_true", torch.tensor([[1.0, -2.0], [0.5, 4.0]], dtype=F64))]))),
    "MeanAbsolutePercentageError": (mean_absolute_percentage_error, lambda g: (
        keras_cases(g, normal_pair(g)),
        # a zero target divides by epsilon
        g.add("zero_target", {"reduction": "mean"}, [("y_pred", torch.tensor([[0.5, 2.0], [3.0, -1.0]], dtype=F64)),
                                                     ("y_true", torch.tensor([[0.0, -2.0], [0.5, 4.0]], dtype=F64))]))),
    "SquaredHinge": (squared_hinge, lambda g: keras_cases(
        g, lambda shape: [("y_pred", g.N(shape, 1.5)), ("y_true", g.sign(shape))])),
    "CategoricalHinge": (categorical_hinge, lambda g: (
        keras_cases(g, lambda shape: [("y_pred", g.N(shape, 1.5)),
                                      ("y_true", torch.nn.functional.one_hot(g.I(0, shape[-1], shape[:-1]), shape[-1]).to(F64))]),
        # tied largest wrong-class scores share the gradient
        g.add("ties", {"reduction": "mean"}, [("y_pred", torch.tensor([[0.5, 0.5, 0.2], [1.0, -1.0, 1.0]], dtype=F64)),
                                              ("y_true", torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=F64))]))),
}


def main(argv):
    wanted = set(argv[1:]) or set(LOSSES)
    for name, (function, cases) in LOSSES.items():
        if name not in wanted:
            continue
        torch.manual_seed(0)
        g = FunctionGen(name, function)
        cases(g)
        path = os.path.join(OUT_DIR, name + ".json")
        dump_file(path, {"loss": name, "torch_version": torch.__version__, "generator": GENERATOR}, g.cases)
        print("%-30s %3d cases  %7.1f kB" % (name, len(g.cases), os.path.getsize(path) / 1024))


if __name__ == "__main__":
    main(sys.argv)
