package dev.lossforge.processor.ir;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A number or condition of a loss, computed at run time from literals and options: the typed form of the Java
 * expressions a DSL body writes between tensors ({@code margin - 1.0}, {@code labelSmoothing == 0},
 * {@code Math.log(2 * Math.PI)}). The parser builds it in one walk; the emitter writes it in one place.
 * {@code toString()} is its Java text with options as {@code this.name}, for comments and diagnostics.
 */
public sealed interface Scalar {

    /** A number or boolean literal as written: {@code 2}, {@code 1e-3}, {@code true}. */
    record Literal(String text) implements Scalar {
        @Override
        public String toString() {
            return text;
        }

    }

    /** A numeric or boolean option of the loss: a field of the generated class. */
    record Option(String name) implements Scalar {
        @Override
        public String toString() {
            return "this." + name;
        }
    }

    /** A constant of java.lang: {@code Math.PI}, {@code Double.MIN_NORMAL}, {@code Long.MIN_VALUE}. */
    record Constant(String owner, String name) implements Scalar {
        /** {@code "Long.MIN_VALUE"} as a constant. */
        public static Constant of(String qualified) {
            int dot = qualified.lastIndexOf('.');
            return new Constant(qualified.substring(0, dot), qualified.substring(dot + 1));
        }

        @Override
        public String toString() {
            return owner + "." + name;
        }
    }

    /** {@code -x}, {@code +x}, {@code !x}. */
    record Unary(String operator, Scalar operand) implements Scalar {
        @Override
        public String toString() {
            return operator + (operand instanceof Unary ? "(" + operand + ")" : operand.toString());
        }
    }

    /** {@code l op r}, parenthesized: {@code (margin - 1.0)}, {@code (labelSmoothing == 0)}. */
    record Binary(String operator, Scalar left, Scalar right) implements Scalar {
        @Override
        public String toString() {
            return "(" + left + " " + operator + " " + right + ")";
        }
    }

    /** {@code (c ? t : f)}. */
    record Conditional(Scalar condition, Scalar ifTrue, Scalar ifFalse) implements Scalar {
        @Override
        public String toString() {
            return "(" + condition + " ? " + ifTrue + " : " + ifFalse + ")";
        }
    }

    /** {@code ((type) x)}. */
    record Cast(String type, Scalar operand) implements Scalar {
        @Override
        public String toString() {
            return "((" + type + ") " + operand + ")";
        }
    }

    /** A {@code Math} function: {@code Math.log(x)}. */
    record Call(String function, List<Scalar> arguments) implements Scalar {
        public Call {
            arguments = List.copyOf(arguments);
        }

        @Override
        public String toString() {
            return "Math." + function + "(" + arguments.stream().map(Scalar::toString).collect(Collectors.joining(", ")) + ")";
        }
    }

    /** Whether the loss's reduction is the given one ({@code meanDividedBy} divides under MEAN only). */
    record ReductionIs(String reduction) implements Scalar {
        @Override
        public String toString() {
            return "this.reduction == Reduction." + reduction;
        }
    }
}
