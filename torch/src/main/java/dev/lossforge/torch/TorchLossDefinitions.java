package dev.lossforge.torch;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Index;
import dev.lossforge.Loss;
import dev.lossforge.Option;
import dev.lossforge.Shape;
import dev.lossforge.dsl.Tensor;

/**
 * PyTorch's {@code torch.nn} losses, declared in the LossForge DSL. Each method returns the unreduced loss;
 * the processor generates the class named in {@code @Loss(name = ...)}, with PyTorch's options and
 * reductions. Called directly (with eager tensors), each method is also a slow reference implementation.
 */
final class TorchLossDefinitions {
    private TorchLossDefinitions() {
    }

    /** {@code (input - target)^2}. */
    @Loss(name = "MSELoss", pred = "*d", target = "*d")
    static Tensor mse(Tensor input, Tensor target) {
        return square(input.sub(target));
    }

    /**
     * {@code -weight[target] * input[target]}, 0 where target is ignore_index; MEAN divides by the sum of the
     * selected weights, as PyTorch does.
     */
    @Loss(name = "NLLLoss", pred = "N,C,*d", target = "N,*d")
    static Tensor nll(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "1") @Shape("C") Tensor weight,
            @Option(defaultValue = "-100") long ignoreIndex) {
        Tensor w = take(weight, target, ignoreIndex);
        return weighted(gather(input, 1, target, ignoreIndex).neg().mul(w), w);
    }

    /** NLLLoss of the log-softmax over the class dim (dim 1), with class-index targets. */
    @Loss(name = "CrossEntropyLoss", pred = "N,C,*d", target = "N,*d")
    static Tensor crossEntropy(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "1") @Shape("C") Tensor weight,
            @Option(defaultValue = "-100") long ignoreIndex) {
        Tensor logProbs = logSoftmax(input, 1);
        Tensor w = take(weight, target, ignoreIndex);
        return weighted(gather(logProbs, 1, target, ignoreIndex).neg().mul(w), w);
    }

    /**
     * {@code -weight * (target*log(input) + (1-target)*log(1-input))}, logs clamped at -100; {@code weight}
     * broadcasts against the input.
     */
    @Loss(name = "BCELoss", pred = "*d", target = "*d")
    static Tensor bce(Tensor input, Tensor target, @Option(defaultValue = "1") Tensor weight) {
        return binaryCrossEntropy(input, target).mul(weight);
    }

    /** {@code |input - target|}. */
    @Loss(name = "L1Loss", pred = "*d", target = "*d")
    static Tensor l1(Tensor input, Tensor target) {
        return abs(input.sub(target));
    }

    /**
     * {@code 0.5 z^2} where {@code z = |input - target| < delta}, else {@code delta * (z - 0.5 delta)}. The
     * quadratic branch squares {@code min(z, delta)}: equal where it is taken, and finite (so its zero gradient
     * stays zero, not 0 * inf) where it is not, as for infinite inputs.
     */
    @Loss(name = "HuberLoss", pred = "*d", target = "*d")
    static Tensor huber(Tensor input, Tensor target, @Option(defaultValue = "1.0", valid = "delta > 0") double delta) {
        Tensor z = abs(input.sub(target));
        return where(lt(z, delta), square(clampMax(z, delta)).mul(0.5), z.sub(0.5 * delta).mul(delta));
    }

    /**
     * {@code weight * ((1 - t) x - (1 + (pos_weight - 1) t) log sigmoid(x))}, with a stable log-sigmoid, so
     * that logits of ±1e4 give finite values and gradients. {@code pos_weight} broadcasts over the last dim.
     */
    @Loss(name = "BCEWithLogitsLoss", pred = "*d", target = "*d")
    static Tensor bceWithLogits(Tensor input, Tensor target, @Option(defaultValue = "1") Tensor weight,
            @Option(defaultValue = "1") Tensor posWeight) {
        Tensor logWeight = posWeight.sub(1.0).mul(target).add(1.0);
        return constant(1.0).sub(target).mul(input).sub(logWeight.mul(logSigmoid(input))).mul(weight);
    }

    /** {@code max(0, -y (x1 - x2) + margin)}; the gradient passes at exactly 0, as PyTorch's clamp_min. */
    @Loss(name = "MarginRankingLoss", pred = "*d", target = "*d")
    static Tensor marginRanking(Tensor input1, Tensor input2, @Shape("*d") Tensor target,
            @Option(defaultValue = "0") double margin) {
        return clampMin(target.neg().mul(input1.sub(input2)).add(margin), 0.0);
    }
}
