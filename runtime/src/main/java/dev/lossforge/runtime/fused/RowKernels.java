package dev.lossforge.runtime.fused;

import dev.lossforge.runtime.HostArrays;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Log-softmax and its backward over the last dim, as one read and one write of each row, with the exps on
 * {@link BlockMath} and rows split into tasks on {@link Workers}: the CPU fast path of {@code Softmax.logSoftmax}
 * and {@code Softmax.logSoftmaxBackward}. Each method returns null when it does not apply (not float32 on the
 * CPU, empty, or a dim too large for a Java array), and the kernel runs its ND4J ops instead. Inputs that are
 * not plain c-order are copied first, so every layout gives the same bits.
 */
public final class RowKernels {
    private RowKernels() {
    }

    /** {@code (x - max) - log(sum(exp(x - max)))} per row of the last dim, as PyTorch's kernel. */
    public static INDArray logSoftmax(INDArray x) {
        if (!applies(x)) {
            return null;
        }
        int width = (int) x.size(-1);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        INDArray logits = PointwiseProgram.plainC(x);
        FloatBuffer in = PointwiseProgram.floats(logits);
        FloatBuffer result = PointwiseProgram.output(out);
        forEachRow(x.length() / width, width, (from, to) -> {
            float[] row = Workers.blocks(1, width)[0];
            BlockMath math = BlockMath.get();
            for (long r = from; r < to; r++) {
                int start = (int) (r * width);
                in.get(start, row, 0, width);
                float shift = shift(math, row, width);
                float logSum = (float) Math.log(math.sumExp(row, shift, width));
                for (int i = 0; i < width; i++) row[i] = (row[i] - shift) - logSum; // PyTorch's order: exact for large logits
                result.put(start, row, 0, width);
            }
        });
        Reference.reachabilityFence(logits); // see PointwiseProgram.floats
        return out;
    }

    /** {@code g - softmax(x) * sum(g)} per row of the last dim: the gradient through a log-softmax of x. */
    public static INDArray logSoftmaxBackward(INDArray g, INDArray x) {
        if (!applies(x) || g.dataType() != DataType.FLOAT || !java.util.Arrays.equals(g.shape(), x.shape())) {
            return null;
        }
        int width = (int) g.size(-1);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, g.shape());
        INDArray[] held = {PointwiseProgram.plainC(g), PointwiseProgram.plainC(x)};
        FloatBuffer grads = PointwiseProgram.floats(held[0]);
        FloatBuffer logits = PointwiseProgram.floats(held[1]);
        FloatBuffer result = PointwiseProgram.output(out);
        forEachRow(g.length() / width, width, (from, to) -> {
            float[][] blocks = Workers.blocks(2, width);
            float[] gRow = blocks[0];
            float[] row = blocks[1];
            BlockMath math = BlockMath.get();
            for (long r = from; r < to; r++) {
                int start = (int) (r * width);
                grads.get(start, gRow, 0, width);
                logits.get(start, row, 0, width);
                float shift = shift(math, row, width);
                float logSum = (float) Math.log(math.sumExp(row, shift, width));
                float total = (float) math.sum(gRow, width);
                math.subtractExpScaled(gRow, row, shift, logSum, total, gRow, width);
                result.put(start, gRow, 0, width);
            }
        });
        Reference.reachabilityFence(held);
        return out;
    }

    /**
     * Each row's log-softmax at its picked index, {@code (x[k] - max) - log(sum(exp(x - max)))}, 0 where the index is
     * {@code ignoreIndex}: one read of each row, nothing full-size written. {@code index} has one entry per row.
     */
    public static INDArray logSoftmaxPick(INDArray x, long[] index, long ignoreIndex) {
        if (!applies(x)) {
            return null;
        }
        int width = (int) x.size(-1);
        long rows = x.length() / width;
        INDArray logits = PointwiseProgram.plainC(x);
        FloatBuffer in = PointwiseProgram.floats(logits);
        float[] picked = new float[(int) rows];
        forEachRow(rows, width, (from, to) -> {
            float[] row = Workers.blocks(1, width)[0];
            BlockMath math = BlockMath.get();
            for (long r = from; r < to; r++) {
                long k = index[(int) r];
                if (k == ignoreIndex) {
                    continue;
                }
                int start = (int) (r * width);
                in.get(start, row, 0, width);
                // shifted by the picked logit itself, log p_k = -log(sum(exp(x - x_k))): no pass for the max. When
                // another logit is so much larger that the sum overflows (or x_k is not finite), PyTorch's way.
                float picked_k = row[(int) k];
                double sum = Float.isFinite(picked_k) ? math.sumExp(row, picked_k, width) : Double.POSITIVE_INFINITY;
                if (sum < Float.MAX_VALUE) {
                    picked[(int) r] = -(float) Math.log(sum);
                    continue;
                }
                float shift = shift(math, row, width);
                float logSum = (float) Math.log(math.sumExp(row, shift, width));
                picked[(int) r] = (row[(int) k] - shift) - logSum;
            }
        });
        Reference.reachabilityFence(logits);
        return HostArrays.of(picked, new long[] {rows});
    }

    /**
     * The gradient of {@link #logSoftmaxPick}: per row, {@code g[r] (onehot(k) - softmax(x))}, 0 for an ignored row;
     * one read and one write of each row, and one exp per element. The softmax is taken shifted by the picked logit,
     * {@code e = exp(x - x[k])}, {@code softmax = e / sum(e)}: the exps are stored in the row as they are summed, so
     * no value of the forward pass is needed (a training step's {@code computeGradient} runs no forward pass). When
     * the sum overflows (another logit far above x[k]) or x[k] is not finite, the row is redone from its max, as
     * PyTorch's kernel.
     */
    public static INDArray logSoftmaxPickBackward(INDArray g, INDArray x, long[] index, long ignoreIndex) {
        if (!applies(x) || g.length() != index.length) {
            return null;
        }
        int width = (int) x.size(-1);
        long rows = x.length() / width;
        float[] grads = HostArrays.floats(g.castTo(DataType.FLOAT));
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        INDArray logits = PointwiseProgram.plainC(x);
        FloatBuffer in = PointwiseProgram.floats(logits);
        FloatBuffer result = PointwiseProgram.output(out);
        forEachRow(rows, width, (from, to) -> {
            float[] row = Workers.blocks(1, width)[0];
            BlockMath math = BlockMath.get();
            for (long r = from; r < to; r++) {
                int start = (int) (r * width);
                long k = index[(int) r];
                if (k == ignoreIndex) {
                    java.util.Arrays.fill(row, 0, width, 0f);
                } else {
                    in.get(start, row, 0, width);
                    float gr = grads[(int) r];
                    float picked = row[(int) k];
                    double sum = Double.POSITIVE_INFINITY;
                    if (Float.isFinite(picked)) {
                        math.scaledSoftmax(row, picked, 0f, 1f, width); // e = exp(x - x[k]), in place
                        sum = math.sum(row, width);
                    }
                    if (sum < Float.MAX_VALUE) {
                        float factor = (float) (-gr / sum);
                        for (int i = 0; i < width; i++) {
                            row[i] *= factor;
                        }
                    } else {
                        // from the max instead: a NaN or infinite logit gives PyTorch's NaN row
                        in.get(start, row, 0, width);
                        float shift = shift(math, row, width);
                        math.scaledSoftmax(row, shift, (float) Math.log(math.sumExp(row, shift, width)), -gr, width);
                    }
                    row[(int) k] += gr;
                }
                result.put(start, row, 0, width);
            }
        });
        Reference.reachabilityFence(logits);
        return out;
    }

    /** {min, max} of all elements in one pass, both NaN when any is NaN; null when the fast path does not apply. */
    public static float[] range(INDArray x) {
        if (!applies(x)) {
            return null;
        }
        INDArray values = PointwiseProgram.plainC(x);
        FloatBuffer in = PointwiseProgram.floats(values);
        long length = x.length();
        int tasks = (int) ((length + PointwiseProgram.TASK - 1) / PointwiseProgram.TASK);
        float[] mins = new float[tasks];
        float[] maxs = new float[tasks];
        Workers.run(tasks, t -> {
            float[] block = Workers.blocks(1, PointwiseProgram.BLOCK)[0];
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            long end = Math.min(length, (long) (t + 1) * PointwiseProgram.TASK);
            for (int start = t * PointwiseProgram.TASK; start < end; start += PointwiseProgram.BLOCK) {
                int n = (int) Math.min(PointwiseProgram.BLOCK, end - start);
                in.get(start, block, 0, n);
                for (int i = 0; i < n; i++) {
                    min = Math.min(min, block[i]);
                    max = Math.max(max, block[i]);
                }
            }
            mins[t] = min;
            maxs[t] = max;
            return 0.0;
        });
        Reference.reachabilityFence(values);
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < tasks; t++) {
            min = Math.min(min, mins[t]);
            max = Math.max(max, maxs[t]);
        }
        return new float[] {min, max};
    }

    /**
     * What log-softmax subtracts before exponentiating: the row's max, infinite or NaN as it may be, as PyTorch's
     * kernel (so a row holding an infinity or a NaN is all NaN, as in PyTorch; only logsumexp masks an infinite max).
     */
    private static float shift(BlockMath math, float[] row, int width) {
        return math.max(row, width);
    }

    private static boolean applies(INDArray x) {
        return PointwiseProgram.ENABLED && x.dataType() == DataType.FLOAT && x.rank() > 0 && !x.isEmpty()
                && x.length() <= Integer.MAX_VALUE - PointwiseProgram.BLOCK && Nd4j.getEnvironment().isCPU();
    }

    private interface RowRange {
        void run(long from, long to);
    }

    /** Rows in tasks of about {@link PointwiseProgram#TASK} elements. */
    private static void forEachRow(long rows, int width, RowRange body) {
        long rowsPerTask = Math.max(1, PointwiseProgram.TASK / width);
        int tasks = (int) ((rows + rowsPerTask - 1) / rowsPerTask);
        Workers.run(tasks, t -> {
            body.run(t * rowsPerTask, Math.min(rows, (t + 1) * rowsPerTask));
            return 0.0;
        });
    }
}
