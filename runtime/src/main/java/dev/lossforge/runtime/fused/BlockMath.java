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
    }
}
