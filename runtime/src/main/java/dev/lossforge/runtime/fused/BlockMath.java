package dev.lossforge.runtime.fused;

/**
 * exp, log, log1p and sums over float blocks. With {@code --add-modules jdk.incubator.vector} on the JVM these
 * run on the Vector API ({@code VectorBlockMath}: SIMD exp and log, ~30x faster than {@link Math#exp} here);
 * without it, on scalar {@link Math} calls. Both give the float nearest the double result to within an ulp or
 * two. {@code -Dlossforge.vector=false} forces the scalar path.
 */
abstract class BlockMath {
    private static final BlockMath INSTANCE = choose();

    static BlockMath get() {
        return INSTANCE;
    }

    /** Whether the vectorised implementation is in use. */
    static boolean vectorised() {
        return !(INSTANCE instanceof Scalar);
    }

    abstract void exp(float[] a, float[] out, int n);

    abstract void log(float[] a, float[] out, int n);

    abstract void log1p(float[] a, float[] out, int n);

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
        if (!Boolean.parseBoolean(System.getProperty("lossforge.vector", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new Scalar();
        }
        try {
            // loaded by name: the class links against jdk.incubator.vector, absent unless the JVM was told to add it
            return (BlockMath) Class.forName(BlockMath.class.getPackageName() + ".VectorBlockMath")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return new Scalar();
        }
    }

    static final class Scalar extends BlockMath {
        @Override
        void exp(float[] a, float[] out, int n) {
            for (int i = 0; i < n; i++) out[i] = (float) Math.exp(a[i]);
        }

        @Override
        void log(float[] a, float[] out, int n) {
            for (int i = 0; i < n; i++) out[i] = (float) Math.log(a[i]);
        }

        @Override
        void log1p(float[] a, float[] out, int n) {
            for (int i = 0; i < n; i++) out[i] = (float) Math.log1p(a[i]);
        }

        @Override
        double sum(float[] a, int n) {
            // four chains, so that the adds overlap
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < n; i += 4) {
                s0 += a[i];
                s1 += a[i + 1];
                s2 += a[i + 2];
                s3 += a[i + 3];
            }
            for (; i < n; i++) s0 += a[i];
            return (s0 + s1) + (s2 + s3);
        }

        @Override
        float max(float[] a, int n) {
            float m = a[0];
            for (int i = 1; i < n; i++) m = Math.max(m, a[i]);
            return m;
        }

        @Override
        double sumExp(float[] a, float shift, int n) {
            double total = 0;
            for (int i = 0; i < n; i++) total += (float) Math.exp(a[i] - shift);
            return total;
        }

        @Override
        void subtractExpScaled(float[] g, float[] x, float shift, float logSum, float total, float[] out, int n) {
            for (int i = 0; i < n; i++) out[i] = g[i] - (float) Math.exp((x[i] - shift) - logSum) * total;
        }

        @Override
        void scaledSoftmax(float[] a, float shift, float logSum, float scale, int n) {
            for (int i = 0; i < n; i++) a[i] = scale * (float) Math.exp((a[i] - shift) - logSum);
        }

        @Override
        void smoothL1(float[] a, float[] b, float beta, float[] out, int n) {
            float half = 0.5f / beta;
            for (int i = 0; i < n; i++) {
                float z = Math.abs(a[i] - b[i]);
                out[i] = z < beta ? z * z * half : z - 0.5f * beta;
            }
        }

        @Override
        void smoothL1Grad(float[] a, float[] b, float beta, float[] out, int n) {
            float inverse = 1f / beta;
            for (int i = 0; i < n; i++) {
                float d = a[i] - b[i];
                out[i] = d <= -beta ? -1f : d >= beta ? 1f : d * inverse;
            }
        }

        @Override
        void compare(Comparison kind, float[] a, float[] b, float[] out, int n) {
            switch (kind) {
                case GT: for (int i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1f : 0f; break;
                case GE: for (int i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1f : 0f; break;
                case LT: for (int i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1f : 0f; break;
                case LE: for (int i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1f : 0f; break;
                case EQ: for (int i = 0; i < n; i++) out[i] = a[i] == b[i] ? 1f : 0f; break;
                default: for (int i = 0; i < n; i++) out[i] = a[i] != b[i] ? 1f : 0f;
            }
        }

        @Override
        void where(float[] cond, float[] a, float[] b, float[] out, int n) {
            for (int i = 0; i < n; i++) out[i] = cond[i] != 0f ? a[i] : b[i];
        }
    }
}
