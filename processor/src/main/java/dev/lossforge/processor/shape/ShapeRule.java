package dev.lossforge.processor.shape;

import dev.lossforge.processor.ir.Node;
import java.util.List;

/** An op's shape rule: the result's symbolic shape from its arguments', or a {@link ShapeError}. */
@FunctionalInterface
public interface ShapeRule {
    SymShape apply(Node node, List<SymShape> args, Context context) throws ShapeError;

    /** What a rule may ask beyond the argument shapes. */
    interface Context {
        /** The dim an {@code @Index("C")} input indexes ("C"), or null when undeclared. */
        String indexDomain(Node index);
    }
}
