package dev.lossforge.runtime;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PyTorch 1.13's multi-label margin loss ({@code torch.nn.functional.multilabel_margin_loss},
 * aten/src/ATen/native/LossMultiLabelMargin.cpp) as a primitive op: per-sample losses and their gradient. The
 * reduction is the caller's.
 *
 * <p>{@code input} is {@code (N, C)}, or {@code (C)} (and {@code ()} as C=1) for one unbatched sample, with
 * {@code C > 0}; {@code target} has the same shape (a scalar or {@code (1)} target for a scalar input) and holds
 * each row's labels: its entries up to the first {@code -1} (the rest of the row is ignored, but must still be
 * in {@code [-1, C)}, as PyTorch checks the whole tensor). Then
 * <pre>  loss[n] = sum_{j in labels(n)} sum_{i not a label of n} max(0, 1 - (x[n, j] - x[n, i])) / C</pre>
 * A label listed twice counts twice (PyTorch loops over the list, not over the set); the hinge's subgradient
 * at 0 is 0 (PyTorch tests {@code z > 0}); a NaN input contributes nothing (the test is false).
 *
 * <p>Static methods; arguments are never modified, results are new arrays in the input's dtype, computed in
 * double.
 */
public final class MultiLabelMargin {
    private static final String LOSS = "MultiLabelMarginLoss";

    private MultiLabelMargin() {
    }

    /** Per-sample losses: shape {@code (N)}, or {@code ()} unbatched, in the input's dtype. */
    public static INDArray forward(INDArray input, INDArray target) {
        Rows r = new Rows(input, target);
        double[] loss = new double[r.rows];
        for (int n = 0; n < r.rows; n++) {
            boolean[] isLabel = r.labelSet(n);
            double sum = 0.0;
            for (int j = 0; j < r.classes; j++) {
                long label = r.target(n, j);
                if (label < 0) {
                    break; // -1 ends the row's labels
                }
                double xLabel = r.x(n, label);
                for (int i = 0; i < r.classes; i++) {
                    if (!isLabel[i]) {
                        double z = 1.0 - xLabel + r.x(n, i);
                        if (z > 0) {
                            sum += z;
                        }
                    }
                }
            }
            loss[n] = sum / r.classes;
        }
        return HostArrays.fromDoubles(loss, r.batched ? new long[] {r.rows} : new long[0], input.dataType());
    }

    /**
     * d(loss) / d(input), in the input's shape and dtype, as PyTorch's {@code multilabel_margin_loss_backward}:
     * every (label j, non-label i) pair whose hinge {@code z = 1 - x[j] + x[i]} is strictly positive adds
     * {@code -1/C} at j and {@code +1/C} at i, all times {@code gradPerSample[n]}.
     *
     * @param gradPerSample d(reduced loss) / d(per-sample loss): shape {@code (N)}, or {@code ()} unbatched
     */
    public static INDArray backward(INDArray gradPerSample, INDArray input, INDArray target) {
        Rows r = new Rows(input, target);
        double[] gradOut = r.gradPerSample(gradPerSample);
        double[] grad = new double[r.values.length];
        for (int n = 0; n < r.rows; n++) {
            boolean[] isLabel = r.labelSet(n);
            long row = (long) n * r.classes;
            // count the active pairs first, then scale once: (count / C) * gradOut, as PyTorch's (sum of 1/C) * gradOut
            double[] count = new double[r.classes];
            for (int j = 0; j < r.classes; j++) {
                long label = r.target(n, j);
                if (label < 0) {
                    break;
                }
                double xLabel = r.x(n, label);
                for (int i = 0; i < r.classes; i++) {
                    if (!isLabel[i]) {
                        double z = 1.0 - xLabel + r.x(n, i);
                        if (z > 0) {
                            count[(int) label] -= 1.0;
                            count[i] += 1.0;
                        }
                    }
                }
            }
            for (int i = 0; i < r.classes; i++) {
                grad[(int) (row + i)] = count[i] / r.classes * gradOut[n];
            }
        }
        return HostArrays.fromDoubles(grad, input.shape(), input.dataType());
    }

    /** One validated call: the input as doubles and the targets as longs, both (rows, classes). */
    private static final class Rows {
        final boolean batched;
        final int rows;
        final int classes;
        final double[] values;
        final long[] targets;

        Rows(INDArray input, INDArray target) {
            if (input == null || target == null) {
                throw new IllegalArgumentException(LOSS + ": " + (input == null ? "input" : "target") + " is null");
            }
            if (!input.dataType().isFPType()) {
                throw new IllegalArgumentException(LOSS + ": input has dtype " + input.dataType() + " but must be floating point");
            }
            int rank = input.rank();
            boolean valid = rank == 0 || rank == 1 && input.size(0) > 0 || rank == 2 && input.size(1) > 0;
            if (!valid) {
                throw new IllegalArgumentException(LOSS + ": input must be (C) or (N, C) with C > 0 (N may be 0), but has shape "
                        + ShapeBinder.format(input.shape()));
            }
            this.batched = rank == 2;
            this.rows = batched ? Math.toIntExact(input.size(0)) : 1;
            this.classes = rank == 0 ? 1 : Math.toIntExact(input.size(rank - 1));
            boolean sameShape = batched
                    ? target.rank() == 2 && target.size(0) == rows && target.size(1) == classes
                    : target.rank() <= 1 && target.length() == classes;
            if (!sameShape) {
                throw new IllegalArgumentException(LOSS + ": target has shape " + ShapeBinder.format(target.shape())
                        + " but must have the input's shape " + ShapeBinder.format(input.shape()));
            }
            this.targets = labels(target, classes);
            this.values = input.isEmpty() ? new double[0] : HostArrays.doubles(input);
        }

        double x(int n, long c) {
            return values[(int) ((long) n * classes + c)];
        }

        long target(int n, int j) {
            return targets[(int) ((long) n * classes + j)];
        }

        /** The labels of row n as a set: its targets up to the first -1. */
        boolean[] labelSet(int n) {
            boolean[] isLabel = new boolean[classes];
            for (int j = 0; j < classes; j++) {
                long label = target(n, j);
                if (label < 0) {
                    break;
                }
                isLabel[(int) label] = true;
            }
            return isLabel;
        }

        double[] gradPerSample(INDArray g) {
            if (g == null) {
                throw new IllegalArgumentException(LOSS + ": gradPerSample is null");
            }
            boolean shapeOk = batched ? g.rank() == 1 && g.length() == rows : g.rank() <= 1 && g.length() == 1;
            if (!shapeOk) {
                throw new IllegalArgumentException(LOSS + ": gradPerSample must have the per-sample loss's shape "
                        + (batched ? "(N) with N=" + rows : "() (unbatched)") + ", but has shape " + ShapeBinder.format(g.shape()));
            }
            return g.isEmpty() ? new double[0] : HostArrays.doubles(g);
        }

        /** Every entry an integer in [-1, C): PyTorch checks the whole tensor, entries after the first -1 included. */
        private static long[] labels(INDArray target, int classes) {
            if (target.dataType() == DataType.BOOL || target.dataType() == DataType.UTF8) {
                throw new IllegalArgumentException(LOSS + ": target has dtype " + target.dataType()
                        + " but must hold class indices (LONG or INT), padded with -1");
            }
            if (target.isEmpty()) {
                return new long[0];
            }
            double[] raw = HostArrays.doubles(target);
            long[] out = new long[raw.length];
            for (int i = 0; i < raw.length; i++) {
                double v = raw[i];
                if (Double.isNaN(v) || v != Math.rint(v)) {
                    throw new IllegalArgumentException(LOSS + ": target holds " + v + ", which is not a class index");
                }
                if (v < -1 || v >= classes) {
                    throw new IllegalArgumentException(LOSS + ": target holds " + (long) v + ", out of range: class indices are in [0, C) with C="
                            + classes + ", and -1 ends a row's labels");
                }
                out[i] = (long) v;
            }
            return out;
        }
    }
}
