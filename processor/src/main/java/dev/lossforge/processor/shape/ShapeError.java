package dev.lossforge.processor.shape;

import dev.lossforge.processor.diag.Diag;
import java.util.List;

/** A shape rule's refusal, turned into a diagnostic at the offending expression by {@link ShapeInference}. */
public final class ShapeError extends Exception {
    private final List<String> details;

    public ShapeError(Diag diag, Object... args) {
        this(List.of(), diag, args);
    }

    public ShapeError(List<String> details, Diag diag, Object... args) {
        super(diag.format(args), null, false, false);
        this.details = List.copyOf(details);
    }

    public List<String> details() {
        return details;
    }
}
