#!/usr/bin/python3
"""Writes docs/performance.md from benchmarks/results/ (run by benchmarks/run.sh; stdlib only).

    /usr/bin/python3 benchmarks/report.py --results benchmarks/results --out docs/performance.md

Reads jmh-*.json (JMH, SampleTime, -prof gc and CpuTimeProfiler), alloc.json (AllocationProbe),
pytorch.json (pytorch_bench.py), processor.json (ProcessorCost), machine.json (run.sh), and appends
benchmarks/diagnosis.md, the hand-written analysis of the profiles. --compact strips JMH's raw histograms
from the jmh-*.json files (they are committed, and the histograms are most of their size).
"""
import argparse
import glob
import json
import os
import statistics

LOSSES = ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "SmoothL1Loss", "KLDivLoss"]
SIZES = ["32x10", "256x1000", "4096x1000"]
WAYS = {
    "a1_adapterInWorkspace": "adapter, in workspace",
    "a2_adapterNoWorkspace": "adapter, no workspace",
    "b1_forwardThenBackward": "forward + backward",
    "b2_forwardBackward": "forwardBackward",
    "c1_builtinInWorkspace": "DL4J built-in, in workspace",
    "c2_builtinNoWorkspace": "DL4J built-in, no workspace",
    "d1_sameDiffInWorkspace": "SameDiffLoss, in workspace",
}
BUILTIN = {
    "MSELoss": "LossMSE (identity)",
    "CrossEntropyLoss": "LossMCXENT (softmax, one-hot labels)",
    "NLLLoss": "LossNegativeLogLikelihood (identity on probabilities, one-hot labels)",
    "BCEWithLogitsLoss": "LossBinaryXENT (sigmoid)",
    "BCELoss": "LossBinaryXENT (identity on probabilities)",
    "SmoothL1Loss": "LossL2 (identity; DL4J has no Huber/SmoothL1)",
    "KLDivLoss": "LossKLD (identity on probabilities)",
}


def load_jmh(results, pattern="jmh-*.json"):
    out = {}
    # oldest first: a later partial rerun (e.g. jmh-rerun.json) overrides the cases it covers
    for path in sorted(glob.glob(os.path.join(results, pattern)), key=os.path.getmtime):
        with open(path) as f:
            for entry in json.load(f):
                method = entry["benchmark"].rsplit(".", 1)[1]
                p = entry["params"]
                pm = entry["primaryMetric"]
                sec = entry.get("secondaryMetrics", {})
                out[(p["loss"], p["size"], method)] = {
                    "median": pm["scorePercentiles"]["50.0"],
                    "mean": pm["score"],
                    "samples": sum(sum(c for _, c in it) for it in pm.get("rawDataHistogram", [[]])[0]) if pm.get("rawDataHistogram") else None,
                    "heap": sec.get("gc.alloc.rate.norm", {}).get("score"),
                    "cpu": sec.get("cpu.time.norm", {}).get("score"),
                    "others": sec.get("others.busy", {}).get("score"),
                }
    return out


def compact_jmh(results):
    for path in sorted(glob.glob(os.path.join(results, "jmh-*.json")) + glob.glob(os.path.join(results, "vector", "jmh-*.json"))):
        with open(path) as f:
            data = json.load(f)
        for entry in data:
            entry["primaryMetric"].pop("rawDataHistogram", None)
            entry["primaryMetric"].pop("rawData", None)
            for m in entry.get("secondaryMetrics", {}).values():
                m.pop("rawData", None)
                m.pop("rawDataHistogram", None)
        with open(path, "w") as f:
            json.dump(data, f, indent=1)


def load(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def t(us):
    """A time in µs, in a readable unit."""
    if us is None:
        return "–"
    if us < 1000:
        return f"{us:.0f} µs" if us >= 10 else f"{us:.1f} µs"
    if us < 1e6:
        return f"{us / 1000:.1f} ms" if us < 1e5 else f"{us / 1000:.0f} ms"
    return f"{us / 1e6:.2f} s"


def r(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fr(x, good=None):
    """A ratio; good(x) marks it ✅/❌ against a target."""
    if x is None:
        return "–"
    s = f"{x:.3f}×" if x < 1 else f"{x:.2f}×" if x < 10 else f"{x:.0f}×"
    if good is not None:
        s += " ✅" if good(x) else " ❌"
    return s


def b(n):
    if n is None:
        return "–"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default="benchmarks/results")
    ap.add_argument("--out", default="docs/performance.md")
    ap.add_argument("--diagnosis", default="benchmarks/diagnosis.md")
    ap.add_argument("--compact", action="store_true")
    args = ap.parse_args()
    if args.compact:
        compact_jmh(args.results)

    jmh = load_jmh(args.results)
    # the same LossForge calls in a JVM started with --add-modules jdk.incubator.vector (run.sh's second JMH run),
    # with DL4J's built-ins measured again beside them: this VM's speed drifts over minutes, so a ratio's two
    # sides are taken in the same run. SameDiff (not rerun) comes from the first run.
    jmh_vec = load_jmh(os.path.join(args.results, "vector"))
    alloc = {(a["loss"], a["size"], a["op"]): a for a in load(os.path.join(args.results, "alloc.json"), [])}
    pt = load(os.path.join(args.results, "pytorch.json"), {"meta": {}, "results": []})
    ptr = {(x["loss"], x["size"], x["grad"]): x for x in pt["results"]}
    proc = load(os.path.join(args.results, "processor.json"))
    machine = load(os.path.join(args.results, "machine.json"), {})
    losses = [l for l in LOSSES if any(k[0] == l for k in jmh)]
    skipped = [l for l in LOSSES if l not in losses]

    def med(loss, size, method, table=None):
        return (jmh if table is None else table).get((loss, size, method), {}).get("median")

    def lossforge(table):
        """The medians of one run (`table`); a reference that run did not measure comes from the first (no-flags) run."""
        def get(loss, size, method):
            value = med(loss, size, method, table)
            return value if value is not None or method[0] in "ab" else med(loss, size, method, jmh)
        return get

    L = []
    w = L.append
    w("# LossForge performance")
    w("")
    w("_Generated by `benchmarks/run.sh` (`benchmarks/report.py`) from `benchmarks/results/`; the analysis at the end is"
      " `benchmarks/diagnosis.md`. Do not edit by hand: rerun._")
    w("")
    w("## How to run")
    w("")
    w("```")
    w("bash benchmarks/run.sh          # build, JMH twice (no flags; Vector API), allocation, PyTorch, processor cost, this file (25-30 min on 2 cores)")
    w("```")
    w("")
    w("Or the pieces (the JMH jar accepts every JMH option; without `-p loss=...` it runs only the losses the catalog has):")
    w("")
    w("```")
    w("mvn -q -pl benchmarks -am package -DskipTests")
    w("OMP_WAIT_POLICY=PASSIVE java -jar benchmarks/target/benchmarks.jar -f 1 -wi 5 -i 4 -w 500ms -r 700ms -prof gc \\")
    w("    -p loss=CrossEntropyLoss -p size=4096x1000 'LossBenchmark.(a1|c1)'            # a JVM with no flags")
    w("OMP_WAIT_POLICY=PASSIVE java -jar benchmarks/target/benchmarks.jar -f 1 -wi 5 -i 4 -w 500ms -r 700ms \\")
    w("    -jvmArgsAppend --add-modules=jdk.incubator.vector -p loss=CrossEntropyLoss 'LossBenchmark.(a1|c1)'   # with the Vector API")
    w("/usr/bin/python3 benchmarks/pytorch_bench.py")
    w("bash benchmarks/profile.sh CrossEntropyLoss 4096x1000 a1_adapterInWorkspace   # async-profiler: hottest frames")
    w("java -cp benchmarks/target/benchmarks.jar dev.lossforge.bench.OpCensus 32x10     # ND4J ops per call")
    w("java -jar benchmarks/target/benchmarks.jar MemoryFloorBenchmark -f 1 -wi 3 -i 5    # the memory traffic a step cannot avoid")
    w("```")
    w("")
    w("## What is measured")
    w("")
    w("Every loss at `[32,10]`, `[256,1000]`, `[4096,1000]`, float32, with JMH (`LossBenchmark`, SampleTime: the"
      " **median** per-call time; one fork per case; `-wi 8 -i 5` of 500 ms for the two smaller sizes, `-wi 5 -i 4` of"
      " 500/700 ms for `[4096,1000]`, where one call can take half a second (warm-up long enough for C2 to finish the"
      " fused loops: steady state is what a training run sees); `-prof gc` and `CpuTimeProfiler`):")
    w("")
    w("* **adapter** – `Dl4jLosses.of(loss)` called as DL4J's output layer calls it during `fit`: `computeGradient(labels,"
      " preOutput, activation, null)` then `computeScore(..., average=false)`, inside DL4J's layer workspace"
      " (`getAndActivateWorkspace(WS_LAYER_WORKING_MEM_CONFIG-like config, \"WS\")` in try-with-resources) and outside one;")
    w("* **forward + backward** / **forwardBackward** – the LossForge `LossFunction` directly, on the loss's own inputs,"
      " inside the same workspace (so the adapter's own cost is the difference);")
    w("* **DL4J built-in** – the closest `ILossFunction`, called as the adapter;")
    w("* **SameDiffLoss** – the same loss written as a `SameDiffLoss` subclass (`SameDiffLosses.java`), called as the"
      " adapter inside the workspace;")
    w("* **PyTorch** – `loss(x, y).backward()` with `/usr/bin/python3` (torch "
      f"{pt['meta'].get('torch', '?')}, {pt['meta'].get('threads', '?')} threads), median of"
      f" {pt['meta'].get('rounds', '?')} interleaved rounds; `x` = only the prediction requires grad,"
      " `all` = every float input does.")
    w("")
    w("Ratios are LossForge's time over the other's: **below 1 is LossForge faster**. \"adapter\" in the ratios is the"
      " adapter in a workspace, compared with the built-in and SameDiffLoss in a workspace, and with PyTorch's `x` mode.")
    w("")
    w("Allocation per call: **heap** is JMH's `gc.alloc.rate.norm` (outside a workspace); **off-heap** is what the call"
      " carves from the workspace (`getThisCycleAllocations`, `AllocationProbe`): ND4J arrays live off-heap, so `-prof gc`"
      " alone misses them. The reference is the prediction's bytes, N·C·4. SameDiff keeps its intermediates in its own"
      " array cache outside the caller's workspace, so its off-heap figure is only what it returns. **ND4J registrations**"
      " count the arrays and buffers a step registers with ND4J's `DeallocatorService`: a few microseconds each whatever"
      " their size, which is what decides the [32,10] rows.")
    w("")
    w("## Machine and conditions")
    w("")
    for key, label in (("cpu", "CPU"), ("cores", "cores"), ("memory", "memory"), ("java", "JVM"), ("torch", "PyTorch"),
                       ("commit", "LossForge commit measured"), ("date", "date"), ("omp", "OMP_WAIT_POLICY"),
                       ("loadBefore", "load average before"), ("loadAfter", "load average after"),
                       ("duration", "run.sh wall time")):
        if key == "torch":
            val = f"{pt['meta'].get('torch', '?')} (Debian python3-torch, Python {pt['meta'].get('python', '?')})"
        else:
            val = machine.get(key)
        if val is not None:
            w(f"* {label}: {val}")
    others = [v["others"] for v in jmh.values() if v.get("others") is not None]
    if others:
        w(f"* other processes' CPU use during the JMH iterations (`CpuTimeProfiler`, share of all cores): median"
          f" {statistics.median(others):.0%}, max {max(others):.0%}")
    w("")
    w("This machine is shared: other builds and test suites ran during the measurements (the load averages and the"
      " share above). ND4J (libgomp) and PyTorch (OpenMP) spin-wait by default at the end of every parallel region; on"
      " two oversubscribed cores that made single calls 10–400× slower and erratic (e.g. LossMSE at 256×1000: 153 ms"
      " per step with active waiting vs 0.86 ms passive; PyTorch CrossEntropyLoss at 32×10: 8 ms vs 31 µs). `run.sh`"
      " therefore sets `OMP_WAIT_POLICY=PASSIVE` for both frameworks. Medians are robust to short bursts but not to"
      " sustained load, so compare ratios measured in the same run rather than absolute times across runs.")
    if skipped:
        w("")
        w(f"Not in the catalog yet, skipped: {', '.join(skipped)}.")
    w("")

    # ---------------------------------------------------------------- targets
    w("## Targets")
    w("")
    def targets(get):
        """Each target: (name, status, cases met, cases missed), for one JVM configuration."""
        rows = []

        def target(name, checks):
            met = [c for c in checks if c[1] is not None and c[2]]
            unmet = [c for c in checks if c[1] is not None and not c[2]]
            status = "✅ met" if not unmet and met else ("❌ not met" if unmet else "– no data")
            detail = "; ".join(f"{c[0]} {c[1]:.2f}×" for c in unmet[:8]) + (" …" if len(unmet) > 8 else "")
            rows.append((name, status, f"{len(met)}/{len(met) + len(unmet)}", detail or "all cases"))

        checks = []
        for loss in losses:
            for size in ("256x1000", "4096x1000"):
                x = r(get(loss, size, "a1_adapterInWorkspace"), get(loss, size, "c1_builtinInWorkspace"))
                checks.append((f"{loss} {size}", x, x is not None and x <= 0.5))
        target("≥2× faster than the DL4J built-in at [256,1000] and [4096,1000], in a workspace (ratio ≤ 0.5)", checks)
        checks = []
        for loss in losses:
            for m_a, m_c, tag in (("a1_adapterInWorkspace", "c1_builtinInWorkspace", "ws"),
                                  ("a2_adapterNoWorkspace", "c2_builtinNoWorkspace", "no ws")):
                x = r(get(loss, "32x10", m_a), get(loss, "32x10", m_c))
                checks.append((f"{loss} ({tag})", x, x is not None and x <= 1.0))
        target("never slower than the DL4J built-in at [32,10] (ratio ≤ 1, in and out of a workspace)", checks)
        checks = []
        for loss in losses:
            for size in SIZES:
                x = r(get(loss, size, "a1_adapterInWorkspace"), get(loss, size, "d1_sameDiffInWorkspace"))
                checks.append((f"{loss} {size}", x, x is not None and x <= 0.2))
        target("≥5× faster than SameDiffLoss (ratio ≤ 0.2, every size)", checks)
        checks = []
        for loss in ("MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss"):
            p = ptr.get((loss, "4096x1000", "x"))
            x = r(get(loss, "4096x1000", "a1_adapterInWorkspace"), p["median_us"] if p else None)
            checks.append((loss, x, x is not None and x <= 1.5))
        target("adapter within 1.5× of PyTorch at [4096,1000] for MSE, CE, BCEWithLogits", checks)
        checks = []
        for loss in losses:
            a = alloc.get((loss, "4096x1000", "adapter"))
            if a:
                x = (a["heapBytes"] + a["offHeapBytes"]) / a["inputBytes"]
                checks.append((loss, x, x <= 3.0))
        target("≤3× the input's bytes allocated per adapter step (computeGradient + computeScore) at [4096,1000]", checks)
        return rows

    vector = lossforge(jmh_vec)
    plain_rows = targets(lossforge(jmh))
    vector_rows = targets(vector) if jmh_vec else None
    w("Each target judged twice: in a JVM started with **no flags** (what users run by default), and with"
      " **`--add-modules jdk.incubator.vector`** (a second run: the adapter's JMH cases, against DL4J's built-ins"
      " measured again in that run, beside them; SameDiff's times come from the first run).")
    w("")
    w("| target | no flags | cases met | cases missed (ratio) | with the Vector API | cases met | cases missed (ratio) |")
    w("|---|---|---|---|---|---|---|")
    for i, row in enumerate(plain_rows):
        vec = vector_rows[i][1:] if vector_rows else ("– not run", "–", "–")
        w("| " + " | ".join(row + tuple(vec)) + " |")
    w("")

    # ---------------------------------------------------------------- per-loss tables
    w("## Results per loss")
    w("")
    for loss in losses:
        w(f"### {loss}")
        w("")
        w(f"DL4J built-in: {BUILTIN[loss]}.")
        w("")
        w("| size | adapter (ws) | adapter (no ws) | forward + backward (ws) | forwardBackward (ws) | built-in (ws) | built-in (no ws)"
          " | SameDiffLoss (ws) | PyTorch x | PyTorch all | adapter / built-in | adapter / SameDiff | adapter / PyTorch x"
          " | CPU time adapter / built-in | adapter (ws), Vector API | its ratio to the built-in |")
        w("|---|" + "---|" * 15)
        for size in SIZES:
            p_x = ptr.get((loss, size, "x"))
            p_a = ptr.get((loss, size, "all"))
            a1 = med(loss, size, "a1_adapterInWorkspace")
            c1 = med(loss, size, "c1_builtinInWorkspace")
            d1 = med(loss, size, "d1_sameDiffInWorkspace")
            cpu_a = jmh.get((loss, size, "a1_adapterInWorkspace"), {}).get("cpu")
            cpu_c = jmh.get((loss, size, "c1_builtinInWorkspace"), {}).get("cpu")
            good_builtin = (lambda x: x <= 1.0) if size == "32x10" else (lambda x: x <= 0.5)
            w(f"| {size} | {t(a1)} | {t(med(loss, size, 'a2_adapterNoWorkspace'))} | {t(med(loss, size, 'b1_forwardThenBackward'))}"
              f" | {t(med(loss, size, 'b2_forwardBackward'))} | {t(c1)} | {t(med(loss, size, 'c2_builtinNoWorkspace'))}"
              f" | {t(d1)} | {t(p_x['median_us'] if p_x else None)} | {t(p_a['median_us'] if p_a else None)}"
              f" | {fr(r(a1, c1), good_builtin)} | {fr(r(a1, d1), lambda x: x <= 0.2)}"
              f" | {fr(r(a1, p_x['median_us'] if p_x else None), (lambda x: x <= 1.5) if size == '4096x1000' and loss in ('MSELoss', 'CrossEntropyLoss', 'BCEWithLogitsLoss') else None)}"
              f" | {fr(r(cpu_a, cpu_c))} | {t(vector(loss, size, 'a1_adapterInWorkspace'))}"
              f" | {fr(r(vector(loss, size, 'a1_adapterInWorkspace'), vector(loss, size, 'c1_builtinInWorkspace')), good_builtin)} |")
        w("")
        w("Allocation per call (heap + off-heap), and as a multiple of the prediction's bytes:")
        w("")
        w("| size | input | adapter step | computeGradient only | forwardBackward | forward + backward | built-in step"
          " | SameDiffLoss step | JMH gc.alloc.rate.norm, adapter (no ws) | ND4J registrations, adapter / built-in step |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for size in SIZES:
            cells = []
            inp = None
            for op in ("adapter", "adapterGradientOnly", "forwardBackward", "forwardThenBackward", "builtin", "sameDiff"):
                a = alloc.get((loss, size, op))
                if not a:
                    cells.append("–")
                    continue
                inp = a["inputBytes"]
                total = a["heapBytes"] + a["offHeapBytes"]
                cells.append(f"{b(a['heapBytes'])} + {b(a['offHeapBytes'])} = **{total / inp:.1f}×**")
            heap = jmh.get((loss, size, "a2_adapterNoWorkspace"), {}).get("heap")
            regs = [alloc.get((loss, size, op), {}).get("registrations") for op in ("adapter", "builtin")]
            reg = " / ".join("–" if r is None else str(r) for r in regs)
            w(f"| {size} | {b(inp)} | " + " | ".join(cells) + f" | {b(heap)} | {reg} |")
        w("")

    # ---------------------------------------------------------------- processor
    w("## The annotation processor's cost")
    w("")
    if proc:
        w(f"`ProcessorCost`: javac (`javax.tools`, `--release 17`) on the torch module's {proc['sources']} source files"
          f" ({proc['lossMethods']} `@Loss` methods, {proc['generatedFiles']} generated classes). Cold: each compile in a"
          f" fresh JVM, as in `mvn compile`, median of {proc.get('coldRuns', 1)}; warm: one JVM, median of {proc['runs']}"
          " after a warm-up pair. The two configurations alternate.")
        w("")
        w("| | cold | warm |")
        w("|---|---|---|")
        w(f"| javac with the processor | {proc['coldWithProcessorMs']:.0f} ms | {proc['warmWithProcessorMs']:.0f} ms |")
        w(f"| of which inside the processor's `init`/`process` | {proc['coldInsideProcessorMs']:.0f} ms | {proc['warmInsideProcessorMs']:.0f} ms |")
        w(f"| javac `-proc:none` on the same sources plus the generated ones | {proc['coldProcNoneMs']:.0f} ms | {proc['warmProcNoneMs']:.0f} ms |")
        w(f"| processor's total overhead (first row minus third) | {proc['coldWithProcessorMs'] - proc['coldProcNoneMs']:.0f} ms"
          f" | {proc['warmWithProcessorMs'] - proc['warmProcNoneMs']:.0f} ms |")
        w("")
        w("The overhead beyond `init`/`process` is javac's: a second round (the generated sources are parsed and entered,"
          " and the annotated sources re-attributed with them).")
    else:
        w("(not measured in this run)")
    w("")

    if os.path.exists(args.diagnosis):
        with open(args.diagnosis) as f:
            w(f.read().rstrip())
        w("")
    with open(args.out, "w") as f:
        f.write("\n".join(L))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
