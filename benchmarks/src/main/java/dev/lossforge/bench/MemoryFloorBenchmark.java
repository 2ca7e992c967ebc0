package dev.lossforge.bench;

import java.nio.FloatBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The least a memory-bound loss's DL4J step can cost on this machine: the memory traffic alone, with no math.
 * {@code computeScore} must read the prediction and the labels ({@link #readTwo}); {@code computeGradient} must read
 * both and write a gradient of the prediction's size ({@link #readTwoWriteOne}). Both move the data as LossForge's
 * fused programs do (1024-float blocks copied out of ND4J's buffers, on as many threads as cores, one elementwise op
 * per block), so their sum is the floor a smooth L1 or MSE step is measured against in docs/performance.md:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MemoryFloorBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1)
public class MemoryFloorBenchmark {
    private static final int BLOCK = 1024;

    @Param({"256x1000", "4096x1000"})
    public String size;

    /** The arrays themselves, held: a buffer from asNioFloat does not keep its array from being freed. */
    private INDArray[] arrays;
    private FloatBuffer prediction;
    private FloatBuffer labels;
    private FloatBuffer gradient;
    private int length;
    private ExecutorService pool;
    private final int threads = Runtime.getRuntime().availableProcessors();

    @Setup(Level.Trial)
    public void setUp() {
        String[] nc = size.split("x");
        long n = Long.parseLong(nc[0]);
        long c = Long.parseLong(nc[1]);
        arrays = new INDArray[] {Nd4j.rand(DataType.FLOAT, n, c), Nd4j.rand(DataType.FLOAT, n, c), Nd4j.createUninitialized(DataType.FLOAT, n, c)};
        prediction = arrays[0].data().asNioFloat();
        labels = arrays[1].data().asNioFloat();
        gradient = arrays[2].data().asNioFloat();
        length = (int) (n * c);
        pool = Executors.newFixedThreadPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
    }

    @Benchmark
    public float readTwo() throws Exception {
        return run(false);
    }

    @Benchmark
    public float readTwoWriteOne() throws Exception {
        return run(true);
    }

    private float run(boolean write) throws Exception {
        @SuppressWarnings("unchecked")
        Future<Float>[] parts = new Future[threads];
        int share = (length / threads + BLOCK - 1) / BLOCK * BLOCK;
        for (int t = 0; t < threads; t++) {
            int from = t * share;
            int to = Math.min(length, from + share);
            parts[t] = pool.submit(() -> pass(from, to, write));
        }
        float any = 0;
        for (Future<Float> part : parts) {
            any += part.get();
        }
        return any;
    }

    /** Elements [from, to): both inputs block by block, their difference into a block, that block written out. */
    private float pass(int from, int to, boolean write) {
        float[] a = new float[BLOCK];
        float[] b = new float[BLOCK];
        float[] out = new float[BLOCK];
        for (int start = from; start < to; start += BLOCK) {
            int n = Math.min(BLOCK, to - start);
            prediction.get(start, a, 0, n);
            labels.get(start, b, 0, n);
            for (int i = 0; i < n; i++) {
                out[i] = a[i] - b[i];
            }
            if (write) {
                gradient.put(start, out, 0, n);
            }
        }
        return out[0];
    }
}
