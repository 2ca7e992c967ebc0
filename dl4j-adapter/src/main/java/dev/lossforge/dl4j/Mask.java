package dev.lossforge.dl4j;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J mask as the adapter uses it: per example ({@code [rows, 1]}, {@code [rows]}, or per output and constant
 * along each row) or per element (per output, varying along a row), with values 0 and 1.
 *
 * <p>Masked positions are dropped by <em>selection</em>, never by multiplying with the mask: a NaN or an
 * infinity at a masked position (a padded label, a diverged unused output) would otherwise turn into NaN, since
 * {@code 0 * NaN} and {@code 0 * Inf} are NaN (deeplearning4j#3992). Every method here reads or writes only the
 * unmasked positions' values.
 */
final class Mask {
    private final long rows;
    private final long columns;
    /** Per row: whether any of its positions is kept (per-example masks keep whole rows). */
    private final boolean[] rowKept;
    /** Per element of {@code [rows, columns]} in c order, for a per-element mask; null for a per-example one. */
    private final boolean[] elementKept;

    private Mask(long rows, long columns, boolean[] rowKept, boolean[] elementKept) {
        this.rows = rows;
        this.columns = columns;
        this.rowKept = rowKept;
        this.elementKept = elementKept;
    }

    /**
     * Reads and checks DL4J's mask for an output of {@code outputShape} {@code [rows, C]}.
     *
     * @throws IllegalArgumentException naming the loss for a value other than 0 and 1 or an unexpected shape
     */
    static Mask of(String lossName, INDArray mask, long[] outputShape) {
        long rows = outputShape[0];
        long[] s = mask.shape();
        boolean column = (s.length == 1 && s[0] == rows) || (s.length == 2 && s[0] == rows && s[1] == 1);
        boolean perOutput = Arrays.equals(s, outputShape);
        if (!column && !perOutput) {
            throw new IllegalArgumentException(lossName + ": mask has shape " + Arrays.toString(s) + " but expected ["
                    + rows + ", 1] (per example) or " + Arrays.toString(outputShape) + " (per output)");
        }
        double[] m = mask.dup('c').data().asDouble();
        for (double v : m) {
            if (v != 0.0 && v != 1.0) {
                throw new IllegalArgumentException(lossName + ": mask values must be 0 or 1, found " + v
                        + " in a mask of shape " + Arrays.toString(s));
            }
        }
        int width = column ? 1 : (int) s[1];
        boolean[] rowKept = new boolean[(int) rows];
        boolean[] elementKept = new boolean[m.length];
        boolean constantAlongRows = true;
        for (int r = 0; r < rows; r++) {
            rowKept[r] = m[r * width] != 0.0;
            for (int c = 0; c < width; c++) {
                elementKept[r * width + c] = m[r * width + c] != 0.0;
                constantAlongRows &= elementKept[r * width + c] == rowKept[r];
            }
        }
        if (constantAlongRows) {
            return new Mask(rows, outputShape.length > 1 ? outputShape[1] : 1, rowKept, null);
        }
        for (int r = 0; r < rows; r++) {
            rowKept[r] = false;
            for (int c = 0; c < width; c++) {
                rowKept[r] |= elementKept[r * width + c];
            }
        }
        return new Mask(rows, width, rowKept, elementKept);
    }

    /** Whether the mask varies along a row (else it masks whole examples). */
    boolean perElement() {
        return elementKept != null;
    }

    /** Whether nothing is masked. */
    boolean allKept() {
        for (boolean kept : elementKept != null ? elementKept : rowKept) {
            if (!kept) {
                return false;
            }
        }
        return true;
    }

    /** The rows that keep at least one position, in order. */
    int[] keptRows() {
        int[] keep = new int[rowKept.length];
        int k = 0;
        for (int r = 0; r < rowKept.length; r++) {
            if (rowKept[r]) {
                keep[k++] = r;
            }
        }
        return Arrays.copyOf(keep, k);
    }

    /** The number of kept elements of a per-element mask. */
    double unmaskedCount() {
        int count = 0;
        for (boolean kept : elementKept) {
            count += kept ? 1 : 0;
        }
        return count;
    }

    /** A per-element mask as a 0/1 array {@code [rows, columns]}: a gradient seed, never a multiplier of values. */
    INDArray asArray(DataType dataType) {
        double[] m = new double[elementKept.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = elementKept[i] ? 1.0 : 0.0;
        }
        return Nd4j.createFromArray(m).reshape('c', rows, columns).castTo(dataType);
    }

    /** The sum of {@code perElement}'s kept elements; what is masked is not read, so a NaN there does not count. */
    double unmaskedSum(INDArray perElement) {
        double sum = 0;
        for (double v : unmaskedRowSums(perElement)) {
            sum += v;
        }
        return sum;
    }

    /** Per row, the sum of {@code perElement}'s kept elements. */
    double[] unmaskedRowSums(INDArray perElement) {
        double[] values = perElement.reshape(rows, columns).dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] sums = new double[(int) rows];
        for (int i = 0; i < values.length; i++) {
            if (elementKept[i]) {
                sums[(int) (i / columns)] += values[i];
            }
        }
        return sums;
    }

    /** A copy of {@code a} {@code [rows, columns]} with every masked position exactly 0, whatever it held (NaN, Inf). */
    INDArray select(INDArray a) {
        if (elementKept == null) {
            INDArray out = a.dup();
            for (int r = 0; r < rowKept.length; r++) {
                if (!rowKept[r]) {
                    out.getRow(r).assign(0.0);
                }
            }
            return out;
        }
        double[] values = a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        for (int i = 0; i < values.length; i++) {
            if (!elementKept[i]) {
                values[i] = 0.0;
            }
        }
        return Nd4j.createFromArray(values).reshape('c', a.shape()).castTo(a.dataType());
    }
}
