package dev.lossforge.torch;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

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
    private static final Map<String, Supplier<LossBuilder>> CATALOG = new TreeMap<>();

    static {
        CATALOG.put("sigmoid_focal_loss", SigmoidFocalLoss::builder);
        CATALOG.put("generalized_box_iou_loss", GeneralizedBoxIouLoss::builder);
        CATALOG.put("distance_box_iou_loss", DistanceBoxIouLoss::builder);
        CATALOG.put("complete_box_iou_loss", CompleteBoxIouLoss::builder);
    }

    private TorchVisionLosses() {
    }

    /**
     * The loss named {@code name} (torchvision's function name) with {@code options} (String, Number or Boolean
     * values; a null value keeps the default). An unknown name or option is an {@link IllegalArgumentException}
     * that lists the valid ones.
     */
    public static LossFunction create(String name, Map<String, ?> options) {
        Supplier<LossBuilder> supplier = CATALOG.get(Objects.requireNonNull(name, "name"));
        if (supplier == null) {
            throw new IllegalArgumentException("unknown torchvision loss '" + name + "'; valid: " + String.join(", ", CATALOG.keySet()));
        }
        LossBuilder builder = supplier.get().reduction(Reduction.NONE);
        if (options != null) {
            options.forEach((option, value) -> {
                if (value != null) {
                    builder.set(option, value);
                }
            });
        }
        return builder.build();
    }

    /** The names of every loss here, sorted. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(CATALOG.keySet());
    }
}
