package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import dev.lossforge.dl4j.fixtures.FixtureMseLoss;
import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * JSON (MultiLayerConfiguration / ComputationGraphConfiguration), ModelSerializer and Java serialization
 * round trips: the loss comes back with all its options, tensors included, as an equal configuration, and a
 * restored network trains exactly as the original.
 */
class SerializationTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** CrossEntropyLoss with every option set away from its default: a tensor, an int and the reduction. */
    private static Dl4jLoss weightedCrossEntropy() {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("weight", Nd4j.createFromArray(0.3, 1.7, 0.9));
        options.put("ignore_index", 2);
        options.put("reduction", "sum");
        return Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", options));
    }

    private static Dl4jLoss lossOf(MultiLayerConfiguration conf) {
        return (Dl4jLoss) ((BaseOutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer()).getLossFn();
    }

    @Test
    void multiLayerConfigurationJsonRoundTrip() {
        ParityCase c = ParityCase.load("cross_entropy_weight_ignore_sum");
        MultiLayerConfiguration conf = c.multiLayerConf(weightedCrossEntropy());
        String json = conf.toJson();
        assertTrue(json.contains("\"@class\" : \"dev.lossforge.dl4j.Dl4jLoss\""), json);
        assertTrue(json.contains("\"lossClass\" : \"dev.lossforge.torch.CrossEntropyLoss\""), json);

        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(conf.hashCode(), back.hashCode());
        Dl4jLoss loss = lossOf(back);
        LossFunction restored = loss.loss();
        assertEquals("CrossEntropyLoss", restored.name());
        assertEquals(Reduction.SUM, restored.reduction());
        assertEquals(2L, ((Number) restored.options().get("ignore_index")).longValue());
        assertArrayEquals(new double[] {0.3, 1.7, 0.9}, ((INDArray) restored.options().get("weight")).toDoubleVector(), 0.0);
        assertEquals(json, back.toJson());
    }

    @Test
    void differentOptionsAreDifferentConfigurations() {
        Dl4jLoss a = weightedCrossEntropy();
        Dl4jLoss b = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss",
                Map.of("weight", Nd4j.createFromArray(0.3, 1.7, 0.91), "ignore_index", 2, "reduction", "sum")));
        Dl4jLoss c = Dl4jLosses.ofUnscaled(a.loss());
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(a, weightedCrossEntropy());
        assertEquals(a.hashCode(), weightedCrossEntropy().hashCode());
    }

    @Test
    void logSoftmaxActivationJsonRoundTrip() {
        ParityCase c = ParityCase.load("nll_logsoftmax_mean");
        MultiLayerConfiguration conf = c.multiLayerConf(Dl4jLosses.of(TorchLosses.create("NLLLoss", c.options())));
        String json = conf.toJson();
        assertTrue(json.contains("\"@class\" : \"dev.lossforge.dl4j.ActivationLogSoftmax\""), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertInstanceOf(ActivationLogSoftmax.class, ((BaseOutputLayer) back.getConf(1).getLayer()).getActivationFn());
    }

    @Test
    void computationGraphConfigurationJsonRoundTrip() {
        ParityCase c = ParityCase.load("cross_entropy_weight_ignore_sum");
        ComputationGraphConfiguration conf = c.graphConf(weightedCrossEntropy());
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertEquals(conf.hashCode(), back.hashCode());
        BaseOutputLayer out = (BaseOutputLayer) ((LayerVertex) back.getVertices().get("1")).getLayerConf().getLayer();
        assertEquals(weightedCrossEntropy(), out.getLossFn());
    }

    @Test
    void modelSerializerRoundTripThenFitAsTheOriginal(@TempDir Path dir) throws Exception {
        ParityCase c = ParityCase.load("cross_entropy_weight_ignore_sum");
        DataSet ds = c.dataSet();
        MultiLayerNetwork original = c.multiLayerNetwork(weightedCrossEntropy());
        original.fit(ds);
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(original, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(original.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(original.params(), restored.params());
        for (int i = 0; i < 2; i++) {
            original.fit(ds);
            restored.fit(ds);
        }
        assertArrayEquals(original.params().toDoubleVector(), restored.params().toDoubleVector(), 0.0);
        assertEquals(original.score(), restored.score(), 0.0);
        // and the restored network is still PyTorch's: steps 2 and 3 of the golden run
        assertEquals(c.json.get("steps").get(2).get("loss").asDouble(), restored.score(), 1e-9 * restored.score());
    }

    @Test
    void modelSerializerComputationGraphRoundTrip(@TempDir Path dir) throws Exception {
        ParityCase c = ParityCase.load("rnn_cross_entropy_weight_masked_mean");
        DataSet ds = c.dataSet();
        ComputationGraph original = c.computationGraph(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", c.options())));
        File file = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(original, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(original.getConfiguration(), restored.getConfiguration());
        restored.setListeners(Dl4jLosses.minibatchListener());
        restored.fit(ds);
        ParityCase.assertClose(c.json.get("steps").get(0).get("loss").asDouble(), restored.score(), "restored graph score");
        ParityCase.assertArrayClose(ParityCase.array(c.json.get("steps").get(0).get("params").get("0_W")),
                restored.getParam("0_W"), "restored graph 0_W");
    }

    @Test
    void missingLossClassIsNamed() {
        ParityCase c = ParityCase.load("mse_mean");
        String json = c.multiLayerConf(Dl4jLosses.of(TorchLosses.create("MSELoss", c.options()))).toJson()
                .replace("dev.lossforge.torch.MSELoss", "com.example.losses.GoneLoss");
        RuntimeException e = assertThrows(RuntimeException.class, () -> MultiLayerConfiguration.fromJson(json));
        String messages = messages(e);
        assertTrue(messages.contains("the loss class com.example.losses.GoneLoss named in the saved configuration is not on the classpath"),
                messages);
        assertFalse(messages.contains("pre version 1.0.0"), messages);
        // the outermost message, the one a user sees first, names the class too
        assertTrue(e.getMessage().contains("com.example.losses.GoneLoss"), e.getMessage());
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable x = t; x != null; x = x.getCause()) {
            sb.append(x.getMessage()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void javaSerializationRoundTrip() throws Exception {
        Dl4jLoss loss = weightedCrossEntropy();
        Dl4jLoss back = (Dl4jLoss) deserialize(serialize(loss));
        assertEquals(loss, back);
        INDArray logits = Nd4j.createFromArray(new double[][] {{0.1, 1.2, -0.3}, {2.0, -1.0, 0.5}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {0}});
        assertEquals(loss.computeScore(labels, logits, new ActivationIdentity(), null, false),
                back.computeScore(labels, logits, new ActivationIdentity(), null, false), 0.0);

        Dl4jLoss fixture = Dl4jLosses.ofUnscaled(FixtureMseLoss.builder().set("weight", Nd4j.createFromArray(1.0, 2.0)).build());
        Dl4jLoss fixtureBack = (Dl4jLoss) deserialize(serialize(fixture));
        assertEquals(fixture, fixtureBack);
        assertFalse(fixtureBack.isMiniBatch());
        assertEquals(new ActivationLogSoftmax(), deserialize(serialize(new ActivationLogSoftmax())));
    }

    private static byte[] serialize(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }
}
