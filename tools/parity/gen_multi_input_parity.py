#!/usr/bin/python3
"""Golden values for the losses with more than two inputs through the DL4J adapter.

A DL4J output layer hands a loss two arrays, the pre-activation output and the labels. The adapter's contract
(docs/dl4j-adapter.md) lays a loss's network-side inputs side by side along dim 1 of the output:

  MarginRankingLoss                                   output [N, 2]  = (input1 | input2)       labels [N, 1], +-1
  CosineEmbeddingLoss                                 output [N, 2D] = (input1 | input2)       labels [N, 1], +-1
  TripletMarginLoss, TripletMarginWithDistanceLoss    output [N, 3D] = (anchor | positive | negative)  labels unused
  GaussianNLLLoss                                     output [N, 2D] = (input | var)           labels [N, D], the target

For each case this writes the pre-output z, the labels (and a per-example mask, when the case has one), the
output layer's activation, PyTorch's loss L of the activated output cut as above (on the kept rows only, when
masked) and dL/dz. The adapter must return N*L from computeScore(..., false), L with average=true, and N*dL/dz
from computeGradient (DL4J divides both by N).

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 tools/parity/gen_multi_input_parity.py
Output: dl4j-adapter/src/test/resources/parity/multi_input/<case>.json
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "dl4j-adapter" / "src" / "test" / "resources" / "parity" / "multi_input"

ACTIVATIONS = {"identity": lambda z: z, "tanh": torch.tanh, "softplus": F.softplus}


class SquaredRankingLoss(torch.nn.Module):
    """The test module's own @Loss dev.lossforge.dl4j.custom.PairLosses#squaredRanking, written in PyTorch."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, better, worse, target):
        loss = torch.clamp_min(-target * (better - worse) + 1.0, 0.0) ** 2
        return loss.mean() if self.reduction == "mean" else loss.sum()


class ContrastiveLoss(torch.nn.Module):
    """The test module's own @Loss dev.lossforge.dl4j.custom.PairLosses#contrastive, written in PyTorch."""

    def __init__(self, reduction="mean", margin=1.0):
        super().__init__()
        self.reduction, self.margin = reduction, margin

    def forward(self, left, right, similar):
        distance = torch.linalg.vector_norm(left - right, 2, dim=1)
        loss = similar * distance ** 2 + (1 - similar) * torch.clamp_min(self.margin - distance, 0.0) ** 2
        return loss.mean() if self.reduction == "mean" else loss.sum()


CUSTOM = {"SquaredRankingLoss": SquaredRankingLoss, "ContrastiveLoss": ContrastiveLoss}


def case(gen, name, loss, options, n, d, activation="identity", masked=False):
    module = CUSTOM[loss](**options) if loss in CUSTOM else getattr(torch.nn, loss)(**options)
    if loss in ("MarginRankingLoss", "SquaredRankingLoss"):
        pieces, d = 2, 1
    elif loss in ("CosineEmbeddingLoss", "GaussianNLLLoss", "ContrastiveLoss"):
        pieces = 2
    else:
        pieces = 3
    z = torch.randn(n, pieces * d, generator=gen)
    if loss in ("MarginRankingLoss", "CosineEmbeddingLoss", "SquaredRankingLoss"):
        labels = (torch.randint(0, 2, (n, 1), generator=gen) * 2 - 1).to(torch.float64)
    elif loss == "ContrastiveLoss":
        labels = torch.randint(0, 2, (n, 1), generator=gen).to(torch.float64)
    elif loss == "GaussianNLLLoss":
        labels = torch.randn(n, d, generator=gen)
    else:
        labels = torch.zeros(n, 1)  # not used by the loss: any array with N rows
    keep = torch.ones(n, dtype=torch.bool)
    if masked:
        keep[1] = False
        keep[n - 1] = False

    z_grad = z.clone().requires_grad_()
    out = ACTIVATIONS[activation](z_grad)[keep]
    parts = out.split(d, dim=1)
    target = labels[keep]
    if loss == "MarginRankingLoss":
        value = module(parts[0], parts[1], target)
    elif loss in ("CosineEmbeddingLoss", "ContrastiveLoss", "SquaredRankingLoss"):
        value = module(parts[0].reshape(-1) if d == 1 else parts[0], parts[1].reshape(-1) if d == 1 else parts[1],
                       target.reshape(-1))
    elif loss == "GaussianNLLLoss":
        value = module(parts[0], target, parts[1])
    else:
        value = module(parts[0], parts[1], parts[2])
    value.backward()
    spec = {"name": name, "loss": loss, "options": options, "activation": activation,
            "pre_output": z.tolist(), "labels": labels.tolist(), "loss_value": value.item(),
            "grad_pre_output": z_grad.grad.tolist(), "torch_version": torch.__version__}
    if masked:
        spec["mask"] = keep.to(torch.float64).reshape(n, 1).tolist()
    return spec


def main():
    gen = torch.Generator().manual_seed(20261205)
    cases = []
    for red in ("mean", "sum"):
        cases += [
            case(gen, f"margin_ranking_{red}", "MarginRankingLoss", {"reduction": red}, 6, 1),
            case(gen, f"margin_ranking_margin_{red}", "MarginRankingLoss", {"reduction": red, "margin": 0.4}, 6, 1,
                 activation="tanh"),
            case(gen, f"cosine_embedding_{red}", "CosineEmbeddingLoss", {"reduction": red}, 5, 3),
            case(gen, f"cosine_embedding_margin_{red}", "CosineEmbeddingLoss", {"reduction": red, "margin": 0.2}, 5, 3,
                 activation="tanh"),
            case(gen, f"triplet_margin_{red}", "TripletMarginLoss", {"reduction": red}, 5, 4),
            case(gen, f"triplet_margin_p1_swap_{red}", "TripletMarginLoss",
                 {"reduction": red, "margin": 2.0, "p": 1.0, "swap": True, "eps": 1e-3}, 5, 4),
            case(gen, f"triplet_distance_{red}", "TripletMarginWithDistanceLoss", {"reduction": red}, 5, 4),
            case(gen, f"triplet_distance_swap_{red}", "TripletMarginWithDistanceLoss",
                 {"reduction": red, "margin": 2.5, "swap": True}, 5, 4, activation="tanh"),
            case(gen, f"gaussian_nll_{red}", "GaussianNLLLoss", {"reduction": red}, 5, 3, activation="softplus"),
            case(gen, f"gaussian_nll_full_eps_{red}", "GaussianNLLLoss", {"reduction": red, "full": True, "eps": 0.05},
                 5, 3, activation="softplus"),
        ]
    cases += [
        case(gen, "margin_ranking_masked_mean", "MarginRankingLoss", {"reduction": "mean", "margin": 0.4}, 6, 1,
             masked=True),
        case(gen, "cosine_embedding_masked_mean", "CosineEmbeddingLoss", {"reduction": "mean"}, 5, 3, masked=True),
        case(gen, "triplet_margin_masked_mean", "TripletMarginLoss", {"reduction": "mean", "margin": 2.0}, 5, 4,
             masked=True),
        case(gen, "triplet_distance_masked_sum", "TripletMarginWithDistanceLoss", {"reduction": "sum", "margin": 2.0},
             5, 4, masked=True),
        case(gen, "gaussian_nll_masked_mean", "GaussianNLLLoss", {"reduction": "mean"}, 5, 3, activation="softplus",
             masked=True),
        # users' own losses (dev.lossforge.dl4j.custom.PairLosses): a @NoGrad label input, and a named one
        case(gen, "custom_squared_ranking_mean", "SquaredRankingLoss", {"reduction": "mean"}, 6, 1, activation="tanh"),
        case(gen, "custom_contrastive_margin_sum", "ContrastiveLoss", {"reduction": "sum", "margin": 2.0}, 6, 3),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    for c in cases:
        (OUT / f"{c['name']}.json").write_text(json.dumps(c, indent=1) + "\n")
    (OUT / "index.txt").write_text("".join(c["name"] + "\n" for c in cases))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
