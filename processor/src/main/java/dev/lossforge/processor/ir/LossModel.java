package dev.lossforge.processor.ir;

import com.sun.source.tree.Tree;
import dev.lossforge.shape.ShapeSpec;
import java.util.List;

/**
 * Everything the later phases need to know about one {@code @Loss} method, with its body as a graph.
 *
 * @param packageName the method's package, where the class is generated
 * @param className the generated class's simple name
 * @param declaringType the class that declares the method, for the generated class's comment
 * @param methodName the DSL method's name
 * @param inputs the tensor inputs, in call order
 * @param options the options, in declaration order
 * @param loss the unreduced loss
 * @param meanWeights what MEAN divides by (from {@code weighted(loss, w)}), or null for the element count
 * @param result the declared result shape, or null
 * @param bodyLines the DSL method's statements, as javac prints them, for the generated class's comment
 * @param optionalBatch the batch dim that unbatched calls leave out ({@code @Loss(optionalBatch)}), or null
 * @param locals every tensor local of the body, used or not (all are shape-checked)
 * @param valid the rule over the options that a call of this declaration requires ({@code @Loss(valid)}), or empty
 */
public record LossModel(String packageName, String className, String declaringType, String methodName,
        List<Input> inputs, List<OptionParam> options, Node loss, Node meanWeights, ShapeSpec result,
        Tree resultTree, List<String> bodyLines, String optionalBatch, List<Node> locals, String valid) {

    public LossModel {
        inputs = List.copyOf(inputs);
        options = List.copyOf(options);
        bodyLines = List.copyOf(bodyLines);
        locals = List.copyOf(locals);
    }

    /**
     * @param name the parameter name
     * @param shape the declared shape
     * @param index whether it holds class indices
     * @param noGrad whether it is a value the loss is not differentiable in
     * @param indexDomain the dim it indexes ({@code @Index("C")}), or null
     * @param node its leaf in the graph
     */
    public record Input(String name, ShapeSpec shape, boolean index, boolean noGrad, String indexDomain, Node node) {
        /** Whether backward returns a gradient for it. */
        public boolean differentiable() {
            return !index && !noGrad;
        }
    }

    /**
     * @param name the Java parameter name (the field and setter name)
     * @param javaType double, float, int, long, boolean, String or Tensor
     * @param defaultValue as written in {@code @Option(defaultValue = ...)}
     * @param shape for a Tensor option, its declared shape; else null
     * @param valid the rule it must satisfy ({@code @Option(valid = ...)}), or empty
     */
    public record OptionParam(String name, String javaType, String defaultValue, ShapeSpec shape, String valid) {
        public boolean isTensor() {
            return "Tensor".equals(javaType);
        }

        /** PyTorch's spelling: {@code ignoreIndex} is {@code ignore_index}. */
        public String torchName() {
            return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
        }
    }
}
