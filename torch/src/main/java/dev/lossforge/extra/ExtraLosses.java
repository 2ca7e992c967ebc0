package dev.lossforge.extra;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Losses beyond torch.nn and torchvision, by the class name of the library that defined them (MONAI's
 * {@code DiceLoss} and {@code TverskyLoss}; Keras's {@code LogCosh}, {@code MeanSquaredLogarithmicError},
 * {@code MeanAbsolutePercentageError}, {@code SquaredHinge}), with options by that library's keyword names:
 *
 * <pre>{@code
 * LossFunction dice = ExtraLosses.create("DiceLoss", Map.of("sigmoid", true, "include_background", false));
 * }</pre>
 *
 * <p>The default reduction is mean, as in both libraries. Declared in the DSL in {@code ExtraLossDefinitions};
 * docs/catalog.md gives each formula's source and where LossForge differs.
 */
public final class ExtraLosses {
    private static final Map<String, Supplier<LossBuilder>> CATALOG = new TreeMap<>();

    static {
        CATALOG.put("DiceLoss", DiceLoss::builder);
        CATALOG.put("TverskyLoss", TverskyLoss::builder);
        CATALOG.put("LogCosh", LogCosh::builder);
        CATALOG.put("MeanSquaredLogarithmicError", MeanSquaredLogarithmicError::builder);
        CATALOG.put("MeanAbsolutePercentageError", MeanAbsolutePercentageError::builder);
        CATALOG.put("SquaredHinge", SquaredHinge::builder);
    }

    private ExtraLosses() {
    }

    /**
     * The loss named {@code name} with {@code options} (String, Number or Boolean values; a null value keeps the
     * default). An unknown name or option is an {@link IllegalArgumentException} that lists the valid ones.
     */
    public static LossFunction create(String name, Map<String, ?> options) {
        Supplier<LossBuilder> supplier = CATALOG.get(Objects.requireNonNull(name, "name"));
        if (supplier == null) {
            throw new IllegalArgumentException("unknown loss '" + name + "'; valid: " + String.join(", ", CATALOG.keySet()));
        }
        LossBuilder builder = supplier.get();
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
