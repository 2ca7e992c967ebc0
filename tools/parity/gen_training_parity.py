#!/usr/bin/python3
"""Golden training runs for the DL4J adapter's parity tests.

Builds tiny float64 networks in PyTorch, trains each for 5 plain SGD steps (lr 0.1) and writes, per case, the
inputs, the labels in DL4J's layout, the initial parameters, and after every step the loss of that step
(computed before the update, as DL4J's score() reports it) and the parameters after the update.

Parameters are written in DL4J's layout and under DL4J's parameter keys ("0_W", "0_b", ...):
  DenseLayer / OutputLayer / RnnOutputLayer W is [nIn, nOut] (PyTorch's Linear weight transposed), b is [nOut];
  ConvolutionLayer W is [nOut, nIn, kH, kW] (the same as PyTorch's Conv2d), b is [nOut].

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 tools/parity/gen_training_parity.py
Output: dl4j-adapter/src/test/resources/parity/<case>.json
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "dl4j-adapter" / "src" / "test" / "resources" / "parity"
STEPS = 5
LR = 0.1


def uniform(gen, *shape, scale=0.5):
    return (torch.rand(*shape, generator=gen) * 2 - 1) * scale


def activation(name):
    return {
        "identity": lambda z: z,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "logsoftmax": lambda z: F.log_softmax(z, dim=1),
    }[name]


def make_loss(name, options):
    """The torch.nn loss module with the given options; tensor options arrive as lists."""
    kwargs = {}
    for key, value in options.items():
        kwargs[key] = torch.tensor(value) if isinstance(value, list) else value
    return getattr(torch.nn, name)(**kwargs)


def dense_case(gen, name, loss, options, hidden_act, out_act, labels_kind, n=4, f=3, h=5, c=3):
    x = uniform(gen, n, f, scale=1.0)
    w0, b0 = uniform(gen, h, f), uniform(gen, h, scale=0.1)
    w1, b1 = uniform(gen, c, h), uniform(gen, c, scale=0.1)
    if labels_kind == "index":
        # class indices; two of them equal ignore_index when the case has one
        target = torch.tensor([0, 2, 1, 2][:n])
        labels = target.to(torch.float64).reshape(n, 1).tolist()
    elif labels_kind == "real":
        target = uniform(gen, n, c, scale=1.0)
        labels = target.tolist()
    else:  # probabilities in [0, 1], element-wise (BCELoss)
        target = torch.rand(n, c, generator=gen)
        labels = target.tolist()
    params = [w0.clone().requires_grad_(), b0.clone().requires_grad_(),
              w1.clone().requires_grad_(), b1.clone().requires_grad_()]
    module = make_loss(loss, options)
    hact, oact = activation(hidden_act), activation(out_act)

    def forward():
        hidden = hact(x @ params[0].T + params[1])
        return module(oact(hidden @ params[2].T + params[3]), target)

    def dl4j_params():
        return {"0_W": params[0].detach().T.tolist(), "0_b": params[1].detach().tolist(),
                "1_W": params[2].detach().T.tolist(), "1_b": params[3].detach().tolist()}

    spec = {"name": name, "net": "dense", "loss": loss, "options": options,
            "hidden_activation": hidden_act, "output_activation": out_act,
            "n_in": f, "n_hidden": h, "n_out": c, "features": x.tolist(), "labels": labels}
    return train(spec, params, forward, dl4j_params)


def rnn_case(gen, name, options, masked, n=3, f=4, t=5, c=3):
    """RnnOutputLayer on [N, F, T] with no recurrent layer: one Linear applied per time step, then
    CrossEntropyLoss on (N, C, T). A DL4J labels mask [N, T] is PyTorch's ignore_index at the masked steps."""
    x = uniform(gen, n, f, t, scale=1.0)
    w, b = uniform(gen, c, f), uniform(gen, c, scale=0.1)
    target = torch.randint(0, c, (n, t), generator=gen)
    mask = torch.ones(n, t)
    if masked:
        mask[0, 3:] = 0  # a shorter sequence, padded at the end
        mask[2, 1] = 0
    ignore = options.get("ignore_index", -100)
    torch_target = torch.where(mask > 0, target, torch.full_like(target, ignore))
    params = [w.clone().requires_grad_(), b.clone().requires_grad_()]
    module = make_loss("CrossEntropyLoss", options)

    def forward():
        logits = torch.einsum("nft,cf->nct", x, params[0]) + params[1].reshape(1, c, 1)
        return module(logits, torch_target)

    def dl4j_params():
        return {"0_W": params[0].detach().T.tolist(), "0_b": params[1].detach().tolist()}

    spec = {"name": name, "net": "rnn", "loss": "CrossEntropyLoss", "options": options,
            "output_activation": "identity", "n_in": f, "n_out": c, "features": x.tolist(),
            "labels": target.to(torch.float64).reshape(n, 1, t).tolist()}
    if masked:
        spec["labels_mask"] = mask.tolist()
    return train(spec, params, forward, dl4j_params)


def cnn_case(gen, name, loss, options, n=2, f=3, hw=3, c=4):
    """A 1x1 ConvolutionLayer then CnnLossLayer on (N, C, H, W). DL4J's CnnLossLayer requires labels of the
    output's shape, so CrossEntropyLoss gets probability targets [N, C, H, W] (softmax-normalised over C)."""
    x = uniform(gen, n, f, hw, hw, scale=1.0)
    w, b = uniform(gen, c, f, 1, 1), uniform(gen, c, scale=0.1)
    if loss == "CrossEntropyLoss":
        target = torch.softmax(uniform(gen, n, c, hw, hw, scale=2.0), dim=1)
    else:
        target = uniform(gen, n, c, hw, hw, scale=1.0)
    params = [w.clone().requires_grad_(), b.clone().requires_grad_()]
    module = make_loss(loss, options)

    def forward():
        return module(F.conv2d(x, params[0], params[1]), target)

    def dl4j_params():
        return {"0_W": params[0].detach().tolist(), "0_b": params[1].detach().tolist()}

    spec = {"name": name, "net": "cnn", "loss": loss, "options": options,
            "output_activation": "identity", "n_in": f, "n_out": c, "features": x.tolist(),
            "labels": target.tolist()}
    return train(spec, params, forward, dl4j_params)


def train(spec, params, forward, dl4j_params):
    spec["initial_params"] = dl4j_params()
    steps = []
    for _ in range(STEPS):
        for p in params:
            p.grad = None
        loss = forward()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        steps.append({"loss": loss.item(), "params": dl4j_params()})
    spec["lr"] = LR
    spec["steps"] = steps
    spec["torch_version"] = torch.__version__
    return spec


def main():
    gen = torch.Generator().manual_seed(20240611)
    cases = []
    for red in ("mean", "sum"):
        cases.append(dense_case(gen, f"mse_{red}", "MSELoss", {"reduction": red}, "tanh", "identity", "real"))
        cases.append(dense_case(gen, f"cross_entropy_weight_ignore_{red}", "CrossEntropyLoss",
                                {"reduction": red, "weight": [0.3, 1.7, 0.9], "ignore_index": 2},
                                "tanh", "identity", "index"))
        cases.append(dense_case(gen, f"nll_logsoftmax_{red}", "NLLLoss", {"reduction": red},
                                "relu", "logsoftmax", "index"))
        cases.append(dense_case(gen, f"bce_sigmoid_{red}", "BCELoss", {"reduction": red},
                                "relu", "sigmoid", "prob"))
    cases.append(rnn_case(gen, "rnn_cross_entropy_mean", {"reduction": "mean"}, masked=False))
    cases.append(rnn_case(gen, "rnn_cross_entropy_weight_masked_mean",
                          {"reduction": "mean", "weight": [0.5, 2.0, 1.0]}, masked=True))
    cases.append(cnn_case(gen, "cnn_cross_entropy_prob_mean", "CrossEntropyLoss", {"reduction": "mean"}))
    cases.append(cnn_case(gen, "cnn_mse_mean", "MSELoss", {"reduction": "mean"}))
    OUT.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (OUT / f"{case['name']}.json").write_text(json.dumps(case, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
