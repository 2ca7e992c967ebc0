package dev.lossforge.runtime.fused;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lossforge.runtime.Pointwise;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The plain-Java exp, log and log1p that a JVM without the Vector API runs, against {@link Math} rounded to float,
 * over a sweep of every 61st float bit pattern (70 million inputs of each sign, every exponent, NaN and infinities
 * included) and the edge values: within one ulp, and exactly Math's value wherever that is NaN, infinite or zero.
 */
class PortableBlockMathTest {
    private static final int STRIDE = 61;
    private static final int CHUNK = 4099; // not a multiple of the implementation's chunk: tails are exercised

    private final PortableBlockMath math = new PortableBlockMath();

    @Test
    void expIsWithinAnUlpOfMathExpOnEveryFloatSampled() {
        sweep("exp", Math::exp, math::exp);
    }

    @Test
    void logIsWithinAnUlpOfMathLogOnEveryFloatSampled() {
        sweep("log", Math::log, math::log);
    }

    @Test
    void log1pIsWithinAnUlpOfMathLog1pOnEveryFloatSampled() {
        sweep("log1p", Math::log1p, math::log1p);
    }

    @Test
    void edgeValuesAreExactlyMathsValues() {
        float[] edges = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 88.72283f, 88.72284f, 88.3762626647949f,
            -87.33654f, -87.6f, -103.97208f, -104f, 1e-8f, -1e-8f, -0.99999994f, 1e30f, Math.nextDown(1f), Math.nextUp(1f)};
        float[] exp = new float[edges.length];
        float[] log = new float[edges.length];
        float[] log1p = new float[edges.length];
        math.exp(edges, exp, edges.length);
        math.log(edges, log, edges.length);
        math.log1p(edges, log1p, edges.length);
        for (int i = 0; i < edges.length; i++) {
            assertWithinAnUlp("exp", edges[i], (float) Math.exp(edges[i]), exp[i]);
            assertWithinAnUlp("log", edges[i], (float) Math.log(edges[i]), log[i]);
            assertWithinAnUlp("log1p", edges[i], (float) Math.log1p(edges[i]), log1p[i]);
        }
        assertEquals(Float.POSITIVE_INFINITY, exp[1]);
        assertEquals(0f, exp[2]);
        assertEquals(Float.NEGATIVE_INFINITY, log[3]);
        assertEquals(Float.NEGATIVE_INFINITY, log1p[6]);
    }

    @Test
    void inPlaceCallsGiveTheSameValues() {
        // special inputs (computed from Math, before the result overwrites them) in the first chunk and in later ones
        float[] a = new float[3000];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (random.nextGaussian() * 50);
        }
        a[7] = Float.NaN;
        a[1500] = -1f;
        a[2000] = 1000f;
        a[2500] = 0f;
        a[2999] = Float.NEGATIVE_INFINITY;
        Map<String, BlockFunction> functions = Map.of("exp", math::exp, "log", math::log, "log1p", math::log1p);
        functions.forEach((name, f) -> {
            float[] separate = new float[a.length];
            f.apply(a, separate, a.length);
            float[] inPlace = a.clone();
            f.apply(inPlace, inPlace, a.length);
            for (int i = 0; i < a.length; i++) {
                assertEquals(separate[i], inPlace[i], name + "(" + a[i] + ") in place");
            }
        });
    }

    @Test
    void xlogyIsXTimesTheLogWithinAnUlpAndZeroForAZeroX() {
        // y sweeps the floats; x takes 0, -0, 1, -2.5, NaN and infinity in turn, so every kind of y meets a zero x
        float[] xs = {0f, -0f, 1f, -2.5f, Float.NaN, Float.POSITIVE_INFINITY, 3e-3f};
        float[] x = new float[CHUNK];
        float[] y = new float[CHUNK];
        float[] out = new float[CHUNK];
        long checked = 0;
        int filled = 0;
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += STRIDE) {
            x[filled] = xs[(int) (bits / STRIDE % xs.length)];
            y[filled++] = Float.intBitsToFloat((int) bits);
            if (filled == CHUNK || bits + STRIDE > 0xFFFFFFFFL) {
                math.xlogy(x, y, out, filled);
                for (int i = 0; i < filled; i++) {
                    float want = Pointwise.xlogy(x[i], y[i]);
                    if (x[i] == 0f && !Float.isNaN(y[i])) {
                        assertEquals(0, Float.compare(0f, out[i]), "xlogy(" + x[i] + ", " + y[i] + ") is +0");
                    } else if (Float.compare(want, out[i]) != 0) {
                        // x times a log within an ulp, rounded: within two ulps of x times the rounded log; NaN,
                        // infinities and zeros exactly
                        boolean exactKind = Float.isNaN(want) || Float.isInfinite(want) || want == 0f;
                        if (exactKind || Math.abs(want - out[i]) > 2 * Math.ulp(want)) {
                            fail("xlogy(" + x[i] + ", " + y[i] + "): expected " + want + ", got " + out[i]);
                        }
                    }
                }
                checked += filled;
                filled = 0;
            }
        }
        assertEquals(0xFFFFFFFFL / STRIDE + 1, checked);
    }

    private interface BlockFunction {
        void apply(float[] in, float[] out, int n);
    }

    private static void sweep(String name, DoubleUnaryOperator reference, BlockFunction f) {
        float[] in = new float[CHUNK];
        float[] out = new float[CHUNK];
        long checked = 0;
        int filled = 0;
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += STRIDE) {
            in[filled++] = Float.intBitsToFloat((int) bits);
            if (filled == CHUNK) {
                f.apply(in, out, filled);
                check(name, reference, in, out, filled);
                checked += filled;
                filled = 0;
            }
        }
        f.apply(in, out, filled);
        check(name, reference, in, out, filled);
        checked += filled;
        assertEquals(0xFFFFFFFFL / STRIDE + 1, checked);
    }

    private static void check(String name, DoubleUnaryOperator reference, float[] in, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            float want = (float) reference.applyAsDouble(in[i]);
            if (Float.compare(want, out[i]) != 0) {
                assertWithinAnUlp(name, in[i], want, out[i]);
            }
        }
    }

    private static void assertWithinAnUlp(String name, float x, float want, float got) {
        boolean exactKind = Float.isNaN(want) || Float.isInfinite(want) || want == 0f;
        if (exactKind ? Float.compare(want, got) != 0 && !(want == 0f && got == 0f)
                : Math.abs(want - got) > Math.ulp(want)) {
            fail(name + "(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + "): expected " + want
                    + " (Math, rounded to float), got " + got);
        }
    }
}
