package dev.lossforge.runtime;

import static dev.lossforge.runtime.NoGradient.Combination.DIFFERENCE;
import static dev.lossforge.runtime.NoGradient.Combination.OTHER;
import static dev.lossforge.runtime.NoGradient.Combination.SELECTION;
import static dev.lossforge.runtime.NoGradient.Combination.SUM;
import static dev.lossforge.runtime.NoGradient.Rule.MISSING_AS_ZERO;
import static dev.lossforge.runtime.NoGradient.Rule.NEGATED_SECOND;
import static dev.lossforge.runtime.NoGradient.Rule.NO_GRADIENT;
import static dev.lossforge.runtime.NoGradient.Rule.PRESENT_ARGUMENT;
import static dev.lossforge.runtime.fused.PointwiseProgram.NO_GRADIENT_NAME;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lossforge.Reduction;
import dev.lossforge.runtime.fused.PointwiseOp;
import dev.lossforge.runtime.fused.PointwiseProgram;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The no-gradient rules, once as a table and once as what both representations do with them: the array kernels
 * (null) and the fused program (its no-gradient register) must give the same value, or both none.
 */
class NoGradientTest {
    private static final INDArray COND = Nd4j.createFromArray(1f, 0f, 1f, 0f, 1f, 0f).reshape(2, 3);
    private static final INDArray X = Nd4j.createFromArray(1.5f, -2f, 3f, Float.POSITIVE_INFINITY, 0.25f, -0f).reshape(2, 3);
    private static final INDArray Y = Nd4j.createFromArray(-4f, 5f, Float.NaN, 7f, -0.5f, 2f).reshape(2, 3);

    @Test
    void theRulesAsATable() {
        assertEquals(PRESENT_ARGUMENT, NoGradient.rule(SUM, false, false, true));
        assertEquals(PRESENT_ARGUMENT, NoGradient.rule(SUM, false, true, false));
        assertEquals(NO_GRADIENT, NoGradient.rule(SUM, false, true, true));
        assertEquals(PRESENT_ARGUMENT, NoGradient.rule(DIFFERENCE, false, false, true));
        assertEquals(NEGATED_SECOND, NoGradient.rule(DIFFERENCE, false, true, false));
        assertEquals(NO_GRADIENT, NoGradient.rule(DIFFERENCE, false, true, true));
        assertEquals(MISSING_AS_ZERO, NoGradient.rule(SELECTION, false, false, false, true));
        assertEquals(MISSING_AS_ZERO, NoGradient.rule(SELECTION, false, false, true, false));
        assertEquals(NO_GRADIENT, NoGradient.rule(SELECTION, false, false, true, true));
        assertEquals(NO_GRADIENT, NoGradient.rule(SELECTION, true, false, true, false), "where(c, none, 2.0)");
        assertEquals(NO_GRADIENT, NoGradient.rule(SELECTION, false, true, false, false), "a condition without a value");
        assertEquals(NO_GRADIENT, NoGradient.rule(OTHER, false, false, true));
        assertEquals(NO_GRADIENT, NoGradient.rule(OTHER, false, true, false));
    }

    @Test
    void sumsAndDifferencesAgreeWithTheFusedProgram() {
        assertSame(PointwiseOp.ADD, "x", NO_GRADIENT_NAME, Broadcasting.add(X, null));
        assertSame(PointwiseOp.ADD, NO_GRADIENT_NAME, "y", Broadcasting.add(null, Y));
        assertSame(PointwiseOp.ADD, NO_GRADIENT_NAME, NO_GRADIENT_NAME, Broadcasting.add(null, null));
        assertSame(PointwiseOp.SUB, "x", NO_GRADIENT_NAME, Broadcasting.sub(X, null));
        assertSame(PointwiseOp.SUB, NO_GRADIENT_NAME, "y", Broadcasting.sub(null, Y));
        assertSameValues(Y.neg(), Broadcasting.sub(null, Y), "none - y is -y");
        assertSame(PointwiseOp.SUB, NO_GRADIENT_NAME, NO_GRADIENT_NAME, Broadcasting.sub(null, null));
    }

    @Test
    void productsAndQuotientsHaveNoGradientAndAgreeWithTheFusedProgram() {
        assertSame(PointwiseOp.MUL, "x", NO_GRADIENT_NAME, Broadcasting.mul(X, null));
        assertSame(PointwiseOp.MUL, NO_GRADIENT_NAME, "y", Broadcasting.mul(null, Y));
        assertSame(PointwiseOp.DIV, NO_GRADIENT_NAME, "y", Broadcasting.div(null, Y));
        assertNull(Broadcasting.mul(X, null));
        assertNull(Broadcasting.div(null, Y));
    }

    @Test
    void selectionsFillZerosForATensorBranchAndAgreeWithTheFusedProgram() {
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, 2, 3);
        assertSame(PointwiseOp.WHERE, "c", "x", NO_GRADIENT_NAME, Pointwise.where(COND, X, null));
        assertSameValues(Pointwise.where(COND, X, zeros), Pointwise.where(COND, X, null), "where(c, x, none) is where(c, x, 0)");
        assertSame(PointwiseOp.WHERE, "c", NO_GRADIENT_NAME, "y", Pointwise.where(COND, null, Y));
        assertSame(PointwiseOp.WHERE, "c", NO_GRADIENT_NAME, NO_GRADIENT_NAME, Pointwise.where(COND, (INDArray) null, null));
        assertSame(PointwiseOp.WHERE, "c", NO_GRADIENT_NAME, "2.0", Pointwise.where(COND, null, 2.0));
        assertSame(PointwiseOp.WHERE, "c", "2.0", NO_GRADIENT_NAME, Pointwise.where(COND, 2.0, null));
        assertNull(Pointwise.where(COND, null, 2.0), "the other branch is a number: no gradient");
    }

    /**
     * A one-step program {@code result = op(args)} over the inputs c, x, y gives what the kernels gave: both
     * "no gradient", or the same values.
     */
    private static void assertSame(PointwiseOp op, String a, String b, INDArray kernel) {
        assertSameProgram(builder -> builder.step("result", op, a, b), op + "(" + a + ", " + b + ")", kernel);
    }

    private static void assertSame(PointwiseOp op, String a, String b, String c, INDArray kernel) {
        assertSameProgram(builder -> builder.step("result", op, a, b, c), op + "(" + a + ", " + b + ", " + c + ")", kernel);
    }

    private static void assertSameProgram(Function<PointwiseProgram.Builder, PointwiseProgram.Builder> step, String what,
            INDArray kernel) {
        PointwiseProgram program = step.apply(PointwiseProgram.builder("NoGradientTest").inputs("c", "x", "y").seed("g"))
                .output("result").build();
        INDArray[] outputs = program.backward(Reduction.NONE, Nd4j.ones(DataType.FLOAT, 2, 3), COND, X, Y);
        assertNotNull(outputs, what + ": the fused path applies");
        if (kernel == null) {
            assertNull(outputs[0], what + ": no gradient on both paths");
        } else {
            assertSameValues(kernel, outputs[0], what);
        }
    }

    /** Same shape and the same floats, NaN equal to NaN and -0.0 told from 0.0 (INDArray.equals has NaN != NaN). */
    private static void assertSameValues(INDArray expected, INDArray actual, String what) {
        assertNotNull(actual, what + ": a gradient on both paths");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(HostArrays.floats(expected), HostArrays.floats(actual), what);
    }
}
