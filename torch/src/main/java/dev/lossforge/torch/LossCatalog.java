package dev.lossforge.torch;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Losses by name, each with its generated builder: what {@link TorchLosses}, {@link TorchVisionLosses} and
 * {@code dev.lossforge.extra.ExtraLosses} share.
 */
public final class LossCatalog {
    private final String kind;
    private final Map<String, Supplier<LossBuilder>> builders = new TreeMap<>();

    /** @param kind what the catalog holds, for messages: "loss", "torchvision loss" */
    public LossCatalog(String kind) {
        this.kind = kind;
    }

    public LossCatalog add(String name, Supplier<LossBuilder> builder) {
        builders.put(name, builder);
        return this;
    }

    /** A new builder for the loss named {@code name}; an unknown name is an IllegalArgumentException listing the valid ones. */
    public LossBuilder builder(String name) {
        Supplier<LossBuilder> supplier = builders.get(Objects.requireNonNull(name, "name"));
        if (supplier == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + name + "'; valid: " + String.join(", ", builders.keySet()));
        }
        return supplier.get();
    }

    /** The names of every loss in the catalog, sorted. */
    public Set<String> names() {
        return Collections.unmodifiableSet(builders.keySet());
    }

    /**
     * Sets {@code options} (String, Number, Boolean or INDArray values; a null value keeps the default) on
     * {@code builder} and builds the loss. An unknown option is the builder's IllegalArgumentException.
     */
    public static LossFunction build(LossBuilder builder, Map<String, ?> options) {
        if (options != null) {
            options.forEach((option, value) -> {
                if (value != null) {
                    builder.set(option, value);
                }
            });
        }
        return builder.build();
    }
}
