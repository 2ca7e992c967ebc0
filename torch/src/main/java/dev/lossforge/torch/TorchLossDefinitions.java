package dev.lossforge.torch;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Index;
import dev.lossforge.Loss;
import dev.lossforge.NoGrad;
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
    @Loss(name = "NLLLoss", pred = "N,C,*d", target = "N,*d", optionalBatch = "N")
    static Tensor nll(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "1") @Shape("C") Tensor weight,
            @Option(defaultValue = "-100") long ignoreIndex) {
        Tensor w = take(weight, target, ignoreIndex);
        return weighted(gather(input, 1, target, ignoreIndex).neg().mul(w), w);
    }

    /**
     * NLLLoss of the log-softmax over the class dim (dim 1), with class-index targets, mixed with the uniform
     * distribution by {@code labelSmoothing}: {@code (1-ε) nll + ε mean_c(-weight_c logp_c)}, 0 where ignored.
     * MEAN divides by the sum of the selected weights, as PyTorch does.
     */
    @Loss(name = "CrossEntropyLoss", pred = "N,C,*d", target = "N,*d", optionalBatch = "N")
    static Tensor crossEntropy(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "1") @Shape("C") Tensor weight,
            @Option(defaultValue = "-100") long ignoreIndex,
            @Option(defaultValue = "0.0", valid = "labelSmoothing >= 0 && labelSmoothing <= 1") double labelSmoothing) {
        Tensor logProbs = logSoftmax(input, 1);
        Tensor w = take(weight, target, ignoreIndex);
        Tensor nll = gather(logProbs, 1, target, ignoreIndex).neg().mul(w);
        Tensor smooth = where(ne(target, ignoreIndex), mean(scaleAlong(logProbs, 1, weight), 1).neg(), constant(0.0));
        return weighted(labelSmoothing == 0 ? nll : nll.mul(1.0 - labelSmoothing).add(smooth.mul(labelSmoothing)), w);
    }

    /**
     * CrossEntropyLoss with class probabilities as targets (a target shaped like the input, as PyTorch decides):
     * {@code -sum_c weight_c logp_c t'_c} with {@code t' = (1-ε) t + ε/C}. MEAN is the plain mean over the
     * examples. The generated CrossEntropyLoss runs this declaration when the target binds (N,C,*d). PyTorch refuses
     * an ignore_index of 0 or more here ("ignore_index is not supported for floating point target").
     */
    @Loss(name = "CrossEntropyLoss", pred = "N,C,*d", target = "N,C,*d", optionalBatch = "N", valid = "ignoreIndex < 0")
    static Tensor crossEntropyProbabilities(Tensor input, Tensor target,
            @Option(defaultValue = "1") @Shape("C") Tensor weight,
            @Option(defaultValue = "-100") long ignoreIndex,
            @Option(defaultValue = "0.0", valid = "labelSmoothing >= 0 && labelSmoothing <= 1") double labelSmoothing) {
        Tensor weightedLogProbs = scaleAlong(logSoftmax(input, 1), 1, weight);
        Tensor expected = sum(weightedLogProbs.mul(target), 1);
        return labelSmoothing == 0 ? expected.neg()
                : expected.mul(1.0 - labelSmoothing).add(mean(weightedLogProbs, 1).mul(labelSmoothing)).neg();
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
     * {@code 0.5 d^2} where {@code |d| < delta}, else {@code delta (|d| - 0.5 delta)}, {@code d = input - target}.
     * A primitive, as in PyTorch, so that NaN inputs give NaN gradients as PyTorch's huber_loss_backward does.
     */
    @Loss(name = "HuberLoss", pred = "*d", target = "*d")
    static Tensor huberLoss(Tensor input, Tensor target, @Option(defaultValue = "1.0", valid = "delta > 0") double delta) {
        return huber(input, target, delta);
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

    /**
     * {@code 0.5 d^2 / beta} where {@code |d| < beta}, else {@code |d| - 0.5 beta}, {@code d = input - target};
     * beta = 0 is L1. A primitive, as in PyTorch, whose gradient is PyTorch's smooth_l1_loss_backward (-1 at a tie
     * when beta = 0, NaN for NaN).
     */
    @Loss(name = "SmoothL1Loss", pred = "*d", target = "*d")
    static Tensor smoothL1Loss(Tensor input, Tensor target, @Option(defaultValue = "1.0", valid = "beta >= 0") double beta) {
        return smoothL1(input, target, beta);
    }

    /** {@code log(1 + exp(-target * input))}, as PyTorch computes it (not overflow-safe); not differentiable in target. */
    @Loss(name = "SoftMarginLoss", pred = "*d", target = "*d")
    static Tensor softMargin(Tensor input, @NoGrad Tensor target) {
        return log1p(exp(input.mul(target).neg()));
    }

    /** The input where target is not -1, plus {@code max(0, margin - input)} where target is not 1. */
    @Loss(name = "HingeEmbeddingLoss", pred = "*d", target = "*d")
    static Tensor hingeEmbedding(Tensor input, @NoGrad Tensor target, @Option(defaultValue = "1.0") double margin) {
        Tensor marginPart = where(ne(target, 1.0), clampMin(constant(margin).sub(input), 0.0), constant(0.0));
        return marginPart.add(where(ne(target, -1.0), input, constant(0.0)));
    }

    /** {@code -mean_c weight_c (y log sigmoid(x) + (1-y) log sigmoid(-x))}, one value per example. */
    @Loss(name = "MultiLabelSoftMarginLoss", pred = "N,C", target = "N,C", optionalBatch = "N")
    static Tensor multiLabelSoftMargin(Tensor input, Tensor target, @Option(defaultValue = "1") Tensor weight) {
        Tensor perClass = target.mul(logSigmoid(input)).add(constant(1.0).sub(target).mul(logSigmoid(input.neg()))).neg();
        return mean(perClass.mul(weight), 1);
    }

    /** {@code mean_{i != y} weight_y max(0, margin - x_y + x_i)^p}, p = 1 or 2, one value per example. */
    @Loss(name = "MultiMarginLoss", pred = "N,C", target = "N", optionalBatch = "N")
    static Tensor multiMargin(Tensor input, @Index("C") Tensor target,
            @Option(defaultValue = "1", valid = "p == 1 || p == 2") long p,
            @Option(defaultValue = "1.0") double margin,
            @Option(defaultValue = "1") @Shape("C") Tensor weight) {
        Tensor picked = unsqueeze(gather(input, 1, target), 1);
        // selected away, not multiplied by 0: the target's own column is inf - inf for an infinite logit
        Tensor hinge = where(pickMask(input, 1, target), constant(0.0), relu(input.sub(picked).add(margin)));
        Tensor powered = p == 1 ? hinge : square(hinge);
        return mean(powered.mul(unsqueeze(take(weight, target), 1)), 1);
    }

    /** {@code target * (log target - input)} (0 where target is 0, PyTorch's xlogy), or with log-space targets {@code exp(t) (t - input)}. */
    @Loss(name = "KLDivLoss", pred = "*d", target = "*d")
    static Tensor klDiv(Tensor input, Tensor target, @Option(defaultValue = "false") boolean logTarget) {
        return logTarget ? exp(target).mul(target.sub(input))
                : xlogy(target, target).sub(target.mul(input));
    }

    /**
     * {@code exp(input) - target * input} for log-space input, else {@code input - target * log(input + eps)};
     * with {@code full}, plus Stirling's term {@code t log t - t + 0.5 log(2 pi t)} where target > 1.
     */
    @Loss(name = "PoissonNLLLoss", pred = "*d", target = "*d")
    static Tensor poissonNll(Tensor input, Tensor target, @Option(defaultValue = "true") boolean logInput,
            @Option(defaultValue = "false") boolean full, @Option(defaultValue = "1e-8", valid = "eps >= 0") double eps) {
        Tensor loss = logInput ? exp(input).sub(target.mul(input)) : input.sub(target.mul(log(input.add(eps))));
        Tensor stirling = target.mul(log(target)).sub(target).add(log(target.mul(2 * Math.PI)).mul(0.5));
        return full ? loss.add(where(le(target, 1.0), constant(0.0), stirling)) : loss;
    }

    /**
     * {@code 0.5 (log v + (input - target)^2 / v)} with {@code v = max(var, eps)} clamped as PyTorch does (the
     * gradient passes through the clamp); {@code full} adds {@code 0.5 log(2 pi)}.
     */
    @Loss(name = "GaussianNLLLoss", pred = "*d", target = "*d")
    static Tensor gaussianNll(Tensor input, Tensor target, @Shape("*v") Tensor var,
            @Option(defaultValue = "false") boolean full, @Option(defaultValue = "1e-6", valid = "eps >= 0") double eps) {
        Tensor v = clampMinStraightThrough(alignVariance(var, input), eps);
        Tensor loss = log(v).add(square(input.sub(target)).div(v)).mul(0.5);
        return full ? loss.add(0.5 * Math.log(2 * Math.PI)) : loss;
    }

    /** {@code 1 - cos(x1, x2)} where target is 1, {@code max(0, cos - margin)} where it is -1. */
    @Loss(name = "CosineEmbeddingLoss", pred = "N,D", target = "N,D", optionalBatch = "N")
    static Tensor cosineEmbedding(Tensor input1, Tensor input2, @NoGrad @Shape("N") Tensor target,
            @Option(defaultValue = "0.0") double margin) {
        // PyTorch's EPSILON here is the float 1e-12f
        Tensor magnitudes = sum(square(input1), 1).add(1e-12f).mul(sum(square(input2), 1).add(1e-12f));
        Tensor cos = sum(input1.mul(input2), 1).div(sqrt(magnitudes));
        return where(eq(target, 1.0), constant(1.0).sub(cos), constant(0.0))
                .add(where(eq(target, -1.0), clampMin(cos.sub(margin), 0.0), constant(0.0)));
    }

    /**
     * {@code max(0, margin + d(a, p) - d(a, n))} with {@code d} the p-norm distance {@code ||x - y + eps||_p};
     * with {@code swap}, {@code d(a, n)} is replaced by {@code min(d(a, n), d(p, n))}.
     */
    @Loss(name = "TripletMarginLoss", pred = "N,D", target = "N,D", optionalBatch = "N")
    static Tensor tripletMargin(Tensor anchor, Tensor positive, @Shape("N,D") Tensor negative,
            @Option(defaultValue = "1.0") double margin, @Option(defaultValue = "2.0") double p,
            @Option(defaultValue = "1e-6", valid = "eps >= 0") double eps, @Option(defaultValue = "false") boolean swap) {
        Tensor toPositive = norm(anchor.sub(positive).add(eps), p, 1);
        Tensor toNegative = norm(anchor.sub(negative).add(eps), p, 1);
        Tensor swapped = minimum(toNegative, norm(positive.sub(negative).add(eps), p, 1));
        return clampMin(toPositive.sub(swap ? swapped : toNegative).add(margin), 0.0);
    }

    /** TripletMarginLoss with PyTorch's default distance, the pairwise 2-norm distance with eps 1e-6. */
    @Loss(name = "TripletMarginWithDistanceLoss", pred = "N,D", target = "N,D", optionalBatch = "N")
    static Tensor tripletMarginWithDistance(Tensor anchor, Tensor positive, @Shape("N,D") Tensor negative,
            @Option(defaultValue = "1.0") double margin, @Option(defaultValue = "false") boolean swap) {
        Tensor toPositive = norm(anchor.sub(positive).add(1e-6), 2.0, 1);
        Tensor toNegative = norm(anchor.sub(negative).add(1e-6), 2.0, 1);
        Tensor swapped = minimum(toNegative, norm(positive.sub(negative).add(1e-6), 2.0, 1));
        return clampMin(toPositive.sub(swap ? swapped : toNegative).add(margin), 0.0);
    }

    /**
     * Connectionist temporal classification: the negative log likelihood of each target given (T, N, C) log
     * probabilities, or (T, C) unbatched; padded (N, S) or concatenated targets. MEAN averages each loss divided
     * by its target length (at least 1), as PyTorch does. A primitive op: the recursion is no elementwise expression.
     */
    @Loss(name = "CTCLoss", pred = "T,*n,C", target = "*s")
    static Tensor ctc(Tensor logProbs, @Index Tensor targets, @Index @Shape("*n") Tensor inputLengths,
            @Index @Shape("*n") Tensor targetLengths,
            @Option(defaultValue = "0", valid = "blank >= 0") long blank, @Option(defaultValue = "false") boolean zeroInfinity) {
        Tensor perSample = ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, zeroInfinity);
        return meanDividedBy(perSample, clampMin(asValues(targetLengths), 1.0));
    }

    /**
     * {@code sum_{j in targets} sum_{i not in targets} max(0, 1 - (x_j - x_i)) / C}, targets being the class
     * indices before the first -1. A primitive op with PyTorch's own gradient.
     */
    @Loss(name = "MultiLabelMarginLoss", pred = "*b,C", target = "*b,C")
    static Tensor multiLabelMarginLoss(Tensor input, @Index Tensor target) {
        return multiLabelMargin(input, target);
    }
}
