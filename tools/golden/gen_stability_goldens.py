"""Golden values for the processor's stability rewrites (#16), from PyTorch 1.13's stable functions.

Run with Debian's PyTorch: /usr/bin/python3 tools/golden/gen_stability_goldens.py
Writes processor/src/test/resources/golden/stability.json, read by StabilityGoldenTest, which compiles each loss
below written in its naive textbook form as a @Loss method (the `dsl` field), runs it with reduction NONE, and
compares its value with `output` and its gradients (for `grad_output`) with `grads`.

`output` and `grads` come from PyTorch's stable function (binary_cross_entropy_with_logits, cross_entropy,
logsumexp, log1p, expm1, abs) and its autograd. `naive_output` is the textbook form evaluated by PyTorch on the same
inputs: at these inputs it overflows or loses digits (the script checks that it does), which is what the rewrites fix.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_goldens import enc_tensor as tensor  # noqa: E402  (the golden files' tensor format)

F64, F32 = torch.float64, torch.float32
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "processor", "src", "test", "resources", "golden", "stability.json")

# logits where sigmoid and softmax underflow, in float32 and float64
LOGITS = [-800.0, -100.0, -30.0, -1.5, 0.0, 0.75, 17.0, 40.0, 100.0, 800.0]
# values where 1 + u and exp(u) - 1 round away digits (1e-18 every one of them)
SMALL = [1e-18, -3e-17, 1e-10, -2e-9, 5e-8, 1e-4, 0.5, -0.25]




CASES = []


def case(loss, dsl, dtype, inputs, stable, naive, differentiable):
    """inputs: name -> float64 tensor, rounded to dtype; stable and naive take the inputs in order.

    output and grads are computed in float64 from the rounded inputs, for both dtypes: the exact answer a float32
    computation is compared with (element by element, relatively: a value of 1e-18 must not come out as 0).
    naive_output is the textbook form in the case's own dtype.
    """
    rounded = {name: (v.to(dtype) if v.is_floating_point() else v) for name, v in inputs.items()}
    xs = {name: (v.to(F64) if v.is_floating_point() else v).clone() for name, v in rounded.items()}
    for name in differentiable:
        xs[name].requires_grad_(True)
    out = stable(*xs.values())
    g = torch.linspace(0.5, 1.5, out.numel(), dtype=F64).reshape(out.shape).to(dtype).to(F64)
    grads = torch.autograd.grad(out, [xs[n] for n in differentiable], g)
    by_name = dict(zip(differentiable, grads))
    with torch.no_grad():
        naive_out = naive(*rounded.values())
        # the point of the case: the textbook form is off here (non-finite, or digits lost), in this dtype
        exact = out.detach()
        relative = ((naive_out.double() - exact).abs() / exact.abs().clamp_min(1e-300)).nan_to_num(nan=float("inf"))
        assert float(relative.max()) > 1e-3, (loss, dtype, float(relative.max()))
    CASES.append({
        "id": f"{loss}_{str(dtype)[-7:]}",
        "loss": loss,
        "dsl": dsl,
        "dtype": str(dtype).replace("torch.", ""),
        "inputs": [{"name": n, **tensor(v)} for n, v in rounded.items()],
        "grad_output": tensor(g),
        "output": tensor(out.detach()),
        "grads": [tensor(by_name[n]) if n in by_name else None for n in xs],
        "naive_output": tensor(naive_out),
    })


def build():
    logits = torch.tensor(LOGITS, dtype=F64)
    n = logits.numel()
    targets = torch.tensor([1.0, 0.0, 0.3, 1.0, 0.5, 0.0, 1.0, 0.0, 0.9, 1.0], dtype=F64)
    # rows of 4 logits spread by ±1000: softmax underflows for all but the largest
    rows = torch.tensor([[1000.0, -1000.0, 0.0, 999.0], [-1000.0, 1000.0, 500.0, -3.0], [3.0, 1.0, -2.0, 0.5]], dtype=F64)
    probs = torch.tensor([[0.1, 0.2, 0.3, 0.4], [1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]], dtype=F64)
    classes = torch.tensor([1, 3, 0])
    small = torch.tensor(SMALL, dtype=F64)
    big = torch.tensor([1e20, -3e19, 0.0, -0.0, 2.5, -1e-30, 1e200, -1e-170], dtype=F64)
    for dtype in (F64, F32):
        case("bceWithLogits",
             "t.mul(log(sigmoid(x))).add(constant(1.0).sub(t).mul(log(constant(1.0).sub(sigmoid(x))))).neg()",
             dtype, {"x": logits, "t": targets},
             lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
             lambda x, t: -(t * torch.log(torch.sigmoid(x)) + (1 - t) * torch.log(1 - torch.sigmoid(x))),
             ["x", "t"])
        case("softCrossEntropy", "sum(t.mul(log(softmax(x, 1))), 1).neg()",
             dtype, {"x": rows, "t": probs},
             lambda x, t: F.cross_entropy(x, t, reduction="none"),
             lambda x, t: -(t * torch.log(torch.softmax(x, 1))).sum(1),
             ["x", "t"])
        case("pickedCrossEntropy", "gather(log(softmax(x, 1)), 1, k).neg()",
             dtype, {"x": rows, "k": classes},
             lambda x, k: F.cross_entropy(x, k, reduction="none"),
             lambda x, k: -torch.log(torch.softmax(x, 1)).gather(1, k.unsqueeze(1)).squeeze(1),
             ["x"])
        case("logSumExp", "log(sum(exp(x), 1))",
             dtype, {"x": rows},
             lambda x: torch.logsumexp(x, 1),
             lambda x: torch.log(torch.exp(x).sum(1)),
             ["x"])
        case("onePlusFirst", "log(constant(1.0).add(x))",
             dtype, {"x": small}, torch.log1p, lambda x: torch.log(1 + x), ["x"])
        case("onePlusLast", "log(x.add(1.0))",
             dtype, {"x": small}, torch.log1p, lambda x: torch.log(x + 1), ["x"])
        case("expMinusOne", "exp(x).sub(1.0)",
             dtype, {"x": small}, torch.expm1, lambda x: torch.exp(x) - 1, ["x"])
        case("rootOfSquare", "sqrt(square(x))",
             dtype, {"x": big}, torch.abs, lambda x: torch.sqrt(torch.square(x)), ["x"])
        case("logOfExp", "log(exp(x)).mul(2.0)",
             dtype, {"x": logits}, lambda x: x * 2.0, lambda x: torch.log(torch.exp(x)) * 2.0, ["x"])


def main():
    build()
    doc = {"torch_version": torch.__version__, "generator": "tools/golden/gen_stability_goldens.py", "cases": CASES}
    with open(OUT, "w") as f:
        json.dump(doc, f, allow_nan=False, indent=1)
    print(len(CASES), "cases ->", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
