#!/usr/bin/env bash
# Profiles one benchmark case with async-profiler (unpacked into benchmarks/target/async-profiler by the build)
# through JMH's -prof async, and prints the hottest frames (own time) and the hottest LossForge/ND4J call paths.
#
#   bash benchmarks/profile.sh LOSS SIZE METHOD [event]
#   bash benchmarks/profile.sh CrossEntropyLoss 4096x1000 a1_adapterInWorkspace        # event: cpu (default), itimer, or alloc (heap allocation sites)
#
# Output: benchmarks/results/profiles/<LOSS>-<SIZE>-<METHOD>-<EVENT>/ (collapsed stacks, for flame graphs); not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
LOSS=$1; SIZE=$2; METHOD=$3; EVENT=${4:-cpu}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
LIB=$PWD/benchmarks/target/async-profiler/linux-x64/libasyncProfiler.so
OUT=$PWD/benchmarks/results/profiles/$LOSS-$SIZE-$METHOD-$EVENT
mkdir -p "$OUT"
java -jar benchmarks/target/benchmarks.jar "LossBenchmark.$METHOD\$" -p loss="$LOSS" -p size="$SIZE" \
  -f 1 -wi 2 -i 4 -w 1s -r 2s \
  -prof "async:libPath=$LIB;output=collapsed;event=$EVENT;dir=$OUT;interval=1000000" > "$OUT/jmh.log" 2>&1
COLLAPSED=$(find "$OUT" -name 'collapsed*' -type f | head -1)
/usr/bin/python3 - "$COLLAPSED" <<'PYEOF'
import collections, sys
own, incl, total = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip().rpartition(" ")
    n = int(n); total += n
    frames = stack.split(";")
    own[frames[-1]] += n
    seen = set()
    for f in frames:
        if (f.startswith("dev/lossforge/") and not f.startswith("dev/lossforge/bench")
                or f.startswith("org/nd4j/")) and f not in seen:
            seen.add(f); incl[f] += n
print(f"samples: {total}")
print("\nhottest frames, own time:")
for f, n in own.most_common(15):
    print(f"  {n / total:6.1%}  {f}")
print("\nLossForge and ND4J frames, inclusive time (the frame or anything it calls):")
for f, n in incl.most_common(40):
    print(f"  {n / total:6.1%}  {f}")
PYEOF
