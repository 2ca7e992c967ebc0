package dev.lossforge.torch;

import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.util.Map;
import java.util.Set;

/**
 * torchvision's losses ({@code torchvision.ops}) by their function names, with options by torchvision's keyword
 * names, as torchvision 0.14 computes them:
 *
 * <pre>{@code
 * LossFunction focal = TorchVisionLosses.create("sigmoid_focal_loss", Map.of("gamma", 2.0, "reduction", "mean"));
 * LossFunction giou = TorchVisionLosses.create("generalized_box_iou_loss", Map.of());   // boxes (N,4): x1,y1,x2,y2
 * }</pre>
 *
 * <p>As in torchvision, the reduction is {@code none} unless given. Declared in the DSL in
 * {@code TorchVisionLossDefinitions}.
 */
public final class TorchVisionLosses {
    private static final LossCatalog CATALOG = new LossCatalog("torchvision loss");

    static {
        CATALOG.add("sigmoid_focal_loss", SigmoidFocalLoss::builder);
        CATALOG.add("generalized_box_iou_loss", GeneralizedBoxIouLoss::builder);
        CATALOG.add("distance_box_iou_loss", DistanceBoxIouLoss::builder);
        CATALOG.add("complete_box_iou_loss", CompleteBoxIouLoss::builder);
    }

    private TorchVisionLosses() {
    }

    /**
     * The loss named {@code name} (torchvision's function name) with {@code options} (String, Number or Boolean
     * values; a null value keeps the default). An unknown name or option is an {@link IllegalArgumentException}
     * that lists the valid ones.
     */
    public static LossFunction create(String name, Map<String, ?> options) {
        return LossCatalog.build(CATALOG.builder(name).reduction(Reduction.NONE), options);
    }

    /** The names of every loss here, sorted. */
    public static Set<String> names() {
        return CATALOG.names();
    }
}
