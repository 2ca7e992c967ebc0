package dev.lossforge.processor.diag;

/**
 * The catalogue of LossForge's compile-time messages. Each has a stable tag, printed first as
 * {@code [lossforge.tag]}, so that users and tests can rely on it.
 */
public enum Diag {
    SHAPE_SYNTAX("shape-syntax", "bad shape \"%s\": %s"),
    BROADCAST("shape", "cannot broadcast %s with %s: dim %s vs %s"),
    SHAPE_MISMATCH("shape", "%s must have shape %s but has %s"),
    DIM_RANGE("dim", "dim %s is out of range for %s %s"),
    DIM_VARIADIC("dim", "dim %s of %s falls in the variadic %s, whose rank is unknown"),
    DIM_REPEATED("dim", "dim %s repeats dim %s of %s: each dim may be listed once"),
    INDEX_DOMAIN("index", "%s indexes %s but is used to pick along dim %s of %s, which is %s"),
    INDEX_REQUIRED("index", "%s needs class indices: pass an @Index parameter, not %s"),
    INDEX_AS_VALUE("index", "%s holds class indices and cannot be used as a value in %s"),
    RESULT("result", "the loss has shape %s but @Loss(result = \"%s\") declares %s"),
    UNSUPPORTED("unsupported", "%s is not supported in a @Loss body: %s"),
    UNKNOWN_FUNCTION("unknown", "unknown function '%s'; the DSL has: %s; and weighted(loss, weights) as the returned value"),
    UNKNOWN_NAME("unknown", "unknown name '%s': only the method's parameters and locals can be used"),
    ARGUMENTS("arguments", "%s takes %s but was given %s"),
    SCALAR_EXPECTED("type", "%s must be a number (a literal or a numeric option), not the tensor %s"),
    TENSOR_EXPECTED("type", "%s must be a Tensor, not the number %s"),
    SIGNATURE("signature", "%s"),
    OPTION("option", "%s"),
    STABILITY_REWRITE("stability", "%s is rewritten as %s: %s"),
    STABILITY_HAZARD("stability", "%s can be 0, where %s"),
    INTERNAL("internal", "LossForge failed on %s, which is a bug in LossForge; please report it: %s");

    private final String tag;
    private final String format;

    Diag(String tag, String format) {
        this.tag = tag;
        this.format = format;
    }

    public String tag() {
        return "lossforge." + tag;
    }

    /** The one-line message: {@code [lossforge.tag] text}. */
    public String format(Object... args) {
        return "[" + tag() + "] " + String.format(format, args);
    }
}
