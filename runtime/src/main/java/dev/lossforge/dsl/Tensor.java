package dev.lossforge.dsl;

import dev.lossforge.runtime.Broadcasting;
import dev.lossforge.runtime.Pointwise;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tensor in the LossForge DSL. Inside a {@code @Loss} method it is a symbol that the processor compiles;
 * called directly it runs eagerly on ND4J, so a {@code @Loss} method is also a (slow) reference
 * implementation of itself.
 *
 * <p>Method names follow PyTorch's tensor methods. Every method returns a new tensor.
 */
public final class Tensor {
    private final INDArray value;
    /** For {@link Ops#weighted}: what MEAN divides by, or null for the element count. */
    private final Tensor meanWeights;

    private Tensor(INDArray value, Tensor meanWeights) {
        this.value = value;
        this.meanWeights = meanWeights;
    }

    /** Wraps an array for eager evaluation (the array is not copied and never modified). */
    public static Tensor of(INDArray value) {
        return new Tensor(value, null);
    }

    static Tensor weighted(Tensor loss, Tensor weights) {
        return new Tensor(loss.value, weights);
    }

    public INDArray value() {
        return value;
    }

    /** The weights MEAN divides by when this is the result of {@link Ops#weighted}, else null. */
    public Tensor meanWeights() {
        return meanWeights;
    }

    public Tensor add(Tensor other) {
        return of(Broadcasting.add(value, other.value));
    }

    public Tensor add(double other) {
        return of(Broadcasting.add(value, other));
    }

    public Tensor sub(Tensor other) {
        return of(Broadcasting.sub(value, other.value));
    }

    public Tensor sub(double other) {
        return of(Broadcasting.sub(value, other));
    }

    public Tensor mul(Tensor other) {
        return of(Broadcasting.mul(value, other.value));
    }

    public Tensor mul(double other) {
        return of(Broadcasting.mul(value, other));
    }

    public Tensor div(Tensor other) {
        return of(Broadcasting.div(value, other.value));
    }

    public Tensor div(double other) {
        return of(Broadcasting.div(value, other));
    }

    public Tensor neg() {
        return of(Pointwise.neg(value));
    }

    public Tensor pow(double exponent) {
        return of(Pointwise.pow(value, exponent));
    }

    @Override
    public String toString() {
        return "Tensor" + value;
    }
}
