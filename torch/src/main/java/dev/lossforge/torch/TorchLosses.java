package dev.lossforge.torch;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The {@code torch.nn} losses by their PyTorch class name, with options by PyTorch's keyword names:
 *
 * <pre>{@code
 * LossFunction ce = TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", 0, "reduction", "sum"));
 * }</pre>
 */
public final class TorchLosses {
    private static final Map<String, Supplier<LossBuilder>> CATALOG = new TreeMap<>();

    static {
        CATALOG.put("MSELoss", MSELoss::builder);
        CATALOG.put("NLLLoss", NLLLoss::builder);
        CATALOG.put("CrossEntropyLoss", CrossEntropyLoss::builder);
        CATALOG.put("BCELoss", BCELoss::builder);
        CATALOG.put("L1Loss", L1Loss::builder);
        CATALOG.put("HuberLoss", HuberLoss::builder);
        CATALOG.put("BCEWithLogitsLoss", BCEWithLogitsLoss::builder);
        CATALOG.put("MarginRankingLoss", MarginRankingLoss::builder);
        CATALOG.put("SmoothL1Loss", SmoothL1Loss::builder);
        CATALOG.put("SoftMarginLoss", SoftMarginLoss::builder);
        CATALOG.put("HingeEmbeddingLoss", HingeEmbeddingLoss::builder);
        CATALOG.put("MultiLabelSoftMarginLoss", MultiLabelSoftMarginLoss::builder);
        CATALOG.put("MultiMarginLoss", MultiMarginLoss::builder);
        CATALOG.put("KLDivLoss", KLDivLoss::builder);
        CATALOG.put("PoissonNLLLoss", PoissonNLLLoss::builder);
        CATALOG.put("GaussianNLLLoss", GaussianNLLLoss::builder);
        CATALOG.put("CosineEmbeddingLoss", CosineEmbeddingLoss::builder);
        CATALOG.put("TripletMarginLoss", TripletMarginLoss::builder);
        CATALOG.put("TripletMarginWithDistanceLoss", TripletMarginWithDistanceLoss::builder);
        CATALOG.put("CTCLoss", CTCLoss::builder);
        CATALOG.put("MultiLabelMarginLoss", MultiLabelMarginLoss::builder);
    }

    private TorchLosses() {
    }

    /**
     * The loss named {@code torchName} with {@code options} (String, Number, Boolean or INDArray values; a
     * null value keeps the default). An unknown name or option is an {@link IllegalArgumentException} that
     * lists the valid ones.
     */
    public static LossFunction create(String torchName, Map<String, ?> options) {
        LossBuilder builder = builder(torchName);
        if (options != null) {
            options.forEach((name, value) -> {
                if (value != null) {
                    builder.set(name, value);
                }
            });
        }
        return builder.build();
    }

    public static LossFunction create(String torchName) {
        return create(torchName, Map.of());
    }

    /** A builder for the loss named {@code torchName}. */
    public static LossBuilder builder(String torchName) {
        Supplier<LossBuilder> supplier = CATALOG.get(Objects.requireNonNull(torchName, "torchName"));
        if (supplier == null) {
            throw new IllegalArgumentException("unknown loss '" + torchName + "'; valid: " + String.join(", ", CATALOG.keySet()));
        }
        return supplier.get();
    }

    /** The names of every loss in the catalog, sorted. */
    public static java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(CATALOG.keySet());
    }
}
