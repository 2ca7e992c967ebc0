package dev.lossforge.runtime.fused;

import org.slf4j.LoggerFactory;

/**
 * exp, log, log1p and sums over float blocks. With {@code --add-modules jdk.incubator.vector} on the JVM these
 * run on the Vector API ({@code VectorBlockMath}: SIMD exp and log); without it, in a JVM started with no flags,
 * on {@link PortableBlockMath}: plain-Java polynomials laid out so that HotSpot vectorises them itself. Both give
 * the float nearest the double result to within an ulp or two. {@code -Dlossforge.vector=false} forces the
 * portable path.
 */
abstract class BlockMath {
    private static final BlockMath INSTANCE = choose();

    static BlockMath get() {
        return INSTANCE;
    }

    /** Whether the vectorised implementation is in use. */
    static boolean vectorised() {
        return !(INSTANCE instanceof PortableBlockMath);
    }

    abstract void exp(float[] a, float[] out, int n);

    abstract void log(float[] a, float[] out, int n);

    abstract void log1p(float[] a, float[] out, int n);

    /**
     * PyTorch's {@code xlogy}: {@code out[i] = x[i] log(y[i])}, but 0 where x[i] is 0 and y[i] is not NaN (so
     * {@code 0 log 0} is 0, and {@code x log y} needs no mask, no {@code where} and no second pass); NaN for a NaN y.
     */
    abstract void xlogy(float[] x, float[] y, float[] out, int n);

    /** The sum of a[0..n), accumulated in float lanes and returned as a double. */
    abstract double sum(float[] a, int n);

    /** The largest of a[0..n) (n > 0); NaN when any is NaN, as {@link Math#max}. */
    abstract float max(float[] a, int n);

    /** The sum of exp(a[i] - shift) over a[0..n), in one pass (log-softmax's denominator). */
    abstract double sumExp(float[] a, float shift, int n);

    /** {@code out[i] = g[i] - exp((x[i] - shift) - logSum) * total}: one row of log-softmax's backward, in one pass. */
    abstract void subtractExpScaled(float[] g, float[] x, float shift, float logSum, float total, float[] out, int n);

    /** {@code a[i] = scale * exp((a[i] - shift) - logSum)} in place: a softmax row times a factor, in PyTorch's order. */
    abstract void scaledSoftmax(float[] a, float shift, float logSum, float scale, int n);

    /** PyTorch's smooth L1 over d = a - b, for beta > 0: {@code 0.5 z^2 / beta} where {@code z = |d| < beta}, else {@code z - 0.5 beta}. */
    abstract void smoothL1(float[] a, float[] b, float beta, float[] out, int n);

    /** Its backward for beta > 0: -1 where {@code d <= -beta}, 1 where {@code d >= beta}, else {@code d / beta}; NaN for NaN. */
    abstract void smoothL1Grad(float[] a, float[] b, float beta, float[] out, int n);

    /** Comparisons, as 1 or 0 ({@code out[i] = a[i] OP b[i] ? 1 : 0}, false for NaN but for NE). */
    enum Comparison { GT, GE, LT, LE, EQ, NE }

    abstract void compare(Comparison kind, float[] a, float[] b, float[] out, int n);

    /** {@code out[i] = cond[i] != 0 ? a[i] : b[i]} (a NaN condition picks a). */
    abstract void where(float[] cond, float[] a, float[] b, float[] out, int n);

    private static BlockMath choose() {
        if (!Boolean.parseBoolean(System.getProperty("lossforge.vector", "true"))) {
            return new PortableBlockMath();
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            // once per JVM: the one setting that still speeds up exp/log-heavy losses several times over
            LoggerFactory.getLogger(BlockMath.class).info("LossForge: exp and log in losses run 3-5x faster with the"
                    + " JVM option --add-modules jdk.incubator.vector (now: plain-Java SIMD loops, correct and fast)");
            return new PortableBlockMath();
        }
        try {
            // loaded by name: the class links against jdk.incubator.vector, absent unless the JVM was told to add it
            return (BlockMath) Class.forName(BlockMath.class.getPackageName() + ".VectorBlockMath")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return new PortableBlockMath();
        }
    }
}
