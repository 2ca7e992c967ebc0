package dev.lossforge.dsl;

import dev.lossforge.runtime.Broadcasting;
import dev.lossforge.runtime.IndexKernels;
import dev.lossforge.runtime.Pointwise;
import dev.lossforge.runtime.Reductions;
import dev.lossforge.runtime.Shapes;
import dev.lossforge.runtime.Softmax;
import dev.lossforge.runtime.TorchPrimitives;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DSL's functions, PyTorch's functional names in camelCase. Import them statically:
 * {@code import static dev.lossforge.dsl.Ops.*;}. Each word's shape rule and derivative are listed in
 * docs/vocabulary.md and defined once, in the processor's op table.
 */
public final class Ops {
    private Ops() {
    }

    /** A scalar constant, broadcast against whatever it meets. */
    public static Tensor constant(double value) {
        return Tensor.of(Nd4j.scalar(DataType.DOUBLE, value));
    }

    public static Tensor exp(Tensor t) { return Tensor.of(Pointwise.exp(t.value())); }

    public static Tensor log(Tensor t) { return Tensor.of(Pointwise.log(t.value())); }

    public static Tensor log1p(Tensor t) { return Tensor.of(Pointwise.log1p(t.value())); }

    /** {@code x log y}, 0 where x is 0 (unless y is NaN): PyTorch's {@code torch.xlogy}, so {@code xlogy(t, t)} is 0 at t = 0. */
    public static Tensor xlogy(Tensor x, Tensor y) { return Tensor.of(Pointwise.xlogy(x.value(), y.value())); }

    public static Tensor xlogy(Tensor x, double y) { return Tensor.of(Pointwise.xlogy(x.value(), y)); }

    /** {@code exp(t) - 1}, exact near 0. */
    public static Tensor expm1(Tensor t) { return Tensor.of(Pointwise.expm1(t.value())); }

    public static Tensor sqrt(Tensor t) { return Tensor.of(Pointwise.sqrt(t.value())); }

    public static Tensor square(Tensor t) { return Tensor.of(Pointwise.square(t.value())); }

    public static Tensor abs(Tensor t) { return Tensor.of(Pointwise.abs(t.value())); }

    /** {@code arctan(t)}. */
    public static Tensor atan(Tensor t) { return Tensor.of(Pointwise.atan(t.value())); }

    /** {@code t} itself, with no gradient through it: PyTorch's {@code detach}, a value computed under no_grad. */
    public static Tensor detach(Tensor t) { return t; }

    public static Tensor sigmoid(Tensor t) { return Tensor.of(Pointwise.sigmoid(t.value())); }

    /** {@code log(sigmoid(t))}, computed stably. */
    public static Tensor logSigmoid(Tensor t) { return Tensor.of(Pointwise.logSigmoid(t.value())); }

    public static Tensor softplus(Tensor t) { return Tensor.of(Pointwise.softplus(t.value())); }

    public static Tensor relu(Tensor t) { return Tensor.of(Pointwise.relu(t.value())); }

    public static Tensor clamp(Tensor t, double lo, double hi) { return Tensor.of(Pointwise.clamp(t.value(), lo, hi)); }

    public static Tensor clampMin(Tensor t, double lo) { return Tensor.of(Pointwise.clampMin(t.value(), lo)); }

    public static Tensor clampMax(Tensor t, double hi) { return Tensor.of(Pointwise.clampMax(t.value(), hi)); }

    public static Tensor maximum(Tensor a, Tensor b) { return Tensor.of(Broadcasting.maximum(a.value(), b.value())); }

    public static Tensor minimum(Tensor a, Tensor b) { return Tensor.of(Broadcasting.minimum(a.value(), b.value())); }

    public static Tensor gt(Tensor a, Tensor b) { return Tensor.of(Pointwise.gt(a.value(), b.value())); }

    public static Tensor gt(Tensor a, double b) { return Tensor.of(Pointwise.gt(a.value(), b)); }

    public static Tensor ge(Tensor a, Tensor b) { return Tensor.of(Pointwise.ge(a.value(), b.value())); }

    public static Tensor ge(Tensor a, double b) { return Tensor.of(Pointwise.ge(a.value(), b)); }

    public static Tensor lt(Tensor a, Tensor b) { return Tensor.of(Pointwise.lt(a.value(), b.value())); }

    public static Tensor lt(Tensor a, double b) { return Tensor.of(Pointwise.lt(a.value(), b)); }

    public static Tensor le(Tensor a, Tensor b) { return Tensor.of(Pointwise.le(a.value(), b.value())); }

    public static Tensor le(Tensor a, double b) { return Tensor.of(Pointwise.le(a.value(), b)); }

    public static Tensor eq(Tensor a, Tensor b) { return Tensor.of(Pointwise.eq(a.value(), b.value())); }

    public static Tensor eq(Tensor a, double b) { return Tensor.of(Pointwise.eq(a.value(), b)); }

    public static Tensor ne(Tensor a, Tensor b) { return Tensor.of(Pointwise.ne(a.value(), b.value())); }

    public static Tensor ne(Tensor a, double b) { return Tensor.of(Pointwise.ne(a.value(), b)); }

    /** {@code cond ? a : b}, elementwise; a true selection (the branch not taken cannot leak NaN). */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Tensor.of(Pointwise.where(cond.value(), a.value(), b.value()));
    }

    /** Sum over {@code dims}, dropping them; over everything when no dim is given. */
    public static Tensor sum(Tensor t, int... dims) { return Tensor.of(Reductions.sum(t.value(), dims)); }

    /** Mean over {@code dims}, dropping them; over everything when no dim is given. */
    public static Tensor mean(Tensor t, int... dims) { return Tensor.of(Reductions.mean(t.value(), dims)); }

    public static Tensor logsumexp(Tensor t, int dim) { return Tensor.of(Reductions.logsumexp(t.value(), dim)); }

    public static Tensor logSoftmax(Tensor t, int dim) { return Tensor.of(Softmax.logSoftmax(t.value(), dim)); }

    public static Tensor softmax(Tensor t, int dim) { return Tensor.of(Softmax.softmax(t.value(), dim)); }

    /**
     * For each position of {@code index}, the entry of {@code t} along {@code dim}; {@code index} has t's
     * shape without dim. {@code gather(input, 1, target)} on (N,C) and (N) is PyTorch's
     * {@code input[arange(N), target]}.
     */
    public static Tensor gather(Tensor t, int dim, Tensor index) {
        return Tensor.of(IndexKernels.gather(t.value(), dim, index.value()));
    }

    /** {@link #gather(Tensor, int, Tensor)}, with 0 wherever the index equals {@code ignoreIndex}. */
    public static Tensor gather(Tensor t, int dim, Tensor index, long ignoreIndex) {
        return Tensor.of(IndexKernels.gather(t.value(), dim, index.value(), ignoreIndex));
    }

    /** {@code weights[index]} for a 1-D {@code weights}: the result has index's shape. */
    public static Tensor take(Tensor weights, Tensor index) {
        return Tensor.of(IndexKernels.take(weights.value(), index.value()));
    }

    /** {@link #take(Tensor, Tensor)}, with 0 wherever the index equals {@code ignoreIndex}. */
    public static Tensor take(Tensor weights, Tensor index, long ignoreIndex) {
        return Tensor.of(IndexKernels.take(weights.value(), index.value(), ignoreIndex));
    }

    /**
     * CTC's per-sample negative log likelihood of {@code (T, *n, C)} log probabilities, a primitive with PyTorch's
     * own gradient; with {@code zeroInfinity}, infinite losses are 0.
     */
    public static Tensor ctcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths,
            long blank, boolean zeroInfinity) {
        return Tensor.of(dev.lossforge.runtime.TorchPrimitives.ctc(logProbs.value(), targets.value(), inputLengths.value(),
                targetLengths.value(), blank, zeroInfinity));
    }

    /** MultiLabelMarginLoss's per-sample loss: targets are class indices padded with -1. */
    public static Tensor multiLabelMargin(Tensor input, Tensor target) {
        return Tensor.of(TorchPrimitives.multiLabelMargin(input.value(), target.value()));
    }

    /** Class indices or lengths as values, for arithmetic. */
    public static Tensor asValues(Tensor index) {
        return Tensor.of(IndexKernels.asValues(index.value()));
    }

    /**
     * The loss, whose MEAN reduction averages {@code loss / divisor} instead: CTCLoss divides each loss by its
     * target length. Eagerly (no reduction is known) it is the loss.
     */
    public static Tensor meanDividedBy(Tensor loss, Tensor divisor) {
        return loss;
    }

    /** PyTorch's smooth L1 of {@code input - target}, a primitive with PyTorch's own gradient. */
    public static Tensor smoothL1(Tensor input, Tensor target, double beta) {
        return Tensor.of(TorchPrimitives.smoothL1(input.value(), target.value(), beta));
    }

    /** PyTorch's Huber loss of {@code input - target}, a primitive with PyTorch's own gradient. */
    public static Tensor huber(Tensor input, Tensor target, double delta) {
        return Tensor.of(TorchPrimitives.huber(input.value(), target.value(), delta));
    }

    /** {@code t} scaled by the 1-D {@code weights} along {@code dim}: {@code t[n, c, ...] * weights[c]} for dim 1. */
    public static Tensor scaleAlong(Tensor t, int dim, Tensor weights) {
        return Tensor.of(IndexKernels.scaleAlong(t.value(), dim, weights.value()));
    }

    /** 1 where {@code index} picks the entry along {@code dim} of a tensor shaped like {@code like}, else 0. */
    public static Tensor pickMask(Tensor like, int dim, Tensor index) {
        return Tensor.of(IndexKernels.pickMask(like.value(), dim, index.value()));
    }

    /** {@code t} with a size-1 dim inserted at {@code dim}, as PyTorch's unsqueeze. */
    /** {@code t[.., index, ..]} along {@code dim}, that dim dropped, as PyTorch's {@code select}: box coordinates. */
    public static Tensor select(Tensor t, int dim, long index) {
        return Tensor.of(IndexKernels.select(t.value(), dim, index));
    }

    /** The largest value of {@code t} along {@code dim}, that dim dropped (PyTorch's {@code amax}). */
    public static Tensor amax(Tensor t, int dim) {
        return Tensor.of(Reductions.amax(t.value(), dim));
    }

    public static Tensor unsqueeze(Tensor t, int dim) {
        return Tensor.of(Shapes.unsqueeze(t.value(), dim));
    }

    /** The p-norm over {@code dim}, dropping it, as {@code torch.norm(t, p, dim)}. */
    public static Tensor norm(Tensor t, double p, int dim) {
        return Tensor.of(Reductions.norm(t.value(), p, dim));
    }

    /** {@code max(t, lo)} whose gradient passes through unchanged (PyTorch's clamp under {@code no_grad}). */
    public static Tensor clampMinStraightThrough(Tensor t, double lo) {
        return Tensor.of(Pointwise.clampMinStraightThrough(t.value(), lo));
    }

    /** GaussianNLLLoss's var aligned with {@code input} as PyTorch aligns it. */
    public static Tensor alignVariance(Tensor var, Tensor input) {
        return Tensor.of(TorchPrimitives.alignVariance(var.value(), input.value()));
    }

    /**
     * Marks the loss as weighted: its MEAN reduction divides by {@code sum(weights)} rather than by the element
     * count, as PyTorch's weighted NLLLoss divides by the sum of the selected weights. NONE and SUM ignore it.
     */
    public static Tensor weighted(Tensor loss, Tensor weights) {
        return Tensor.weighted(loss, weights);
    }

    /**
     * PyTorch's binary cross entropy of probabilities, {@code -(t*log x + (1-t)*log(1-x))} with each log clamped
     * at -100. A primitive (as in PyTorch) so that its gradient is PyTorch's own,
     * {@code (x - t) / max(x(1-x), 1e-12)}, finite at x = 0 and 1.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return Tensor.of(TorchPrimitives.binaryCrossEntropy(input.value(), target.value()));
    }
}
