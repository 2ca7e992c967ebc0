package dev.lossforge.torch;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Loss;
import dev.lossforge.Option;
import dev.lossforge.dsl.Tensor;

/**
 * torchvision 0.14's detection losses ({@code torchvision.ops}), declared in the LossForge DSL, operation for
 * operation as torchvision computes them, so that values and gradients match. {@link TorchVisionLosses} creates
 * them by torchvision's function names, with torchvision's default reduction, none.
 *
 * <p>The DSL has no helper functions, so the three box losses each spell out the intersection and union
 * (torchvision's {@code _loss_inter_union}).
 */
final class TorchVisionLossDefinitions {
    private TorchVisionLossDefinitions() {
    }

    /**
     * RetinaNet's focal loss, {@code torchvision.ops.sigmoid_focal_loss}: the binary cross-entropy of the logits
     * times {@code (1 - p_t)^gamma}, times {@code alpha_t} unless alpha is negative.
     */
    @Loss(name = "SigmoidFocalLoss", pred = "*d", target = "*d")
    static Tensor sigmoidFocal(Tensor inputs, Tensor targets, @Option(defaultValue = "0.25") double alpha,
            @Option(defaultValue = "2") double gamma) {
        Tensor p = sigmoid(inputs);
        // F.binary_cross_entropy_with_logits(inputs, targets), in BCEWithLogitsLoss's stable form
        Tensor ceLoss = constant(1.0).sub(targets).mul(inputs).sub(logSigmoid(inputs));
        Tensor pT = p.mul(targets).add(constant(1.0).sub(p).mul(constant(1.0).sub(targets)));
        Tensor loss = ceLoss.mul(constant(1.0).sub(pT).pow(gamma));
        Tensor alphaT = targets.mul(alpha).add(constant(1.0).sub(targets).mul(1.0 - alpha));
        return alpha >= 0 ? alphaT.mul(loss) : loss;
    }

    /**
     * {@code torchvision.ops.generalized_box_iou_loss}: {@code 1 - IoU + (C - U) / C}, with C the area of the
     * smallest box enclosing both; boxes are {@code (x1, y1, x2, y2)}.
     */
    @Loss(name = "GeneralizedBoxIouLoss", pred = "*b,4", target = "*b,4")
    static Tensor generalizedBoxIou(Tensor boxes1, Tensor boxes2, @Option(defaultValue = "1e-7") double eps) {
        Tensor x1 = select(boxes1, -1, 0);
        Tensor y1 = select(boxes1, -1, 1);
        Tensor x2 = select(boxes1, -1, 2);
        Tensor y2 = select(boxes1, -1, 3);
        Tensor x1g = select(boxes2, -1, 0);
        Tensor y1g = select(boxes2, -1, 1);
        Tensor x2g = select(boxes2, -1, 2);
        Tensor y2g = select(boxes2, -1, 3);
        Tensor xkis1 = maximum(x1, x1g);
        Tensor ykis1 = maximum(y1, y1g);
        Tensor xkis2 = minimum(x2, x2g);
        Tensor ykis2 = minimum(y2, y2g);
        Tensor intsct = where(gt(ykis2, ykis1), where(gt(xkis2, xkis1), xkis2.sub(xkis1).mul(ykis2.sub(ykis1)), constant(0.0)),
                constant(0.0));
        Tensor union = x2.sub(x1).mul(y2.sub(y1)).add(x2g.sub(x1g).mul(y2g.sub(y1g))).sub(intsct);
        Tensor iou = intsct.div(union.add(eps));
        Tensor xc1 = minimum(x1, x1g);
        Tensor yc1 = minimum(y1, y1g);
        Tensor xc2 = maximum(x2, x2g);
        Tensor yc2 = maximum(y2, y2g);
        Tensor areaC = xc2.sub(xc1).mul(yc2.sub(yc1));
        Tensor miou = iou.sub(areaC.sub(union).div(areaC.add(eps)));
        return constant(1.0).sub(miou);
    }

    /**
     * {@code torchvision.ops.distance_box_iou_loss}: {@code 1 - IoU + d^2 / c^2}, with d the distance between the
     * boxes' centres and c the diagonal of the smallest box enclosing both.
     */
    @Loss(name = "DistanceBoxIouLoss", pred = "*b,4", target = "*b,4")
    static Tensor distanceBoxIou(Tensor boxes1, Tensor boxes2, @Option(defaultValue = "1e-7") double eps) {
        Tensor x1 = select(boxes1, -1, 0);
        Tensor y1 = select(boxes1, -1, 1);
        Tensor x2 = select(boxes1, -1, 2);
        Tensor y2 = select(boxes1, -1, 3);
        Tensor x1g = select(boxes2, -1, 0);
        Tensor y1g = select(boxes2, -1, 1);
        Tensor x2g = select(boxes2, -1, 2);
        Tensor y2g = select(boxes2, -1, 3);
        Tensor xkis1 = maximum(x1, x1g);
        Tensor ykis1 = maximum(y1, y1g);
        Tensor xkis2 = minimum(x2, x2g);
        Tensor ykis2 = minimum(y2, y2g);
        Tensor intsct = where(gt(ykis2, ykis1), where(gt(xkis2, xkis1), xkis2.sub(xkis1).mul(ykis2.sub(ykis1)), constant(0.0)),
                constant(0.0));
        Tensor union = x2.sub(x1).mul(y2.sub(y1)).add(x2g.sub(x1g).mul(y2g.sub(y1g))).sub(intsct);
        Tensor iou = intsct.div(union.add(eps));
        Tensor xc1 = minimum(x1, x1g);
        Tensor yc1 = minimum(y1, y1g);
        Tensor xc2 = maximum(x2, x2g);
        Tensor yc2 = maximum(y2, y2g);
        Tensor diagonalDistanceSquared = square(xc2.sub(xc1)).add(square(yc2.sub(yc1))).add(eps);
        Tensor xP = x2.add(x1).div(2.0);
        Tensor yP = y2.add(y1).div(2.0);
        Tensor xG = x1g.add(x2g).div(2.0);
        Tensor yG = y1g.add(y2g).div(2.0);
        Tensor centersDistanceSquared = square(xP.sub(xG)).add(square(yP.sub(yG)));
        return constant(1.0).sub(iou).add(centersDistanceSquared.div(diagonalDistanceSquared));
    }

    /**
     * {@code torchvision.ops.complete_box_iou_loss}: the distance IoU loss plus {@code alpha v}, with v the
     * difference of the boxes' aspect-ratio angles squared and alpha (computed under no_grad) {@code v / (1 - IoU
     * + v + eps)}. As in torchvision 0.14, the distance IoU part uses its default eps 1e-7 whatever eps is given;
     * eps enters alpha only.
     */
    @Loss(name = "CompleteBoxIouLoss", pred = "*b,4", target = "*b,4")
    static Tensor completeBoxIou(Tensor boxes1, Tensor boxes2, @Option(defaultValue = "1e-7") double eps) {
        Tensor x1 = select(boxes1, -1, 0);
        Tensor y1 = select(boxes1, -1, 1);
        Tensor x2 = select(boxes1, -1, 2);
        Tensor y2 = select(boxes1, -1, 3);
        Tensor x1g = select(boxes2, -1, 0);
        Tensor y1g = select(boxes2, -1, 1);
        Tensor x2g = select(boxes2, -1, 2);
        Tensor y2g = select(boxes2, -1, 3);
        Tensor xkis1 = maximum(x1, x1g);
        Tensor ykis1 = maximum(y1, y1g);
        Tensor xkis2 = minimum(x2, x2g);
        Tensor ykis2 = minimum(y2, y2g);
        Tensor intsct = where(gt(ykis2, ykis1), where(gt(xkis2, xkis1), xkis2.sub(xkis1).mul(ykis2.sub(ykis1)), constant(0.0)),
                constant(0.0));
        Tensor union = x2.sub(x1).mul(y2.sub(y1)).add(x2g.sub(x1g).mul(y2g.sub(y1g))).sub(intsct);
        Tensor iou = intsct.div(union.add(1e-7));
        Tensor xc1 = minimum(x1, x1g);
        Tensor yc1 = minimum(y1, y1g);
        Tensor xc2 = maximum(x2, x2g);
        Tensor yc2 = maximum(y2, y2g);
        Tensor diagonalDistanceSquared = square(xc2.sub(xc1)).add(square(yc2.sub(yc1))).add(1e-7);
        Tensor xP = x2.add(x1).div(2.0);
        Tensor yP = y2.add(y1).div(2.0);
        Tensor xG = x1g.add(x2g).div(2.0);
        Tensor yG = y1g.add(y2g).div(2.0);
        Tensor centersDistanceSquared = square(xP.sub(xG)).add(square(yP.sub(yG)));
        Tensor diouLoss = constant(1.0).sub(iou).add(centersDistanceSquared.div(diagonalDistanceSquared));
        Tensor v = square(atan(x2g.sub(x1g).div(y2g.sub(y1g))).sub(atan(x2.sub(x1).div(y2.sub(y1))))).mul(4 / (Math.PI * Math.PI));
        Tensor alpha = detach(v.div(constant(1.0).sub(iou).add(v).add(eps)));
        return diouLoss.add(alpha.mul(v));
    }
}
