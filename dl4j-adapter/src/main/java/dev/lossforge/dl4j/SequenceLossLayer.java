package dev.lossforge.dl4j;

import dev.lossforge.LossFunction;
import java.util.Collection;
import java.util.LinkedHashMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.serde.jackson.shaded.NDArrayTextDeSerializer;
import org.nd4j.serde.jackson.shaded.NDArrayTextSerializer;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.databind.annotation.JsonDeserialize;
import org.nd4j.shade.jackson.databind.annotation.JsonSerialize;

/**
 * A DL4J output layer without parameters, like {@code RnnLossLayer}, that hands a LossForge loss the whole
 * sequence output {@code [N, C, T]} (NCW) instead of {@code N·T} rows, so that CTCLoss works and no listener is
 * needed: {@code net.score()} is PyTorch's loss and {@code fit} steps as PyTorch's optimizer.
 *
 * <pre>{@code
 * new SequenceLossLayer.Builder(TorchLosses.create("CTCLoss", Map.of("blank", 0)))
 *         .activation(new ActivationLogSoftmax()).build();
 * }</pre>
 *
 * <p>What the loss receives is described in {@link SequenceLoss}: CTC gets {@code (T, N, C)} log-probabilities,
 * input lengths from the features mask and target lengths from the labels mask; a loss over {@code (N, C, *d)},
 * such as CrossEntropyLoss or NLLLoss, gets {@code [N, C, T]}, with masked steps ignored. Truncated BPTT is refused
 * (it would hand the loss pieces of sequences). JSON stores the loss as the adapter does: its class and options.
 */
public final class SequenceLossLayer extends FeedForwardLayer {
    private static final long serialVersionUID = 1L;

    @JsonProperty("lossClass")
    private String lossClass;

    @JsonProperty("lossOptions")
    private LinkedHashMap<String, Object> lossOptions;

    @JsonProperty("lossTensorOptions")
    @JsonSerialize(contentUsing = NDArrayTextSerializer.class)
    @JsonDeserialize(contentUsing = NDArrayTextDeSerializer.class)
    private LinkedHashMap<String, INDArray> lossTensorOptions;

    /** Rebuilt from the three fields above on first use (after JSON or Java deserialization). */
    @JsonIgnore
    private transient SequenceLoss sequenceLoss;

    /** For Jackson. */
    private SequenceLossLayer() {
    }

    private SequenceLossLayer(Builder builder) {
        super(builder);
        LossSpec spec = LossSpec.of(builder.loss);
        this.lossClass = spec.lossClass;
        this.lossOptions = new LinkedHashMap<>(spec.scalars);
        this.lossTensorOptions = new LinkedHashMap<>(spec.tensors);
        this.sequenceLoss = new SequenceLoss(builder.loss);
        initializeConstraints(builder);
    }

    /** The loss, rebuilt from its class and options when this configuration was read back. */
    public LossFunction getLoss() {
        return sequenceLoss().loss();
    }

    SequenceLoss sequenceLoss() {
        SequenceLoss s = sequenceLoss;
        if (s == null) {
            s = new SequenceLoss(LossSpec.rebuild(lossClass, lossOptions, lossTensorOptions));
            sequenceLoss = s;
        }
        return s;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        SequenceOutputLayer layer = new SequenceOutputLayer(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return EmptyParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException("SequenceLossLayer (index " + layerIndex + ", name " + getLayerName()
                    + "): expected a recurrent input [N, C, T], got " + inputType);
        }
        return inputType;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreprocessorForInputTypeRnnLayers(inputType, RNNFormat.NCW, getLayerName());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // no parameters: nothing to size
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, SequenceLossLayer.class, inputType, inputType)
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    /** Same layer settings and the same loss: compared as rebuilt, so that JSON's Integer 0 equals the loss's long 0. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceLossLayer other && super.equals(o)
                && LossSpec.of(getLoss()).sameAs(LossSpec.of(other.getLoss()));
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + LossSpec.of(getLoss()).valueHash();
    }

    @Override
    public String toString() {
        return "SequenceLossLayer(" + lossClass + lossOptions + ", activation=" + getActivationFn() + ")";
    }

    /** {@code new SequenceLossLayer.Builder(loss).activation(new ActivationLogSoftmax()).build()}. */
    public static final class Builder extends FeedForwardLayer.Builder<Builder> {
        private final LossFunction loss;

        /**
         * @throws IllegalArgumentException when the loss's reduction is NONE, or when it is neither CTCLoss nor a
         *                                  two-input loss
         */
        public Builder(LossFunction loss) {
            if (loss == null) {
                throw new IllegalArgumentException("SequenceLossLayer.Builder: loss is null");
            }
            new SequenceLoss(loss); // checks it now, where the user wrote it, rather than at the first step
            this.loss = loss;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SequenceLossLayer build() {
            return new SequenceLossLayer(this);
        }
    }
}
