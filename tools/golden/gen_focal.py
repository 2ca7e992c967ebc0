"""Golden values for the samples' FocalLoss (a user's own @Loss), from PyTorch 1.13.

Run with Debian's PyTorch: /usr/bin/python3 tools/golden/gen_focal.py
Writes samples/src/test/resources/golden/FocalLoss.json in the format of tools/golden/README.md.
The reference is written directly in PyTorch ops, independently of LossForge:
    loss_n = -alpha[t_n] * (1 - p_n)^gamma * log p_n,   p_n = softmax(input_n)[t_n]
"""
import json
import os

import torch

torch.manual_seed(7)


def tensor(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "data": [float(v) if t.dtype.is_floating_point else int(v) for v in t.reshape(-1).tolist()]}


def focal(x, t, gamma, alpha):
    log_p = torch.log_softmax(x, dim=1).gather(1, t.unsqueeze(1)).squeeze(1)
    a = alpha[t] if alpha is not None else torch.ones_like(log_p)
    return -a * (1 - log_p.exp()).pow(gamma) * log_p


cases = []
for i, (n, c) in enumerate([(4, 3), (6, 5), (3, 2), (8, 4)]):
    for gamma in (0.0, 2.0, 3.5):
        for with_alpha in (False, True):
            for reduction in ("none", "mean", "sum"):
                for dtype in (torch.float64, torch.float32):
                    if dtype == torch.float32 and (reduction != "mean" or gamma != 2.0):
                        continue
                    x = (torch.randn(n, c, dtype=torch.float64) * 2).to(dtype).requires_grad_(True)
                    t = torch.randint(0, c, (n,))
                    alpha = (torch.rand(c, dtype=torch.float64) + 0.25).to(dtype) if with_alpha else None
                    per = focal(x, t, gamma, alpha)
                    out = per if reduction == "none" else per.mean() if reduction == "mean" else per.sum()
                    g = (torch.rand(out.shape, dtype=torch.float64) + 0.5).to(dtype)
                    grad, = torch.autograd.grad(out, [x], g)
                    options = {"reduction": reduction, "gamma": gamma}
                    if with_alpha:
                        options["alpha"] = tensor(alpha)
                    cases.append({
                        "id": f"{reduction}_gamma{gamma}_{'alpha' if with_alpha else 'plain'}_{n}x{c}_{str(dtype)[-7:]}",
                        "dtype": str(dtype).replace("torch.", ""),
                        "options": options,
                        "inputs": [{"name": "input", **tensor(x.detach())}, {"name": "target", **tensor(t)}],
                        "grad_output": tensor(g),
                        "output": tensor(out.detach()),
                        "grads": [tensor(grad), None],
                    })

path = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "src", "test", "resources", "golden", "FocalLoss.json")
with open(path, "w") as f:
    json.dump({"loss": "FocalLoss", "torch_version": torch.__version__, "generator": "tools/golden/gen_focal.py",
               "cases": cases}, f, indent=1)
print(len(cases), "cases ->", os.path.normpath(path))
