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
}
