"""Golden values for TorchVisionLosses, from torchvision 0.14's own functions (torchvision.ops) on PyTorch 1.13.

Run with Debian's PyTorch and torchvision (apt-get install -y python3-torch python3-torchvision):
    /usr/bin/python3 tools/golden/gen_torchvision.py
Writes torch/src/test/resources/golden/<function name>.json in the format of tools/golden/README.md (gen_goldens.py's
encoder and case builder, with the torchvision function in place of the torch.nn module). Both inputs get gradients.
"""
import os
import sys

import torch
import torchvision
from torchvision.ops import (complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss,
                             sigmoid_focal_loss)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_goldens import F32, F64, OUT_DIR, REDUCTIONS, Gen, dump_file  # noqa: E402

GENERATOR = "tools/golden/gen_torchvision.py"
FUNCTIONS = {
    "sigmoid_focal_loss": sigmoid_focal_loss,
    "generalized_box_iou_loss": generalized_box_iou_loss,
    "distance_box_iou_loss": distance_box_iou_loss,
    "complete_box_iou_loss": complete_box_iou_loss,
}


class FunctionGen(Gen):
    """Cases of a loss given as a function f(input1, input2, **options)."""

    def __init__(self, name, function):
        super().__init__(name)
        self.function = function

    def make_loss(self, options):
        return lambda *inputs: self.function(*inputs, **options)


def focal_cases(g):
    for shape in [(5,), (3, 4), (2, 3, 2)]:
        for alpha in (0.25, -1.0, 0.6):
            for gamma in (0.0, 2.0, 1.5):
                for red in REDUCTIONS:
                    base = "%s_alpha%s_gamma%s_%s" % (red, alpha, gamma, "x".join(map(str, shape)))
                    g.var(base, lambda: ({"reduction": red, "alpha": alpha, "gamma": gamma},
                                         [("inputs", g.N(shape, 2.0)), ("targets", g.I(0, 2, shape).to(F64))]))
    for red in REDUCTIONS:
        # soft targets (label smoothing), also differentiated
        g.var("soft_targets_" + red, lambda: ({"reduction": red, "alpha": 0.25, "gamma": 2.0},
                                              [("inputs", g.N((4, 3), 2.0)), ("targets", g.U((4, 3)))]))
        # logits far out, where the naive log(sigmoid) would overflow
        g.add("large_logits_" + red, {"reduction": red, "alpha": 0.25, "gamma": 2.0},
              [("inputs", torch.tensor([-60.0, -20.0, 0.5, 20.0, 60.0], dtype=F64)),
               ("targets", torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=F64))])
        g.add("empty_" + red, {"reduction": red, "alpha": 0.25, "gamma": 2.0},
              [("inputs", torch.zeros(0, dtype=F64)), ("targets", torch.zeros(0, dtype=F64))])


def random_boxes(g, n, spread=6.0):
    """n valid boxes (x1 < x2, y1 < y2) in a small area, so that pairs overlap about half the time."""
    corner = g.U((n, 2), 0.0, spread)
    size = g.U((n, 2), 0.5, 4.0)
    return torch.cat([corner, corner + size], dim=1)


def box_cases(g):
    for n in (1, 3, 6):
        for eps in (1e-7, 1e-3):
            for red in REDUCTIONS:
                g.var("%s_eps%s_n%d" % (red, eps, n),
                      lambda: ({"reduction": red, "eps": eps}, [("boxes1", random_boxes(g, n)), ("boxes2", random_boxes(g, n))]))
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 4.0], [0.0, 0.0, 1.0, 1.0]], dtype=F64)
    b = torch.tensor([[1.0, 0.5, 3.5, 2.5], [5.0, 6.0, 7.0, 9.0], [0.0, 0.0, 1.0, 1.0]], dtype=F64)
    for red in REDUCTIONS:
        # overlapping, disjoint, and identical boxes (ties: torch.min/max split the gradient in half)
        g.add("overlap_disjoint_identical_" + red, {"reduction": red, "eps": 1e-7}, [("boxes1", a), ("boxes2", b)])
        g.add("unbatched_" + red, {"reduction": red, "eps": 1e-7}, [("boxes1", a[1]), ("boxes2", b[0])])
        g.add("empty_" + red, {"reduction": red, "eps": 1e-7},
              [("boxes1", torch.zeros(0, 4, dtype=F64)), ("boxes2", torch.zeros(0, 4, dtype=F64))])
    g.add("float32_none", {"reduction": "none", "eps": 1e-7}, [("boxes1", a), ("boxes2", b)], dtype=F32)


def main(argv):
    wanted = set(argv[1:]) or set(FUNCTIONS)
    for name, function in FUNCTIONS.items():
        if name not in wanted:
            continue
        torch.manual_seed(0)
        g = FunctionGen(name, function)
        (focal_cases if name == "sigmoid_focal_loss" else box_cases)(g)
        path = os.path.join(OUT_DIR, name + ".json")
        dump_file(path, {"loss": name, "torch_version": torch.__version__, "torchvision_version": torchvision.__version__,
                         "generator": GENERATOR}, g.cases)
        print("%-26s %3d cases  %7.1f kB" % (name, len(g.cases), os.path.getsize(path) / 1024))


if __name__ == "__main__":
    main(sys.argv)
