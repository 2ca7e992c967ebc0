package dev.lossforge.bench;

import dev.lossforge.LossAndGradients;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One loss at one size, four ways:
 * <ul>
 * <li>{@code a*}: LossForge through the DL4J adapter, as DL4J's output layer calls it during fit
 *     ({@code computeGradient}, then {@code computeScore(..., average = false)}), inside a workspace and outside one;
 * <li>{@code b*}: LossForge directly, {@code forward} then {@code backward}, and the fused {@code forwardBackward},
 *     inside the workspace too (so that a1 minus b2 is what the adapter adds, not ND4J's off-heap allocation);
 * <li>{@code c*}: the closest DL4J built-in loss, called as in {@code a*};
 * <li>{@code d*}: a {@link org.nd4j.linalg.lossfunctions.SameDiffLoss} for the same loss, called as in {@code a*}
 *     inside a workspace (as DL4J trains).
 * </ul>
 * SampleTime mode: the median of the per-call samples is what docs/performance.md reports. Run through
 * {@link Main}, which benchmarks only the losses the catalog has.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
// the JVM users run: no flags. run.sh runs everything a second time with -jvmArgsAppend --add-modules=jdk.incubator.vector
@Fork(value = 1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LossBenchmark {

    @Param({"MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "SmoothL1Loss", "KLDivLoss"})
    public String loss;

    @Param({"32x10", "256x1000", "4096x1000"})
    public String size;

    private Cases.Case c;

    @Setup
    public void setUp() {
        c = Cases.create(loss, size);
    }

    private static void step(Cases.Way way, Blackhole bh) {
        INDArray gradient = way.gradient();
        double score = way.score();
        bh.consume(gradient);
        bh.consume(score);
    }

    private static void stepInWorkspace(Cases.Way way, Blackhole bh) {
        try (MemoryWorkspace ws = Cases.openWorkspace()) {
            step(way, bh);
        }
    }

    @Benchmark
    public void a1_adapterInWorkspace(Blackhole bh) {
        stepInWorkspace(c.adapter, bh);
    }

    @Benchmark
    public void a2_adapterNoWorkspace(Blackhole bh) {
        step(c.adapter, bh);
    }

    @Benchmark
    public void b1_forwardThenBackward(Blackhole bh) {
        try (MemoryWorkspace ws = Cases.openWorkspace()) {
            bh.consume(c.lossForge.forward(c.inputs));
            bh.consume(c.lossForge.backward(c.one, c.inputs));
        }
    }

    @Benchmark
    public void b2_forwardBackward(Blackhole bh) {
        try (MemoryWorkspace ws = Cases.openWorkspace()) {
            LossAndGradients lg = c.lossForge.forwardBackward(c.one, c.inputs);
            bh.consume(lg);
        }
    }

    @Benchmark
    public void c1_builtinInWorkspace(Blackhole bh) {
        stepInWorkspace(c.builtin, bh);
    }

    @Benchmark
    public void c2_builtinNoWorkspace(Blackhole bh) {
        step(c.builtin, bh);
    }

    @Benchmark
    public void d1_sameDiffInWorkspace(Blackhole bh) {
        stepInWorkspace(c.sameDiff, bh);
    }
}
