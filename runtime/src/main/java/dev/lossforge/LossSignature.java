package dev.lossforge;

import java.util.List;

/**
 * What a loss takes: its inputs (in call order) with their declared shapes, and its options.
 *
 * @param lossName the loss's name
 * @param inputs the tensor inputs in positional order
 * @param options the options in declaration order
 */
public record LossSignature(String lossName, List<Input> inputs, List<OptionInfo> options) {

    public LossSignature {
        inputs = List.copyOf(inputs);
        options = List.copyOf(options);
    }

    /**
     * @param name the parameter's name in the DSL method
     * @param shape the declared shape string
     * @param index whether it holds class indices (then it is not differentiable)
     * @param noGrad whether it is a value the loss is not differentiable in ({@code @NoGrad})
     */
    public record Input(String name, String shape, boolean index, boolean noGrad) {
        public Input(String name, String shape, boolean index) {
            this(name, shape, index, false);
        }

        /** Whether {@code backward} returns a gradient for this input. */
        public boolean differentiable() {
            return !index && !noGrad;
        }
    }

    /**
     * @param name the PyTorch-style snake_case name ({@code ignore_index})
     * @param type the Java type: {@code double}, {@code int}, {@code long}, {@code boolean}, {@code String} or {@code INDArray}
     * @param defaultValue the default, as written in {@code @Option(defaultValue = ...)}
     */
    public record OptionInfo(String name, String type, String defaultValue) {
    }

    public int arity() {
        return inputs.size();
    }
}
