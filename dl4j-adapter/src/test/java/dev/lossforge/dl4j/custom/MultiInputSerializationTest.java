package dev.lossforge.dl4j.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.Dl4jLoss;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.TorchLosses;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-input adapters survive JSON and Java serialization as two-input ones do: class, options, and which
 * inputs come from the labels ({@code "labelInputs"}); a configuration saved before that field existed reads
 * back with the default.
 */
class MultiInputSerializationTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerConfiguration conf(Dl4jLoss triplet, Dl4jLoss contrastive) {
        return new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(contrastive).nIn(6).nOut(6).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(triplet).activation(Activation.IDENTITY).build())
                .build();
    }

    private static Dl4jLoss lossOf(MultiLayerConfiguration conf, int layer) {
        var l = conf.getConf(layer).getLayer();
        return (Dl4jLoss) (l instanceof LossLayer lossLayer ? lossLayer.getLossFn() : ((BaseOutputLayer) l).getLossFn());
    }

    private static Dl4jLoss triplet() {
        return Dl4jLosses.of(TorchLosses.create("TripletMarginLoss", Map.of("margin", 0.3, "swap", true, "reduction", "sum")));
    }

    private static Dl4jLoss contrastive() {
        return Dl4jLosses.of(ContrastiveLoss.builder().set("margin", 2.0).build()).withLabelInputs("similar");
    }

    @Test
    void jsonRoundTripKeepsOptionsAndLabelInputs() {
        MultiLayerConfiguration conf = conf(triplet(), contrastive());
        String json = conf.toJson();
        assertTrue(json.contains("\"labelInputs\" : [ \"similar\" ]"), json);
        assertTrue(json.contains("\"labelInputs\" : [ ]"), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(json, back.toJson());
        assertEquals(List.of("similar"), lossOf(back, 1).labelInputs());
        assertEquals(triplet(), lossOf(back, 2));
        assertEquals(true, lossOf(back, 2).loss().options().get("swap"));
    }

    @Test
    void jsonWithoutLabelInputsGetsTheDefault() {
        String json = conf(triplet(), contrastive()).toJson().replace("\"labelInputs\" : [ \"similar\" ]", "\"labelInputs\" : null");
        assertEquals(List.of("right"), lossOf(MultiLayerConfiguration.fromJson(json), 1).labelInputs());
    }

    @Test
    void labelInputsAreValueSemantics() {
        assertEquals(contrastive(), contrastive());
        assertEquals(contrastive().hashCode(), contrastive().hashCode());
        assertNotEquals(contrastive(), Dl4jLosses.of(ContrastiveLoss.builder().set("margin", 2.0).build()));
    }

    @Test
    void javaSerializationRoundTrip() throws Exception {
        for (Dl4jLoss loss : List.of(triplet(), contrastive(), Dl4jLosses.ofUnscaled(contrastive().loss()).withLabelInputs("similar"))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(loss);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                Dl4jLoss back = (Dl4jLoss) in.readObject();
                assertEquals(loss, back);
                assertEquals(loss.labelInputs(), back.labelInputs());
                assertEquals(loss.isMiniBatch(), back.isMiniBatch());
            }
        }
    }
}
