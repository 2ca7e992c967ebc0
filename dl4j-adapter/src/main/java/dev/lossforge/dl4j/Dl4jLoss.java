package dev.lossforge.dl4j;

import dev.lossforge.LossAndGradients;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.io.ObjectStreamException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.serde.jackson.shaded.NDArrayTextDeSerializer;
import org.nd4j.serde.jackson.shaded.NDArrayTextSerializer;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.annotation.JsonPropertyOrder;
import org.nd4j.shade.jackson.databind.annotation.JsonDeserialize;
import org.nd4j.shade.jackson.databind.annotation.JsonSerialize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LossForge {@link LossFunction} as a DL4J {@link ILossFunction}. Create it with {@link Dl4jLosses#of}.
 *
 * <p>What DL4J hands a loss (verified in deeplearning4j-nn 1.0.0-M2.1, {@code BaseOutputLayer},
 * {@code LossLayer}, {@code RnnOutputLayer}, {@code RnnLossLayer}, {@code CnnLossLayer}): labels and the
 * pre-activation output as rank-2 {@code [rows, C]} arrays (rank-3/4 outputs already flattened to N*T or N*H*W
 * rows), the layer's activation, and a mask that is null, a column {@code [rows, 1]} or the output's shape. It
 * then divides the score and the gradient by the minibatch size N (unless {@code miniBatch(false)}).
 *
 * <p>So this adapter applies the activation to a copy of the pre-output, runs the LossForge loss on the
 * activated output exactly as PyTorch would, backpropagates through {@code activationFn.backprop}, and returns
 * N times PyTorch's loss and gradient: after DL4J's division an SGD step is PyTorch's step.
 *
 * <p>Immutable apart from the once-only warning flag and a cache of which layer kind calls with which row count:
 * safe to share between threads.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE,
        creatorVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"lossClass", "options", "tensorOptions", "miniBatch", "labelInputs"})
public final class Dl4jLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(Dl4jLoss.class);

    /** Losses that take raw scores and apply their own log-softmax / log-sigmoid. */
    private static final Set<String> LOGITS_LOSSES = Set.of("CrossEntropyLoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss");

    @JsonProperty("lossClass")
    private final String lossClass;

    @JsonProperty("options")
    private final LinkedHashMap<String, Object> options;

    @JsonProperty("tensorOptions")
    @JsonSerialize(contentUsing = NDArrayTextSerializer.class)
    @JsonDeserialize(contentUsing = NDArrayTextDeSerializer.class)
    private final LinkedHashMap<String, INDArray> tensorOptions;

    /** True for DL4J's default {@code miniBatch(true)}: the adapter then multiplies by N, which DL4J divides out. */
    @JsonProperty("miniBatch")
    private final boolean miniBatch;

    /** The loss's inputs taken from the labels (the others come from the network's output): see {@link InputLayout}. */
    @JsonProperty("labelInputs")
    private final ArrayList<String> labelInputs;

    @JsonIgnore
    private final transient LossFunction loss;
    @JsonIgnore
    private final transient LossFunction sumLoss;
    @JsonIgnore
    private final transient LossFunction noneLoss;
    @JsonIgnore
    private final transient LossSpec spec;
    @JsonIgnore
    private final transient InputLayout layout;
    @JsonIgnore
    private final transient AtomicBoolean warned = new AtomicBoolean();
    /** Per row count and entry point: the flattening layer that called, or {@link #NOT_FLATTENING} ({@link #minibatch}). */
    @JsonIgnore
    private final transient ConcurrentHashMap<Long, String> flatteningCallerByKey = new ConcurrentHashMap<>();
    private static final String NOT_FLATTENING = "";
    private static final int MAX_CACHED_KEYS = 64;

    /** Which ILossFunction method DL4J called. */
    private enum EntryPoint { GRADIENT, SCORE, SCORE_ARRAY }
    /** Where the once-only misconfiguration warning goes; tests replace it. */
    @JsonIgnore
    transient volatile Consumer<String> warningSink = LOG::warn;

    /** @param labelInputs the inputs taken from the labels, or null for {@link InputLayout}'s default */
    Dl4jLoss(LossFunction loss, boolean miniBatch, List<String> labelInputs) {
        if (loss == null) {
            throw new IllegalArgumentException("Dl4jLosses.of: loss is null");
        }
        if (loss.reduction() == Reduction.NONE) {
            throw new IllegalArgumentException(loss.name() + ": reduction is NONE but a DL4J output layer needs a scalar loss;"
                    + " expected reduction mean, sum or batchmean");
        }
        this.layout = InputLayout.of(loss, labelInputs);
        this.labelInputs = new ArrayList<>(layout.labelInputNames());
        this.loss = loss;
        this.sumLoss = loss.withReduction(Reduction.SUM);
        this.noneLoss = loss.withReduction(Reduction.NONE);
        this.miniBatch = miniBatch;
        this.spec = LossSpec.of(loss);
        this.lossClass = spec.lossClass;
        this.options = new LinkedHashMap<>(spec.scalars);
        this.tensorOptions = new LinkedHashMap<>(spec.tensors);
    }

    /** Jackson: rebuilds the loss from its class name and options; a missing class fails here, naming it. */
    @JsonCreator
    private Dl4jLoss(@JsonProperty("lossClass") String lossClass,
                     @JsonProperty("options") Map<String, Object> options,
                     @JsonProperty("tensorOptions") @JsonDeserialize(contentUsing = NDArrayTextDeSerializer.class)
                     Map<String, INDArray> tensorOptions,
                     @JsonProperty("miniBatch") Boolean miniBatch,
                     @JsonProperty("labelInputs") List<String> labelInputs) {
        this(LossSpec.rebuild(lossClass, options, tensorOptions), miniBatch == null || miniBatch, labelInputs);
    }

    /** Java serialization keeps the five data fields; the loss itself is rebuilt, as for JSON. */
    private Object readResolve() throws ObjectStreamException {
        return new Dl4jLoss(LossSpec.rebuild(lossClass, options, tensorOptions), miniBatch, labelInputs);
    }

    /**
     * This adapter with the named inputs of the loss taken from the labels and every other input from the
     * network's output (side by side along dim 1, in parameter order); no names: the labels are not used. For a
     * user's own {@code @Loss} whose label inputs are not the default of {@link InputLayout}: for example
     * {@code Dl4jLosses.of(new RankLoss()).withLabelInputs("target")} for {@code rank(Tensor a, Tensor b, Tensor target)}.
     *
     * @throws IllegalArgumentException for a name the loss does not have, when no input is left for the output,
     *                                  or when an input left for the output has no gradient
     */
    public Dl4jLoss withLabelInputs(String... names) {
        return new Dl4jLoss(loss, miniBatch, List.of(names));
    }

    /** The names of the loss's inputs taken from the labels, in call order. */
    public List<String> labelInputs() {
        return List.copyOf(labelInputs);
    }

    /** The wrapped loss. */
    public LossFunction loss() {
        return loss;
    }

    /** Whether this adapter is for DL4J's default {@code miniBatch(true)} (see {@link Dl4jLosses#ofUnscaled}). */
    public boolean isMiniBatch() {
        return miniBatch;
    }

    @Override
    public String name() {
        return loss.name();
    }

    // ---------------------------------------------------------------- ILossFunction

    /**
     * N times PyTorch's loss (N = minibatch size), which DL4J divides by N; with {@code average} true the
     * already-divided value, i.e. PyTorch's loss itself. Under {@link Dl4jLosses#ofUnscaled} no factor N.
     */
    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        Evaluation e = evaluate(labels, preOutput, activationFn, mask, false, true);
        return average ? e.score / e.minibatch : e.score;
    }

    /** N times the gradient of PyTorch's loss with respect to the pre-activation output, shape {@code [rows, C]}. */
    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return evaluate(labels, preOutput, activationFn, mask, true, false).gradient;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                         INDArray mask, boolean average) {
        Evaluation e = evaluate(labels, preOutput, activationFn, mask, true, true);
        return new Pair<>(average ? e.score / e.minibatch : e.score, e.gradient);
    }

    /**
     * One score per row, {@code [rows, 1]}: the row's share of PyTorch's loss, times N (the same factor as
     * {@link #computeScore}), so the rows sum to {@code computeScore(..., false)} and their mean over the N
     * examples is PyTorch's loss. Masked rows score 0. DL4J's RnnOutputLayer then sums each sequence's rows.
     */
    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Prepared p = prepare(labels, preOutput, activationFn, mask, EntryPoint.SCORE_ARRAY);
        try {
            return scoreArray(p).muli(scale(p.minibatch)).reshape(p.rows, 1).castTo(preOutput.dataType());
        } catch (IllegalArgumentException e) {
            throw withLabelsHint(e, labels, preOutput);
        }
    }

    private INDArray scoreArray(Prepared p) {
        INDArray shares = Nd4j.zeros(p.output.dataType(), p.rows);
        switch (p.maskKind) {
            case ELEMENT -> {
                INDArray perElement = noneLoss.forward(p.inputs);
                double denominator = denominator(p.mask.unmaskedCount(), p.minibatch);
                if (p.mask.unmaskedCount() > 0) {
                    double[] perRow = p.mask.unmaskedRowSums(perElement);
                    for (int r = 0; r < perRow.length; r++) {
                        shares.putScalar(r, perRow[r] / denominator);
                    }
                }
            }
            case ROWS -> {
                int[] keep = p.mask.keptRows();
                if (keep.length > 0) {
                    INDArray sub = rowShares(rows(p.inputs, keep), p.minibatch);
                    for (int i = 0; i < keep.length; i++) {
                        shares.putScalar(keep[i], sub.getDouble(i));
                    }
                }
            }
            default -> shares = rowShares(p.inputs, p.minibatch);
        }
        return shares;
    }

    /** Each row's share of the reduced loss, from the unreduced one: exact for SUM and BATCHMEAN, by ratio for MEAN. */
    private INDArray rowShares(INDArray[] inputs, long minibatch) {
        INDArray perElement = noneLoss.forward(inputs);
        INDArray perRow = perElement.rank() == 1 ? perElement.dup() : perElement.reshape(perElement.size(0), -1).sum(1);
        perRow = perRow.castTo(inputs[0].dataType());
        return switch (loss.reduction()) {
            case SUM -> perRow;
            case BATCHMEAN -> perRow.divi(minibatch);
            default -> {
                // MEAN divides by a count or a sum of weights that the loss does not expose: recover it as a ratio
                // (when the unreduced values sum to exactly 0, fall back to the element count: right if unweighted)
                double reduced = loss.forward(inputs).getDouble(0);
                double total = perRow.sumNumber().doubleValue();
                yield total != 0 ? perRow.muli(reduced / total) : perRow.divi(perElement.length());
            }
        };
    }

    // ---------------------------------------------------------------- the computation

    /** Score (already scaled) and, when asked, the gradient (already scaled) with respect to the pre-output. */
    private record Evaluation(double score, INDArray gradient, long minibatch) {
    }

    private enum MaskKind { NONE, ROWS, ELEMENT }

    /**
     * The activated output, the loss's inputs cut from it and from the labels ({@link InputLayout}), and the mask
     * resolved to rows or elements ({@code mask} null for {@link MaskKind#NONE}).
     */
    private record Prepared(INDArray output, INDArray[] inputs, long rows, long minibatch, MaskKind maskKind, Mask mask) {
    }

    private Evaluation evaluate(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean wantGradient,
                                boolean wantScore) {
        Prepared p = prepare(labels, preOutput, activationFn, mask, wantGradient ? EntryPoint.GRADIENT : EntryPoint.SCORE);
        try {
            return evaluate(p, preOutput, activationFn, wantGradient, wantScore);
        } catch (IllegalArgumentException e) {
            throw withLabelsHint(e, labels, preOutput);
        }
    }

    /** The score (NaN when not wanted) and, if wanted, the gradient; a gradient alone costs no pass of the value. */
    private Evaluation evaluate(Prepared p, INDArray preOutput, IActivation activationFn, boolean wantGradient, boolean wantScore) {
        double value;
        INDArray dOutput = null;
        // DL4J's factor N goes into the backward pass's seed (gradOutput): no extra pass over the gradient
        double scale = scale(p.minibatch);
        long columns = p.output.size(1);
        switch (p.maskKind) {
            case ELEMENT -> {
                // a per-output mask on an element-wise loss: the reduction over the unmasked elements only. The
                // masked elements are dropped by selection, never by a product: 0 * NaN would be NaN
                double count = p.mask.unmaskedCount();
                double denominator = denominator(count, p.minibatch);
                INDArray perElement;
                if (wantGradient) {
                    // one pass gives the per-element loss and the gradient
                    INDArray seed = p.mask.asArray(p.output.dataType()).muli(count == 0 ? 0.0 : scale / denominator);
                    LossAndGradients step = noneLoss.forwardAndFirstGradient(seed, p.inputs);
                    perElement = step.loss();
                    dOutput = step.gradients()[0];
                } else {
                    perElement = noneLoss.forward(p.inputs);
                }
                value = count == 0 ? 0.0 : p.mask.unmaskedSum(perElement) / denominator;
            }
            case ROWS -> {
                // a per-example mask: PyTorch's loss on the unmasked rows alone (so MEAN is their mean); the
                // masked rows never reach the loss
                int[] keep = p.mask.keptRows();
                if (keep.length == 0) {
                    value = 0.0;
                    dOutput = wantGradient ? Nd4j.zeros(p.output.dataType(), p.output.shape()) : null;
                } else {
                    LossAndGradients lg = reduce(rows(p.inputs, keep), p.minibatch, wantGradient, scale);
                    value = lg.loss().getDouble(0);
                    if (wantGradient) {
                        INDArray sub = layout.join(lg.gradients(), keep.length, columns);
                        dOutput = Nd4j.zeros(sub.dataType(), p.output.shape());
                        for (int i = 0; i < keep.length; i++) {
                            dOutput.putRow(keep[i], sub.getRow(i));
                        }
                    }
                }
            }
            default -> {
                if (!wantScore && layout.outputIsFirstInput()) {
                    // DL4J's computeGradient: the gradient alone (a fused loss then runs no step of the value)
                    value = Double.NaN;
                    boolean batchMean = loss.reduction() == Reduction.BATCHMEAN;
                    INDArray first = (batchMean ? sumLoss : loss).firstGradient(
                            dev.lossforge.runtime.Options.filled(batchMean ? scale / p.minibatch : scale, p.inputs[0].dataType()), p.inputs);
                    dOutput = layout.join(new INDArray[] {first}, p.rows, columns);
                } else {
                    LossAndGradients lg = reduce(p.inputs, p.minibatch, wantGradient, scale);
                    value = lg.loss().getDouble(0);
                    dOutput = wantGradient ? layout.join(lg.gradients(), p.rows, columns) : null;
                }
            }
        }
        INDArray gradient = null;
        if (wantGradient) {
            // backprop writes into its first argument (sigmoid, softmax, ...): never the caller's array. The
            // activated output is ours and no longer needed, so it takes the pre-activation again; identity
            // writes nothing and returns eps itself.
            INDArray eps = dOutput.castTo(preOutput.dataType());
            INDArray in = isIdentity(activationFn) ? preOutput : p.output.assign(preOutput);
            if (p.mask != null) {
                // a NaN or Inf at a masked position must not reach the activation's backprop (softmax sums a row)
                eps = p.mask.select(eps);
            }
            gradient = activationFn.backprop(in, eps).getFirst();
            if (p.mask != null) {
                // ... nor come back from it: sigmoid's backprop of a NaN pre-output is 0 * NaN
                gradient = p.mask.select(gradient);
            }
        }
        return new Evaluation(value * scale, gradient, p.minibatch);
    }

    /**
     * The loss and, if asked, its gradients (each times {@code gradScale}); BATCHMEAN divides by the true
     * minibatch N, not by the (flattened) rows.
     */
    private LossAndGradients reduce(INDArray[] inputs, long minibatch, boolean wantGradient, double gradScale) {
        if (loss.reduction() == Reduction.BATCHMEAN) {
            LossAndGradients sum = run(sumLoss, inputs, wantGradient, gradScale / minibatch);
            return new LossAndGradients(sum.loss().div(minibatch), sum.gradients());
        }
        return run(loss, inputs, wantGradient, gradScale);
    }

    private LossAndGradients run(LossFunction f, INDArray[] inputs, boolean wantGradient, double gradScale) {
        if (!wantGradient) {
            return new LossAndGradients(f.forward(inputs), null);
        }
        // a shared scalar (one per dtype and value): no allocation per step
        INDArray seed = dev.lossforge.runtime.Options.filled(gradScale, inputs[0].dataType());
        // the output is the first input for two-input losses: the other gradients are not needed
        return layout.outputIsFirstInput() ? f.forwardAndFirstGradient(seed, inputs) : f.forwardBackward(seed, inputs);
    }

    private double denominator(double unmaskedCount, long minibatch) {
        return switch (loss.reduction()) {
            case MEAN -> unmaskedCount;
            case BATCHMEAN -> minibatch;
            default -> 1.0;
        };
    }

    private double scale(long minibatch) {
        return miniBatch ? minibatch : 1.0;
    }

    private Prepared prepare(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray maskArray, EntryPoint entry) {
        checkArguments(labels, preOutput, activationFn);
        warnOnLikelyMistake(activationFn);
        long rows = preOutput.size(0);
        long minibatch = minibatch(rows, entry);
        // getActivation works in place for most activations: give it a copy. Identity returns its argument, and
        // the loss never writes its inputs, so it takes the caller's array itself.
        INDArray output = isIdentity(activationFn) ? preOutput : activationFn.getActivation(preOutput.dup(), true);
        INDArray[] inputs = layout.split(output, labels);
        if (maskArray == null) {
            return new Prepared(output, inputs, rows, minibatch, MaskKind.NONE, null);
        }
        Mask mask = Mask.of(loss.name(), maskArray, preOutput.shape());
        if (mask.allKept()) {
            return new Prepared(output, inputs, rows, minibatch, MaskKind.NONE, null);
        }
        if (mask.perElement()) {
            if (!layout.outputIsFirstInput()) {
                throw new IllegalArgumentException(loss.name() + ": a per-output mask " + Arrays.toString(maskArray.shape())
                        + " that varies along a row cannot be split between the inputs " + layout.outputLayout()
                        + " side by side in the output; expected a per-example mask [" + rows + ", 1]");
            }
            long[] perElementShape = noneLoss.forward(inputs).shape();
            if (!Arrays.equals(perElementShape, output.shape())) {
                throw new IllegalArgumentException(loss.name() + ": a per-output mask " + Arrays.toString(maskArray.shape())
                        + " needs an element-wise loss, but this loss reduces each row to one value (unreduced shape "
                        + Arrays.toString(perElementShape) + "); expected a per-example mask [" + rows
                        + ", 1] or a per-output mask that is constant along each row");
            }
            return new Prepared(output, inputs, rows, minibatch, MaskKind.ELEMENT, mask);
        }
        return new Prepared(output, inputs, rows, minibatch, MaskKind.ROWS, mask);
    }

    /**
     * The minibatch size N that DL4J divides by: published by {@link Dl4jLosses#minibatchListener()} or
     * {@link Dl4jLosses#withMinibatchSize}, else the number of rows (right for OutputLayer and LossLayer; for the
     * layers that flatten time steps or pixels into rows, an error rather than a silently scaled step).
     */
    private long minibatch(long rows, EntryPoint entry) {
        Long published = MinibatchContext.minibatchFor(rows, loss.name());
        if (published != null) {
            return published;
        }
        // which layer calls is the same for every call with these rows through this entry point (short of one adapter
        // shared by a dense and a flattening layer with equal row counts): look once per pair, in a bounded cache.
        // The entry point is in the key because RnnOutputLayer's score comes through BaseOutputLayer, where it is
        // not seen, and must not hide its gradient, where it is.
        long key = rows * EntryPoint.values().length + entry.ordinal();
        String caller = flatteningCallerByKey.get(key);
        if (caller == null) {
            caller = Objects.requireNonNullElse(MinibatchContext.flatteningCaller(), NOT_FLATTENING);
            if (flatteningCallerByKey.size() < MAX_CACHED_KEYS) {
                flatteningCallerByKey.put(key, caller);
            }
        }
        if (!caller.equals(NOT_FLATTENING)) {
            throw MinibatchContext.unknownMinibatch(loss.name(), caller, rows);
        }
        return rows;
    }

    private static boolean isIdentity(IActivation activationFn) {
        return activationFn instanceof ActivationIdentity;
    }

    /**
     * The loss's own error, with a hint when the labels look like DL4J's one-hot rows [N, C] but the loss takes
     * class indices: the most common slip when moving a DL4J classifier to a PyTorch loss.
     */
    private IllegalArgumentException withLabelsHint(IllegalArgumentException e, INDArray labels, INDArray preOutput) {
        boolean oneHotShaped = labels.rank() == 2 && labels.size(1) > 1 && labels.size(1) == preOutput.size(1);
        if (!oneHotShaped || !layout.labelsAreClassIndices()) {
            return e;
        }
        return new IllegalArgumentException(e.getMessage() + ". The labels " + Arrays.toString(labels.shape()) + " look like DL4J"
                + " one-hot rows, but " + loss.name() + " takes class indices: expected labels [" + labels.size(0)
                + ", 1] holding each row's class index (for one-hot labels: labels.argMax(1))", e);
    }

    private void checkArguments(INDArray labels, INDArray preOutput, IActivation activationFn) {
        if (preOutput == null || labels == null || activationFn == null) {
            throw new IllegalArgumentException(loss.name() + ": " + (preOutput == null ? "preOutput" : labels == null ? "labels"
                    : "activationFn") + " is null");
        }
        if (preOutput.rank() != 2) {
            throw new IllegalArgumentException(loss.name() + ": preOutput must be rank 2 [rows, C], as DL4J output layers pass it,"
                    + " but has shape " + Arrays.toString(preOutput.shape()));
        }
        if (labels.rank() < 1 || labels.size(0) != preOutput.size(0)) {
            throw new IllegalArgumentException(loss.name() + ": labels have shape " + Arrays.toString(labels.shape())
                    + " but expected " + preOutput.size(0) + " rows, as preOutput " + Arrays.toString(preOutput.shape()));
        }
    }

    private void warnOnLikelyMistake(IActivation activationFn) {
        if (warned.get()) {
            return;
        }
        String name = loss.name();
        String message = null;
        if (LOGITS_LOSSES.contains(name) && (activationFn instanceof ActivationSoftmax || activationFn instanceof ActivationSigmoid)) {
            message = "LossForge: " + name + " takes raw logits and applies its own log-"
                    + (name.equals("CrossEntropyLoss") ? "softmax" : "sigmoid") + ", but the output layer's activation is "
                    + activationFn + ", so it is applied twice. This is likely a mistake: use Activation.IDENTITY on the"
                    + " output layer (as in PyTorch, where no softmax/sigmoid precedes " + name + ").";
        } else if (name.equals("NLLLoss") && activationFn instanceof ActivationSoftmax) {
            message = "LossForge: NLLLoss takes log-probabilities, but the output layer's activation is softmax (probabilities)."
                    + " This is likely a mistake: use new ActivationLogSoftmax() on the output layer, or CrossEntropyLoss with"
                    + " Activation.IDENTITY.";
        }
        if (message != null && warned.compareAndSet(false, true)) {
            warningSink.accept(message);
        }
    }

    /** The kept rows of every input (of every rank). */
    private static INDArray[] rows(INDArray[] inputs, int[] keep) {
        INDArray[] out = new INDArray[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            out[i] = rows(inputs[i], keep);
        }
        return out;
    }

    private static INDArray rows(INDArray a, int[] keep) {
        if (a.rank() == 1) {
            return a.reshape(a.length(), 1).getRows(keep).reshape(keep.length);
        }
        if (a.rank() == 2) {
            return a.getRows(keep);
        }
        INDArray flat = a.reshape(a.size(0), -1).getRows(keep);
        long[] shape = a.shape().clone();
        shape[0] = keep.length;
        return flat.reshape(shape);
    }

    // ---------------------------------------------------------------- value semantics

    @Override
    public boolean equals(Object o) {
        return o instanceof Dl4jLoss other && miniBatch == other.miniBatch && labelInputs.equals(other.labelInputs)
                && spec.sameAs(other.spec);
    }

    @Override
    public int hashCode() {
        return (spec.valueHash() * 31 + Boolean.hashCode(miniBatch)) * 31 + labelInputs.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Dl4jLoss(").append(loss.name()).append(options);
        tensorOptions.forEach((k, v) -> sb.append(", ").append(k).append("=tensor").append(Arrays.toString(v.shape())));
        return sb.append(miniBatch ? ")" : ", unscaled)").toString();
    }
}
