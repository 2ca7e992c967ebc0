package dev.lossforge.dl4j.custom;

import static dev.lossforge.dsl.Ops.clampMin;
import static dev.lossforge.dsl.Ops.constant;
import static dev.lossforge.dsl.Ops.norm;
import static dev.lossforge.dsl.Ops.square;

import dev.lossforge.Loss;
import dev.lossforge.NoGrad;
import dev.lossforge.Option;
import dev.lossforge.Shape;
import dev.lossforge.dsl.Tensor;

/**
 * Two users' own three-input losses, compiled by the processor in this test module, showing how a loss says
 * which inputs come from DL4J's labels (docs/dl4j-adapter.md, "Which inputs come from the labels").
 */
final class PairLosses {
    private PairLosses() {
    }

    /**
     * A squared hinge on a score pair. Its ±1 target is {@code @NoGrad}, as the loss is not differentiable in it, so
     * the adapter takes it from the labels without being told; the two scores come from the output, {@code [N, 2]}.
     */
    @Loss(name = "SquaredRankingLoss", pred = "N", target = "N")
    static Tensor squaredRanking(Tensor better, Tensor worse, @NoGrad @Shape("N") Tensor target) {
        return square(clampMin(target.neg().mul(better.sub(worse)).add(1.0), 0.0));
    }

    /**
     * The contrastive loss of a pair of embeddings: {@code s d^2 + (1 - s) max(0, margin - d)^2} with {@code d}
     * their distance and {@code s} 1 for a similar pair. Every input is differentiable, so by default the adapter
     * would take the second ({@code right}) from the labels: {@code withLabelInputs("similar")} says otherwise.
     */
    @Loss(name = "ContrastiveLoss", pred = "N,D", target = "N,D")
    static Tensor contrastive(Tensor left, Tensor right, @Shape("N") Tensor similar, @Option(defaultValue = "1.0") double margin) {
        Tensor distance = norm(left.sub(right), 2.0, 1);
        Tensor apart = square(clampMin(constant(margin).sub(distance), 0.0));
        return similar.mul(square(distance)).add(constant(1.0).sub(similar).mul(apart));
    }
}
