package dev.lossforge.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * "No gradient".
 */
public final class NoGradient {
    private NoGradient() {
    }

    /** An input's gradient: zeros where no path gave one ({@code null}). */
    public static INDArray orZeros(INDArray gradient, INDArray input) {
        return gradient != null ? gradient : Pointwise.zerosLike(input);
    }
}
