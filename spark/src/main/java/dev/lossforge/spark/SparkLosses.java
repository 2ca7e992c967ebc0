package dev.lossforge.spark;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Index;
import dev.lossforge.Loss;
import dev.lossforge.Option;
import dev.lossforge.Shape;
import dev.lossforge.dsl.Tensor;

/**
 * A user's own loss, declared in this module: the LossForge annotation processor (the {@code provided}
 * lossforge-processor dependency) turns the {@code @Loss} method below into {@code dev.lossforge.spark.FocalLoss}
 * (see {@code spark/target/generated-sources/annotations}). Nothing about it is Spark-specific: the DL4J adapter
 * serializes it by class name and options, so any class on the executors' classpath trains there.
 */
final class SparkLosses {
    private SparkLosses() {
    }

    /**
     * Multiclass focal loss (Lin et al., 2017): {@code -alpha[target] * (1 - p)^gamma * log p}, with {@code p} the
     * softmax probability of the true class. {@code gamma = 0} and no {@code alpha} give CrossEntropyLoss.
     *
     * @param input logits {@code [N, C]}
     * @param target class indices {@code [N]}
     * @param gamma how strongly well-classified examples are down-weighted
     * @param alpha optional per-class weights
     */
    @Loss(name = "FocalLoss", pred = "N,C", target = "N")
    static Tensor focal(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "2") double gamma,
            @Option(defaultValue = "1") @Shape("C") Tensor alpha) {
        Tensor logP = gather(logSoftmax(input, 1), 1, target);
        // (1 - p)^gamma written as (-p + 1): see the note in samples' SampleLosses (constant on the left of sub)
        Tensor focusing = exp(logP).neg().add(1.0).pow(gamma);
        return focusing.mul(logP).neg().mul(take(alpha, target));
    }
}
