package dev.lossforge.processor.ir;

import static dev.lossforge.processor.ir.OpSpec.function;
import static dev.lossforge.processor.ir.OpSpec.internal;
import static dev.lossforge.processor.ir.OpSpec.leaf;
import static dev.lossforge.processor.ir.OpSpec.method;
import static dev.lossforge.processor.shape.ShapeRules.broadcast;

import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.shape.ShapeError;
import dev.lossforge.processor.shape.ShapeRule;
import dev.lossforge.processor.shape.ShapeRules;
import dev.lossforge.processor.shape.SymShape;
import dev.lossforge.runtime.fused.PointwiseOp;
import java.util.Arrays;
import java.util.List;

/**
 * THE op table: every fact about every word of the DSL, in one entry, in the spirit of PyTorch's
 * {@code derivatives.yaml}: its operands, shape rule, the code that computes it, its fused block kernel (or
 * that it has none) and its derivative, written over the named operands ({@code x: g * sign(x)}; see
 * {@link Formula}). {@link OpSpec} spells the facts; {@code OpTableTest} fails when an entry leaves one out, when a
 * template's kernel or a DSL word's method does not exist, or when a block kernel is used by no entry.
 *
 * <p>Adding a pointwise op is one entry here, its kernels in the runtime (an array kernel in {@code runtime.Pointwise} or its kin, and
 * {@code PointwiseOp}) and its eager method in {@code dsl.Ops} or {@code Tensor}.
 */
public enum Op {
    // ------------------------------------------------------------------ leaves
    INPUT(leaf("")),
    OPTION_TENSOR(leaf("")),
    SCALAR(leaf("")),
    SEED(leaf("gradLoss")),
    /** "no gradient": what the branch of a ?: not taken receives (see runtime.NoGradient) */
    NO_GRADIENT(leaf("null")),

    // ------------------------------------------------------------------ arithmetic (Tensor methods)
    ADD(method("add(T x, X y)").broadcasts(Op::broadcast2).emit("Broadcasting.add($0, $1)").fused(PointwiseOp.ADD)
            .grad("x: g", "y: g")),
    SUB(method("sub(T x, X y)").broadcasts(Op::broadcast2).emit("Broadcasting.sub($0, $1)").fused(PointwiseOp.SUB)
            .grad("x: g", "y: -g")),
    MUL(method("mul(T x, X y)").broadcasts(Op::broadcast2).emit("Broadcasting.mul($0, $1)").fused(PointwiseOp.MUL)
            .grad("x: g * y", "y: g * x")),
    /** PyTorch's order for y: -g * (out / y) */
    DIV(method("div(T x, X y)").broadcasts(Op::broadcast2).emit("Broadcasting.div($0, $1)").fused(PointwiseOp.DIV)
            .grad("x: g / y", "y: -(g * (out / y))")),
    NEG(method("neg(T x)").sameShape().emit("Pointwise.neg($0)").fused(PointwiseOp.NEG)
            .grad("x: -g")),
    POW(method("pow(T x, S s)").sameShape().emit("Pointwise.pow($0, $1)").fused(PointwiseOp.POW)
            .grad("x: g * (pow(x, s - 1.0) * s)")),

    // ------------------------------------------------------------------ elementwise functions
    EXP(function("exp(T x)").sameShape().emit("Pointwise.exp($0)").fused(PointwiseOp.EXP)
            .grad("x: g * out")),
    LOG(function("log(T x)").sameShape().emit("Pointwise.log($0)").fused(PointwiseOp.LOG)
            .grad("x: g / x")),
    LOG1P(function("log1p(T x)").sameShape().emit("Pointwise.log1p($0)").fused(PointwiseOp.LOG1P)
            .grad("x: g / (x + 1.0)")),
    /** x log y, 0 where x is 0 (unless y is NaN); as PyTorch's xlogy backward */
    XLOGY(function("xlogy(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.xlogy($0, $1)").fused(PointwiseOp.XLOGY)
            .grad("x: g * xlogy(ne(x, 0.0), y)", "y: g * x / y")),
    /** exp(x) - 1, exact near 0; as PyTorch's expm1 backward */
    EXPM1(function("expm1(T x)").sameShape().emit("Pointwise.expm1($0)").fused(PointwiseOp.EXPM1)
            .grad("x: g * (out + 1.0)")),
    SQRT(function("sqrt(T x)").sameShape().emit("Pointwise.sqrt($0)").fused(PointwiseOp.SQRT)
            .grad("x: g / (out * 2.0)")),
    SQUARE(function("square(T x)").sameShape().emit("Pointwise.square($0)").fused(PointwiseOp.SQUARE)
            .grad("x: g * (x * 2.0)")),
    /** as PyTorch's atan backward */
    ATAN(function("atan(T x)").sameShape().emit("Pointwise.atan($0)").notFusable()
            .grad("x: g / (square(x) + 1.0)")),
    /** sign is 0 at 0, as in PyTorch */
    ABS(function("abs(T x)").sameShape().emit("Pointwise.abs($0)").fused(PointwiseOp.ABS)
            .grad("x: g * sign(x)")),
    SIGMOID(function("sigmoid(T x)").sameShape().emit("Pointwise.sigmoid($0)").fused(PointwiseOp.SIGMOID)
            .grad("x: g * (out * oneMinus(out))")),
    LOG_SIGMOID(function("logSigmoid(T x)").sameShape().emit("Pointwise.logSigmoid($0)").fused(PointwiseOp.LOG_SIGMOID)
            .grad("x: g * sigmoid(-x)")),
    /** PyTorch's softplus: threshold 20 */
    SOFTPLUS(function("softplus(T x)").sameShape().emit("Pointwise.softplus($0)").fused(PointwiseOp.SOFTPLUS)
            .grad("x: where(gt(x, 20.0), g, g * sigmoid(x))")),
    /** PyTorch's threshold_backward: a NaN x passes g on (clamp's backward stops it) */
    RELU(function("relu(T x)").sameShape().emit("Pointwise.relu($0)").fused(PointwiseOp.RELU)
            .grad("x: where(le(x, 0.0), 0.0, g)")),
    /** PyTorch's clamp_backward */
    CLAMP(function("clamp(T x, S lo, S hi)").sameShape().emit("Pointwise.clamp($0, $1, $2)").fused(PointwiseOp.CLAMP)
            .grad("x: where(ge(x, lo) * le(x, hi), g, 0.0)")),
    CLAMP_MIN(function("clampMin(T x, S lo)").sameShape().emit("Pointwise.clampMin($0, $1)").fused(PointwiseOp.CLAMP_MIN)
            .grad("x: where(ge(x, lo), g, 0.0)")),
    CLAMP_MAX(function("clampMax(T x, S hi)").sameShape().emit("Pointwise.clampMax($0, $1)").fused(PointwiseOp.CLAMP_MAX)
            .grad("x: where(le(x, hi), g, 0.0)")),
    /** PyTorch: the larger argument gets g, ties split it in half */
    MAXIMUM(function("maximum(T x, T y)").broadcasts(Op::broadcast2).emit("Broadcasting.maximum($0, $1)").fused(PointwiseOp.MAXIMUM)
            .grad("x: where(gt(x, y), g, where(eq(x, y), g * 0.5, 0.0))", "y: where(gt(y, x), g, where(eq(x, y), g * 0.5, 0.0))")),
    MINIMUM(function("minimum(T x, T y)").broadcasts(Op::broadcast2).emit("Broadcasting.minimum($0, $1)").fused(PointwiseOp.MINIMUM)
            .grad("x: where(lt(x, y), g, where(eq(x, y), g * 0.5, 0.0))", "y: where(lt(y, x), g, where(eq(x, y), g * 0.5, 0.0))")),

    // ------------------------------------------------------------------ comparisons (0/1 masks, not differentiable)
    GT(function("gt(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.gt($0, $1)").fused(PointwiseOp.GT).notDifferentiable().acceptsIndices()),
    GE(function("ge(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.ge($0, $1)").fused(PointwiseOp.GE).notDifferentiable().acceptsIndices()),
    LT(function("lt(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.lt($0, $1)").fused(PointwiseOp.LT).notDifferentiable().acceptsIndices()),
    LE(function("le(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.le($0, $1)").fused(PointwiseOp.LE).notDifferentiable().acceptsIndices()),
    EQ(function("eq(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.eq($0, $1)").fused(PointwiseOp.EQ).notDifferentiable().acceptsIndices()),
    NE(function("ne(T x, X y)").broadcasts(Op::broadcast2).emit("Pointwise.ne($0, $1)").fused(PointwiseOp.NE).notDifferentiable().acceptsIndices()),
    /** c ? x : y elementwise; the gradient goes to the branch taken */
    WHERE(function("where(T c, T x, T y)").broadcasts(Op::broadcast3).emit("Pointwise.where($0, $1, $2)").fused(PointwiseOp.WHERE)
            .grad("x: where(c, g, 0.0)", "y: where(c, 0.0, g)")),

    /**
     * {@code c ? x : y} on a number or boolean option; the gradient goes to the branch chosen. The fused program
     * runs it as a branch, not a kernel.
     */
    CHOOSE(internal("choose(S c, T x, T y)").shape(Op::chooseShape).emit("($0 ? $1 : $2)").notFusable()
            .grad("x: choose(c, g, noGradient)", "y: choose(c, noGradient, g)")),

    /** a size-1 dim inserted at dim; the gradient drops it again */
    UNSQUEEZE(function("unsqueeze(T x, d dim)").changesShape(Op::unsqueezeShape).emit("Shapes.unsqueeze($0, $dim)").notFusable()
            .grad("x: squeeze(g, x)")),
    /** max(x, lo) computed without tracking, as PyTorch's clamp under no_grad: the gradient passes unchanged */
    CLAMP_MIN_STRAIGHT_THROUGH(function("clampMinStraightThrough(T x, S lo)").sameShape().emit("Pointwise.clampMinStraightThrough($0, $1)")
            .fused(PointwiseOp.CLAMP_MIN_STRAIGHT_THROUGH).grad("x: g")),

    /** x itself, with no gradient through it: PyTorch's detach (a value computed under no_grad) */
    DETACH(function("detach(T x)").sameShape().emit("$0").notFusable().notDifferentiable()),

    // ------------------------------------------------------------------ reductions ('sumBackward' expands g back over the dims)
    SUM(function("sum(T x, D dims)").changesShape(Op::reduce).emit("Reductions.sum($0$dimsArg)").notFusable()
            .grad("x: sumBackward(g, x)")),
    MEAN(function("mean(T x, D dims)").changesShape(Op::reduce).emit("Reductions.mean($0$dimsArg)").notFusable()
            .grad("x: meanBackward(g, x)")),
    LOGSUMEXP(function("logsumexp(T x, d dim)").changesShape(Op::reduce).emit("Reductions.logsumexp($0, $dim)").notFusable()
            .grad("x: sumBackward(g, x) * softmax(x)")),
    /** the largest value along dim; g goes to the maxima, split evenly between ties (PyTorch's amax, TensorFlow's reduce_max) */
    AMAX(function("amax(T x, d dim)").changesShape(Op::reduce).emit("Reductions.amax($0, $dim)").notFusable()
            .let("isMax = eq(x, sumBackward(out, x))")
            .grad("x: where(isMax, sumBackward(g, x) / sumBackward(sum(isMax), x), 0.0)")),
    /**
     * g - softmax(x) * sum(g, dim), one row kernel from x (not from the output: a backward whose g is "no gradient"
     * then needs no forward value, so label smoothing's branch not taken costs nothing)
     */
    LOG_SOFTMAX(function("logSoftmax(T x, d dim)").keepsShape(Op::sameWithDim).emit("Softmax.logSoftmax($0, $dim)").notFusable()
            .grad("x: logSoftmaxBackward(g, x)")),
    SOFTMAX(function("softmax(T x, d dim)").keepsShape(Op::sameWithDim).emit("Softmax.softmax($0, $dim)").notFusable()
            .grad("x: out * (g - sumBackward(sum(g * out), x))")),

    /** the p-norm over dim; gradient g * sign(x)|x|^(p-1) / norm^(p-1), 0 where the norm is 0 (PyTorch's) */
    NORM(function("norm(T x, S p, d dim)").changesShape(Op::reduce).emit("Reductions.norm($0, $1, $dim)").notFusable()
            .grad("x: normBackward(g, x, out, p)")),
    /** GaussianNLLLoss's var aligned with the input: a var lacking the input's last dim gets it as size 1 */
    ALIGN_VARIANCE(function("alignVariance(T var, T x)").changesShape(Op::alignVarianceShape).emit("TorchPrimitives.alignVariance($0, $1)")
            .notFusable().precondition("variance").grad("var: alignVarianceBackward(g, var)")),

    // ------------------------------------------------------------------ indexing
    /** x[.., index, ..] along dim (the dim dropped), as PyTorch's select; the gradient fills that slice of zeros */
    SELECT(function("select(T x, d dim, d index)").changesShape(Op::selectShape).emit("IndexKernels.select($0$dimsArg)").notFusable()
            .grad("x: selectBackward(g, x)")),
    /** picks x[.., i, ..] along dim; 0 where i == ignore. The gradient scatters g back. */
    GATHER(function("gather(T x, d dim, I i, S ignore = Long.MIN_VALUE)").changesShape(Op::gather)
            .emit("IndexKernels.gather($0, $dim, $1, (long) ($2))").notFusable().grad("x: gatherBackward(g, x, i, ignore)")),
    /**
     * gather(logSoftmax(x, dim), dim, i, ignore) as one op ({@link Rewrites} makes it after shape checks):
     * each row's picked log-probability, without writing the log-softmax. The gradient: g (onehot - softmax).
     */
    LOG_SOFTMAX_PICK(internal("logSoftmaxPick(T x, d dim, I i, S ignore)").changesShape(Op::gather)
            .emit("Softmax.logSoftmaxPick($0, $dim, $1, (long) ($2))").notFusable().grad("x: logSoftmaxPickBackward(g, x, i, ignore)")),
    /** w[i]; not differentiable in the weights (they are options) */
    TAKE(function("take(T w, I i, S ignore = Long.MIN_VALUE)").changesShape(Op::take).emit("IndexKernels.take($0, $1, (long) ($2))")
            .notFusable().notDifferentiable()),
    /** x scaled by the 1-D weights along dim (x[n,c,..] * w[c] for dim 1); not differentiable in the weights */
    SCALE_ALONG(function("scaleAlong(T x, d dim, T w)").keepsShape(Op::scaleAlongShape).emit("IndexKernels.scaleAlong($0, $dim, $1)")
            .notFusable().grad("x: scaleAlong(g, w)")),
    /** 1 where i picks the entry along dim of a tensor shaped like x, else 0 (a mask, not differentiable) */
    PICK_MASK(function("pickMask(T x, d dim, I i)").keepsShape(Op::pickMaskShape).emit("IndexKernels.pickMask($0, $dim, $1)")
            .notFusable().notDifferentiable()),
    /** marks the loss as weighted: MEAN divides by sum(w). The fused program passes it through. */
    WEIGHTED(function("weighted(T loss, T w)").changesShape(Op::weighted).emit("$0").notFusable()
            .grad("loss: g")),

    // ------------------------------------------------------------------ primitives with PyTorch's own derivative rules
    /** -(t log x + (1-t) log(1-x)), logs clamped at -100; d/dx = (x-t)/max(x(1-x), 1e-12), d/dt = log(1-x) - log x */
    BINARY_CROSS_ENTROPY(function("binaryCrossEntropy(T x, T t)").broadcasts(Op::broadcast2).emit("TorchPrimitives.binaryCrossEntropy($0, $1)")
            .fused(PointwiseOp.BINARY_CROSS_ENTROPY).precondition("probabilities")
            .grad("x: g * bceGradInput(x, t)", "t: g * bceGradTarget(x, t)")),
    /**
     * PyTorch's smooth_l1_loss with its own backward: -1, d/beta or 1 by where d = x - t falls. As in PyTorch's
     * derivatives.yaml, d/dt is the same backward with x and t swapped (not the negation: they differ at ties).
     */
    SMOOTH_L1(function("smoothL1(T x, T t, S beta)").broadcasts(Op::broadcast2).emit("TorchPrimitives.smoothL1($0, $1, $2)")
            .fused(PointwiseOp.SMOOTH_L1).grad("x: g * smoothL1GradInput(x, t, beta)", "t: g * smoothL1GradInput(t, x, beta)")),
    /** PyTorch's huber_loss with its own backward: clamp(d, -delta, delta), NaN for NaN; d/dt swaps x and t */
    HUBER(function("huber(T x, T t, S delta)").broadcasts(Op::broadcast2).emit("TorchPrimitives.huber($0, $1, $2)")
            .fused(PointwiseOp.HUBER).grad("x: g * huberGradInput(x, t, delta)", "t: g * huberGradInput(t, x, delta)")),

    /** CTC's per-sample loss over (T,*n,C) log probabilities, a primitive with PyTorch's own gradient */
    CTC(function("ctcLoss(T lp, I targets, I inLens, I tgtLens, S blank, S zeroInf)").changesShape(Op::ctcShape)
            .emit("TorchPrimitives.ctc($0, $1, $2, $3, (long) ($4), $5)").notFusable()
            .grad("lp: ctcBackward(g, lp, targets, inLens, tgtLens, blank, zeroInf)")),
    /** MultiLabelMarginLoss's per-sample loss over (*b,C) inputs and -1-padded targets, with PyTorch's gradient */
    MULTILABEL_MARGIN(function("multiLabelMargin(T x, I t)").changesShape(Op::dropLastShape).emit("TorchPrimitives.multiLabelMargin($0, $1)")
            .notFusable().grad("x: multiLabelMarginBackward(g, x, t)")),
    /** class indices (or lengths) as values, for arithmetic; not differentiable */
    AS_VALUES(function("asValues(I i)").sameShape().emit("IndexKernels.asValues($0)").notFusable().notDifferentiable().acceptsIndices()),

    // ------------------------------------------------------------------ backward-only ops (not in the DSL; derivative formulas call them)
    /** -1, 0 or 1; 0 at 0 and NaN */
    SIGN(internal("sign(T x)").emit("Pointwise.sign($0)").fused(PointwiseOp.SIGN)),
    RSUB_ONE(internal("oneMinus(T x)").emit("Broadcasting.rsub(1.0, $0)").fused(PointwiseOp.RSUB_ONE)),
    /** a broadcast gradient summed back to its operand's shape */
    SUM_TO(internal("sumTo(T g, T like)").emit("Broadcasting.sumTo($0, $1.shape())").notFusable()),
    LOG_SOFTMAX_BACKWARD(internal("logSoftmaxBackward(T g, T x)").emit("Softmax.logSoftmaxBackward($0, $1, $dim)").notFusable()),
    /** needs no forward value: softmax = exp(x - x[k]) / sum, exps stored as they are summed (one exp per element) */
    LOG_SOFTMAX_PICK_BACKWARD(internal("logSoftmaxPickBackward(T g, T x, I i, S ignore)")
            .emit("Softmax.logSoftmaxPickBackward($0, $1, $dim, $2, (long) ($3))").notFusable()),
    SUM_BACKWARD(internal("sumBackward(T g, T like)").emit("Reductions.sumBackward($0, $1.shape()$dimsArg)").notFusable()),
    MEAN_BACKWARD(internal("meanBackward(T g, T like)").emit("Reductions.meanBackward($0, $1.shape()$dimsArg)").notFusable()),
    SELECT_BACKWARD(internal("selectBackward(T g, T like)").emit("IndexKernels.selectBackward($0, $1.shape()$dimsArg)").notFusable()),
    GATHER_BACKWARD(internal("gatherBackward(T g, T like, I i, S ignore)")
            .emit("IndexKernels.gatherBackward($0, $1.shape(), $dim, $2, (long) ($3))").notFusable()),
    BCE_GRAD_INPUT(internal("bceGradInput(T x, T t)").emit("TorchPrimitives.binaryCrossEntropyGradInput($0, $1)").fused(PointwiseOp.BCE_GRAD_INPUT)),
    BCE_GRAD_TARGET(internal("bceGradTarget(T x, T t)").emit("TorchPrimitives.binaryCrossEntropyGradTarget($0, $1)").fused(PointwiseOp.BCE_GRAD_TARGET)),
    ZEROS_LIKE(internal("zerosLike(T x)").emit("Pointwise.zerosLike($0)").notFusable()),
    CTC_BACKWARD(internal("ctcBackward(T g, T lp, I targets, I inLens, I tgtLens, S blank, S zeroInf)")
            .emit("TorchPrimitives.ctcBackward($0, $1, $2, $3, $4, (long) ($5), $6)").notFusable()),
    MULTILABEL_MARGIN_BACKWARD(internal("multiLabelMarginBackward(T g, T x, I t)").emit("TorchPrimitives.multiLabelMarginBackward($0, $1, $2)").notFusable()),
    SMOOTH_L1_GRAD_INPUT(internal("smoothL1GradInput(T x, T t, S beta)").emit("TorchPrimitives.smoothL1GradInput($0, $1, $2)")
            .fused(PointwiseOp.SMOOTH_L1_GRAD_INPUT)),
    HUBER_GRAD_INPUT(internal("huberGradInput(T x, T t, S delta)").emit("TorchPrimitives.huberGradInput($0, $1, $2)").fused(PointwiseOp.HUBER_GRAD_INPUT)),
    /** drops the size-1 dim unsqueeze inserted */
    SQUEEZE(internal("squeeze(T g, T like)").emit("Shapes.squeeze($0, $dim, $1.rank())").notFusable()),
    NORM_BACKWARD(internal("normBackward(T g, T x, T norm, S p)").emit("Reductions.normBackward($0, $1, $2, $3, $dim)").notFusable()),
    ALIGN_VARIANCE_BACKWARD(internal("alignVarianceBackward(T g, T var)").emit("TorchPrimitives.alignVarianceBackward($0, $1)").notFusable());

    private final OpSpec spec;

    Op(OpSpec spec) {
        this.spec = spec;
    }

    /** The DSL word, or null for leaves and backward-only ops. */
    public String dslName() {
        return spec.kind == OpSpec.Kind.TENSOR_METHOD || spec.kind == OpSpec.Kind.FUNCTION ? spec.name : null;
    }

    /**
     * Signature letters, one per operand: {@code T} tensor, {@code X} tensor or number, {@code S} number, {@code I}
     * class-index tensor, {@code d} one integer dim, {@code D} any number of integer dims.
     */
    public String signature() { return spec.signature; }

    /** The operands' names, as the derivative formulas use them. */
    public List<String> operandNames() { return spec.operands; }

    public ShapeRule shapeRule() { return spec.shapeRule; }

    /** Java code with {@code $0..$n} for arguments, {@code $dim}/{@code $dimsArg} for dims. */
    public String emitTemplate() { return spec.emitTemplate; }

    /** Null for ops that pass no gradient (comparisons, indices). */
    public Derivative derivative() {
        return spec.derivative == null || !spec.derivative.isDifferentiable() ? null : spec.derivative;
    }

    /** The derivative as written in the entry ({@code "x: g * y; y: g * x"}), or null when none passes. */
    public String derivativeText() { return spec.derivative == null ? null : spec.derivative.text(); }

    /** Whether the entry declares its derivative (a formula, or that it has none). */
    public boolean declaresDerivative() { return spec.derivative != null; }

    /** The block kernel a fused program computes the op with; null when the op is not fusable. */
    public PointwiseOp fusedKernel() { return spec.fusion == null ? null : spec.fusion.kernel(); }

    /** Whether the entry declares its fused decision (a kernel, or not fusable). */
    public boolean declaresFusion() { return spec.fusion != null; }

    /** Whether the result always has the first argument's shape. */
    public boolean keepsShape() { return spec.keepsShape; }

    /** Whether the derivative already returns each argument's own shape, so that no {@link #SUM_TO} is needed. */
    public boolean gradientsInArgumentShapes() { return spec.gradientsInArgumentShapes; }

    /** Tensor methods, called as {@code x.add(y)}; the rest are static functions of {@code Ops}. */
    public boolean isTensorMethod() { return spec.kind == OpSpec.Kind.TENSOR_METHOD; }

    /** Leaves of the graph: inputs, options, scalars, the seed and "no gradient". */
    public boolean isLeaf() { return spec.kind == OpSpec.Kind.LEAF; }

    /** The default of an optional trailing number argument, or null when every argument is required. */
    public String optionalDefault() { return spec.optionalDefault; }

    /**
     * A check that the generated code runs before the op, as
     * {@code Checks.<name>(lossName, labelOfFirstArgument, arguments...)}; null when the op accepts any value.
     */
    public String precondition() { return spec.precondition; }

    /** Whether the op broadcasts its operands against each other (PyTorch's rule) into its result's shape. */
    public boolean broadcastsOperands() { return spec.broadcasts; }

    /** Comparisons may take class indices: {@code ne(target, ignoreIndex)} is a mask. */
    public boolean acceptsIndices() { return spec.acceptsIndices; }

    /** The DSL word for {@code name}, or null. */
    public static Op byDslName(String name) {
        for (Op op : values()) {
            if (name.equals(op.dslName())) {
                return op;
            }
        }
        return null;
    }

    /** The op a derivative formula calls {@code name}: its DSL word or its internal name; null if none. */
    static Op named(String name) {
        for (Op op : values()) {
            if (name.equals(op.spec.name)) {
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
        words.remove(WEIGHTED.dslName());
        words.add(CONSTANT);
        words.add(MEAN_DIVIDED_BY);
        return List.copyOf(words);
    }

    // ------------------------------------------------------------------ shape rules used above

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
            throw new ShapeError(Diag.GATHER_INDEX_SHAPE, t, dim, result, a.get(1));
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
            throw new ShapeError(Diag.TAKE_WEIGHTS_SHAPE, w);
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
                throw new ShapeError(Diag.UNSQUEEZE_DIM_RANGE, dim, t);
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
            throw new ShapeError(Diag.BRANCH_SHAPE, a.get(1), a.get(2));
        }
        return a.get(1);
    }

    private static SymShape scaleAlongShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        SymShape w = a.get(1);
        String along = ShapeRules.dimAt(t, ShapeRules.locate(t, n.dims()[0]));
        if (!w.isScalar() && (w.hasVariadic() || w.fixedRank() != 1
                || !w.prefix().get(0).equals(along) && !SymShape.isWildcard(w.prefix().get(0)) && !SymShape.isWildcard(along))) {
            throw new ShapeError(Diag.SCALE_ALONG_WEIGHTS_SHAPE, n.dims()[0], along, w);
        }
        return t;
    }

    private static SymShape pickMaskShape(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape t = a.get(0);
        SymShape expected = ShapeRules.drop(t, n.dims()[0]);
        if (!ShapeRules.sameShape(expected, a.get(1))) {
            throw new ShapeError(Diag.PICK_MASK_INDEX_SHAPE, n.dims()[0], expected, a.get(1));
        }
        return t;
    }

    /** The weights broadcast to the loss's shape, never beyond it: MEAN divides by their sum over the loss. */
    private static SymShape weighted(Node n, List<SymShape> a, ShapeRule.Context c) throws ShapeError {
        SymShape both = broadcast(a.get(0), a.get(1));
        if (!ShapeRules.sameShape(both, a.get(0))) {
            throw new ShapeError(Diag.WEIGHTS_BEYOND_LOSS, a.get(0), both);
        }
        return a.get(0);
    }
}
