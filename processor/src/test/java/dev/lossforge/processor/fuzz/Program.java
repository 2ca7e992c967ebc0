package dev.lossforge.processor.fuzz;

import java.util.List;
import java.util.Set;

/**
 * One generated {@code @Loss} method and what the numeric oracle needs to run it: its parameters with their
 * concrete shapes and value ranges, and which checks apply.
 *
 * @param method the method's name in the source
 * @param className the simple name of the class it generates
 * @param text the method, annotations included
 * @param params the parameters in declaration order
 * @param fdExact whether every derivative in it is the true derivative (false with a clamping straight-through),
 *     so that finite differences apply
 * @param meanDivisor the parameter a top-level {@code meanDividedBy} divides by under MEAN, or null
 * @param words the DSL words it uses
 * @param optionalBatch whether it declares {@code optionalBatch = "N"}: then an unbatched call must match a batch of one
 * @param resultLeadsWithN whether the unreduced loss's first dim is the batch dim N
 */
record Program(String method, String className, String text, List<Param> params, boolean fdExact, String meanDivisor,
        Set<String> words, boolean optionalBatch, boolean resultLeadsWithN) {

    enum Kind {
        VALUE, NO_GRAD, INDEX, OPT_DOUBLE, OPT_FLOAT, OPT_INT, OPT_LONG, OPT_BOOL, OPT_TENSOR, OPT_STRING;

        boolean isOption() {
            return name().startsWith("OPT_");
        }

        boolean isTensorInput() {
            return this == VALUE || this == NO_GRAD || this == INDEX;
        }
    }

    /**
     * @param name the parameter's name
     * @param kind what it is
     * @param shape the concrete shape of a tensor input, or of a tensor option's value when set (else null)
     * @param lo the least value of a value input or a set tensor option; the class count for an index
     * @param hi the greatest value
     * @param defaultValue an option's default, as Java would hold it (Double, Float, Integer, Long, Boolean);
     *     a tensor option's fill value as a Double
     * @param set whether the test sets a tensor option (else it keeps its default)
     * @param batched whether a tensor input declares the leading batch dim N
     */
    record Param(String name, Kind kind, long[] shape, double lo, double hi, Object defaultValue, boolean set, boolean batched) {
        Param(String name, Kind kind, long[] shape, double lo, double hi, Object defaultValue, boolean set) {
            this(name, kind, shape, lo, hi, defaultValue, set, false);
        }
    }

    /** The tensor inputs, in call order. */
    List<Param> inputs() {
        return params.stream().filter(p -> p.kind().isTensorInput()).toList();
    }

    @Override
    public String toString() {
        return text;
    }
}
