package dev.lossforge.dl4j;

import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The network-side layer of {@link SequenceLossLayer}. DL4J gives an output layer two masks through two doors:
 * the features mask, propagated through the layers, arrives in {@link #feedForwardMaskArray}; the labels mask in
 * {@link #setMaskArray} (verified in 1.0.0-M2.1: {@code MultiLayerNetwork.setLayerMaskArrays} and
 * {@code ComputationGraph.setLayerMaskArrays}, which both clear every layer's mask with {@code setMaskArray(null)}
 * between steps). CTC needs both, so they are kept apart.
 */
final class SequenceOutputLayer extends BaseLayer<SequenceLossLayer> implements IOutputLayer {
    private static final long serialVersionUID = 1L;
    /** The frames of DL4J's truncated BPTT, which hands the output layer pieces of sequences. */
    private static final Set<String> TBPTT_METHODS = Set.of("doTruncatedBPTT");
    private static final StackWalker STACK = StackWalker.getInstance();

    private INDArray labels;
    private INDArray featuresMask;

    SequenceOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SequenceLoss sequenceLoss() {
        return layerConf().sequenceLoss();
    }

    /**
     * The labels mask, or null. {@code MultiLayerNetwork.calculateGradients} passes the features mask for both
     * masks ({@code ffToLayerActivationsInWs(..., fMask, fMask)} in 1.0.0-M2.1): the same instance as the features
     * mask is not a labels mask.
     */
    private INDArray labelsMask() {
        return maskArray == featuresMask ? null : maskArray;
    }

    // ---------------------------------------------------------------- training

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        refuseTruncatedBptt();
        double scale = conf().isMiniBatch() ? input.size(0) : 1.0; // DL4J's updater divides by N under miniBatch
        SequenceLoss.Result r = sequenceLoss().compute(input, labels, featuresMask, labelsMask(), layerConf().getActivationFn(), scale);
        return new Pair<>(new DefaultGradient(), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, r.gradient()));
    }

    /** PyTorch's loss plus the network's regularization term. */
    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        refuseTruncatedBptt();
        score = sequenceLoss().compute(input, labels, featuresMask, labelsMask(), layerConf().getActivationFn(), null).score()
                + fullNetRegTerm;
        return score;
    }

    /** Each sequence's unreduced loss (CTC: its negative log-likelihood), plus the regularization term. */
    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray perExample = sequenceLoss().perExample(input, labels, featuresMask, labelsMask(), layerConf().getActivationFn());
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, perExample.castTo(input.dataType()).addi(fullNetRegTerm));
    }

    private static void refuseTruncatedBptt() {
        boolean truncated = STACK.walk(frames -> frames.anyMatch(f -> TBPTT_METHODS.contains(f.getMethodName())
                && f.getClassName().startsWith("org.deeplearning4j.nn.")));
        if (truncated) {
            throw new IllegalStateException("SequenceLossLayer: truncated BPTT hands the loss pieces of tbpttLength steps, not"
                    + " whole sequences, so CTC and a sequence's mean would be wrong; expected BackpropType.Standard (the default)");
        }
    }

    // ---------------------------------------------------------------- forward and masks

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.rank() != 3) {
            throw new IllegalArgumentException("SequenceLossLayer: expected input [N, C, T] (NCW), got rank " + input.rank()
                    + " " + layerId());
        }
        return layerConf().getActivationFn().getActivation(workspaceMgr.dup(ArrayType.ACTIVATIONS, input), training);
    }

    /** The labels mask (or null; {@code null} also ends the step and forgets the features mask). */
    @Override
    public void setMaskArray(INDArray maskArray) {
        this.maskArray = maskArray;
        if (maskArray == null) {
            featuresMask = null;
        }
    }

    /** The features mask {@code [N, T]}, propagated from the network's input. */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
        this.featuresMask = maskArray;
        this.maskState = currentMaskState;
        return null; // the last layer
    }

    @Override
    public void setLabels(INDArray labels) {
        this.labels = labels;
    }

    @Override
    public INDArray getLabels() {
        return labels;
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    // ---------------------------------------------------------------- Classifier: not meaningful for a loss layer

    @Override
    public double f1Score(DataSet data) {
        throw unsupported("f1Score");
    }

    @Override
    public double f1Score(INDArray examples, INDArray labels) {
        throw unsupported("f1Score");
    }

    @Override
    public int numLabels() {
        return labels == null ? 0 : (int) labels.size(1);
    }

    @Override
    public void fit(DataSetIterator iter) {
        throw unsupported("fit");
    }

    @Override
    public int[] predict(INDArray examples) {
        throw unsupported("predict");
    }

    @Override
    public List<String> predict(DataSet dataSet) {
        throw unsupported("predict");
    }

    @Override
    public void fit(INDArray examples, INDArray labels) {
        throw unsupported("fit");
    }

    @Override
    public void fit(DataSet data) {
        throw unsupported("fit");
    }

    @Override
    public void fit(INDArray examples, int[] labels) {
        throw unsupported("fit");
    }

    private static UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("SequenceLossLayer." + what + ": train and evaluate the network, not its loss layer");
    }
}
