package dev.lossforge.runtime.fused;

import dev.lossforge.runtime.Pointwise;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BlockMath} on the Vector API: HotSpot compiles {@code lanewise(EXP)} and friends to SIMD routines
 * (Intel SVML on x86-64). Loaded by name only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class VectorBlockMath extends BlockMath {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    // one loop per function: HotSpot emits the SIMD routine only when the operator is a constant at the call

    @Override
    void exp(float[] a, float[] out, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, a, i).lanewise(VectorOperators.EXP).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = (float) Math.exp(a[i]);
    }

    @Override
    void log(float[] a, float[] out, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, a, i).lanewise(VectorOperators.LOG).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = (float) Math.log(a[i]);
    }

    @Override
    void log1p(float[] a, float[] out, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, a, i).lanewise(VectorOperators.LOG1P).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = (float) Math.log1p(a[i]);
    }

    @Override
    void xlogy(float[] x, float[] y, float[] out, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector xs = FloatVector.fromArray(SPECIES, x, i);
            FloatVector ys = FloatVector.fromArray(SPECIES, y, i);
            FloatVector product = xs.mul(ys.lanewise(VectorOperators.LOG));
            // 0 where x is 0 and y is a number (y == y), whatever log y is
            product.blend(0f, xs.eq(0f).and(ys.eq(ys))).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = Pointwise.xlogy(x[i], y[i]);
    }

    /**
     * A vector's lanes, stored: {@code lane(i)} goes through the Vector API's slow path wherever the call is not
     * compiled with the vector (a profile of smooth L1's DL4J step at [256,1000] put 8% of it there, from the
     * once-a-task sum), a store does not.
     */
    private static float[] lanesOf(FloatVector v) {
        float[] lanes = new float[SPECIES.length()];
        v.intoArray(lanes, 0);
        return lanes;
    }

    @Override
    double sum(float[] a, int n) {
        FloatVector lanes = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            lanes = lanes.add(FloatVector.fromArray(SPECIES, a, i));
        }
        double total = 0;
        for (float lane : lanesOf(lanes)) {
            total += lane;
        }
        for (; i < n; i++) {
            total += a[i];
        }
        return total;
    }

    @Override
    float max(float[] a, int n) {
        int i = 0;
        float m = a[0];
        int bound = SPECIES.loopBound(n);
        if (bound > 0) {
            FloatVector lanes = FloatVector.fromArray(SPECIES, a, 0);
            for (i = SPECIES.length(); i < bound; i += SPECIES.length()) {
                lanes = lanes.max(FloatVector.fromArray(SPECIES, a, i));
            }
            for (float lane : lanesOf(lanes)) {
                m = Math.max(m, lane);
            }
        }
        for (; i < n; i++) m = Math.max(m, a[i]);
        return m;
    }

    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);

    @Override
    double sumExp(float[] a, float shift, int n) {
        FloatVector lanes = ZERO;
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            lanes = lanes.add(FloatVector.fromArray(SPECIES, a, i).sub(shift).lanewise(VectorOperators.EXP));
        }
        double total = 0;
        for (float lane : lanesOf(lanes)) {
            total += lane;
        }
        for (; i < n; i++) total += (float) Math.exp(a[i] - shift);
        return total;
    }

    @Override
    void subtractExpScaled(float[] g, float[] x, float shift, float logSum, float total, float[] out, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector p = FloatVector.fromArray(SPECIES, x, i).sub(shift).sub(logSum).lanewise(VectorOperators.EXP);
            FloatVector.fromArray(SPECIES, g, i).sub(p.mul(total)).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = g[i] - (float) Math.exp((x[i] - shift) - logSum) * total;
    }

    @Override
    void scaledSoftmax(float[] a, float shift, float logSum, float scale, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, a, i).sub(shift).sub(logSum).lanewise(VectorOperators.EXP).mul(scale).intoArray(a, i);
        }
        for (; i < n; i++) a[i] = scale * (float) Math.exp((a[i] - shift) - logSum);
    }

    @Override
    void smoothL1(float[] a, float[] b, float beta, float[] out, int n) {
        // both arms, then a blend: no branch for a random sign to mispredict, NaN falls to the second arm (NaN)
        float half = 0.5f / beta;
        float halfBeta = 0.5f * beta;
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector z = FloatVector.fromArray(SPECIES, a, i).sub(FloatVector.fromArray(SPECIES, b, i)).abs();
            z.sub(halfBeta).blend(z.mul(z).mul(half), z.compare(VectorOperators.LT, beta)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float z = Math.abs(a[i] - b[i]);
            out[i] = z < beta ? z * z * half : z - halfBeta;
        }
    }

    @Override
    void smoothL1Grad(float[] a, float[] b, float beta, float[] out, int n) {
        float inverse = 1f / beta;
        FloatVector minusOne = FloatVector.broadcast(SPECIES, -1f);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector d = FloatVector.fromArray(SPECIES, a, i).sub(FloatVector.fromArray(SPECIES, b, i));
            d.mul(inverse).blend(ONE, d.compare(VectorOperators.GE, beta)).blend(minusOne, d.compare(VectorOperators.LE, -beta))
                    .intoArray(out, i);
        }
        for (; i < n; i++) {
            float d = a[i] - b[i];
            out[i] = d <= -beta ? -1f : d >= beta ? 1f : d * inverse;
        }
    }

    @Override
    void compare(Comparison kind, float[] a, float[] b, float[] out, int n) {
        // one loop per operator, each with the operator written as a constant (see exp); the tail on the scalar path
        int i = 0;
        int bound = SPECIES.loopBound(n);
        int step = SPECIES.length();
        switch (kind) {
            case GT:
                for (; i < bound; i += step) {
                    ZERO.blend(ONE, FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.GT, FloatVector.fromArray(SPECIES, b, i)))
                            .intoArray(out, i);
                }
                break;
            case GE:
                for (; i < bound; i += step) {
                    ZERO.blend(ONE, FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.GE, FloatVector.fromArray(SPECIES, b, i)))
                            .intoArray(out, i);
                }
                break;
            case LT:
                for (; i < bound; i += step) {
                    ZERO.blend(ONE, FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.LT, FloatVector.fromArray(SPECIES, b, i)))
                            .intoArray(out, i);
                }
                break;
            case LE:
                for (; i < bound; i += step) {
                    ZERO.blend(ONE, FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.LE, FloatVector.fromArray(SPECIES, b, i)))
                            .intoArray(out, i);
                }
                break;
            case EQ:
                for (; i < bound; i += step) {
                    ZERO.blend(ONE, FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.EQ, FloatVector.fromArray(SPECIES, b, i)))
                            .intoArray(out, i);
                }
                break;
            case NE:
                for (; i < bound; i += step) {
                    ZERO.blend(ONE, FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.NE, FloatVector.fromArray(SPECIES, b, i)))
                            .intoArray(out, i);
                }
                break;
            default:
                throw new AssertionError(kind);
        }
        for (; i < n; i++) {
            float x = a[i];
            float y = b[i];
            boolean holds = switch (kind) {
                case GT -> x > y;
                case GE -> x >= y;
                case LT -> x < y;
                case LE -> x <= y;
                case EQ -> x == y;
                case NE -> x != y;
            };
            out[i] = holds ? 1f : 0f;
        }
    }

    @Override
    void where(float[] cond, float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, b, i)
                    .blend(FloatVector.fromArray(SPECIES, a, i), FloatVector.fromArray(SPECIES, cond, i).compare(VectorOperators.NE, 0f))
                    .intoArray(out, i);
        }
        for (; i < n; i++) out[i] = cond[i] != 0f ? a[i] : b[i];
    }
}
