package dev.lossforge.processor.ir;

import java.util.List;
import java.util.Set;

/**
 * The names a generated loss class declares or uses itself, which an option may not take: options become fields,
 * no-argument accessors and builder methods of that class. One list, read by the
 * writer (which declares these names) and by the parser (which refuses such an option, on the option).
 */
public final class GeneratedNames {
    public static final String NAME = "NAME";
    public static final String SIGNATURE = "SIGNATURE";
    public static final String SERIAL_VERSION = "serialVersionUID";
    public static final String INPUT_NAMES = "INPUT_NAMES";
    public static final String VALUE_NAMES = "VALUE_NAMES";
    public static final String BATCHED_RANK = "BATCHED_RANK";
    public static final String HAS_BATCH_DIM = "HAS_BATCH_DIM";
    public static final String PROGRAM = "PROGRAM";
    /** A parameter's declared shape is the constant {@code <PARAM>_SHAPE}. */
    public static final String SHAPE_SUFFIX = "_SHAPE";

    /** Constants of each declaration: prefixed by the declaring method when a class has several ({@code MSE_PROGRAM}). */
    private static final List<String> PER_DECLARATION = List.of(INPUT_NAMES, VALUE_NAMES, BATCHED_RANK, HAS_BATCH_DIM, PROGRAM);
    private static final Set<String> CONSTANTS = Set.of(NAME, SIGNATURE, SERIAL_VERSION);
    /**
     * No-argument methods of the generated class, its interfaces and {@code Object}: an option's accessor (its name,
     * no parameter) would clash with them.
     */
    private static final Set<String> METHODS = Set.of("name", "reduction", "signature", "options", "toBuilder", "builder",
            "hashCode", "toString", "getClass", "notify", "notifyAll", "wait", "clone", "finalize");

    private GeneratedNames() {
    }

    /** Why an option may not be named {@code option}, or null when it may. */
    public static String clash(String option) {
        if (CONSTANTS.contains(option) || option.endsWith(SHAPE_SUFFIX)
                || PER_DECLARATION.stream().anyMatch(c -> option.equals(c) || option.endsWith("_" + c))) {
            return "the constant " + option + " of the generated class";
        }
        if (METHODS.contains(option)) {
            return "the method " + option + "() of the generated class";
        }
        return null;
    }
}
