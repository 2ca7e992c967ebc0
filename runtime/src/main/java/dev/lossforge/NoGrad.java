package dev.lossforge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a value input that the loss is not differentiable in, as PyTorch does for the ±1 targets of
 * HingeEmbeddingLoss or SoftMarginLoss: {@code backward} returns {@code null} for it.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.PARAMETER)
public @interface NoGrad {
}
