package dev.lossforge.dl4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.TorchLosses;
import java.util.Iterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * A triplet embedding with shared weights, the DL4J way: StackVertex, the shared layers, UnstackVertex ×3,
 * MergeVertex (anchor | positive | negative), LossLayer with TripletMarginLoss through {@link Dl4jLosses#of}.
 * Five SGD steps equal PyTorch's (tools/parity/gen_triplet_graph_parity.py): every parameter and score() after
 * every step within 1e-9 relative. No listener: the loss sees N rows, the minibatch.
 */
class TripletGraphParityTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static ComputationGraphConfiguration tripletGraph(ParityCase c) {
        int nIn = c.json.get("n_in").asInt();
        int hidden = c.json.get("n_hidden").asInt();
        int embedding = c.json.get("n_embedding").asInt();
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(7).updater(new Sgd(c.json.get("lr").asDouble()))
                .graphBuilder()
                .addInputs("anchor", "positive", "negative")
                .addVertex("stack", new StackVertex(), "anchor", "positive", "negative")
                .addLayer("embed1", new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.TANH).build(), "stack")
                .addLayer("embed2", new DenseLayer.Builder().nIn(hidden).nOut(embedding).activation(Activation.IDENTITY).build(), "embed1")
                .addVertex("anchorEmbedding", new UnstackVertex(0, 3), "embed2")
                .addVertex("positiveEmbedding", new UnstackVertex(1, 3), "embed2")
                .addVertex("negativeEmbedding", new UnstackVertex(2, 3), "embed2")
                .addVertex("triplet", new MergeVertex(), "anchorEmbedding", "positiveEmbedding", "negativeEmbedding")
                .addLayer("loss", new LossLayer.Builder(Dl4jLosses.of(TorchLosses.create(c.lossName(), c.options())))
                        .activation(Activation.IDENTITY).build(), "triplet")
                .setOutputs("loss")
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"triplet_graph_mean", "triplet_graph_swap_p1_sum", "triplet_graph_distance_mean"})
    void sharedWeightTripletGraphTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        ComputationGraph net = new ComputationGraph(tripletGraph(c));
        net.init();
        c.setInitialParams(net);
        INDArray anchor = ParityCase.array(c.json.get("anchor"));
        // the labels are not used by a triplet loss, but DL4J needs an array with N rows
        MultiDataSet batch = new MultiDataSet(new INDArray[] {anchor, ParityCase.array(c.json.get("positive")),
                ParityCase.array(c.json.get("negative"))}, new INDArray[] {Nd4j.zeros(DataType.DOUBLE, anchor.size(0), 1)});
        assertEquals(4, net.paramTable().size(), "one set of embedding weights, shared by the three branches");
        for (int step = 0; step < c.steps(); step++) {
            net.fit(batch);
            JsonNode expected = c.json.get("steps").get(step);
            ParityCase.assertClose(expected.get("loss").asDouble(), net.score(), name + " step " + (step + 1) + " score");
            for (Iterator<String> it = expected.get("params").fieldNames(); it.hasNext(); ) {
                String key = it.next();
                INDArray got = net.getParam(key);
                ParityCase.assertArrayClose(ParityCase.array(expected.get("params").get(key)).reshape(got.shape()), got,
                        name + " step " + (step + 1) + " " + key);
            }
        }
    }
}
