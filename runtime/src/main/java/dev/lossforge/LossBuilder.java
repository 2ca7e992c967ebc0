package dev.lossforge;

/**
 * The untyped face of every generated builder: sets options by name, for catalogs, deserialization and
 * tools. Each generated {@code XxxLoss.Builder} also has one typed setter per option.
 */
public interface LossBuilder {

    /** Sets the reduction. */
    LossBuilder reduction(Reduction reduction);

    /**
     * Sets an option by its snake_case (PyTorch) or camelCase (Java) name. Accepts String, Number, Boolean
     * or INDArray values as fit the option, and {@code "reduction"}. An unknown name or a value of the wrong
     * type is an {@link IllegalArgumentException} that lists the valid options.
     */
    LossBuilder set(String option, Object value);

    LossFunction build();
}
