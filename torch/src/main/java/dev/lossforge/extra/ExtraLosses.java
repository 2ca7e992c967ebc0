package dev.lossforge.extra;

import dev.lossforge.LossFunction;
import dev.lossforge.torch.LossCatalog;
import java.util.Map;
import java.util.Set;

/**
 * Losses beyond torch.nn and torchvision, by the class name of the library that defined them (MONAI's
 * {@code DiceLoss} and {@code TverskyLoss}; Keras's {@code LogCosh}, {@code MeanSquaredLogarithmicError},
 * {@code MeanAbsolutePercentageError}, {@code SquaredHinge}, {@code CategoricalHinge}), with options by that library's keyword names:
 *
 * <pre>{@code
 * LossFunction dice = ExtraLosses.create("DiceLoss", Map.of("sigmoid", true, "include_background", false));
 * }</pre>
 *
 * <p>The default reduction is mean, as in both libraries. Declared in the DSL in {@code ExtraLossDefinitions};
 * docs/catalog.md gives each formula's source and where LossForge differs.
 */
public final class ExtraLosses {
    private static final LossCatalog CATALOG = new LossCatalog("loss");

    static {
        CATALOG.add("DiceLoss", DiceLoss::builder);
        CATALOG.add("TverskyLoss", TverskyLoss::builder);
        CATALOG.add("LogCosh", LogCosh::builder);
        CATALOG.add("MeanSquaredLogarithmicError", MeanSquaredLogarithmicError::builder);
        CATALOG.add("MeanAbsolutePercentageError", MeanAbsolutePercentageError::builder);
        CATALOG.add("SquaredHinge", SquaredHinge::builder);
        CATALOG.add("CategoricalHinge", CategoricalHinge::builder);
    }

    private ExtraLosses() {
    }

    /**
     * The loss named {@code name} with {@code options} (String, Number or Boolean values; a null value keeps the
     * default). An unknown name or option is an {@link IllegalArgumentException} that lists the valid ones.
     */
    public static LossFunction create(String name, Map<String, ?> options) {
        return LossCatalog.build(CATALOG.builder(name), options);
    }

    /** The names of every loss here, sorted. */
    public static Set<String> names() {
        return CATALOG.names();
    }
}
