package dev.lossforge.bench;

import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.TorchLosses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The benchmark cases: one loss at one size, with the inputs each of the four contenders takes. All float32,
 * fixed seeds, built outside any workspace.
 *
 * <table>
 * <caption>inputs per loss (x ~ N(0,1) logits [N,C])</caption>
 * <tr><th>loss</th><th>LossForge (adapter and direct)</th><th>DL4J built-in</th><th>SameDiffLoss</th></tr>
 * <tr><td>MSELoss</td><td>x, y ~ N(0,1); identity</td><td>LossMSE, identity</td><td>mean((x-y)^2, 1)</td></tr>
 * <tr><td>CrossEntropyLoss</td><td>x, class indices ([N,1] floats for the adapter, [N] longs direct); identity</td>
 *     <td>LossMCXENT, softmax, one-hot</td><td>-sum(onehot * logSoftmax(x), 1), identity</td></tr>
 * <tr><td>NLLLoss</td><td>logSoftmax(x), class indices; identity</td>
 *     <td>LossNegativeLogLikelihood, identity on softmax(x), one-hot</td><td>-sum(onehot * logp, 1)</td></tr>
 * <tr><td>BCEWithLogitsLoss</td><td>x, 0/1 targets; identity</td><td>LossBinaryXENT, sigmoid</td>
 *     <td>stable max(x,0) - x t + log1p(exp(-|x|))</td></tr>
 * <tr><td>BCELoss</td><td>sigmoid(x), 0/1 targets; identity</td><td>LossBinaryXENT, identity</td>
 *     <td>-(t log p + (1-t) log(1-p))</td></tr>
 * <tr><td>SmoothL1Loss</td><td>x, y; identity</td><td>LossL2 (DL4J has no Huber)</td><td>Huber, beta 1</td></tr>
 * <tr><td>KLDivLoss (batchmean)</td><td>logSoftmax(x), softmax(y); identity</td><td>LossKLD, identity on softmax(x)</td>
 *     <td>sum(q (log q - logp), 1)</td></tr>
 * </table>
 */
public final class Cases {
    /** Every loss the issue asks for, in report order. */
    public static final List<String> WANTED = List.of("MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss",
            "SmoothL1Loss", "KLDivLoss");

    public static final List<String> SIZES = List.of("32x10", "256x1000", "4096x1000");

    /** The workspace DL4J's MultiLayerNetwork uses for a layer's working memory during fit (WS_LAYER_WORKING_MEM_CONFIG). */
    public static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .overallocationLimit(0.02)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .build();

    public static final String WORKSPACE_ID = "WS";

    private Cases() {
    }

    /** The wanted losses that the catalog has (the others light up when they are added to TorchLosses). */
    public static List<String> available() {
        List<String> out = new ArrayList<>();
        for (String name : WANTED) {
            if (TorchLosses.names().contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    public static List<String> missing() {
        List<String> out = new ArrayList<>(WANTED);
        out.removeAll(available());
        return out;
    }

    /** Opens (and activates) the per-thread workspace, as DL4J does around a layer's forward/backward. */
    public static MemoryWorkspace openWorkspace() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID);
    }

    /**
     * One way of calling a loss as DL4J's output layer does during fit: {@code computeGradient}, then
     * {@code computeScore(..., average = false)}.
     */
    public record Way(String what, ILossFunction fn, INDArray preOut, INDArray labels, IActivation activation) {
        public INDArray gradient() {
            return fn.computeGradient(labels, preOut, activation, null);
        }

        public double score() {
            return fn.computeScore(labels, preOut, activation, null, false);
        }
    }

    /** A loss at a size: LossForge directly, through the adapter, DL4J's built-in and a SameDiffLoss. */
    public static final class Case {
        public final String loss;
        public final long n;
        public final long c;
        /** LossForge, called directly: forward(inputs), backward(one, inputs), forwardBackward(one, inputs). */
        public final LossFunction lossForge;
        public final INDArray[] inputs;
        public final INDArray one;
        public final Way adapter;
        public final Way builtin;
        public final Way sameDiff;

        Case(String loss, long n, long c, LossFunction lossForge, INDArray[] inputs, Way adapter, Way builtin, Way sameDiff) {
            this.loss = loss;
            this.n = n;
            this.c = c;
            this.lossForge = lossForge;
            this.inputs = inputs;
            this.one = Nd4j.scalar(DataType.FLOAT, 1.0f);
            this.adapter = adapter;
            this.builtin = builtin;
            this.sameDiff = sameDiff;
        }

        /** The bytes of the prediction [N,C] float32: the reference for allocation per call. */
        public long inputBytes() {
            return n * c * 4;
        }
    }

    public static long[] parseSize(String size) {
        String[] parts = size.toLowerCase().split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("size '" + size + "': expected NxC, e.g. 256x1000");
        }
        return new long[] {Long.parseLong(parts[0].trim()), Long.parseLong(parts[1].trim())};
    }

    public static Case create(String loss, String size) {
        if (!TorchLosses.names().contains(loss)) {
            throw new IllegalArgumentException(loss + " is not in the LossForge catalog yet (TorchLosses.names() = "
                    + TorchLosses.names() + "): run without -p loss=... to benchmark only the available ones");
        }
        long[] nc = parseSize(size);
        long n = nc[0];
        long c = nc[1];
        Nd4j.getRandom().setSeed(20240611L + n * 31 + c);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, c);
        INDArray y = Nd4j.randn(DataType.FLOAT, n, c);
        IActivation identity = new ActivationIdentity();
        switch (loss) {
            case "MSELoss": {
                LossFunction lf = TorchLosses.create(loss);
                return new Case(loss, n, c, lf, new INDArray[] {x, y},
                        new Way("adapter", Dl4jLosses.of(lf), x, y, identity),
                        new Way("LossMSE", new LossMSE(), x, y, identity),
                        new Way("SameDiffLoss", new SameDiffLosses.Mse(), x, y, identity));
            }
            case "CrossEntropyLoss": {
                LossFunction lf = TorchLosses.create(loss);
                long[] idx = classIndices(n, c);
                return new Case(loss, n, c, lf, new INDArray[] {x, Nd4j.createFromArray(idx)},
                        new Way("adapter", Dl4jLosses.of(lf), x, indexColumn(idx), identity),
                        new Way("LossMCXENT+softmax", new LossMCXENT(), x, oneHot(idx, c), new ActivationSoftmax()),
                        new Way("SameDiffLoss", new SameDiffLosses.CrossEntropy(), x, oneHot(idx, c), identity));
            }
            case "NLLLoss": {
                LossFunction lf = TorchLosses.create(loss);
                long[] idx = classIndices(n, c);
                INDArray logProbs = logSoftmax(x);
                INDArray probs = Transforms.exp(logProbs, true);
                return new Case(loss, n, c, lf, new INDArray[] {logProbs, Nd4j.createFromArray(idx)},
                        new Way("adapter", Dl4jLosses.of(lf), logProbs, indexColumn(idx), identity),
                        new Way("LossNegativeLogLikelihood", new LossNegativeLogLikelihood(), probs, oneHot(idx, c), identity),
                        new Way("SameDiffLoss", new SameDiffLosses.Nll(), logProbs, oneHot(idx, c), identity));
            }
            case "BCEWithLogitsLoss": {
                LossFunction lf = TorchLosses.create(loss);
                INDArray t = bernoulli(n, c);
                return new Case(loss, n, c, lf, new INDArray[] {x, t},
                        new Way("adapter", Dl4jLosses.of(lf), x, t, identity),
                        new Way("LossBinaryXENT+sigmoid", new LossBinaryXENT(), x, t, new ActivationSigmoid()),
                        new Way("SameDiffLoss", new SameDiffLosses.BceWithLogits(), x, t, identity));
            }
            case "BCELoss": {
                LossFunction lf = TorchLosses.create(loss);
                INDArray t = bernoulli(n, c);
                INDArray p = Transforms.sigmoid(x, true);
                return new Case(loss, n, c, lf, new INDArray[] {p, t},
                        new Way("adapter", Dl4jLosses.of(lf), p, t, identity),
                        new Way("LossBinaryXENT", new LossBinaryXENT(), p, t, identity),
                        new Way("SameDiffLoss", new SameDiffLosses.Bce(), p, t, identity));
            }
            case "SmoothL1Loss": {
                LossFunction lf = TorchLosses.create(loss);
                return new Case(loss, n, c, lf, new INDArray[] {x, y},
                        new Way("adapter", Dl4jLosses.of(lf), x, y, identity),
                        new Way("LossL2", new LossL2(), x, y, identity),
                        new Way("SameDiffLoss", new SameDiffLosses.SmoothL1(), x, y, identity));
            }
            case "KLDivLoss": {
                LossFunction lf = TorchLosses.create(loss, Map.of("reduction", "batchmean"));
                INDArray logProbs = logSoftmax(x);
                INDArray probs = Transforms.exp(logProbs, true);
                INDArray q = Transforms.exp(logSoftmax(y), false);
                return new Case(loss, n, c, lf, new INDArray[] {logProbs, q},
                        new Way("adapter", Dl4jLosses.of(lf), logProbs, q, identity),
                        new Way("LossKLD", new LossKLD(), probs, q, identity),
                        new Way("SameDiffLoss", new SameDiffLosses.KlDiv(), logProbs, q, identity));
            }
            default:
                throw new IllegalArgumentException("no benchmark case for " + loss + "; known: " + WANTED);
        }
    }

    private static long[] classIndices(long n, long c) {
        Random r = new Random(7 * n + c);
        long[] idx = new long[(int) n];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = r.nextInt((int) c);
        }
        return idx;
    }

    /** Class indices as DL4J passes labels: a float column [N,1]. */
    private static INDArray indexColumn(long[] idx) {
        float[] f = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
            f[i] = idx[i];
        }
        return Nd4j.createFromArray(f).reshape(idx.length, 1);
    }

    private static INDArray oneHot(long[] idx, long c) {
        INDArray out = Nd4j.zeros(DataType.FLOAT, idx.length, c);
        for (int i = 0; i < idx.length; i++) {
            out.putScalar(i, idx[i], 1.0);
        }
        return out;
    }

    private static INDArray bernoulli(long n, long c) {
        return Nd4j.rand(DataType.FLOAT, n, c).gt(0.5).castTo(DataType.FLOAT);
    }

    private static INDArray logSoftmax(INDArray x) {
        INDArray shifted = x.sub(x.max(true, 1));
        return shifted.sub(Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false));
    }
}
