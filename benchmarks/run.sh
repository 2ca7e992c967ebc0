#!/usr/bin/env bash
# LossForge benchmarks, end to end: build, JMH, allocation probe, PyTorch, processor cost, docs/performance.md.
# JMH runs twice: every case in a JVM started with no flags (what users run), then the adapter's cases again
# with --add-modules jdk.incubator.vector (results/vector/); docs/performance.md judges the targets for both.
#
#   bash benchmarks/run.sh            # from the repository root (or anywhere: it cds there)
#
# Knobs (environment): SKIP_BUILD=1; STEPS="jmh alloc pytorch processor report" (a subset reruns only those and
# regenerates the doc from the results already in benchmarks/results/); JMH_SMALL / JMH_LARGE (JMH options for
# [32,10]+[256,1000] and for [4096,1000]); LOSSES (e.g. "MSELoss CrossEntropyLoss"; default the seven, one JMH run
# each); JMH_EXTRA (more JMH options); JMH_PATTERN (the first run's benchmarks,
# e.g. 'LossBenchmark.(a1|a2|c1|c2|d1)' for the targets' cases only); OMP_WAIT_POLICY (default PASSIVE,
# see docs/performance.md); VECTOR=0 skips the Vector API run. Takes ~25-30 min on a 2-core machine (the targets' cases alone, ~21).
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
RESULTS=benchmarks/results
JAR=benchmarks/target/benchmarks.jar
PY=/usr/bin/python3          # Debian's python3 has python3-torch; the default python3 may not
STEPS=${STEPS:-"jmh alloc pytorch processor report"}
# warm-up long enough for C2 to finish the fused loops: with 3 x 200 ms (2 x 300 ms at [4096,1000]) the measured
# iterations were still falling (smooth L1 [4096,1000]: 7.1, 6.7, 7.5, 6.0 ms; 4.0 ms in steady state), and with
# 6 x 300 ms the Vector API's ones at [256,1000] were (MSE: 543, 482, 355, 280 us a second, then 207-232)
JMH_SMALL=${JMH_SMALL:-"-f 1 -wi 8 -i 5 -w 500ms -r 500ms"}
JMH_LARGE=${JMH_LARGE:-"-f 1 -wi 5 -i 4 -w 500ms -r 700ms"}
JMH_EXTRA=${JMH_EXTRA:-""}
# libgomp (ND4J) and PyTorch's OpenMP spin at the end of each parallel region; on a shared 2-core machine that
# turns milliseconds into seconds. Passive waiting for both.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
has() { [[ " $STEPS " == *" $1 "* ]]; }
mkdir -p "$RESULTS" "$RESULTS/vector"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -pl benchmarks -am package -DskipTests
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if has jmh; then
  # one loss at a time, so that its adapter and its references run minutes apart at most: this VM's speed drifts
  # by 10-30% over a run, which would bias a ratio of two cases measured far apart
  LOSSES=${LOSSES:-"MSELoss CrossEntropyLoss NLLLoss BCEWithLogitsLoss BCELoss SmoothL1Loss KLDivLoss"}
  jmh_run() {  # $1: results dir, $2: benchmark regexp, then extra JMH options
    local dir=$1 pattern=$2; shift 2
    local part
    rm -f "$dir"/jmh-small-*.json "$dir"/jmh-large-*.json "$dir"/jmh-*.log
    for loss in $LOSSES; do
      # two runs: [4096,1000] calls can take seconds, so fewer, longer iterations there
      for part in small large; do
        local sizes=32x10,256x1000 options=$JMH_SMALL
        [[ $part == large ]] && { sizes=4096x1000; options=$JMH_LARGE; }
        java -jar "$JAR" -p loss="$loss" -p size=$sizes $options $JMH_EXTRA "$@" -prof gc \
          -prof dev.lossforge.bench.CpuTimeProfiler -rf json -rff "$dir/jmh-$part-$loss.json" "$pattern" \
          >> "$dir/jmh-$part.log" 2>&1 || { tail -50 "$dir/jmh-$part.log"; exit 1; }
      done
    done
    for part in small large; do
      python3 -c 'import json, sys; json.dump([r for f in sys.argv[2:] for r in json.load(open(f))], open(sys.argv[1], "w"), indent=1)' \
        "$dir/jmh-$part.json" "$dir"/jmh-$part-*.json
      rm -f "$dir"/jmh-$part-*.json
    done
    grep -E '^# (Run complete|Benchmark:)|ERROR|Exception' "$dir"/jmh-*.log | tail -5 || true
  }
  jmh_run "$RESULTS" "${JMH_PATTERN:-LossBenchmark}"
  if [[ "${VECTOR:-1}" != 0 ]]; then
    # the adapter's cases, which the targets judge, and DL4J's built-ins again beside them (they do not use the
    # Vector API, but this VM's speed drifts over minutes: each ratio's two sides come from the same run)
    jmh_run "$RESULTS/vector" 'LossBenchmark.(a[12]|c[12])_' -jvmArgsAppend --add-modules=jdk.incubator.vector
  fi
fi
if has alloc; then
  java -cp "$JAR" dev.lossforge.bench.AllocationProbe "$RESULTS/alloc.json" 2>&1 \
    | grep -v -E 'WARN|Added differentiated' > "$RESULTS/alloc.log"
fi
if has pytorch; then
  "$PY" benchmarks/pytorch_bench.py --json "$RESULTS/pytorch.json" > "$RESULTS/pytorch.csv"
fi
if has processor; then
  java -cp "$JAR" dev.lossforge.bench.ProcessorCost benchmarks/target/javac-torch.classpath torch/src/main/java \
    torch/target/generated-sources/annotations "$RESULTS/processor.json" 7 3 > "$RESULTS/processor.log"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

if has report; then
  if [[ "$STEPS" == *jmh* || ! -f "$RESULTS/machine.json" ]]; then
    CPU=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
    CORES=$(nproc)
    MEM=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
    JAVA=$(java -version 2>&1 | sed -n '2p')
    COMMIT=$(git log -1 --format='%h %s' 2>/dev/null | cut -c1-100 || echo unknown)
    DIRTY=$(git status --porcelain -- runtime processor torch dl4j-adapter 2>/dev/null | wc -l)
    [[ "$DIRTY" != 0 ]] && COMMIT="$COMMIT (+ $DIRTY uncommitted changes in runtime/processor/torch/dl4j-adapter)"
    "$PY" - "$RESULTS/machine.json" <<PYEOF
import json, sys
json.dump({"cpu": """$CPU""", "cores": """$CORES""", "memory": """$MEM""", "java": """$JAVA""",
           "commit": """$COMMIT""", "date": """$(date -u '+%Y-%m-%d %H:%M UTC')""", "omp": """$OMP_WAIT_POLICY""",
           "loadBefore": """$LOAD_BEFORE""", "loadAfter": """$LOAD_AFTER""",
           "duration": """$(( ($(date +%s) - START) / 60 )) min"""}, open(sys.argv[1], "w"), indent=1)
PYEOF
  fi
  "$PY" benchmarks/report.py --results "$RESULTS" --out docs/performance.md --compact
fi
echo "run.sh: done in $(( ($(date +%s) - START) / 60 )) min"
