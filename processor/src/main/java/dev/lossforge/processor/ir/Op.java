package dev.lossforge.processor.ir;

import static dev.lossforge.processor.shape.ShapeRules.broadcast;

import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.shape.ShapeError;
import dev.lossforge.processor.shape.ShapeRule;
import dev.lossforge.processor.shape.ShapeRules;
import dev.lossforge.processor.shape.SymShape;
import java.util.Arrays;
import java.util.List;

/**
 * THE op table: for every word of the DSL, its signature, its shape rule, the code that computes it and its
 * derivative, in one entry, in the spirit of PyTorch's {@code derivatives.yaml}. Adding an op is one entry
 * here (plus its kernel in the runtime and its eager method in {@code Ops}).
 *
 * <p>Signature letters: {@code T} tensor, {@code X} tensor or number, {@code S} number, {@code I} class-index
 * tensor, {@code d} one integer dim, {@code D} any number of integer dims. A trailing {@code S} listed in
 * {@link #optionalDefault} may be left out. Emission templates use {@code $0..$3} for arguments,
 * {@code $dim}/{@code $dims} for dims.
 *
 * <p>Derivatives are written with {@code g} for the output's gradient, {@code x}, {@code y} for arguments and
 * {@code out} for the op's own output.
 */
public enum Op {
    // ------------------------------------------------------------------ leaves
    INPUT(null, "", null, null, null),
    OPTION_TENSOR(null, "", null, null, null),
    SCALAR(null, "", null, null, null),
    SEED(null, "", null, "gradLoss", null),
    /** "no gradient": what the branch of a ?: not taken receives (see Kernels on null) */
    NO_GRADIENT(null, "", null, "null", null),

    // ------------------------------------------------------------------ arithmetic (Tensor methods)
    ADD("add", "TX", Op::broadcast2, "Kernels.add($0, $1)",
            (b, out, g) -> new Node[] {g, g}),
    SUB("sub", "TX", Op::broadcast2, "Kernels.sub($0, $1)",
            (b, out, g) -> new Node[] {g, b.neg(g)}),
    MUL("mul", "TX", Op::broadcast2, "Kernels.mul($0, $1)",
            (b, out, g) -> new Node[] {b.mul(g, out.arg(1)), b.mul(g, out.arg(0))}),
    DIV("div", "TX", Op::broadcast2, "Kernels.div($0, $1)",
            (b, out, g) -> new Node[] {b.div(g, out.arg(1)), b.neg(b.mul(g, b.div(out, out.arg(1))))}),
    NEG("neg", "T", Op::same, "Kernels.neg($0)",
            (b, out, g) -> new Node[] {b.neg(g)}),
    /** x^p: g * p * x^(p-1) */
    POW("pow", "TS", Op::same, "Kernels.pow($0, $1)",
            (b, out, g) -> new Node[] {b.mul(g, b.mul(b.pow(out.arg(0), b.scalar("(" + out.arg(1).text() + ") - 1.0", null)), out.arg(1))), null}),

    // ------------------------------------------------------------------ elementwise functions
    EXP("exp", "T", Op::same, "Kernels.exp($0)",
            (b, out, g) -> new Node[] {b.mul(g, out)}),
    LOG("log", "T", Op::same, "Kernels.log($0)",
            (b, out, g) -> new Node[] {b.div(g, out.arg(0))}),
    LOG1P("log1p", "T", Op::same, "Kernels.log1p($0)",
            (b, out, g) -> new Node[] {b.div(g, b.add(out.arg(0), b.scalar(1.0)))}),
    /** exp(x) - 1, exact near 0: g * (out + 1), as PyTorch's expm1 backward */
    EXPM1("expm1", "T", Op::same, "Kernels.expm1($0)",
            (b, out, g) -> new Node[] {b.mul(g, b.add(out, b.scalar(1.0)))}),
    SQRT("sqrt", "T", Op::same, "Kernels.sqrt($0)",
            (b, out, g) -> new Node[] {b.div(g, b.mul(out, b.scalar(2.0)))}),
    SQUARE("square", "T", Op::same, "Kernels.square($0)",
            (b, out, g) -> new Node[] {b.mul(g, b.mul(out.arg(0), b.scalar(2.0)))}),
    /** arctan(x): g / (1 + x^2), as PyTorch's atan backward */
    ATAN("atan", "T", Op::same, "Kernels.atan($0)",
            (b, out, g) -> new Node[] {b.div(g, b.add(b.op(SQUARE, out.arg(0)), b.scalar(1.0)))}),
    /** |x|: g * sign(x), 0 at 0 as in PyTorch */
    ABS("abs", "T", Op::same, "Kernels.abs($0)",
            (b, out, g) -> new Node[] {b.mul(g, b.sign(out.arg(0)))}),
    SIGMOID("sigmoid", "T", Op::same, "Kernels.sigmoid($0)",
            (b, out, g) -> new Node[] {b.mul(g, b.mul(out, b.rsubOne(out)))}),
    /** log(sigmoid(x)): g * sigmoid(-x) */
    LOG_SIGMOID("logSigmoid", "T", Op::same, "Kernels.logSigmoid($0)",
            (b, out, g) -> new Node[] {b.mul(g, b.sigmoid(b.neg(out.arg(0))))}),
    /** PyTorch's softplus (threshold 20): g * sigmoid(x), or g above the threshold */
    SOFTPLUS("softplus", "T", Op::same, "Kernels.softplus($0)",
            (b, out, g) -> new Node[] {b.where(b.gt(out.arg(0), b.scalar(20.0)), g, b.mul(g, b.sigmoid(out.arg(0))))}),
    /** g except where {@code x <= 0}, as PyTorch's threshold_backward: a NaN x passes g on (clamp's backward stops it) */
    RELU("relu", "T", Op::same, "Kernels.relu($0)",
            (b, out, g) -> new Node[] {b.where(b.le(out.arg(0), b.scalar(0.0)), b.scalar(0.0), g)}),
    /** g where {@code lo <= x <= hi}, as PyTorch's clamp_backward */
    CLAMP("clamp", "TSS", Op::same, "Kernels.clamp($0, $1, $2)",
            (b, out, g) -> new Node[] {passWhere(b, b.mul(b.ge(out.arg(0), out.arg(1)), b.le(out.arg(0), out.arg(2))), g), null, null}),
    CLAMP_MIN("clampMin", "TS", Op::same, "Kernels.clampMin($0, $1)",
            (b, out, g) -> new Node[] {passWhere(b, b.ge(out.arg(0), out.arg(1)), g), null}),
    CLAMP_MAX("clampMax", "TS", Op::same, "Kernels.clampMax($0, $1)",
            (b, out, g) -> new Node[] {passWhere(b, b.le(out.arg(0), out.arg(1)), g), null}),
    /** PyTorch: the larger argument gets g, ties split it in half */
    MAXIMUM("maximum", "TT", Op::broadcast2, "Kernels.maximum($0, $1)",
            (b, out, g) -> splitBetween(b, true, out, g)),
    MINIMUM("minimum", "TT", Op::broadcast2, "Kernels.minimum($0, $1)",
            (b, out, g) -> splitBetween(b, false, out, g)),

    // ------------------------------------------------------------------ comparisons (0/1 masks, not differentiable)
    GT("gt", "TX", Op::broadcast2, "Kernels.gt($0, $1)", null),
    GE("ge", "TX", Op::broadcast2, "Kernels.ge($0, $1)", null),
    LT("lt", "TX", Op::broadcast2, "Kernels.lt($0, $1)", null),
    LE("le", "TX", Op::broadcast2, "Kernels.le($0, $1)", null),
    EQ("eq", "TX", Op::broadcast2, "Kernels.eq($0, $1)", null),
    NE("ne", "TX", Op::broadcast2, "Kernels.ne($0, $1)", null),
    /** cond ? x : y; the gradient goes to the branch taken */
    WHERE("where", "TTT", Op::broadcast3, "Kernels.where($0, $1, $2)",
            (b, out, g) -> new Node[] {null, passWhere(b, out.arg(0), g), b.where(out.arg(0), b.scalar(0.0), g)}),

    /** {@code condition ? x : y} on a number or boolean option; the gradient goes to the branch chosen */
    CHOOSE(null, "STT", Op::chooseShape, "($0 ? $1 : $2)",
            (b, out, g) -> new Node[] {null, b.choose(out.arg(0), g, b.noGradient()), b.choose(out.arg(0), b.noGradient(), g)}),

    /** a size-1 dim inserted at dim; the gradient drops it again */
    UNSQUEEZE("unsqueeze", "Td", Op::unsqueezeShape, "Kernels.unsqueeze($0, $dim)",
            (b, out, g) -> new Node[] {b.squeeze(out.dims(), g, out.arg(0))}),
    /** max(x, lo) computed without tracking, as PyTorch's clamp under no_grad: the gradient passes unchanged */
    CLAMP_MIN_STRAIGHT_THROUGH("clampMinStraightThrough", "TS", Op::same, "Kernels.clampMinStraightThrough($0, $1)",
            (b, out, g) -> new Node[] {g, null}),

    /** x itself, with no gradient through it: PyTorch's detach (a value computed under no_grad) */
    DETACH("detach", "T", Op::same, "$0", null),

    // ------------------------------------------------------------------ reductions
    SUM("sum", "TD", Op::reduce, "Kernels.sum($0$dimsArg)",
            (b, out, g) -> new Node[] {b.sumBackward(out.dims(), g, out.arg(0))}),
    MEAN("mean", "TD", Op::reduce, "Kernels.mean($0$dimsArg)",
            (b, out, g) -> new Node[] {b.meanBackward(out.dims(), g, out.arg(0))}),
    /** g (expanded) * softmax(x, dim) */
    LOGSUMEXP("logsumexp", "Td", Op::reduce, "Kernels.logsumexp($0, $dim)",
            (b, out, g) -> new Node[] {b.mul(b.sumBackward(out.dims(), g, out.arg(0)), b.softmax(out.dims(), out.arg(0)))}),
    /** the largest value along dim; g goes to the maxima, split evenly between ties (PyTorch's amax, TensorFlow's reduce_max) */
    AMAX("amax", "Td", Op::reduce, "Kernels.amax($0, $dim)",
            (b, out, g) -> {
                Node x = out.arg(0);
                Node isMax = b.eq(x, b.sumBackward(out.dims(), out, x));
                Node ties = b.sumBackward(out.dims(), b.sum(out.dims(), isMax), x);
                return new Node[] {b.where(isMax, b.div(b.sumBackward(out.dims(), g, x), ties), b.scalar(0.0))};
            }),
    /**
     * g - softmax(x) * sum(g, dim), one row kernel from x (not from the output: a backward whose g is "no gradient"
     * then needs no forward value, so label smoothing's branch not taken costs nothing)
     */
    LOG_SOFTMAX("logSoftmax", "Td", Op::sameWithDim, "Kernels.logSoftmax($0, $dim)",
            (b, out, g) -> new Node[] {b.logSoftmaxBackward(out.dims(), g, out.arg(0))}),
    /** out * (g - sum(g * out, dim)) */
    SOFTMAX("softmax", "Td", Op::sameWithDim, "Kernels.softmax($0, $dim)",
            (b, out, g) -> new Node[] {b.mul(out, b.sub(g, b.sumBackward(out.dims(), b.sum(out.dims(), b.mul(g, out)), out.arg(0))))}),

    /** the p-norm over dim; gradient g * sign(x)|x|^(p-1) / norm^(p-1), 0 where the norm is 0 (PyTorch's) */
    NORM("norm", "TSd", Op::reduce, "Kernels.norm($0, $1, $dim)",
            (b, out, g) -> new Node[] {b.normBackward(out.dims(), g, out.arg(0), out, out.arg(1)), null}),
    /** GaussianNLLLoss's var aligned with the input: a var lacking the input's last dim gets it as size 1 */
    ALIGN_VARIANCE("alignVariance", "TT", Op::alignVarianceShape, "Kernels.alignVariance($0, $1)",
            (b, out, g) -> new Node[] {b.alignVarianceBackward(g, out.arg(0)), null}),

    // ------------------------------------------------------------------ indexing
    /**
     * x[.., index, ..] along dim (the dim dropped), as PyTorch's select: dims are {dim, index}, both integer literals.
     * The gradient fills that slice of zeros.
     */
    SELECT("select", "Tdd", Op::selectShape, "Kernels.select($0$dimsArg)",
            (b, out, g) -> new Node[] {b.selectBackward(out.dims(), g, out.arg(0))}),
    /** picks t[.., index, ..] along dim; 0 where index == ignoreIndex. The gradient scatters g back. */
    GATHER("gather", "TdIS", Op::gather, "Kernels.gather($0, $dim, $1, (long) ($2))",
            (b, out, g) -> new Node[] {b.gatherBackward(out.dims(), g, out.arg(0), out.arg(1), out.arg(2)), null, null}),
    /**
     * gather(logSoftmax(t, dim), dim, index, ignoreIndex) as one op ({@link Rewrites} makes it after shape checks):
     * each row's picked log-probability, without writing the log-softmax. The gradient: g (onehot - softmax).
     */
    LOG_SOFTMAX_PICK(null, "TdIS", Op::gather, "Kernels.logSoftmaxPick($0, $dim, $1, (long) ($2))",
            (b, out, g) -> new Node[] {b.logSoftmaxPickBackward(out.dims(), g, out.arg(0), out.arg(1), out.arg(2), out), null, null}),
    /** weights[index]; not differentiable in the weights (they are options) */
    TAKE("take", "TIS", Op::take, "Kernels.take($0, $1, (long) ($2))", null),
    /** t scaled by the 1-D weights along dim (t[n,c,..] * w[c] for dim 1); not differentiable in the weights */
    SCALE_ALONG("scaleAlong", "TdT", Op::scaleAlongShape, "Kernels.scaleAlong($0, $dim, $1)",
            (b, out, g) -> new Node[] {b.scaleAlong(out.dims(), g, out.arg(1)), null}),
    /** 1 where index picks the entry along dim of a tensor shaped like t, else 0 (a mask, not differentiable) */
    PICK_MASK("pickMask", "TdI", Op::pickMaskShape, "Kernels.pickMask($0, $dim, $1)", null),
    /** marks the loss as weighted: MEAN divides by sum(weights) */
    WEIGHTED("weighted", "TT", Op::weighted, "$0",
            (b, out, g) -> new Node[] {g, null}),

    // ------------------------------------------------------------------ primitives with PyTorch's own derivative rules
    /** -(y log x + (1-y) log(1-x)), logs clamped at -100; d/dx = (x-y)/max(x(1-x), 1e-12), d/dy = log(1-x) - log x */
    BINARY_CROSS_ENTROPY("binaryCrossEntropy", "TT", Op::broadcast2, "Kernels.binaryCrossEntropy($0, $1)",
            (b, out, g) -> new Node[] {b.mul(g, b.bceGradInput(out.arg(0), out.arg(1))), b.mul(g, b.bceGradTarget(out.arg(0), out.arg(1)))}),

    /**
     * PyTorch's smooth_l1_loss with its own backward: -1, d/beta or 1 by where d = x - y falls. As in PyTorch's
     * derivatives.yaml, d/dy is the same backward with x and y swapped (not the negation: they differ at ties).
     */
    SMOOTH_L1("smoothL1", "TTS", Op::broadcast2, "Kernels.smoothL1($0, $1, $2)",
            (b, out, g) -> new Node[] {b.mul(g, b.smoothL1GradInput(out.arg(0), out.arg(1), out.arg(2))),
                    b.mul(g, b.smoothL1GradInput(out.arg(1), out.arg(0), out.arg(2))), null}),
    /** PyTorch's huber_loss with its own backward: clamp(d, -delta, delta), NaN for NaN; d/dy swaps x and y */
    HUBER("huber", "TTS", Op::broadcast2, "Kernels.huber($0, $1, $2)",
            (b, out, g) -> new Node[] {b.mul(g, b.huberGradInput(out.arg(0), out.arg(1), out.arg(2))),
                    b.mul(g, b.huberGradInput(out.arg(1), out.arg(0), out.arg(2))), null}),

    /** CTC's per-sample loss over (T,*n,C) log probabilities, a primitive with PyTorch's own gradient */
    CTC("ctcLoss", "TIIISS", Op::ctcShape, "Kernels.ctc($0, $1, $2, $3, (long) ($4), $5)",
            (b, out, g) -> new Node[] {b.ctcBackward(g, out.arg(0), out.arg(1), out.arg(2), out.arg(3), out.arg(4), out.arg(5)),
                    null, null, null, null, null}),
    /** MultiLabelMarginLoss's per-sample loss over (*b,C) inputs and -1-padded targets, with PyTorch's gradient */
    MULTILABEL_MARGIN("multiLabelMargin", "TI", Op::dropLastShape, "Kernels.multiLabelMargin($0, $1)",
            (b, out, g) -> new Node[] {b.multiLabelMarginBackward(g, out.arg(0), out.arg(1)), null}),
    /** class indices (or lengths) as values, for arithmetic; not differentiable */
    AS_VALUES("asValues", "I", Op::same, "Kernels.asValues($0)", null),

    // ------------------------------------------------------------------ backward-only ops (not in the DSL)
    SIGN(null, "T", Op::same, "Kernels.sign($0)", null),
    RSUB_ONE(null, "T", Op::same, "Kernels.rsub(1.0, $0)", null),
    SUM_TO(null, "TT", null, "Kernels.sumTo($0, $1.shape())", null),
    LOG_SOFTMAX_BACKWARD(null, "TT", null, "Kernels.logSoftmaxBackward($0, $1, $dim)", null),
    /** from the forward's picked values: exp(x - lse) = exp((x - x[k]) + picked), exact for large logits */
    LOG_SOFTMAX_PICK_BACKWARD(null, "TTIST", null, "Kernels.logSoftmaxPickBackward($0, $1, $dim, $2, (long) ($3), $4)", null),
    SUM_BACKWARD(null, "TT", null, "Kernels.sumBackward($0, $1.shape()$dimsArg)", null),
    MEAN_BACKWARD(null, "TT", null, "Kernels.meanBackward($0, $1.shape()$dimsArg)", null),
    SELECT_BACKWARD(null, "TT", null, "Kernels.selectBackward($0, $1.shape()$dimsArg)", null),
    GATHER_BACKWARD(null, "TTIS", null, "Kernels.gatherBackward($0, $1.shape(), $dim, $2, (long) ($3))", null),
    BCE_GRAD_INPUT(null, "TT", null, "Kernels.binaryCrossEntropyGradInput($0, $1)", null),
    BCE_GRAD_TARGET(null, "TT", null, "Kernels.binaryCrossEntropyGradTarget($0, $1)", null),
    ZEROS_LIKE(null, "T", null, "Kernels.zerosLike($0)", null),
    CTC_BACKWARD(null, "TTIIISS", null, "Kernels.ctcBackward($0, $1, $2, $3, $4, (long) ($5), $6)", null),
    MULTILABEL_MARGIN_BACKWARD(null, "TTI", null, "Kernels.multiLabelMarginBackward($0, $1, $2)", null),
    SMOOTH_L1_GRAD_INPUT(null, "TTS", null, "Kernels.smoothL1GradInput($0, $1, $2)", null),
    HUBER_GRAD_INPUT(null, "TTS", null, "Kernels.huberGradInput($0, $1, $2)", null),
    SQUEEZE(null, "TT", null, "Kernels.squeeze($0, $dim, $1.rank())", null),
    NORM_BACKWARD(null, "TTTS", null, "Kernels.normBackward($0, $1, $2, $3, $dim)", null),
    ALIGN_VARIANCE_BACKWARD(null, "TT", null, "Kernels.alignVarianceBackward($0, $1)", null);

    private final String dslName;
    private final String signature;
    private final ShapeRule shapeRule;
    private final String emitTemplate;
    private final Derivative derivative;

    Op(String dslName, String signature, ShapeRule shapeRule, String emitTemplate, Derivative derivative) {
        this.dslName = dslName;
        this.signature = signature;
        this.shapeRule = shapeRule;
        this.emitTemplate = emitTemplate;
        this.derivative = derivative;
    }

    /** The DSL word, or null for leaves and backward-only ops. */
    public String dslName() { return dslName; }

    public String signature() { return signature; }

    public ShapeRule shapeRule() { return shapeRule; }

    public String emitTemplate() { return emitTemplate; }

    /** Null for ops that pass no gradient (comparisons, indices). */
    public Derivative derivative() { return derivative; }

    /** Tensor methods, called as {@code x.add(y)}; the rest are static functions of {@code Ops}. */
    public boolean isTensorMethod() {
        return this == ADD || this == SUB || this == MUL || this == DIV || this == NEG || this == POW;
    }

    /** The default of an optional trailing number argument, or null when every argument is required. */
    public String optionalDefault() {
        return this == GATHER || this == TAKE ? "Long.MIN_VALUE" : null;
    }

    /**
     * A check that the generated code runs before the op, as
     * {@code Checks.<name>(lossName, labelOfFirstArgument, arguments...)}; null when the op accepts any value.
     */
    public String precondition() {
        return this == BINARY_CROSS_ENTROPY ? "probabilities" : this == ALIGN_VARIANCE ? "variance" : null;
    }

    /** Whether the op broadcasts its operands against each other (PyTorch's rule) into its result's shape. */
    public boolean broadcastsOperands() {
        return switch (this) {
            case ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, GT, GE, LT, LE, EQ, NE, WHERE, BINARY_CROSS_ENTROPY, SMOOTH_L1, HUBER -> true;
            default -> false;
        };
    }

    /** Comparisons may take class indices: {@code ne(target, ignoreIndex)} is a mask. */
    public boolean acceptsIndices() {
        return this == GT || this == GE || this == LT || this == LE || this == EQ || this == NE || this == AS_VALUES;
    }

    /** The DSL word for {@code name}, or null. */
    public static Op byDslName(String name) {
        for (Op op : values()) {
            if (name.equals(op.dslName)) {
                return op;
            }
        }
        return null;
    }

    public static List<String> dslNames() {
        return Arrays.stream(values()).map(Op::dslName).filter(n -> n != null).toList();
    }

    /** A word the parser reads itself: {@code constant(v)} is a number. */
    public static final String CONSTANT = "constant";
    /** A word the parser reads itself: {@code meanDividedBy(loss, d)} is a ?: on the reduction over a division. */
    public static final String MEAN_DIVIDED_BY = "meanDividedBy";

    /**
     * Every word a body may call inside an expression: the op table's, but {@code weighted} (only ever the returned
     * value), and the parser's own two.
     */
    public static List<String> expressionWords() {
        List<String> words = new java.util.ArrayList<>(dslNames());
        words.remove(WEIGHTED.dslName);
        words.add(CONSTANT);
        words.add(MEAN_DIVIDED_BY);
        return List.copyOf(words);
    }

    // ------------------------------------------------------------------ shape rules used above

    private static SymShape same(Node n, List<SymShape> a, ShapeRule.Context c) {
        return a.get(0);
    }

    private static SymShape broadcast2(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        return broadcast(a.get(0), a.get(1));
    }

    private static SymShape broadcast3(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        return broadcast(broadcast(a.get(0), a.get(1)), a.get(2));
    }

    private static SymShape reduce(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        int[] dims = n.dims();
        return dims.length == 0 ? SymShape.SCALAR : ShapeRules.drop(a.get(0), dims);
    }

    private static SymShape sameWithDim(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        ShapeRules.locate(a.get(0), n.dims()[0]);
        return a.get(0);
    }

    private static SymShape gather(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        int dim = n.dims()[0];
        String picked = ShapeRules.dimAt(t, ShapeRules.locate(t, dim));
        SymShape result = ShapeRules.drop(t, dim);
        String domain = c.indexDomain(n.arg(1));
        if (domain != null && !domain.equals(picked) && !SymShape.isWildcard(picked)) {
            throw new ShapeError(Diag.INDEX_DOMAIN, n.arg(1).text(), domain, dim, t, picked);
        }
        if (!ShapeRules.sameShape(result, a.get(1))) {
            throw new ShapeError(List.of("hint   : the index must have the shape of " + t + " without dim " + dim),
                    Diag.SHAPE_MISMATCH, "the index of gather(_, " + dim + ", _)", result, a.get(1));
        }
        return result;
    }

    private static SymShape selectShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        ShapeRules.locate(t, n.dims()[0]);
        return ShapeRules.drop(t, n.dims()[0]);
    }

    private static SymShape take(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape w = a.get(0);
        if (w.isScalar()) {
            return a.get(1); // a scalar weight (an unset option without a shape) fills
        }
        if (w.hasVariadic() || w.fixedRank() != 1) {
            throw new ShapeError(Diag.SHAPE_MISMATCH, "the weights of take", "(C)", w);
        }
        String domain = c.indexDomain(n.arg(1));
        if (domain != null && !domain.equals(w.prefix().get(0)) && !SymShape.isWildcard(w.prefix().get(0))) {
            throw new ShapeError(Diag.INDEX_DOMAIN, n.arg(1).text(), domain, 0, w, w.prefix().get(0));
        }
        return a.get(1);
    }

    /** PyTorch's unsqueeze: dim in [-rank-1, rank]; a negative dim counts from the end, after the new 1. */
    private static SymShape unsqueezeShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        int dim = n.dims()[0];
        if (!t.hasVariadic()) {
            java.util.List<String> dims = new java.util.ArrayList<>(t.dims());
            int at = dim < 0 ? dim + dims.size() + 1 : dim;
            if (at < 0 || at > dims.size()) {
                throw new ShapeError(Diag.DIM_RANGE, dim, "unsqueeze of", t);
            }
            dims.add(at, "1");
            return SymShape.fixed(dims);
        }
        if (dim >= 0) {
            if (dim > t.prefix().size()) {
                throw new ShapeError(Diag.DIM_VARIADIC, dim, t, "*" + t.variadic());
            }
            java.util.List<String> prefix = new java.util.ArrayList<>(t.prefix());
            prefix.add(dim, "1");
            return new SymShape(prefix, t.variadic(), t.suffix());
        }
        int after = -dim - 1; // dims after the new 1
        if (after > t.suffix().size()) {
            throw new ShapeError(Diag.DIM_VARIADIC, dim, t, "*" + t.variadic());
        }
        java.util.List<String> suffix = new java.util.ArrayList<>(t.suffix());
        suffix.add(suffix.size() - after, "1");
        return new SymShape(t.prefix(), t.variadic(), suffix);
    }

    /** var aligned with the input broadcasts to the input's shape (checked at run time: var's shape is free). */
    private static SymShape alignVarianceShape(Node n, List<SymShape> a, ShapeRule.Context c) {
        return a.get(1);
    }

    /** CTC: one loss per sample, the log probabilities without their first (time) and last (class) dims. */
    private static SymShape ctcShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        return ShapeRules.drop(a.get(0), 0, -1);
    }

    private static SymShape dropLastShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        return ShapeRules.drop(a.get(0), -1);
    }

    /** Both branches of a ?: must have the same shape: only one of them is computed. */
    private static SymShape chooseShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        if (!ShapeRules.sameShape(a.get(1), a.get(2))) {
            throw new ShapeError(Diag.SHAPE_MISMATCH, "the other branch of this ?:", a.get(1), a.get(2));
        }
        return a.get(1);
    }

    private static SymShape scaleAlongShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        SymShape w = a.get(1);
        String along = ShapeRules.dimAt(t, ShapeRules.locate(t, n.dims()[0]));
        if (!w.isScalar() && (w.hasVariadic() || w.fixedRank() != 1
                || !w.prefix().get(0).equals(along) && !SymShape.isWildcard(w.prefix().get(0)) && !SymShape.isWildcard(along))) {
            throw new ShapeError(Diag.SHAPE_MISMATCH, "the weights of scaleAlong(_, " + n.dims()[0] + ", _)", "(" + along + ")", w);
        }
        return t;
    }

    private static SymShape pickMaskShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        SymShape expected = ShapeRules.drop(t, n.dims()[0]);
        if (!ShapeRules.sameShape(expected, a.get(1))) {
            throw new ShapeError(Diag.SHAPE_MISMATCH, "the index of pickMask(_, " + n.dims()[0] + ", _)", expected, a.get(1));
        }
        return t;
    }

    /** The weights broadcast to the loss's shape, never beyond it: MEAN divides by their sum over the loss. */
    private static SymShape weighted(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape both = broadcast(a.get(0), a.get(1));
        if (!ShapeRules.sameShape(both, a.get(0))) {
            throw new ShapeError(Diag.SHAPE_MISMATCH, "the weights of weighted(loss, weights), broadcast,", a.get(0), both);
        }
        return a.get(0);
    }

    // ------------------------------------------------------------------ derivative helpers used above

    /** g where mask is set, else 0. */
    private static Node passWhere(Graph b, Node mask, Node g) {
        return b.where(mask, g, b.scalar(0.0));
    }

    /** maximum/minimum: the winning side gets g; on a tie each side gets g/2 (PyTorch's rule). */
    private static Node[] splitBetween(Graph b, boolean larger, Node out, Node g) {
        Op wins = larger ? GT : LT;
        Node x = out.arg(0);
        Node y = out.arg(1);
        Node half = b.mul(g, b.scalar(0.5));
        Node tie = b.eq(x, y);
        Node gx = b.where(b.op(wins, x, y), g, b.where(tie, half, b.scalar(0.0)));
        Node gy = b.where(b.op(wins, y, x), g, b.where(tie, half, b.scalar(0.0)));
        return new Node[] {gx, gy};
    }
}
