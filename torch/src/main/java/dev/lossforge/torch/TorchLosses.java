package dev.lossforge.torch;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import java.util.Map;

/**
 * The {@code torch.nn} losses by their PyTorch class name, with options by PyTorch's keyword names:
 *
 * <pre>{@code
 * LossFunction ce = TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", 0, "reduction", "sum"));
 * }</pre>
 */
public final class TorchLosses {
    private static final LossCatalog CATALOG = new LossCatalog("loss");

    static {
        CATALOG.add("MSELoss", MSELoss::builder);
        CATALOG.add("NLLLoss", NLLLoss::builder);
        CATALOG.add("CrossEntropyLoss", CrossEntropyLoss::builder);
        CATALOG.add("BCELoss", BCELoss::builder);
        CATALOG.add("L1Loss", L1Loss::builder);
        CATALOG.add("HuberLoss", HuberLoss::builder);
        CATALOG.add("BCEWithLogitsLoss", BCEWithLogitsLoss::builder);
        CATALOG.add("MarginRankingLoss", MarginRankingLoss::builder);
        CATALOG.add("SmoothL1Loss", SmoothL1Loss::builder);
        CATALOG.add("SoftMarginLoss", SoftMarginLoss::builder);
        CATALOG.add("HingeEmbeddingLoss", HingeEmbeddingLoss::builder);
        CATALOG.add("MultiLabelSoftMarginLoss", MultiLabelSoftMarginLoss::builder);
        CATALOG.add("MultiMarginLoss", MultiMarginLoss::builder);
        CATALOG.add("KLDivLoss", KLDivLoss::builder);
        CATALOG.add("PoissonNLLLoss", PoissonNLLLoss::builder);
        CATALOG.add("GaussianNLLLoss", GaussianNLLLoss::builder);
        CATALOG.add("CosineEmbeddingLoss", CosineEmbeddingLoss::builder);
        CATALOG.add("TripletMarginLoss", TripletMarginLoss::builder);
        CATALOG.add("TripletMarginWithDistanceLoss", TripletMarginWithDistanceLoss::builder);
        CATALOG.add("CTCLoss", CTCLoss::builder);
        CATALOG.add("MultiLabelMarginLoss", MultiLabelMarginLoss::builder);
    }

    private TorchLosses() {
    }

    /**
     * The loss named {@code torchName} with {@code options} (String, Number, Boolean or INDArray values; a
     * null value keeps the default). An unknown name or option is an {@link IllegalArgumentException} that
     * lists the valid ones.
     */
    public static LossFunction create(String torchName, Map<String, ?> options) {
        return LossCatalog.build(builder(torchName), options);
    }

    public static LossFunction create(String torchName) {
        return create(torchName, Map.of());
    }

    /** A builder for the loss named {@code torchName}. */
    public static LossBuilder builder(String torchName) {
        return CATALOG.builder(torchName);
    }

    /** The names of every loss in the catalog, sorted. */
    public static java.util.Set<String> names() {
        return CATALOG.names();
    }
}
