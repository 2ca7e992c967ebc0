#!/usr/bin/python3
"""Golden training runs of a shared-weight triplet embedding, for the DL4J ComputationGraph that must match them.

PyTorch: one embedding net (Linear F->H, tanh, Linear H->D) applied to the anchor, the positive and the
negative, then TripletMarginLoss. 5 plain SGD steps, lr 0.1, float64.

DL4J (TripletGraphParityTest): inputs a, p, n [N, F] -> StackVertex [3N, F] -> the same two DenseLayers, so the
weights are shared -> UnstackVertex 0, 1, 2 [N, D] -> MergeVertex [N, 3D] = (anchor | positive | negative) ->
LossLayer with Dl4jLosses.of(TripletMarginLoss). Parameters are written in DL4J's layout (W is [nIn, nOut])
under DL4J's keys "embed1_W", "embed1_b", "embed2_W", "embed2_b". The loss of each step is computed before its
update, as DL4J's score() reports it.

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 tools/parity/gen_triplet_graph_parity.py
Output: dl4j-adapter/src/test/resources/parity/triplet_graph_<case>.json
"""
import json

import torch

from gen_training_parity import OUT, train, uniform  # the same 5 SGD steps, lr 0.1, float64


def triplet_case(gen, name, loss_name, options, n=6, f=4, h=5, d=3):
    anchor, positive, negative = (uniform(gen, n, f, scale=1.0) for _ in range(3))
    params = [uniform(gen, h, f).requires_grad_(), uniform(gen, h, scale=0.1).requires_grad_(),
              uniform(gen, d, h).requires_grad_(), uniform(gen, d, scale=0.1).requires_grad_()]
    module = getattr(torch.nn, loss_name)(**options)

    def embed(x):
        return torch.tanh(x @ params[0].T + params[1]) @ params[2].T + params[3]

    def dl4j_params():
        return {"embed1_W": params[0].detach().T.tolist(), "embed1_b": params[1].detach().tolist(),
                "embed2_W": params[2].detach().T.tolist(), "embed2_b": params[3].detach().tolist()}

    def forward():
        return module(embed(anchor), embed(positive), embed(negative))

    spec = {"name": name, "loss": loss_name, "options": options, "n_in": f, "n_hidden": h, "n_embedding": d,
            "anchor": anchor.tolist(), "positive": positive.tolist(), "negative": negative.tolist()}
    return train(spec, params, forward, dl4j_params)


def main():
    gen = torch.Generator().manual_seed(20261206)
    cases = [
        triplet_case(gen, "triplet_graph_mean", "TripletMarginLoss", {"reduction": "mean", "margin": 1.0}),
        triplet_case(gen, "triplet_graph_swap_p1_sum", "TripletMarginLoss",
                     {"reduction": "sum", "margin": 2.0, "p": 1.0, "swap": True}),
        triplet_case(gen, "triplet_graph_distance_mean", "TripletMarginWithDistanceLoss",
                     {"reduction": "mean", "margin": 1.5}),
    ]
    for c in cases:
        (OUT / f"{c['name']}.json").write_text(json.dumps(c, indent=1) + "\n")
        print(c["name"], [round(s["loss"], 6) for s in c["steps"]])
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
