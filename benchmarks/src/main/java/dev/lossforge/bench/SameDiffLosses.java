package dev.lossforge.bench;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.lossfunctions.SameDiffLoss;

/**
 * The same losses written as DL4J's {@link SameDiffLoss}: SameDiff builds the graph once, then executes it (and
 * its generated gradient graph) on every call. Each returns the per-example score [N] as the mean over the
 * outputs, which SameDiffLoss sums for {@code computeScore(..., false)}: a constant factor away from PyTorch's
 * value, which does not change the work done.
 *
 * <p>Two SameDiff bugs of 1.0.0-M2.1 shape these definitions: the per-example reduction must be a mean (a
 * {@code sum(1)} makes the gradient pass fail in reduce_sum_bp, "NDArray::reshapei: bad input shape", whether or
 * not an op follows it), and log-softmax must take its default (last) dimension (see {@link CrossEntropy}).
 */
final class SameDiffLosses {
    private SameDiffLosses() {
    }

    /** mean((x - y)^2, 1), as LossMSE. */
    static final class Mse extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable x, SDVariable y) {
            return sd.math().square(x.sub(y)).mean(1);
        }
    }

    /**
     * mean(-onehot * logSoftmax(x), 1), on logits (identity activation). {@code sd.nn().logSoftmax(x, 1)} cannot be
     * used: in 1.0.0-M2.1 createGradFunction clones the graph through FlatBuffers and fails to restore the
     * LogSoftMax dimension ("NoSuchMethodException: java.lang.Integer.values()"); the one-argument form (last dim,
     * which is dim 1 here) has no such property.
     */
    static final class CrossEntropy extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable x, SDVariable t) {
            return t.mul(sd.nn().logSoftmax(x)).neg().mean(1);
        }
    }

    /** mean(-onehot * logp, 1), on log-probabilities. */
    static final class Nll extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable logp, SDVariable t) {
            return t.mul(logp).neg().mean(1);
        }
    }

    /** mean(max(x, 0) - x t + log1p(exp(-|x|)), 1): the stable binary cross entropy on logits. */
    static final class BceWithLogits extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable x, SDVariable t) {
            SDVariable tail = sd.math().log1p(sd.math().exp(sd.math().abs(x).neg()));
            return sd.nn().relu(x, 0.0).sub(x.mul(t)).add(tail).mean(1);
        }
    }

    /** mean(-(t log p + (1 - t) log(1 - p)), 1), on probabilities. */
    static final class Bce extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable p, SDVariable t) {
            SDVariable pos = t.mul(sd.math().log(p));
            SDVariable neg = t.rsub(1.0).mul(sd.math().log(p.rsub(1.0)));
            return pos.add(neg).neg().mean(1);
        }
    }

    /** mean(|d| < 1 ? 0.5 d^2 : |d| - 0.5, 1) with d = x - y (Huber / SmoothL1 with beta 1). */
    static final class SmoothL1 extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable x, SDVariable y) {
            SDVariable d = x.sub(y);
            SDVariable ad = sd.math().abs(d);
            SDVariable inside = ad.lt(1.0).castTo(x.dataType());
            SDVariable quadratic = sd.math().square(d).mul(0.5);
            SDVariable linear = ad.sub(0.5);
            return inside.mul(quadratic).add(inside.rsub(1.0).mul(linear)).mean(1);
        }
    }

    /** mean(q (log q - logp), 1), on log-probabilities logp and probabilities q. */
    static final class KlDiv extends SameDiffLoss {
        @Override
        public SDVariable defineLoss(SameDiff sd, SDVariable logp, SDVariable q) {
            return q.mul(sd.math().log(q).sub(logp)).mean(1);
        }
    }
}
