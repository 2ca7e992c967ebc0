package dev.lossforge.extra;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Loss;
import dev.lossforge.Option;
import dev.lossforge.dsl.Tensor;

/**
 * Losses DL4J users ask for that torch.nn lacks, declared in the LossForge DSL: MONAI's soft Dice and Tversky
 * losses for segmentation, and five of Keras's losses. Each follows its library's published formula (cited in
 * docs/catalog.md); tools/golden/gen_extra.py re-implements the same formulas in PyTorch for the golden values.
 * {@link ExtraLosses} creates them by name.
 *
 * <p>Inputs are {@code (prediction, target)}, the LossForge and DL4J order; Keras's functions take
 * {@code (y_true, y_pred)}.
 */
final class ExtraLossDefinitions {
    private ExtraLossDefinitions() {
    }

    /**
     * MONAI's {@code DiceLoss}, per example and channel {@code 1 - (2 I + smooth_nr) / (G + P + smooth_dr)} over the
     * spatial positions S (flatten the spatial dims into one), with I the intersection, G and P the sums (of squares
     * with {@code squared_pred}) of target and prediction; with {@code jaccard} the denominator is
     * {@code 2 (G + P - I)}. The unreduced loss is each example's sum over the channels scored (all, or all but the
     * background channel 0); MEAN divides the total by the number of (example, channel) pairs scored, as MONAI's mean.
     */
    @Loss(name = "DiceLoss", pred = "N,C,S", target = "N,C,S")
    static Tensor dice(Tensor input, Tensor target, @Option(defaultValue = "true") boolean includeBackground,
            @Option(defaultValue = "false", valid = "!(sigmoid && softmax)") boolean sigmoid,
            @Option(defaultValue = "false") boolean softmax, @Option(defaultValue = "false") boolean squaredPred,
            @Option(defaultValue = "false") boolean jaccard, @Option(defaultValue = "1e-5") double smoothNr,
            @Option(defaultValue = "1e-5") double smoothDr) {
        Tensor p = sigmoid ? sigmoid(input) : softmax ? softmax(input, 1) : input;
        Tensor intersection = sum(target.mul(p), 2);
        Tensor groundO = squaredPred ? sum(square(target), 2) : sum(target, 2);
        Tensor predO = squaredPred ? sum(square(p), 2) : sum(p, 2);
        Tensor denominator = groundO.add(predO);
        Tensor jaccardDenominator = jaccard ? denominator.sub(intersection).mul(2.0) : denominator;
        Tensor perChannel = constant(1.0).sub(intersection.mul(2.0).add(smoothNr).div(jaccardDenominator.add(smoothDr)));
        // ones shaped like perChannel (equal or not, NaN too), summed over the channels: each example's channel count
        Tensor channels = sum(eq(perChannel, perChannel).add(ne(perChannel, perChannel)), 1);
        Tensor scored = includeBackground ? sum(perChannel, 1) : sum(perChannel, 1).sub(select(perChannel, 1, 0));
        return weighted(scored, includeBackground ? channels : channels.sub(1.0));
    }

    /**
     * DiceLoss on one channel, {@code (N,S)}: MONAI's loss on {@code (N,1,S)}, which skips softmax and keeps the
     * only channel whatever {@code include_background} says (MONAI warns of both). For DL4J's 2-d outputs.
     */
    @Loss(name = "DiceLoss", pred = "N,S", target = "N,S")
    static Tensor diceOneChannel(Tensor input, Tensor target, @Option(defaultValue = "true") boolean includeBackground,
            @Option(defaultValue = "false", valid = "!(sigmoid && softmax)") boolean sigmoid,
            @Option(defaultValue = "false") boolean softmax, @Option(defaultValue = "false") boolean squaredPred,
            @Option(defaultValue = "false") boolean jaccard, @Option(defaultValue = "1e-5") double smoothNr,
            @Option(defaultValue = "1e-5") double smoothDr) {
        Tensor p = sigmoid ? sigmoid(input) : input;
        Tensor intersection = sum(target.mul(p), 1);
        Tensor groundO = squaredPred ? sum(square(target), 1) : sum(target, 1);
        Tensor predO = squaredPred ? sum(square(p), 1) : sum(p, 1);
        Tensor denominator = groundO.add(predO);
        Tensor jaccardDenominator = jaccard ? denominator.sub(intersection).mul(2.0) : denominator;
        return constant(1.0).sub(intersection.mul(2.0).add(smoothNr).div(jaccardDenominator.add(smoothDr)));
    }

    /**
     * MONAI's {@code TverskyLoss}: {@code 1 - (TP + smooth_nr) / (TP + alpha FP + beta FN + smooth_dr)} per example and
     * channel, over the spatial positions S; reduced as DiceLoss. alpha = beta = 0.5 is the Dice loss.
     */
    @Loss(name = "TverskyLoss", pred = "N,C,S", target = "N,C,S")
    static Tensor tversky(Tensor input, Tensor target, @Option(defaultValue = "true") boolean includeBackground,
            @Option(defaultValue = "false", valid = "!(sigmoid && softmax)") boolean sigmoid,
            @Option(defaultValue = "false") boolean softmax, @Option(defaultValue = "0.5") double alpha,
            @Option(defaultValue = "0.5") double beta, @Option(defaultValue = "1e-5") double smoothNr,
            @Option(defaultValue = "1e-5") double smoothDr) {
        Tensor p = sigmoid ? sigmoid(input) : softmax ? softmax(input, 1) : input;
        Tensor truePositives = sum(p.mul(target), 2);
        Tensor falsePositives = sum(p.mul(constant(1.0).sub(target)), 2).mul(alpha);
        Tensor falseNegatives = sum(constant(1.0).sub(p).mul(target), 2).mul(beta);
        Tensor perChannel = constant(1.0).sub(truePositives.add(smoothNr)
                .div(truePositives.add(falsePositives).add(falseNegatives).add(smoothDr)));
        // ones shaped like perChannel (equal or not, NaN too), summed over the channels: each example's channel count
        Tensor channels = sum(eq(perChannel, perChannel).add(ne(perChannel, perChannel)), 1);
        Tensor scored = includeBackground ? sum(perChannel, 1) : sum(perChannel, 1).sub(select(perChannel, 1, 0));
        return weighted(scored, includeBackground ? channels : channels.sub(1.0));
    }

    /** TverskyLoss on one channel, {@code (N,S)}: MONAI's loss on {@code (N,1,S)} (see {@link #diceOneChannel}). */
    @Loss(name = "TverskyLoss", pred = "N,S", target = "N,S")
    static Tensor tverskyOneChannel(Tensor input, Tensor target, @Option(defaultValue = "true") boolean includeBackground,
            @Option(defaultValue = "false", valid = "!(sigmoid && softmax)") boolean sigmoid,
            @Option(defaultValue = "false") boolean softmax, @Option(defaultValue = "0.5") double alpha,
            @Option(defaultValue = "0.5") double beta, @Option(defaultValue = "1e-5") double smoothNr,
            @Option(defaultValue = "1e-5") double smoothDr) {
        Tensor p = sigmoid ? sigmoid(input) : input;
        Tensor truePositives = sum(p.mul(target), 1);
        Tensor falsePositives = sum(p.mul(constant(1.0).sub(target)), 1).mul(alpha);
        Tensor falseNegatives = sum(constant(1.0).sub(p).mul(target), 1).mul(beta);
        return constant(1.0).sub(truePositives.add(smoothNr)
                .div(truePositives.add(falsePositives).add(falseNegatives).add(smoothDr)));
    }

    /** Keras's {@code LogCosh}: the mean over the last axis of {@code log(cosh(x))} = {@code x + softplus(-2x) - log 2}. */
    @Loss(name = "LogCosh", pred = "*b,D", target = "*b,D")
    static Tensor logCosh(Tensor yPred, Tensor yTrue) {
        Tensor x = yPred.sub(yTrue);
        return mean(x.add(softplus(x.mul(-2.0))).sub(Math.log(2.0)), -1);
    }

    /** Keras's {@code MeanSquaredLogarithmicError}: the mean over the last axis of {@code (log(1 + p) - log(1 + t))^2}, p and t at least 1e-7. */
    @Loss(name = "MeanSquaredLogarithmicError", pred = "*b,D", target = "*b,D")
    static Tensor meanSquaredLogarithmicError(Tensor yPred, Tensor yTrue) {
        // Keras writes log(p + 1); log1p is the same value without rounding away the digits of a small p
        Tensor firstLog = log1p(clampMin(yPred, 1e-7));
        Tensor secondLog = log1p(clampMin(yTrue, 1e-7));
        return mean(square(firstLog.sub(secondLog)), -1);
    }

    /** Keras's {@code MeanAbsolutePercentageError}: 100 times the mean over the last axis of {@code |t - p| / max(|t|, 1e-7)}. */
    @Loss(name = "MeanAbsolutePercentageError", pred = "*b,D", target = "*b,D")
    static Tensor meanAbsolutePercentageError(Tensor yPred, Tensor yTrue) {
        Tensor diff = abs(yTrue.sub(yPred).div(clampMin(abs(yTrue), 1e-7)));
        return mean(diff, -1).mul(100.0);
    }

    /** Keras's {@code SquaredHinge}, labels -1 or 1: the mean over the last axis of {@code max(1 - t p, 0)^2}. */
    @Loss(name = "SquaredHinge", pred = "*b,D", target = "*b,D")
    static Tensor squaredHinge(Tensor yPred, Tensor yTrue) {
        return mean(square(clampMin(constant(1.0).sub(yTrue.mul(yPred)), 0.0)), -1);
    }

    /**
     * Keras's {@code CategoricalHinge}, one-hot targets: {@code max(neg - pos + 1, 0)} with {@code pos} the sum over the
     * last axis of {@code t p} and {@code neg} the largest {@code (1 - t) p}.
     */
    @Loss(name = "CategoricalHinge", pred = "*b,D", target = "*b,D")
    static Tensor categoricalHinge(Tensor yPred, Tensor yTrue) {
        Tensor pos = sum(yTrue.mul(yPred), -1);
        Tensor neg = amax(constant(1.0).sub(yTrue).mul(yPred), -1);
        return clampMin(neg.sub(pos).add(1.0), 0.0);
    }
}
