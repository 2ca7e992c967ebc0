package dev.lossforge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a parameter as an option of the loss rather than an input: a primitive, a String, or an optional
 * Tensor (such as a class-weight vector). Options become fields of the generated class and setters of its
 * builder.
 *
 * <p>{@link #defaultValue()} is the value a new loss starts with. For a Tensor option it is a number: the
 * option then behaves as a tensor filled with that number until the user sets one (PyTorch's
 * {@code weight=None} is {@code defaultValue = "1"}).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.PARAMETER)
public @interface Option {
    String defaultValue() default "";

    /**
     * A Java boolean expression over the options that must hold when the loss is built, as PyTorch checks
     * its arguments: {@code @Option(defaultValue = "1.0", valid = "delta > 0") double delta}. A builder whose
     * options break it throws {@link IllegalArgumentException} naming the loss, the option and the rule.
     */
    String valid() default "";
}
