package dev.lossforge.runtime;

import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.io.Serializable;

/**
 * What every generated loss shares, written once instead of in each class: its reduction, and equality, hash code
 * and text by its name and options (two losses are equal when they are the same class with the same options).
 * Generated classes extend it; it is support code, not API: program against {@link LossFunction}.
 */
public abstract class GeneratedLoss implements LossFunction, Serializable {
    private static final long serialVersionUID = 1L;

    /** The reduction this instance applies (never null: the builders refuse null). */
    protected final Reduction reduction;

    protected GeneratedLoss(Reduction reduction) {
        this.reduction = reduction;
    }

    @Override
    public final Reduction reduction() {
        return reduction;
    }

    @Override
    public final boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && options().equals(((LossFunction) other).options());
    }

    @Override
    public final int hashCode() {
        return options().hashCode();
    }

    @Override
    public final String toString() {
        return name() + options();
    }
}
