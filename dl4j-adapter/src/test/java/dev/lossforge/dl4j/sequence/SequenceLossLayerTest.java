package dev.lossforge.dl4j.sequence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.ActivationLogSoftmax;
import dev.lossforge.dl4j.SequenceLossLayer;
import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * {@link SequenceLossLayer} against PyTorch 1.13 (tools/parity/gen_sequence_parity.py): CTC and CrossEntropyLoss
 * over whole {@code [N, C, T]} outputs, score and gradient with respect to the layer's input; an LSTM + CTC network
 * trained 5 SGD steps, as a MultiLayerNetwork and as a ComputationGraph, with no listener; JSON; TBPTT refused.
 */
class SequenceLossLayerTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static List<String> cases() {
        return ParityCase.index("sequence");
    }

    private static IActivation activation(String name) {
        return name.equals("logsoftmax") ? new ActivationLogSoftmax() : Activation.IDENTITY.getActivationFunction();
    }

    private static INDArray optional(JsonNode json, String key) {
        return json.has(key) ? ParityCase.array(json.get(key)) : null;
    }

    /** A network made of the loss layer alone, so that its input is the case's pre-output. */
    private static MultiLayerNetwork lossOnly(ParityCase c, long classes) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new SequenceLossLayer.Builder(TorchLosses.create(c.lossName(), c.options()))
                        .activation(activation(c.json.get("activation").asText())).build())
                .setInputType(InputType.recurrent(classes, RNNFormat.NCW))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void scoreAndInputGradientAreMinibatchTimesPyTorchs(String name) {
        ParityCase c = ParityCase.load("sequence/" + name);
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray labels = ParityCase.array(c.json.get("labels"));
        INDArray featuresMask = optional(c.json, "features_mask");
        INDArray labelsMask = optional(c.json, "labels_mask");
        MultiLayerNetwork net = lossOnly(c, z.size(1));
        double torchLoss = c.json.get("loss_value").asDouble();

        ParityCase.assertClose(torchLoss, net.score(new DataSet(z, labels, featuresMask, labelsMask)), name + " score");
        // the gradient from the layer itself, its masks given as DL4J gives them (MultiLayerNetwork.calculateGradients
        // would pass the features mask as the labels mask too)
        Layer layer = net.getLayer(0);
        layer.setInput(z, LayerWorkspaceMgr.noWorkspaces());
        ((IOutputLayer) layer).setLabels(labels);
        if (featuresMask != null) {
            layer.feedForwardMaskArray(featuresMask, MaskState.Active, (int) z.size(0));
        }
        layer.setMaskArray(labelsMask);
        INDArray gradient = layer.backpropGradient(null, LayerWorkspaceMgr.noWorkspaces()).getSecond();
        // DL4J's updater divides by the minibatch N, so the layer hands back N times PyTorch's gradient
        ParityCase.assertArrayClose(ParityCase.array(c.json.get("grad_pre_output")).mul(z.size(0)), gradient, name + " gradient");
        ParityCase.assertClose(torchLoss, ((IOutputLayer) layer).computeScore(0.0, true, LayerWorkspaceMgr.noWorkspaces()),
                name + " layer score");
    }

    @Test
    void scoreExamplesGivesEachSequencesNegativeLogLikelihood() {
        // reduction sum: the per-sequence losses add up to PyTorch's summed CTC loss
        ParityCase c = ParityCase.load("sequence/ctc_sum_blank_last");
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        MultiLayerNetwork net = lossOnly(c, z.size(1));
        INDArray perSequence = net.scoreExamples(new DataSet(z, ParityCase.array(c.json.get("labels")),
                optional(c.json, "features_mask"), optional(c.json, "labels_mask")), false);
        assertEquals(z.size(0), perSequence.length());
        ParityCase.assertClose(c.json.get("loss_value").asDouble(), perSequence.sumNumber().doubleValue(), "sum of scoreExamples");
    }

    @Test
    void aNaNLabelAtAMaskedStepIsIgnored() {
        ParityCase c = ParityCase.load("sequence/cross_entropy_masked_mean");
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray labels = ParityCase.array(c.json.get("labels"));
        INDArray mask = ParityCase.array(c.json.get("labels_mask"));
        labels.putScalar(new long[] {0, 0, 5}, Double.NaN); // mask[0, 5] is 0
        labels.putScalar(new long[] {2, 0, 1}, Double.POSITIVE_INFINITY); // mask[2, 1] is 0
        MultiLayerNetwork net = lossOnly(c, z.size(1));
        ParityCase.assertClose(c.json.get("loss_value").asDouble(), net.score(new DataSet(z, labels, null, mask)), "score");
    }

    // ---------------------------------------------------------------- training

    private static final String TRAINING = "sequence/lstm_ctc_training";

    private static NeuralNetConfiguration.Builder base(ParityCase c) {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).updater(new Sgd(c.json.get("lr").asDouble()));
    }

    private static LSTM lstm(ParityCase c) {
        return new LSTM.Builder().nIn(c.json.get("n_in").asInt()).nOut(c.json.get("n_hidden").asInt())
                .activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID).build();
    }

    /**
     * A dense layer applied to every step: with setInputType DL4J puts RnnToFeedForward and FeedForwardToRnn
     * preprocessors around it. (TimeDistributed(DenseLayer) is not used: with a features mask, 1.0.0-M2.1 zeroes
     * steps inside the sequences too.)
     */
    private static DenseLayer perStepDense(ParityCase c) {
        return new DenseLayer.Builder().nIn(c.json.get("n_hidden").asInt()).nOut(c.json.get("n_out").asInt())
                .activation(Activation.IDENTITY).build();
    }

    private static SequenceLossLayer ctcLayer(ParityCase c) {
        return new SequenceLossLayer.Builder(TorchLosses.create("CTCLoss", c.options())).activation(new ActivationLogSoftmax()).build();
    }

    static MultiLayerConfiguration lstmCtc(ParityCase c) {
        return base(c).list().layer(lstm(c)).layer(perStepDense(c)).layer(ctcLayer(c))
                .setInputType(InputType.recurrent(c.json.get("n_in").asInt(), RNNFormat.NCW)).build();
    }

    static ComputationGraphConfiguration lstmCtcGraph(ParityCase c) {
        return base(c).graphBuilder().addInputs("in")
                .addLayer("0", lstm(c), "in").addLayer("1", perStepDense(c), "0").addLayer("ctc", ctcLayer(c), "1")
                .setOutputs("ctc").setInputTypes(InputType.recurrent(c.json.get("n_in").asInt(), RNNFormat.NCW)).build();
    }

    private static DataSet trainingData(ParityCase c) {
        return new DataSet(ParityCase.array(c.json.get("features")), ParityCase.array(c.json.get("labels")),
                ParityCase.array(c.json.get("features_mask")), ParityCase.array(c.json.get("labels_mask")));
    }

    private static void trainAndCompare(ParityCase c, Model net, Runnable step) {
        c.setInitialParams(net);
        for (int s = 0; s < c.steps(); s++) {
            step.run();
            JsonNode expected = c.json.get("steps").get(s);
            ParityCase.assertClose(expected.get("loss").asDouble(), net.score(), "step " + (s + 1) + " score");
            for (Iterator<String> it = expected.get("params").fieldNames(); it.hasNext(); ) {
                String key = it.next();
                INDArray got = net.getParam(key);
                ParityCase.assertArrayClose(ParityCase.array(expected.get("params").get(key)).reshape(got.shape()), got,
                        "step " + (s + 1) + " " + key);
            }
        }
    }

    @Test
    void lstmWithCtcTrainsAsPyTorchWithoutAListener() {
        ParityCase c = ParityCase.load(TRAINING);
        MultiLayerNetwork net = new MultiLayerNetwork(lstmCtc(c));
        net.init();
        assertTrue(net.getListeners().isEmpty());
        DataSet data = trainingData(c);
        trainAndCompare(c, net, () -> net.fit(data));
    }

    @Test
    void lstmWithCtcInAComputationGraphTrainsAsPyTorch() {
        ParityCase c = ParityCase.load(TRAINING);
        ComputationGraph net = new ComputationGraph(lstmCtcGraph(c));
        net.init();
        DataSet data = trainingData(c);
        trainAndCompare(c, net, () -> net.fit(data));
    }

    @Test
    void aBatchWithoutAFeaturesMaskUsesWholeSequences() {
        // the features mask of one batch must not stay behind for the next: DL4J clears masks with setMaskArray(null)
        ParityCase c = ParityCase.load("sequence/ctc_full_lengths_mean");
        ParityCase masked = ParityCase.load("sequence/ctc_mean");
        MultiLayerNetwork net = lossOnly(c, 5);
        INDArray maskedZ = ParityCase.array(masked.json.get("pre_output"));
        ParityCase.assertClose(masked.json.get("loss_value").asDouble(), net.score(new DataSet(maskedZ,
                ParityCase.array(masked.json.get("labels")), ParityCase.array(masked.json.get("features_mask")),
                ParityCase.array(masked.json.get("labels_mask")))), "masked batch");
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray labels = ParityCase.array(c.json.get("labels"));
        ParityCase.assertClose(c.json.get("loss_value").asDouble(), net.score(new DataSet(z, labels)), "unmasked batch after a masked one");
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void jsonRoundTripsToAnEqualConfiguration() {
        ParityCase c = ParityCase.load(TRAINING);
        MultiLayerConfiguration conf = lstmCtc(c);
        String json = conf.toJson();
        assertTrue(json.contains("\"@class\" : \"dev.lossforge.dl4j.SequenceLossLayer\""), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(json, back.toJson());
        SequenceLossLayer layer = (SequenceLossLayer) back.getConf(2).getLayer();
        assertEquals("CTCLoss", layer.getLoss().name());
        ComputationGraphConfiguration graph = lstmCtcGraph(c);
        assertEquals(graph, ComputationGraphConfiguration.fromJson(graph.toJson()));
        SequenceLossLayer weighted = new SequenceLossLayer.Builder(TorchLosses.create("CrossEntropyLoss",
                Map.of("weight", Nd4j.createFromArray(0.4, 1.5, 1.0), "label_smoothing", 0.1))).activation(Activation.IDENTITY).build();
        MultiLayerConfiguration ce = new NeuralNetConfiguration.Builder().list().layer(weighted).build();
        MultiLayerConfiguration ceBack = MultiLayerConfiguration.fromJson(ce.toJson());
        assertEquals(ce, ceBack);
        assertEquals(0.1, ((Number) ((SequenceLossLayer) ceBack.getConf(0).getLayer()).getLoss().options().get("label_smoothing"))
                .doubleValue(), 0.0);
    }

    @Test
    void truncatedBpttIsRefused() {
        // CrossEntropyLoss's labels [N, 1, T] go through DL4J's truncated BPTT, which calls the layer on pieces
        ParityCase c = ParityCase.load("sequence/cross_entropy_masked_mean");
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new LSTM.Builder().nIn(z.size(1)).nOut(z.size(1)).activation(Activation.TANH).build())
                .layer(new SequenceLossLayer.Builder(TorchLosses.create("CrossEntropyLoss", c.options())).activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(z.size(1), RNNFormat.NCW))
                .backpropType(BackpropType.TruncatedBPTT).tBPTTLength(3).build());
        net.init();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.fit(new DataSet(z, ParityCase.array(c.json.get("labels")))));
        assertEquals("SequenceLossLayer: truncated BPTT hands the loss pieces of tbpttLength steps, not whole sequences, so CTC"
                + " and a sequence's mean would be wrong; expected BackpropType.Standard (the default)", e.getMessage());
    }

    @Test
    void truncatedBpttWithCtcLabelsIsSkippedByDl4jItself() {
        // CTC's labels [N, S] are rank 2: DL4J's doTruncatedBPTT logs "Cannot do truncated BPTT with non-3d inputs or
        // labels" and returns without calling any layer. Nothing is trained, so no wrong step either.
        ParityCase c = ParityCase.load(TRAINING);
        MultiLayerNetwork net = new MultiLayerNetwork(base(c).list().layer(lstm(c)).layer(perStepDense(c)).layer(ctcLayer(c))
                .setInputType(InputType.recurrent(c.json.get("n_in").asInt(), RNNFormat.NCW))
                .backpropType(BackpropType.TruncatedBPTT).tBPTTLength(3).build());
        net.init();
        INDArray before = net.params().dup();
        net.fit(trainingData(c));
        assertEquals(before, net.params());
    }

    @Test
    void badLossesAndMasksAreClearErrors() {
        assertEquals("TripletMarginLoss: takes 3 inputs, but SequenceLossLayer hands a loss (output, labels); expected CTCLoss or a"
                        + " loss called as loss(input, target)",
                assertThrows(IllegalArgumentException.class,
                        () -> new SequenceLossLayer.Builder(TorchLosses.create("TripletMarginLoss", Map.of()))).getMessage());
        ParityCase c = ParityCase.load("sequence/ctc_mean");
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray holes = ParityCase.array(c.json.get("features_mask")).dup();
        holes.putScalar(0, 3, 0.0); // row 0 is all ones: a hole in the middle
        MultiLayerNetwork net = lossOnly(c, z.size(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.score(new DataSet(z, ParityCase.array(c.json.get("labels")), holes, null)));
        assertTrue(e.getMessage().startsWith("CTCLoss: the features mask of sequence 0 has a 1 after a 0, but it gives the input"
                + " lengths, so it must be ones then zeros"), e.getMessage());
        // MSE has no ignore_index: a mask cannot be applied as ignored steps
        SequenceLossLayer mse = new SequenceLossLayer.Builder(TorchLosses.create("MSELoss", Map.of())).activation(Activation.IDENTITY).build();
        MultiLayerNetwork mseNet = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(mse).setInputType(InputType.recurrent(2, RNNFormat.NCW)).build());
        mseNet.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 3);
        IllegalArgumentException noIgnore = assertThrows(IllegalArgumentException.class,
                () -> mseNet.score(new DataSet(x, x, null, Nd4j.createFromArray(new double[][] {{1, 1, 0}, {1, 1, 1}}))));
        assertTrue(noIgnore.getMessage().startsWith("MSELoss: SequenceLossLayer got a mask"), noIgnore.getMessage());
        // without a mask it is MSE over [N, C, T] (a fresh network: DL4J leaves the masks of a call that threw in place)
        MultiLayerNetwork fresh = new MultiLayerNetwork(mseNet.getLayerWiseConfigurations().clone());
        fresh.init();
        assertEquals(0.25, fresh.score(new DataSet(x, x.add(0.5))), 1e-12);
    }
}
