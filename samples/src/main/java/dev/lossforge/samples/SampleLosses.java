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

    /**
     * Dice + BCE, the usual loss for binary segmentation: per image, MONAI's soft Dice loss of the sigmoid of the
     * logits ({@code ExtraLosses.create("DiceLoss", Map.of("sigmoid", true))}) plus the mean over the pixels of
     * {@code BCEWithLogitsLoss}. Dice scores the overlap of the whole mask, so a small object is not drowned by
     * the background; BCE gives every pixel a well-behaved gradient from the first step. MEAN over the images is
     * the sum of the two losses' means.
     *
     * @param logits one row of pixel logits per image
     * @param mask the true mask, 1 on the object and 0 elsewhere
     */
    @Loss(name = "DiceBceLoss", pred = "N,S", target = "N,S")
    static Tensor diceBce(Tensor logits, Tensor mask, @Option(defaultValue = "1e-5") double smooth) {
        Tensor p = sigmoid(logits);
        Tensor intersection = sum(mask.mul(p), 1);
        Tensor dice = constant(1.0).sub(intersection.mul(2.0).add(smooth).div(sum(mask, 1).add(sum(p, 1)).add(smooth)));
        // BCEWithLogitsLoss's stable form: (1 - t) x - log sigmoid(x)
        Tensor bce = mean(constant(1.0).sub(mask).mul(logits).sub(logSigmoid(logits)), 1);
        return dice.add(bce);
    }
}
