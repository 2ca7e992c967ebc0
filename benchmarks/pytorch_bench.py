#!/usr/bin/python3
"""PyTorch on the same cases as LossBenchmark: `loss(x, y).backward()`, float32, 2 threads.

Run with Debian's interpreter, which has python3-torch (the default python3 may be another one):

    /usr/bin/python3 benchmarks/pytorch_bench.py [--json results/pytorch.json] [--rounds 21]

Two grad modes per case: only x requires grad ("x"), and every float input requires grad ("all"; the class
indices of CrossEntropyLoss and NLLLoss are int64 and never do). Each call clears .grad first, so backward
allocates fresh gradients as LossForge does. After a warm-up, the rounds interleave the cases of one size
(round-robin), so a burst of load from other processes hits every case alike; each round times a batch of calls
long enough (~20 ms) for perf_counter, and the median over the rounds is reported, with the median process CPU
time per call.
Prints CSV on stdout; --json also writes the results.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

WANTED = ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "SmoothL1Loss", "KLDivLoss"]
SIZES = [(32, 10), (256, 1000), (4096, 1000)]


def make_case(name, n, c, mode):
    """The loss module and its inputs, as in Cases.java (same distributions, not the same numbers)."""
    g = torch.Generator().manual_seed(20240611 + n * 31 + c)
    x = torch.randn(n, c, generator=g)
    y = torch.randn(n, c, generator=g)
    all_grad = mode == "all"
    if name == "MSELoss":
        loss, a, b = torch.nn.MSELoss(), x, y
    elif name == "CrossEntropyLoss":
        loss, a, b = torch.nn.CrossEntropyLoss(), x, torch.randint(0, c, (n,), generator=g)
    elif name == "NLLLoss":
        loss, a, b = torch.nn.NLLLoss(), F.log_softmax(x, 1), torch.randint(0, c, (n,), generator=g)
    elif name == "BCEWithLogitsLoss":
        loss, a, b = torch.nn.BCEWithLogitsLoss(), x, (torch.rand(n, c, generator=g) > 0.5).float()
    elif name == "BCELoss":
        loss, a, b = torch.nn.BCELoss(), torch.sigmoid(x), (torch.rand(n, c, generator=g) > 0.5).float()
    elif name == "SmoothL1Loss":
        loss, a, b = torch.nn.SmoothL1Loss(), x, y
    elif name == "KLDivLoss":
        loss, a, b = torch.nn.KLDivLoss(reduction="batchmean"), F.log_softmax(x, 1), F.softmax(y, 1)
    else:
        raise ValueError(name)
    a = a.detach().clone().requires_grad_(True)
    b = b.detach().clone()
    if all_grad and b.is_floating_point():
        b.requires_grad_(True)
    return loss, a, b


def make_step(loss, a, b):
    grads = [t for t in (a, b) if t.requires_grad]

    def step():
        for t in grads:
            t.grad = None
        loss(a, b).backward()

    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--batch-seconds", type=float, default=0.02)
    ap.add_argument("--warmup-seconds", type=float, default=0.3)
    ap.add_argument("--losses", default=",".join(WANTED))
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    cases = []
    for name in args.losses.split(","):
        for n, c in SIZES:
            for mode in ("x", "all"):
                loss, a, b = make_case(name, n, c, mode)
                step = make_step(loss, a, b)
                try:
                    step()
                except RuntimeError as e:  # e.g. a derivative PyTorch does not implement
                    print(f"# {name} {n}x{c} grad={mode}: {e}", file=sys.stderr)
                    continue
                # warm up, then size the batch so that one timing covers ~batch_seconds
                for _ in range(5):
                    step()
                t0 = time.perf_counter()
                for _ in range(5):
                    step()
                single = (time.perf_counter() - t0) / 5
                reps = max(1, int(args.batch_seconds / max(single, 1e-7)))
                cases.append({"loss": name, "size": f"{n}x{c}", "grad": mode, "step": step, "reps": reps,
                              "wall": [], "cpu": []})

    # Rounds interleave the cases of one size; sizes run one after the other. Interleaving sizes measures the
    # allocator instead: right after a [4096,1000] case, glibc serves the next [256,1000] calls from fresh pages
    # and they take ~100x their steady-state time (seen here: 0.25 ms alone, 47 ms after a 4096x1000 case).
    for size in dict.fromkeys(case["size"] for case in cases):
        group = [case for case in cases if case["size"] == size]
        for case in group:
            warm_until = time.perf_counter() + args.warmup_seconds
            while time.perf_counter() < warm_until:
                case["step"]()
        for _ in range(args.rounds):
            for case in group:
                step, reps = case["step"], case["reps"]
                step()  # untimed: the previous case's frees can leave the allocator cold for this one
                c0 = time.process_time()
                t0 = time.perf_counter()
                for _ in range(reps):
                    step()
                t1 = time.perf_counter()
                c1 = time.process_time()
                case["wall"].append((t1 - t0) / reps * 1e6)
                case["cpu"].append((c1 - c0) / reps * 1e6)

    results = []
    print("loss,size,grad,median_us,min_us,max_us,cpu_median_us,calls_per_round")
    for case in cases:
        row = {"loss": case["loss"], "size": case["size"], "grad": case["grad"],
               "median_us": statistics.median(case["wall"]), "min_us": min(case["wall"]), "max_us": max(case["wall"]),
               "cpu_median_us": statistics.median(case["cpu"]), "calls_per_round": case["reps"]}
        results.append(row)
        print(f"{row['loss']},{row['size']},{row['grad']},{row['median_us']:.1f},{row['min_us']:.1f},"
              f"{row['max_us']:.1f},{row['cpu_median_us']:.1f},{row['calls_per_round']}")
    if args.json:
        meta = {"torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
                "rounds": args.rounds, "loadavg": os.getloadavg()}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
