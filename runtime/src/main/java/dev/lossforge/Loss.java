package dev.lossforge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a loss: a {@code static} method returning {@link dev.lossforge.dsl.Tensor} whose body is a small
 * tensor expression. At javac time LossForge checks its shapes, derives its gradient and generates a
 * {@link LossFunction} named {@link #name()}.
 *
 * <pre>{@code
 * @Loss(pred = "N,C", target = "N")
 * static Tensor nll(Tensor input, @Index("C") Tensor target) {
 *     return gather(input, 1, target).neg();
 * }
 * }</pre>
 *
 * <p>The method returns the <em>unreduced</em> loss; the generated class applies the {@link Reduction}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Loss {
    /** Shape of the first tensor parameter, in the shape language (for example {@code "N,C,*d"}). */
    String pred();

    /** Shape of the second tensor parameter; empty when the loss takes a single input. */
    String target() default "";

    /** Simple name of the generated class; by default the method name capitalised plus {@code Loss}. */
    String name() default "";

    /** Optional declared shape of the unreduced result, checked against what the body computes. */
    String result() default "";

    /**
     * The batch dim that may be left out, as PyTorch accepts unbatched inputs: with {@code optionalBatch = "N"}
     * a call whose first input lacks its leading {@code N} is computed as a batch of one, and every input that
     * declares a leading {@code N} must lack it too. Empty: every input must have all its declared dims.
     */
    String optionalBatch() default "";

    /**
     * A Java boolean expression over the options that a call of this declaration requires, checked on every call
     * before any computation: PyTorch checks some options only against some inputs (CrossEntropyLoss refuses an
     * {@code ignore_index} with probability targets). Empty: every option value suits every call.
     */
    String valid() default "";
}
