package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rank 3: RnnOutputLayer hands the loss [N*T, C] rows, so N must be published (listener or scope). These
 * tests pin down what happens with and without it, on the golden RNN case (N = 3, T = 5).
 */
class MinibatchContextTest {
    private static final int T = 5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterEach
    void clear() {
        MinibatchContext.clear();
    }

    private static MultiLayerNetwork rnnWithoutListener(ParityCase c) {
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", c.options())));
        net.setListeners(); // remove the minibatch listener
        return net;
    }

    @Test
    void scoreOutsideFitNeedsTheScope() {
        ParityCase c = ParityCase.load("rnn_cross_entropy_mean");
        DataSet ds = c.dataSet();
        double pytorch = c.json.get("steps").get(0).get("loss").asDouble(); // the loss at the initial parameters
        MultiLayerNetwork net = rnnWithoutListener(c);
        try (MinibatchContext.Scope scope = Dl4jLosses.withMinibatchSize(ds.numExamples())) {
            ParityCase.assertClose(pytorch, net.score(ds), "score with the scope");
            // per-sequence scores (DL4J sums each sequence's rows): their mean is the score
            INDArray perSequence = net.scoreExamples(ds, false);
            assertEquals(3, perSequence.length());
            ParityCase.assertClose(pytorch, perSequence.meanNumber().doubleValue(), "mean of scoreExamples");
        }
        // without it the rows pass for examples: DL4J's division by N leaves T times PyTorch's loss. The one case
        // not caught: RnnOutputLayer's score is BaseOutputLayer.computeScore, which does not show the layer
        ParityCase.assertClose(T * pytorch, net.score(ds), "score without the scope");
    }

    @Test
    void fitWithoutTheListenerIsRefusedRatherThanStepTTimesTooFar() {
        // without the listener the step would be exactly T times PyTorch's: the adapter sees RnnOutputLayer on the
        // call stack and refuses, naming the fix, and the parameters are untouched
        ParityCase c = ParityCase.load("rnn_cross_entropy_mean");
        MultiLayerNetwork net = rnnWithoutListener(c);
        INDArray params = net.params().dup();
        // a score first (through BaseOutputLayer.computeScore, where RnnOutputLayer is not seen): the adapter's
        // memory of who calls with 15 rows must not let the gradient through afterwards
        net.score(c.dataSet());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(c.dataSet()));
        assertEquals("CrossEntropyLoss: called by DL4J's RnnOutputLayer (rows N*T) with 15 rows, but the minibatch size N that"
                + " DL4J divides by is unknown, so the step would be T (or H*W) times PyTorch's. Add"
                + " net.addListeners(Dl4jLosses.minibatchListener()) before fit, or wrap calls outside fit in"
                + " try (var scope = Dl4jLosses.withMinibatchSize(n)) { ... }", e.getMessage());
        assertEquals(params, net.params());
        // scoreExamples goes through RnnOutputLayer.computeScoreForExamples: refused too
        assertThrows(IllegalStateException.class, () -> net.scoreExamples(c.dataSet(), false));
    }

    @Test
    void rnnLossLayerWithoutTheListenerIsRefused() {
        // RnnLossLayer computes its own score and gradient: both are caught, and a scope makes them PyTorch's
        ParityCase c = ParityCase.load("rnn_cross_entropy_mean");
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).list()
                .layer(new org.deeplearning4j.nn.conf.layers.RnnLossLayer.Builder()
                        .lossFunction(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", c.options())))
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY)
                        .dataFormat(org.deeplearning4j.nn.conf.RNNFormat.NCW).build())
                .build());
        net.init();
        // the loss layer alone: its input is the features, logits [N, C, T] = [3, 3, 5]; the case's class labels [3, 1, 5]
        DataSet ds = new DataSet(Nd4j.rand(DataType.DOUBLE, 3, 3, T), c.dataSet().getLabels());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.score(ds));
        assertTrue(e.getMessage().startsWith("CrossEntropyLoss: called by DL4J's RnnLossLayer (rows N*T) with 15 rows"), e.getMessage());
        try (MinibatchContext.Scope scope = Dl4jLosses.withMinibatchSize(3)) {
            double scoped = net.score(ds);
            // PyTorch's mean over the 15 steps: the same as the rows' mean that the scope leaves undivided by T
            Dl4jLoss unscaled = Dl4jLosses.ofUnscaled(TorchLosses.create("CrossEntropyLoss", c.options()));
            INDArray rows = ds.getFeatures().permute(0, 2, 1).dup('c').reshape(15, 3);
            INDArray labels = ds.getLabels().permute(0, 2, 1).dup('c').reshape(15, 1);
            assertEquals(unscaled.computeScore(labels, rows, new ActivationIdentity(), null, false), scoped, 1e-12);
        }
    }

    @Test
    void cnnLossLayerWithoutTheListenerIsRefused() {
        ParityCase c = ParityCase.load("cnn_mse_mean");
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(TorchLosses.create("MSELoss", c.options())));
        net.setListeners();
        IllegalStateException fit = assertThrows(IllegalStateException.class, () -> net.fit(c.dataSet()));
        assertTrue(fit.getMessage().startsWith("MSELoss: called by DL4J's CnnLossLayer (rows N*H*W) with 18 rows"), fit.getMessage());
        // CnnLossLayer computes its own score, so net.score(ds) is caught as well
        assertThrows(IllegalStateException.class, () -> net.score(c.dataSet()));
        try (MinibatchContext.Scope scope = Dl4jLosses.withMinibatchSize(2)) {
            ParityCase.assertClose(c.json.get("steps").get(0).get("loss").asDouble(), net.score(c.dataSet()), "score in a scope");
        }
    }

    @Test
    void aValueLeftByAFailedStepDoesNotLeak() {
        // the listener published N = 3 for rows {3, 15}, and the step threw before onBackwardPass cleared it
        MinibatchContext.publishStep(3, new long[] {3, 15});
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray z = Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}, {11, 12}});
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 2);
        // 6 rows is none of that step's row counts: the rows are the examples, N = 6
        double mse = (1 + 4 + 9 + 16 + 25 + 36 + 49 + 64 + 81 + 100 + 121 + 144) / 12.0;
        assertEquals(6 * mse, loss.computeScore(y, z, new ActivationIdentity(), null, false), 1e-12);
    }

    @Test
    void aScopeThatDoesNotDivideTheRowsIsAnError() {
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray z = Nd4j.ones(DataType.DOUBLE, 5, 2);
        try (MinibatchContext.Scope scope = Dl4jLosses.withMinibatchSize(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> loss.computeScore(z, z, new ActivationIdentity(), null, false));
            assertEquals("MSELoss: the minibatch size 2 set by Dl4jLosses.withMinibatchSize does not divide the 5 rows DL4J"
                    + " passed to the loss; expected rows = N, N*T or N*H*W", e.getMessage());
        }
    }
}
