package dev.lossforge.processor.diag;

/**
 * The catalogue of LossForge's compile-time messages, one constant per message (as MapStruct's {@code Message}):
 * its kind, printed first as the stable tag {@code [lossforge.kind]}, its format, and the hint the
 * {@link Reporter} prints under it, if any. Callers pass the arguments, never finished sentences. A hint's
 * format reads the same arguments (by position, as {@code %2$s}).
 */
public enum Diag {
    // ------------------------------------------------------------------ the method's declaration
    NOT_STATIC("signature", "a @Loss method must be static; add 'static' to %s()"),
    RETURN_TYPE("signature", "a @Loss method returns dev.lossforge.dsl.Tensor (the unreduced loss), not %s"),
    NO_BODY("signature", "a @Loss method needs a body"),
    NO_RETURN("signature", "a @Loss method must end with 'return <loss>;'"),
    RETURN_WITHOUT_LOSS("signature", "a @Loss method must return the loss: write 'return <loss>;'"),
    CONSTANT_LOSS("signature", "the loss is the constant %s; a loss must depend on an input"),
    NO_TENSOR_INPUT("signature", "a loss takes at least one Tensor input"),
    REDUCTION_PARAMETER("signature", "'reduction' is an option of every loss (NONE, MEAN or SUM), set on the generated class;"
            + " give this parameter another name"),
    PARAMETER_TYPE("signature", "parameter '%s' is %s %s; a loss takes Tensor inputs, and numbers, strings or optional tensors"
            + " as @Option parameters"),
    SHAPE_MISSING("signature", "tensor parameter '%s' has no declared shape: the first two take @Loss(pred = ..., target = ...),"
            + " the others @Shape(\"...\")"),
    SHAPE_TWICE("signature", "the shape of '%s' is @Loss(%s = \"%s\"); remove this @Shape"),
    TARGET_WITHOUT_INPUT("signature", "@Loss(target = \"%s\") declares a second tensor input, but %s() takes only one Tensor"
            + " (besides options)"),
    CLASS_NAME("signature", "@Loss(name = \"%s\") must be a simple Java class name, as \"MSELoss\""),
    CLASS_NAME_TAKEN("signature", "the generated class would be named %s, as the class that declares %s(); choose another"
            + " @Loss(name = ...)"),
    DECLARATIONS_OPTIONS("signature", "every declaration of %s must take the same options as %s(): they share one builder"),
    DECLARATIONS_INPUTS("signature", "every declaration of %s must take as many tensor inputs as %s() (%s), not %s: a call"
            + " passes them to whichever declaration its shapes fit"),
    NO_TREE_API("signature", "LossForge needs javac's Tree API (com.sun.source) to read @Loss bodies; this compiler does not"
            + " offer it. Compile with javac (Maven, Gradle and IntelliJ use it by default)."),

    // ------------------------------------------------------------------ options
    OPTION_CLASH("signature", "option '%s' would clash with %s; give it another name"),
    OPTION_TYPE("signature", "option '%s' has type %s; options are double, float, int, long, boolean, String or Tensor"),
    OPTION_DEFAULT_MISSING("option", "option '%s' needs a default: write @Option(defaultValue = \"...\")"),
    OPTION_DEFAULT_NOT_INTEGER("option", "option '%s' is %s %s but its default \"%s\" is not an integer that fits in %2$s %3$s"),
    OPTION_DEFAULT_NOT_DECIMAL("option", "option '%s' is %s %s but its default \"%s\" is not a decimal number such as 0.5 or 1e-8"),
    OPTION_DEFAULT_NOT_BOOLEAN("option", "option '%s' is a boolean but its default \"%s\" is neither true nor false"),
    TENSOR_OPTION_DEFAULT("option", "the default of tensor option '%s' must be a number that fills it (as \"1\" for PyTorch's"
            + " weight=None), not \"%s\""),
    PROCESSOR_OPTION_UNKNOWN("option", "unknown processor option -A%s; LossForge's options are %s"),
    PROCESSOR_OPTION_VALUE("option", "-A%s=%s is not a valid value; use true or false"),
    PROCESSOR_OPTION_CHOICE("option", "-A%s=%s is not a valid value; use %s"),

    // ------------------------------------------------------------------ shapes
    SHAPE_SYNTAX("shape-syntax", "bad shape \"%s\": %s"),
    BROADCAST("shape", "cannot broadcast %s with %s: dim %s vs %s"),
    BROADCAST_ANONYMOUS_VARIADICS("shape", BROADCAST.format,
            "each '*' stands for its own dims; name both, as '*d', to declare them the same"),
    BROADCAST_ONE_PER_ROW("shape", BROADCAST.format, "to pick one entry per row, use gather(pred, 1, target) with an @Index target"),
    BROADCAST_REVERSED("shape", BROADCAST.format, "the dims are in reverse order: transpose?"),
    BRANCH_SHAPE("shape", "the other branch of this ?: must have shape %s but has %s"),
    TAKE_WEIGHTS_SHAPE("shape", "the weights of take must have shape (C) but has %s"),
    SCALE_ALONG_WEIGHTS_SHAPE("shape", "the weights of scaleAlong(_, %s, _) must have shape (%s) but has %s"),
    PICK_MASK_INDEX_SHAPE("shape", "the index of pickMask(_, %s, _) must have shape %s but has %s"),
    WEIGHTS_BEYOND_LOSS("shape", "the weights of weighted(loss, weights), broadcast, must have shape %s but has %s"),
    GATHER_INDEX_SHAPE("shape", "the index of gather(_, %2$s, _) must have shape %3$s but has %4$s",
            "the index must have the shape of %1$s without dim %2$s"),
    DIM_RANGE("dim", "dim %s is out of range for a tensor of shape %s"),
    UNSQUEEZE_DIM_RANGE("dim", "dim %s is out of range for unsqueeze of %s"),
    DIM_VARIADIC("dim", "dim %s of %s falls in the variadic %s, whose rank is unknown"),
    DIM_REPEATED("dim", "dim %s repeats dim %s of %s: each dim may be listed once"),
    INDEX_DOMAIN("index", "%s indexes %s but is used to pick along dim %s of %s, which is %s"),
    INDEX_REQUIRED("index", "%s needs class indices: pass an @Index parameter, not %s"),
    INDEX_AS_VALUE("index", "%s holds class indices and cannot be used as a value in %s"),
    RESULT("result", "the loss has shape %s but @Loss(result = \"%s\") declares %s"),

    // ------------------------------------------------------------------ the body
    STATEMENT("unsupported", unsupported("%s", "a body is local declarations ('Tensor x = ...;') and one 'return'")),
    STATEMENT_AFTER_RETURN("unsupported", unsupported("a statement after return", "the return statement must come last")),
    ASSIGNMENT("unsupported", unsupported("an assignment to '%s'",
            "parameters and locals are values, not variables: declare a new local, as 'Tensor y = ...;'")),
    LOCAL_WITHOUT_VALUE("unsupported", unsupported("a local without a value", "write 'Tensor %s = ...;'")),
    LOCAL_FUNCTION("unsupported", unsupported("%s", "a body computes tensors and numbers only: write the expression out where it is used")),
    LOCAL_TYPE("unsupported", unsupported("%s", "locals are Tensor or numbers")),
    STRING_OPTION_IN_EXPRESSION("unsupported", unsupported("the String option '%s' in an expression",
            "String options are passed to the generated class as they are; the body cannot compute with them")),
    NOT_A_TENSOR_EXPRESSION("unsupported", unsupported("%s", "a tensor expression is a parameter, a local, or a call such as exp(x) or x.add(y)")),
    MINUS_ON_TENSOR("unsupported", unsupported("the operator '-' on a tensor", "write x.neg()")),
    PLUS_ON_TENSOR("unsupported", unsupported("the operator '+' on a tensor", "write the tensor alone")),
    OPERATOR_ON_TENSORS("unsupported", unsupported("the operator '%s' on tensors", "use the methods add, sub, mul, div (as in a.add(b))")),
    CALL_WITHOUT_NAME("unsupported", unsupported("%s", "call DSL functions directly")),
    WEIGHTED_INSIDE_EXPRESSION("unsupported", unsupported("weighted(...) inside an expression",
            "weighted(loss, weights) may only be what the method returns")),
    METHOD_AS_FUNCTION("unsupported", unsupported("%s(...) as a function", "it is a Tensor method: write a.%1$s(...)")),
    FUNCTION_AS_METHOD("unsupported", unsupported(".%s(...) as a method", "it is a function: write %1$s(%s%s)")),
    CALL_AS_NUMBER("unsupported", unsupported("%s as a number", "numbers are literals, numeric options, Math functions and arithmetic on them")),
    NOT_A_NUMBER("unsupported", unsupported("%s as a number", "numbers are literals, numeric options and arithmetic on them")),
    UNKNOWN_FUNCTION("unknown", "unknown function '%s'; the DSL has: %s; and weighted(loss, weights) as the returned value"),
    UNKNOWN_NAME("unknown", "unknown name '%s': only the method's parameters and locals can be used"),
    ARGUMENTS("arguments", "%s takes %s but was given %s"),
    DIMS_NOT_LITERAL("arguments", "%s takes integer literals as dims (shapes are checked at compile time) but was given %s"),
    SCALAR_EXPECTED("type", "%s must be a number (a literal or a numeric option), not the tensor %s"),
    TENSOR_EXPECTED("type", "%s must be a Tensor, not the number %s"),
    NUMBER_AS_TENSOR("type", "%s must be a Tensor, not the number %s; wrap it as constant(%2$s)"),
    STABILITY_REWRITE("stability", "%s is rewritten as %s: %s", "write %2$s to say so"),
    STABILITY_HAZARD("stability", "%s can be 0, where %s", "add an eps, as %3$s, or clamp: clampMin(%1$s, eps)"),

    INTERNAL("internal", "LossForge failed on %s, which is a bug in LossForge; please report it: %s");

    private final String tag;
    private final String format;
    private final String hint;

    Diag(String tag, String format) {
        this(tag, format, null);
    }

    Diag(String tag, String format, String hint) {
        this.tag = tag;
        this.format = format;
        this.hint = hint;
    }

    /** The format of every {@code [lossforge.unsupported]} message: what is not supported, then what to write instead. */
    private static String unsupported(String what, String instead) {
        return what + " is not supported in a @Loss body: " + instead;
    }

    public String tag() {
        return "lossforge." + tag;
    }

    /** The one-line message: {@code [lossforge.tag] text}. */
    public String format(Object... args) {
        return "[" + tag() + "] " + String.format(format, args);
    }

    /** The hint printed under the message for these arguments, or null when the message has none. */
    public String hint(Object... args) {
        return hint == null ? null : String.format(hint, args);
    }
}
