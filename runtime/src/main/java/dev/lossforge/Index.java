package dev.lossforge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a tensor input that holds class indices rather than values. It is not differentiable.
 * {@link #value()} optionally names the dim its values index, so that {@code gather(input, 1, target)} is
 * checked to pick along that dim: {@code @Index("C")}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.PARAMETER)
public @interface Index {
    String value() default "";
}
