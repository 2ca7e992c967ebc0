package dev.lossforge.bench;

import dev.lossforge.Reduction;
import dev.lossforge.runtime.fused.PointwiseOp;
import dev.lossforge.runtime.fused.PointwiseProgram;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What exp, log and log1p cost inside a fused pass: one program of that single op, summed, over 256K floats on
 * one thread (so the time is per element, not per thread hand-off). The {@code NEG} case is the same pass with a
 * negation, so the difference is the function's own cost. Run once without flags ({@code PortableBlockMath}) and
 * once with the Vector API:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar TranscendentalBenchmark -f 1 -wi 3 -i 5
 * java -jar benchmarks/target/benchmarks.jar TranscendentalBenchmark -f 1 -wi 3 -i 5 -jvmArgsAppend --add-modules=jdk.incubator.vector
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Dlossforge.threads=1")
public class TranscendentalBenchmark {
    private static final int LENGTH = 256 * 1024;

    @Param({"EXP", "LOG", "LOG1P", "NEG"})
    public String op;

    private PointwiseProgram program;
    private INDArray x;

    @Setup
    public void setUp() {
        program = PointwiseProgram.builder("TranscendentalBenchmark").inputs("x").seed("gradLoss")
                .step("y", PointwiseOp.valueOf(op), "x").loss("y").build();
        // positive and below 1: in every function's polynomial range, no special values
        x = Nd4j.rand(DataType.FLOAT, LENGTH).muli(0.9).addi(0.05);
    }

    @Benchmark
    public INDArray pass() {
        return program.forward(Reduction.SUM, x);
    }
}
