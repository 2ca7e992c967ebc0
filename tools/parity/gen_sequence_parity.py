#!/usr/bin/python3
"""Golden values for dev.lossforge.dl4j.SequenceLossLayer, which hands a loss the whole [N, C, T] (NCW) output.

1. CTC, score and gradient with respect to the layer's input z [N, C, T]: the layer applies log_softmax over C,
   then CTCLoss gets log_probs (T, N, C) = log_softmax(z, 1).permute(2, 0, 1), the labels [N, S] (padded class
   indices), input lengths = the features mask's ones per row, target lengths = the labels mask's ones per row.
2. CrossEntropyLoss over [N, C, T] with a labels mask [N, T]: a masked step is PyTorch's ignore_index.
3. Training: LSTM(F -> H) then a per-step Linear(H -> C), log_softmax, CTCLoss; 5 plain SGD steps, lr 0.1, float64,
   features of varying length (the features mask gives the input lengths). Parameters in DL4J's layout:
     LSTM "0_W" [F, 4H], "0_RW" [H, 4H], "0_b" [4H], DL4J's gate blocks in the order (g, f, o, i) where PyTorch's
     weight_ih/weight_hh/bias rows are (i, f, g, o); DL4J has one bias, PyTorch's b_ih (b_hh is held at 0);
     the per-step dense layer "1_W" [H, C] (Linear's weight transposed), "1_b" [C].
   The loss of each step is computed before its update, as DL4J's score() reports it.

Run with Debian's interpreter (python3-torch):  /usr/bin/python3 tools/parity/gen_sequence_parity.py
Output: dl4j-adapter/src/test/resources/parity/sequence/<case>.json
"""
import json
import pathlib

import torch
import torch.nn.functional as F

from gen_training_parity import train  # the same 5 SGD steps, lr 0.1, float64

torch.set_default_dtype(torch.float64)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "dl4j-adapter" / "src" / "test" / "resources" / "parity" / "sequence"
DL4J_GATE_ORDER = [2, 1, 3, 0]  # DL4J block k holds PyTorch block DL4J_GATE_ORDER[k]


def prefix_mask(lengths, width):
    return (torch.arange(width).reshape(1, width) < torch.tensor(lengths).reshape(-1, 1)).to(torch.float64)


def ctc_case(gen, name, options, input_lengths, target_lengths, c=5, t=8, s=4, impossible_row=None):
    n = len(input_lengths)
    blank = options.get("blank", 0)
    z = torch.randn(n, c, t, generator=gen)
    non_blank = [k for k in range(c) if k != blank]
    labels = torch.tensor(non_blank)[torch.randint(0, len(non_blank), (n, s), generator=gen)]
    if impossible_row is not None:
        labels[impossible_row, :] = non_blank[0]  # repeats need blanks between them: more frames than there are
    z_grad = z.clone().requires_grad_()
    log_probs = F.log_softmax(z_grad, dim=1).permute(2, 0, 1)
    loss = F.ctc_loss(log_probs, labels, torch.tensor(input_lengths), torch.tensor(target_lengths), **options)
    loss.backward()
    spec = {"name": name, "loss": "CTCLoss", "options": options, "activation": "logsoftmax", "pre_output": z.tolist(),
            "labels": labels.to(torch.float64).tolist(), "loss_value": loss.item(), "grad_pre_output": z_grad.grad.tolist(),
            "torch_version": torch.__version__}
    if any(length != t for length in input_lengths):
        spec["features_mask"] = prefix_mask(input_lengths, t).tolist()
    if any(length != s for length in target_lengths):
        spec["labels_mask"] = prefix_mask(target_lengths, s).tolist()
    return spec


def cross_entropy_case(gen, name, options, n=3, c=4, t=6):
    z = torch.randn(n, c, t, generator=gen)
    labels = torch.randint(0, c, (n, t), generator=gen)
    mask = torch.ones(n, t)
    mask[0, 4:] = 0
    mask[2, 1] = 0
    ignore = options.get("ignore_index", -100)
    z_grad = z.clone().requires_grad_()
    module = torch.nn.CrossEntropyLoss(**{k: torch.tensor(v) if isinstance(v, list) else v for k, v in options.items()})
    loss = module(z_grad, torch.where(mask > 0, labels, torch.full_like(labels, ignore)))
    loss.backward()
    return {"name": name, "loss": "CrossEntropyLoss", "options": options, "activation": "identity",
            "pre_output": z.tolist(), "labels": labels.to(torch.float64).reshape(n, 1, t).tolist(),
            "labels_mask": mask.tolist(), "loss_value": loss.item(), "grad_pre_output": z_grad.grad.tolist(),
            "torch_version": torch.__version__}


def lstm_ctc_training(gen, name, n=3, f=4, h=6, c=5, t=7, s=3):
    input_lengths = [7, 5, 6]
    target_lengths = [3, 2, 3]
    x = torch.randn(n, t, f, generator=gen)
    labels = torch.randint(1, c, (n, s), generator=gen)
    lstm = torch.nn.LSTM(f, h, batch_first=True)
    linear = torch.nn.Linear(h, c)
    with torch.no_grad():
        for p in list(lstm.parameters()) + list(linear.parameters()):
            p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * 0.5)
        # DL4J's LSTM has one bias where PyTorch has two (b_ih + b_hh), and SGD would move their sum twice as far:
        # b_hh is held at 0, so that b_ih is DL4J's bias
        lstm.bias_hh_l0.zero_()
    lstm.bias_hh_l0.requires_grad_(False)
    params = [p for p in list(lstm.parameters()) + list(linear.parameters()) if p.requires_grad]

    def dl4j_params():
        def gates(w):  # PyTorch [4H, ...] rows (i, f, g, o) -> DL4J blocks (g, f, o, i)
            return torch.cat([w[k * h:(k + 1) * h] for k in DL4J_GATE_ORDER], dim=0)
        return {"0_W": gates(lstm.weight_ih_l0.detach()).T.tolist(),
                "0_RW": gates(lstm.weight_hh_l0.detach()).T.tolist(),
                "0_b": gates(lstm.bias_ih_l0.detach() + lstm.bias_hh_l0.detach()).tolist(),
                "1_W": linear.weight.detach().T.tolist(), "1_b": linear.bias.detach().tolist()}

    def forward():
        hidden, _ = lstm(x)
        log_probs = F.log_softmax(linear(hidden), dim=2).permute(1, 0, 2)  # (T, N, C)
        return F.ctc_loss(log_probs, labels, torch.tensor(input_lengths), torch.tensor(target_lengths), blank=0)

    spec = {"name": name, "loss": "CTCLoss", "options": {"reduction": "mean", "blank": 0}, "n_in": f, "n_hidden": h,
            "n_out": c, "features": x.permute(0, 2, 1).tolist(), "features_mask": prefix_mask(input_lengths, t).tolist(),
            "labels": labels.to(torch.float64).tolist(), "labels_mask": prefix_mask(target_lengths, s).tolist()}
    return train(spec, params, forward, dl4j_params)


def main():
    gen = torch.Generator().manual_seed(20261207)
    cases = [
        ctc_case(gen, "ctc_mean", {"reduction": "mean"}, [8, 6, 7], [4, 2, 3]),
        ctc_case(gen, "ctc_sum_blank_last", {"reduction": "sum", "blank": 4}, [8, 5, 8, 7], [3, 4, 1, 4]),
        ctc_case(gen, "ctc_full_lengths_mean", {"reduction": "mean"}, [8, 8], [4, 4]),
        ctc_case(gen, "ctc_zero_infinity_mean", {"reduction": "mean", "zero_infinity": True}, [8, 3, 7], [4, 3, 2],
                 impossible_row=1),
        cross_entropy_case(gen, "cross_entropy_masked_mean", {"reduction": "mean"}),
        cross_entropy_case(gen, "cross_entropy_weight_masked_sum", {"reduction": "sum", "weight": [0.4, 1.5, 1.0, 2.0]}),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    for c in cases:
        (OUT / f"{c['name']}.json").write_text(json.dumps(c, indent=1) + "\n")
    (OUT / "index.txt").write_text("".join(c["name"] + "\n" for c in cases))
    training = lstm_ctc_training(gen, "lstm_ctc_training")
    (OUT / "lstm_ctc_training.json").write_text(json.dumps(training, indent=1) + "\n")
    print(f"wrote {len(cases)} cases and lstm_ctc_training to {OUT}")
    for c in cases:
        print(c["name"], c["loss_value"])
    print("training", [round(s["loss"], 6) for s in training["steps"]])


if __name__ == "__main__":
    main()
