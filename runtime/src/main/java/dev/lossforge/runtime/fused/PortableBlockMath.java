package dev.lossforge.runtime.fused;

import dev.lossforge.runtime.Pointwise;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * {@link BlockMath} in plain Java, for a JVM started without {@code jdk.incubator.vector} (the default).
 *
 * <p>{@link Math#exp} and {@link Math#log} cost 6-18 ns a float and HotSpot never vectorises a loop that calls
 * them. Here exp and log are Cephes' single-precision polynomials (within an ulp of the correctly rounded
 * result), each split into loops that HotSpot's auto-vectoriser (SuperWord) compiles to SIMD on JDK 17 and later:
 * float arithmetic, and int arithmetic on the floats' bits. SuperWord vectorises neither
 * {@link Float#floatToRawIntBits} nor an int-to-float conversion, so the bits cross between float and int arrays
 * through a small direct buffer viewed both ways ({@link Scratch#bitsOf}, {@link Scratch#floatsOf}: two bulk
 * copies, ~0.1 ns a float, against ~0.45 ns for the scalar conversion). The int loop also ORs together a sign test
 * for the rare inputs the polynomial does not cover (NaN, infinities, overflow, subnormals, zero or negative
 * logs); only a chunk that has one takes a scalar pass, which computes those with {@link Math}, so every special
 * value is exactly what {@code Math} gives.
 *
 * <p>Measured on a 2-core x86-64 (AVX2), per float over 1000-float blocks, against a scalar conversion pass and
 * against {@code Math}: exp ~1.1 ns (1.1 ns; Math.exp 6-16 ns: its polynomial loop, ~0.6 ns, is most of it),
 * log ~1.5 ns (1.9 ns; Math.log 9-17 ns), log1p ~1.7 ns (2.15 ns).
 */
final class PortableBlockMath extends BlockMath {
    /** Elements handled per pass, so the scratch arrays stay in L1 whatever n is (a row may be wider). */
    private static final int CHUNK = 1024;

    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split in two, so that x - k ln2 is exact for the k that occur (Cody and Waite)
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer, kept in the low mantissa bits. */
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;
    /** The bits of sqrt(1/2) rounded to float. */
    private static final int SQRT_HALF_BITS = 0x3F3504F3;

    /**
     * Per-thread scratch: the program runs blocks on several threads at once. Every loop below indexes its arrays
     * from 0: SuperWord gives up on a loop whose arrays are read at different offsets (measured: exp 5 ns a float
     * instead of 1), so a chunk that does not start at 0 is copied into {@code input}/{@code input2} and its
     * result out of {@code output}.
     */
    private static final class Scratch {
        final float[] input = new float[CHUNK];
        final float[] input2 = new float[CHUNK];
        final float[] output = new float[CHUNK];
        final float[] scale = new float[CHUNK];
        final float[] mantissa = new float[CHUNK];
        final float[] values = new float[CHUNK];
        final int[] bits = new int[CHUNK];
        final int[] exponentBits = new int[CHUNK];
        final int[] specialIndex = new int[CHUNK];
        final float[] specialValue = new float[CHUNK];

        /** One chunk of memory seen as floats and as ints: how bits cross between the two in bulk. */
        private final ByteBuffer crossing = ByteBuffer.allocateDirect(CHUNK * Float.BYTES).order(ByteOrder.nativeOrder());
        private final FloatBuffer crossingFloats = crossing.asFloatBuffer();
        private final IntBuffer crossingInts = crossing.asIntBuffer();

        /** {@code bits[i] = Float.floatToRawIntBits(a[i])} for i below count. */
        void bitsOf(float[] a, int[] bits, int count) {
            crossingFloats.put(0, a, 0, count);
            crossingInts.get(0, bits, 0, count);
        }

        /** {@code out[i] = Float.intBitsToFloat(bits[i])} for i below count. */
        void floatsOf(int[] bits, float[] out, int count) {
            crossingInts.put(0, bits, 0, count);
            crossingFloats.get(0, out, 0, count);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    void exp(float[] a, float[] out, int n) {
        inChunks(a, out, n, PortableBlockMath::expChunk);
    }

    /** One function over a chunk of at most CHUNK elements, indexed from 0 ({@code a} may be {@code out}). */
    private interface ChunkFunction {
        void apply(float[] a, float[] out, int count, Scratch s);
    }

    /** {@code f} over a[0..n) chunk by chunk, into out. */
    private static void inChunks(float[] a, float[] out, int n, ChunkFunction f) {
        Scratch s = SCRATCH.get();
        for (int from = 0; from < n; from += CHUNK) {
            int count = Math.min(CHUNK, n - from);
            f.apply(chunk(a, from, count, s.input), from == 0 ? out : s.output, count, s);
            copyBack(s.output, out, from, count);
        }
    }

    /** The chunk of a at from, as an array indexed from 0: a itself at 0, else a copy in buffer. */
    private static float[] chunk(float[] a, int from, int count, float[] buffer) {
        if (from == 0) {
            return a;
        }
        System.arraycopy(a, from, buffer, 0, count);
        return buffer;
    }

    /** Where a chunk was computed into the output buffer (from > 0), copies it to its place. */
    private static void copyBack(float[] buffer, float[] out, int from, int count) {
        if (from != 0) {
            System.arraycopy(buffer, 0, out, from, count);
        }
    }

    /**
     * {@code out[i] = exp(a[i])} for i below {@code count <= CHUNK} (a may be out): exp(x) = 2^k p(r) with
     * k = round(x log2 e) and r = x - k ln2 in [-ln2/2, ln2/2].
     */
    private static void expChunk(float[] a, float[] out, int count, Scratch s) {
        float[] scale = s.scale;
        int[] bits = s.bits;
        // 1 (SIMD): k, held in the low bits of k + ROUND_MAGIC
        for (int i = 0; i < count; i++) {
            scale[i] = a[i] * LOG2E + ROUND_MAGIC;
        }
        // 2 (SIMD, on the bits): 2^k's bits; outside < 0 when some k is outside the normal exponents [-126, 127]
        // (NaN and infinities included)
        s.bitsOf(scale, bits, count);
        int outside = 0;
        for (int i = 0; i < count; i++) {
            int exponent = bits[i] - ROUND_MAGIC_BITS + 126; // k + 126, in [0, 253] for a normal 2^k
            outside |= exponent | (253 - exponent);
            bits[i] = (exponent + 1) << 23;
        }
        s.floatsOf(bits, scale, count);
        // 2b (scalar, rare): those inputs' results from Math, before out (which may be a) is written
        int specials = 0;
        if (outside < 0) {
            for (int i = 0; i < count; i++) {
                int exponent = Float.floatToRawIntBits(a[i] * LOG2E + ROUND_MAGIC) - ROUND_MAGIC_BITS + 126;
                if ((exponent | (253 - exponent)) < 0) {
                    s.specialIndex[specials] = i;
                    s.specialValue[specials++] = (float) Math.exp(a[i]);
                }
            }
        }
        // 3 (SIMD): the polynomial, recomputing k the same way as in 1 (cheaper than a second scratch array)
        for (int i = 0; i < count; i++) {
            float x = a[i];
            float k = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
            float r = x - k * LN2_HI - k * LN2_LO;
            float p = 1.9875691500E-4f;
            p = p * r + 1.3981999507E-3f;
            p = p * r + 8.3334519073E-3f;
            p = p * r + 4.1665795894E-2f;
            p = p * r + 1.6666665459E-1f;
            p = p * r + 5.0000001201E-1f;
            out[i] = (p * r * r + r + 1f) * scale[i];
        }
        putSpecials(out, specials, s);
    }

    /** Puts the special values the scalar pass found in place. */
    private static void putSpecials(float[] out, int specials, Scratch s) {
        for (int j = 0; j < specials; j++) {
            out[s.specialIndex[j]] = s.specialValue[j];
        }
    }

    @Override
    void log(float[] a, float[] out, int n) {
        inChunks(a, out, n, PortableBlockMath::logChunk);
    }

    /**
     * {@code out[i] = log(a[i])}: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log x = e ln2 +
     * log(m) with log(m) a polynomial in m - 1. Zero, negative, subnormal, infinite and NaN inputs are special.
     */
    private static void logChunk(float[] a, float[] out, int count, Scratch s) {
        int specials = split(a, count, s);
        for (int j = 0; j < specials; j++) {
            s.specialValue[j] = (float) Math.log(a[s.specialIndex[j]]);
        }
        // 2 (SIMD): the polynomial
        for (int i = 0; i < count; i++) {
            out[i] = logPolynomial(s.mantissa[i], s.scale[i]);
        }
        putSpecials(out, specials, s);
    }

    /**
     * The bit pass of log, log1p and xlogy: each v[i] = m 2^e with m in [sqrt(1/2), sqrt(2)), into s.mantissa (m)
     * and s.scale (e + ROUND_MAGIC, which gives e back by one SIMD subtraction: SuperWord does not vectorise an int
     * to float conversion). A v that is zero, negative, subnormal, infinite or NaN is special: its index goes to
     * s.specialIndex (the count is returned), for the caller to compute its result with Math before it writes its
     * output (which may be v), and to put it over the polynomial's.
     */
    private static int split(float[] v, int count, Scratch s) {
        int[] bits = s.bits;
        int[] exponentBits = s.exponentBits;
        s.bitsOf(v, bits, count);
        int outside = 0;
        for (int i = 0; i < count; i++) {
            int b = bits[i];
            outside |= (b - 0x00800000) | (0x7F7FFFFF - b); // < 0 unless b is a positive normal float
            // without a branch: offset the bits so that the exponent field steps up at sqrt(1/2) instead of 1,
            // read e from it, then put the offset back (musl's logf)
            int shifted = b + (0x3F800000 - SQRT_HALF_BITS);
            bits[i] = (shifted & 0x007FFFFF) + SQRT_HALF_BITS;
            exponentBits[i] = ROUND_MAGIC_BITS + (shifted >> 23) - 127;
        }
        s.floatsOf(bits, s.mantissa, count);
        s.floatsOf(exponentBits, s.scale, count);
        int specials = 0;
        if (outside < 0) {
            // (scalar, rare) where the special inputs are
            for (int i = 0; i < count; i++) {
                int b = Float.floatToRawIntBits(v[i]);
                if (((b - 0x00800000) | (0x7F7FFFFF - b)) < 0) {
                    s.specialIndex[specials++] = i;
                }
            }
        }
        return specials;
    }

    /** log(m 2^e) from {@link #split}'s m and e + ROUND_MAGIC, with m in [sqrt(1/2), sqrt(2)): Cephes' logf. */
    private static float logPolynomial(float m, float biasedExponent) {
        float x = m - 1f;
        float e = biasedExponent - ROUND_MAGIC;
        float z = x * x;
        float y = 7.0376836292E-2f;
        y = y * x - 1.1514610310E-1f;
        y = y * x + 1.1676998740E-1f;
        y = y * x - 1.2420140846E-1f;
        y = y * x + 1.4249322787E-1f;
        y = y * x - 1.6668057665E-1f;
        y = y * x + 2.0000714765E-1f;
        y = y * x - 2.4999993993E-1f;
        y = y * x + 3.3333331174E-1f;
        y = y * x * z;
        y += LN2_LO * e;
        y -= 0.5f * z;
        return x + y + LN2_HI * e;
    }

    @Override
    void log1p(float[] a, float[] out, int n) {
        inChunks(a, out, n, PortableBlockMath::log1pChunk);
    }

    /**
     * log1p(u) = log(v) + (u - (v - 1)) / v with v = 1 + u rounded: the second term restores what the rounding of
     * v lost (exact to an ulp or two; it is u itself when v rounds to 1).
     */
    private static void log1pChunk(float[] a, float[] out, int count, Scratch s) {
        float[] onePlus = s.values;
        float[] correction = s.input2;
        for (int i = 0; i < count; i++) {
            float v = 1f + a[i];
            onePlus[i] = v;
            correction[i] = (a[i] - (v - 1f)) / v;
        }
        int specials = split(onePlus, count, s);
        for (int j = 0; j < specials; j++) {
            s.specialValue[j] = (float) Math.log1p(a[s.specialIndex[j]]);
        }
        // the log and the correction in loops of their own: in one loop body, SuperWord sometimes gives up on it
        // (measured: 6 ns a float instead of 2)
        for (int i = 0; i < count; i++) {
            out[i] = logPolynomial(s.mantissa[i], s.scale[i]);
        }
        for (int i = 0; i < count; i++) {
            out[i] += correction[i];
        }
        putSpecials(out, specials, s);
    }

    @Override
    void xlogy(float[] x, float[] y, float[] out, int n) {
        Scratch s = SCRATCH.get();
        for (int from = 0; from < n; from += CHUNK) {
            int count = Math.min(CHUNK, n - from);
            xlogyChunk(chunk(x, from, count, s.input), chunk(y, from, count, s.input2), from == 0 ? out : s.output,
                    count, s);
            copyBack(s.output, out, from, count);
        }
    }

    /**
     * x log y in the log's own SIMD loop. Where y is a positive normal float, log y is finite, so x = 0 gives a
     * product of 0 or -0, and adding 0 turns -0 into PyTorch's 0 (and changes no other product): no mask is needed.
     * Any other y is special and takes PyTorch's rule from {@link Pointwise#xlogy(float, float)}.
     */
    private static void xlogyChunk(float[] x, float[] y, float[] out, int count, Scratch s) {
        int specials = split(y, count, s);
        for (int j = 0; j < specials; j++) {
            int i = s.specialIndex[j];
            s.specialValue[j] = Pointwise.xlogy(x[i], y[i]);
        }
        // the log and the product in loops of their own, as in log1p: with both in one body, SuperWord gave up on
        // the loop in one JVM in six (a KLDivLoss step at [4096,1000] took 18 ms instead of 9)
        for (int i = 0; i < count; i++) {
            out[i] = logPolynomial(s.mantissa[i], s.scale[i]);
        }
        for (int i = 0; i < count; i++) {
            out[i] = x[i] * out[i] + 0f;
        }
        putSpecials(out, specials, s);
    }

    @Override
    double sum(float[] a, int n) {
        // eight float chains, as eight SIMD lanes would add (so the adds overlap), added up in double at the end
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 7 < n; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        double total = ((double) s0 + s1) + ((double) s2 + s3) + (((double) s4 + s5) + ((double) s6 + s7));
        for (; i < n; i++) total += a[i];
        return total;
    }

    @Override
    float max(float[] a, int n) {
        float m = a[0];
        for (int i = 1; i < n; i++) m = Math.max(m, a[i]);
        return m;
    }

    @Override
    double sumExp(float[] a, float shift, int n) {
        Scratch s = SCRATCH.get();
        float[] shifted = s.values;
        double total = 0;
        for (int from = 0; from < n; from += CHUNK) {
            int count = Math.min(CHUNK, n - from);
            float[] in = chunk(a, from, count, s.input);
            for (int i = 0; i < count; i++) shifted[i] = in[i] - shift;
            expChunk(shifted, shifted, count, s);
            total += sum(shifted, count);
        }
        return total;
    }

    @Override
    void subtractExpScaled(float[] g, float[] x, float shift, float logSum, float total, float[] out, int n) {
        Scratch s = SCRATCH.get();
        float[] p = s.values;
        for (int from = 0; from < n; from += CHUNK) {
            int count = Math.min(CHUNK, n - from);
            float[] xs = chunk(x, from, count, s.input);
            float[] gs = chunk(g, from, count, s.input2);
            float[] dst = from == 0 ? out : s.output;
            for (int i = 0; i < count; i++) p[i] = (xs[i] - shift) - logSum;
            expChunk(p, p, count, s);
            for (int i = 0; i < count; i++) dst[i] = gs[i] - p[i] * total;
            copyBack(s.output, out, from, count);
        }
    }

    @Override
    void scaledSoftmax(float[] a, float shift, float logSum, float scale, int n) {
        Scratch s = SCRATCH.get();
        float[] p = s.values;
        for (int from = 0; from < n; from += CHUNK) {
            int count = Math.min(CHUNK, n - from);
            float[] in = chunk(a, from, count, s.input);
            float[] dst = from == 0 ? a : s.output;
            for (int i = 0; i < count; i++) p[i] = (in[i] - shift) - logSum;
            expChunk(p, p, count, s);
            for (int i = 0; i < count; i++) dst[i] = scale * p[i];
            copyBack(s.output, a, from, count);
        }
    }

    @Override
    void smoothL1(float[] a, float[] b, float beta, float[] out, int n) {
        // without a branch (a random sign mispredicts half the time): with q = min(z, beta), 0.5 q^2 / beta + (z - q)
        // is 0.5 z^2 / beta below beta and z - 0.5 beta above it; NaN stays NaN through min
        float inverse = reciprocal(beta);
        if (inverse == 0f) {
            for (int i = 0; i < n; i++) {
                float z = Math.abs(a[i] - b[i]);
                float q = Math.min(z, beta);
                out[i] = 0.5f * q * (q / beta) + (z - q);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            float z = Math.abs(a[i] - b[i]);
            float q = Math.min(z, beta);
            out[i] = 0.5f * q * (q * inverse) + (z - q);
        }
    }

    @Override
    void smoothL1Grad(float[] a, float[] b, float beta, float[] out, int n) {
        // d / beta clamped to [-1, 1]: exactly +-1 from |d| >= beta on (the product or quotient is monotonic in d and
        // is at least 1 at d = beta), NaN for NaN
        float inverse = reciprocal(beta);
        if (inverse == 0f) {
            for (int i = 0; i < n; i++) {
                out[i] = Math.max(-1f, Math.min(1f, (a[i] - b[i]) / beta));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            out[i] = Math.max(-1f, Math.min(1f, (a[i] - b[i]) * inverse));
        }
    }

    /**
     * 1 / beta, rounded up so that beta times it is at least 1, for smooth L1 to multiply by instead of dividing (a
     * SIMD division costs several products; as VectorBlockMath, within an ulp of the quotient, exact for beta = 1);
     * 0 when beta or its reciprocal is not a normal float, for which the loops divide.
     */
    private static float reciprocal(float beta) {
        float inverse = 1f / beta;
        if (!(beta >= Float.MIN_NORMAL && inverse >= Float.MIN_NORMAL && inverse < Float.POSITIVE_INFINITY)) {
            return 0f;
        }
        return beta * inverse < 1f ? Math.nextUp(inverse) : inverse;
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
