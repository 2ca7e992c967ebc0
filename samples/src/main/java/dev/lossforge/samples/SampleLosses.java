package dev.lossforge.samples;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Index;
import dev.lossforge.Loss;
import dev.lossforge.Option;
import dev.lossforge.Shape;
import dev.lossforge.dsl.Tensor;

/**
 * A loss declared outside the torch catalog, to show that any project can write its own. The LossForge
 * annotation processor (the {@code provided}-scope lossforge-processor dependency in this module's pom) reads
 * each {@code @Loss} method while javac compiles this file and generates a class next to it, here
 * {@code dev.lossforge.samples.FocalLoss}, with the loss's gradient derived from the expression below.
 * The generated source is in {@code samples/target/generated-sources/annotations}.
 */
final class SampleLosses {
    private SampleLosses() {
    }

    /**
     * Focal loss (Lin et al., 2017, "Focal Loss for Dense Object Detection"), multiclass form:
     * {@code -alpha[target] * (1 - p)^gamma * log(p)}, where {@code p} is the softmax probability of the true
     * class. Examples the model already gets right ({@code p} near 1) contribute almost nothing, so training
     * spends its effort on hard examples, which in an imbalanced data set are mostly the rare classes.
     * With {@code gamma = 0} and no {@code alpha} it is exactly CrossEntropyLoss.
     *
     * @param input logits, one row per example
     * @param target the class index of each example
     * @param gamma how strongly easy examples are down-weighted (2 in the paper)
     * @param alpha optional per-class weights; unset, every class weighs 1
     */
    @Loss(name = "FocalLoss", pred = "N,C", target = "N")
    static Tensor focal(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "2") double gamma,
            @Option(defaultValue = "1") @Shape("C") Tensor alpha) {
        // log p of the true class, from logits, computed stably by logSoftmax
        Tensor logP = gather(logSoftmax(input, 1), 1, target);
        Tensor p = exp(logP);
        // (1 - p)^gamma: near 0 for examples the model already gets right
        Tensor focusing = constant(1.0).sub(p).pow(gamma);
        return focusing.mul(logP).neg().mul(take(alpha, target));
    }
}
