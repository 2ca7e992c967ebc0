package dev.lossforge.runtime.fused;

/**
 * The pointwise ops a {@link PointwiseProgram} runs, over blocks of {@link PointwiseProgram#BLOCK} floats that
 * sit in the CPU's L1 cache. Each has the semantics of the array kernel of the same name ({@code Pointwise.abs},
 * {@code Broadcasting.add}, ...), which are PyTorch's: NaN propagates through clamps, maxima and minima;
 * {@code sign} is 0 at NaN; comparisons give 0/1. The processor's op table ({@code Op}) names its kernel in each
 * entry ({@code fused(PointwiseOp.X)}), or says the op is not fusable; its {@code OpTableTest} fails on a constant
 * no entry uses.
 *
 * <p>Arguments are blocks: a scalar argument (an option, a literal) is a block filled with its value, so every
 * op is elementwise over its arguments. Transcendental functions go through {@link BlockMath}, vectorised when
 * the JVM has {@code jdk.incubator.vector}; the rest are plain loops that HotSpot vectorises itself.
 */
public enum PointwiseOp {
    ADD(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
        }
    },
    SUB(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = a[i] - b[i];
        }
    },
    MUL(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = a[i] * b[i];
        }
    },
    DIV(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = a[i] / b[i];
        }
    },
    NEG(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = -a[i];
        }
    },
    /** a^b; b is a scalar exponent in the DSL. As PyTorch, b = ±0.5 is a square root: (-inf)^0.5 is NaN, not inf */
    POW(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) {
                out[i] = b[i] == 2f ? a[i] * a[i] : b[i] == 0.5f ? (float) Math.sqrt(a[i])
                        : b[i] == -0.5f ? 1f / (float) Math.sqrt(a[i]) : (float) Math.pow(a[i], b[i]);
            }
        }
    },
    EXP(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().exp(a, out, n);
        }
    },
    LOG(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().log(a, out, n);
        }
    },
    LOG1P(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().log1p(a, out, n);
        }
    },
    /** a log b, 0 where a is 0 (unless b is NaN): PyTorch's xlogy, one SIMD pass with the log */
    XLOGY(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().xlogy(a, b, out, n);
        }
    },
    /** exp(a) - 1 without the cancellation near 0 (a plain loop: Math.expm1 is exact where exp - 1 is not) */
    EXPM1(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = (float) Math.expm1(a[i]);
        }
    },
    SQRT(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = (float) Math.sqrt(a[i]);
        }
    },
    SQUARE(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = a[i] * a[i];
        }
    },
    ABS(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.abs(a[i]);
        }
    },
    /** -1, 0 or 1; 0 at NaN, as PyTorch's l1_loss gradient */
    SIGN(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = a[i] > 0f ? 1f : a[i] < 0f ? -1f : 0f;
        }
    },
    /** 1 / (1 + exp(-a)) */
    SIGMOID(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) tmp[i] = -a[i];
            BlockMath.get().exp(tmp, tmp, n);
            for (int i = 0; i < n; i++) out[i] = 1f / (1f + tmp[i]);
        }
    },
    /** min(a, 0) - log1p(exp(-|a|)), stable for large |a| */
    LOG_SIGMOID(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) tmp[i] = -Math.abs(a[i]);
            BlockMath.get().exp(tmp, tmp, n);
            BlockMath.get().log1p(tmp, tmp, n);
            for (int i = 0; i < n; i++) out[i] = Math.min(a[i], 0f) - tmp[i];
        }
    },
    /** log1p(exp(a)), or a itself above 20 (PyTorch's threshold) */
    SOFTPLUS(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) tmp[i] = Math.min(a[i], 20f);
            BlockMath.get().exp(tmp, tmp, n);
            BlockMath.get().log1p(tmp, tmp, n);
            for (int i = 0; i < n; i++) out[i] = a[i] > 20f ? a[i] : tmp[i];
        }
    },
    RELU(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.max(a[i], 0f);
        }
    },
    CLAMP(3) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(a[i], b[i]), c[i]);
        }
    },
    CLAMP_MIN(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]);
        }
    },
    CLAMP_MAX(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]);
        }
    },
    /** max(a, lo) whose gradient passes through unchanged (the processor's derivative rule) */
    CLAMP_MIN_STRAIGHT_THROUGH(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            CLAMP_MIN.apply(out, a, b, c, tmp, n);
        }
    },
    MAXIMUM(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]);
        }
    },
    MINIMUM(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]);
        }
    },
    GT(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().compare(BlockMath.Comparison.GT, a, b, out, n);
        }
    },
    GE(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().compare(BlockMath.Comparison.GE, a, b, out, n);
        }
    },
    LT(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().compare(BlockMath.Comparison.LT, a, b, out, n);
        }
    },
    LE(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().compare(BlockMath.Comparison.LE, a, b, out, n);
        }
    },
    EQ(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().compare(BlockMath.Comparison.EQ, a, b, out, n);
        }
    },
    NE(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().compare(BlockMath.Comparison.NE, a, b, out, n);
        }
    },
    /** a != 0 ? b : c; a true selection, so a NaN or infinity in the branch not taken does not leak */
    WHERE(3) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            BlockMath.get().where(a, b, c, out, n);
        }
    },
    RSUB_ONE(1) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = 1f - a[i];
        }
    },
    /** PyTorch's binary_cross_entropy: (t - 1) max(log1p(-x), -100) - t max(log x, -100) */
    BINARY_CROSS_ENTROPY(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) tmp[i] = -a[i];
            BlockMath.get().log1p(tmp, tmp, n);
            BlockMath.get().log(a, out, n);
            for (int i = 0; i < n; i++) {
                out[i] = (b[i] - 1f) * Math.max(tmp[i], -100f) - b[i] * Math.max(out[i], -100f);
            }
        }
    },
    /** (x - t) / max((1 - x) x, 1e-12), PyTorch's binary_cross_entropy_backward */
    BCE_GRAD_INPUT(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) out[i] = (a[i] - b[i]) / Math.max((1f - a[i]) * a[i], 1e-12f);
        }
    },
    /** log1p(-x) - log(x), unclamped */
    BCE_GRAD_TARGET(2) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) tmp[i] = -a[i];
            BlockMath.get().log1p(tmp, tmp, n);
            BlockMath.get().log(a, out, n);
            for (int i = 0; i < n; i++) out[i] = tmp[i] - out[i];
        }
    },
    /** PyTorch's smooth L1: {@code 0.5 z^2 / beta} where {@code z = |x - t| < beta}, else {@code z - 0.5 beta}; beta (c) is a number; 0 is L1 */
    SMOOTH_L1(3) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            float beta = c[0];
            if (beta == 0f) {
                for (int i = 0; i < n; i++) out[i] = Math.abs(a[i] - b[i]);
                return;
            }
            BlockMath.get().smoothL1(a, b, beta, out, n);
        }
    },
    /**
     * PyTorch's smooth_l1_loss_backward: -1 where {@code d = x - t <= -beta}, 1 where {@code d >= beta}, else d / beta; beta = 0
     * gives -1 at a tie, NaN for NaN. beta (c) is a number.
     */
    SMOOTH_L1_GRAD_INPUT(3) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            float beta = c[0];
            if (beta == 0f) {
                for (int i = 0; i < n; i++) {
                    float d = a[i] - b[i];
                    out[i] = d > 0f ? 1f : d <= 0f ? -1f : d;
                }
                return;
            }
            BlockMath.get().smoothL1Grad(a, b, beta, out, n);
        }
    },
    /** {@code 0.5 z^2} where {@code z = |x - t| < delta}, else {@code delta (z - 0.5 delta)}: q (z - q/2) with q = min(z, delta) */
    HUBER(3) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) {
                float z = Math.abs(a[i] - b[i]);
                float q = Math.min(z, c[i]);
                out[i] = q * (z - 0.5f * q);
            }
        }
    },
    /** d = x - t clamped to [-delta, delta], NaN for NaN */
    HUBER_GRAD_INPUT(3) {
        @Override void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n) {
            for (int i = 0; i < n; i++) {
                out[i] = Math.max(-c[i], Math.min(c[i], a[i] - b[i]));
            }
        }
    };

    private final int arity;

    PointwiseOp(int arity) {
        this.arity = arity;
    }

    /** How many arguments the op takes. */
    public int arity() {
        return arity;
    }

    /** Ops that compute exp, log or pow per element: ~10 plain SIMD ops' time each (see {@link #cost}). */
    private static final java.util.Set<PointwiseOp> TRANSCENDENTAL = java.util.EnumSet.of(POW, EXP, LOG, LOG1P, XLOGY, EXPM1,
            SIGMOID, LOG_SIGMOID, SOFTPLUS, BINARY_CROSS_ENTROPY, BCE_GRAD_TARGET);

    /**
     * The op's time per element in units of a plain SIMD op over a block in L1 (add, compare, where): a rough
     * weight, enough to tell a memory-bound program from a compute-bound one ({@code PointwiseProgram} runs the
     * first on one thread when it is small).
     */
    int cost() {
        return TRANSCENDENTAL.contains(this) ? 10 : 1;
    }

    /**
     * Computes {@code out[0..n)} from the arguments' first n elements ({@code b}, {@code c} unused below the
     * arity); {@code tmp} is a scratch block; {@code out} is never an argument.
     */
    abstract void apply(float[] out, float[] a, float[] b, float[] c, float[] tmp, int n);
}
