package dev.lossforge.dl4j.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import dev.lossforge.dl4j.Dl4jLoss;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Every loss with more than two inputs through {@link Dl4jLosses#of}, against PyTorch 1.13
 * (tools/parity/gen_multi_input_parity.py): the network's output holds the network-side inputs side by side
 * along dim 1, the labels the label-side input. computeScore(average=true) is PyTorch's L, computeScore(false)
 * N·L and computeGradient N·∂L/∂z, with the layer's activation and with per-example masks (PyTorch on the kept
 * rows). Also two users' own losses from {@link PairLosses}.
 */
class MultiInputParityTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static List<String> cases() {
        return ParityCase.index("multi_input");
    }

    /** The case's loss, through the adapter: a torch catalog loss, or one of {@link PairLosses}. */
    static Dl4jLoss adapter(ParityCase c) {
        Map<String, Object> options = c.options();
        LossBuilder builder = switch (c.lossName()) {
            case "SquaredRankingLoss" -> SquaredRankingLoss.builder();
            case "ContrastiveLoss" -> ContrastiveLoss.builder();
            default -> null;
        };
        if (builder == null) {
            return Dl4jLosses.of(TorchLosses.create(c.lossName(), options));
        }
        options.forEach((name, value) -> {
            if (name.equals("reduction")) {
                builder.reduction(Reduction.fromTorch((String) value));
            } else {
                builder.set(name, value);
            }
        });
        Dl4jLoss loss = Dl4jLosses.of(builder.build());
        return c.lossName().equals("ContrastiveLoss") ? loss.withLabelInputs("similar") : loss;
    }

    static IActivation activation(String name) {
        return switch (name) {
            case "identity" -> Activation.IDENTITY.getActivationFunction();
            case "tanh" -> Activation.TANH.getActivationFunction();
            case "softplus" -> Activation.SOFTPLUS.getActivationFunction();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @MethodSource("cases")
    void scoreAndGradientAreNTimesPyTorchs(String name) {
        ParityCase c = ParityCase.load("multi_input/" + name);
        Dl4jLoss loss = adapter(c);
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray labels = ParityCase.array(c.json.get("labels"));
        INDArray mask = c.json.has("mask") ? ParityCase.array(c.json.get("mask")) : null;
        IActivation act = activation(c.json.get("activation").asText());
        long n = z.size(0);
        double torchLoss = c.json.get("loss_value").asDouble();
        INDArray torchGrad = ParityCase.array(c.json.get("grad_pre_output"));

        ParityCase.assertClose(torchLoss, loss.computeScore(labels, z, act, mask, true), name + " score (average)");
        ParityCase.assertClose(n * torchLoss, loss.computeScore(labels, z, act, mask, false), name + " score");
        ParityCase.assertArrayClose(torchGrad.mul(n), loss.computeGradient(labels, z, act, mask), name + " gradient");
        var both = loss.computeGradientAndScore(labels, z, act, mask, false);
        ParityCase.assertClose(n * torchLoss, both.getFirst(), name + " computeGradientAndScore score");
        ParityCase.assertArrayClose(torchGrad.mul(n), both.getSecond(), name + " computeGradientAndScore gradient");
        INDArray perRow = loss.computeScoreArray(labels, z, act, mask);
        assertArrayEquals(new long[] {n, 1}, perRow.shape(), name + " score array shape");
        ParityCase.assertClose(n * torchLoss, perRow.sumNumber().doubleValue(), name + " score array sum");
    }

    @Test
    void plusMinusOneLabelsMayBeAVector() {
        for (String name : List.of("margin_ranking_margin_mean", "cosine_embedding_sum", "custom_squared_ranking_mean")) {
            ParityCase c = ParityCase.load("multi_input/" + name);
            Dl4jLoss loss = adapter(c);
            INDArray z = ParityCase.array(c.json.get("pre_output"));
            INDArray column = ParityCase.array(c.json.get("labels"));
            INDArray vector = column.reshape(column.length());
            IActivation act = activation(c.json.get("activation").asText());
            assertEquals(loss.computeScore(column, z, act, null, false), loss.computeScore(vector, z, act, null, false), 0.0, name);
            assertArrayEquals(loss.computeGradient(column, z, act, null).data().asDouble(),
                    loss.computeGradient(vector, z, act, null).data().asDouble(), 0.0, name);
        }
    }

    @Test
    void tripletLossesIgnoreTheLabels() {
        ParityCase c = ParityCase.load("multi_input/triplet_margin_p1_swap_mean");
        Dl4jLoss loss = adapter(c);
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        IActivation act = activation(c.json.get("activation").asText());
        INDArray zeros = Nd4j.zeros(DataType.DOUBLE, z.size(0), 1);
        INDArray anything = Nd4j.valueArrayOf(new long[] {z.size(0), 7}, Double.NaN);
        assertEquals(loss.computeScore(zeros, z, act, null, false), loss.computeScore(anything, z, act, null, false), 0.0);
        assertArrayEquals(loss.computeGradient(zeros, z, act, null).data().asDouble(),
                loss.computeGradient(anything, z, act, null).data().asDouble(), 0.0);
    }

    @Test
    void theOutputsColumnsAreCutInParameterOrder() {
        // swapping the halves of CosineEmbeddingLoss's output changes nothing (the loss is symmetric), but swapping
        // MarginRankingLoss's flips the sign of x1 - x2: the same as negating the labels
        ParityCase c = ParityCase.load("multi_input/margin_ranking_sum");
        Dl4jLoss loss = adapter(c);
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray labels = ParityCase.array(c.json.get("labels"));
        INDArray swapped = Nd4j.hstack(z.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2)),
                z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)));
        IActivation identity = Activation.IDENTITY.getActivationFunction();
        assertEquals(loss.computeScore(labels, z, identity, null, false),
                loss.computeScore(labels.neg(), swapped, identity, null, false), 1e-12);
    }

    @Test
    void theDefaultLabelInputsOfEveryCatalogLossWithMoreThanTwoInputs() {
        assertEquals(List.of("target"), Dl4jLosses.of(TorchLosses.create("MarginRankingLoss", Map.of())).labelInputs());
        assertEquals(List.of("target"), Dl4jLosses.of(TorchLosses.create("CosineEmbeddingLoss", Map.of())).labelInputs());
        assertEquals(List.of(), Dl4jLosses.of(TorchLosses.create("TripletMarginLoss", Map.of())).labelInputs());
        assertEquals(List.of(), Dl4jLosses.of(TorchLosses.create("TripletMarginWithDistanceLoss", Map.of())).labelInputs());
        assertEquals(List.of("target"), Dl4jLosses.of(TorchLosses.create("GaussianNLLLoss", Map.of())).labelInputs());
        // and the users' losses: a @NoGrad input is a label input; with none, the second input is
        assertEquals(List.of("target"), Dl4jLosses.of(new SquaredRankingLoss()).labelInputs());
        assertEquals(List.of("right"), Dl4jLosses.of(new ContrastiveLoss()).labelInputs());
        assertEquals(List.of("similar"), Dl4jLosses.of(new ContrastiveLoss()).withLabelInputs("similar").labelInputs());
    }

    @Test
    void anOutputThatDoesNotSplitEvenlyIsAClearError() {
        Dl4jLoss triplet = Dl4jLosses.of(TorchLosses.create("TripletMarginLoss", Map.of()));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> triplet.computeScore(Nd4j.zeros(4, 1), Nd4j.rand(DataType.DOUBLE, 4, 8),
                        Activation.IDENTITY.getActivationFunction(), null, false));
        assertEquals("TripletMarginLoss: the network's output has shape [4, 8] but holds 3 inputs (anchor | positive | negative)"
                + " side by side along dim 1; expected [4, 3·D], the same width D for each", e.getMessage());
    }

    @Test
    void labelInputsThatCannotWorkAreRefusedWhenTheAdapterIsMade() {
        Dl4jLoss contrastive = Dl4jLosses.of(new ContrastiveLoss());
        assertEquals("ContrastiveLoss: label input 'target' is not one of its inputs; expected some of [left, right, similar]",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> contrastive.withLabelInputs("target")).getMessage());
        assertEquals("ContrastiveLoss: every input [left, right, similar] is taken from the labels, so the network's output feeds"
                        + " none; expected at least one input from the output",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> contrastive.withLabelInputs("left", "right", "similar")).getMessage());
        Dl4jLoss ce = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of()));
        assertEquals("CrossEntropyLoss: input 'target' would come from the network's output, but the loss has no gradient for it"
                        + " (class indices); expected it among the label inputs",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, ce::withLabelInputs).getMessage());
    }

    @Test
    void ctcIsRefusedByThePlainAdapter() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dl4jLosses.of(TorchLosses.create("CTCLoss", Map.of())));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("CTCLoss: takes whole sequences (T, N, C)"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().endsWith("expected new SequenceLossLayer.Builder(ctc)"
                + ".activation(new ActivationLogSoftmax()).build() instead of Dl4jLosses.of(ctc)"), e.getMessage());
    }

    @Test
    void theDefaultSecondInputOfAUsersLossFailsOnShapeNotSilently() {
        // ContrastiveLoss without withLabelInputs takes (left | similar) from a [N, 2D] output: the loss's own shape
        // check names the input that does not fit
        ParityCase c = ParityCase.load("multi_input/custom_contrastive_margin_sum");
        LossFunction contrastive = ContrastiveLoss.builder().set("margin", 2.0).build();
        INDArray z = ParityCase.array(c.json.get("pre_output"));
        INDArray labels = ParityCase.array(c.json.get("labels"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dl4jLosses.of(contrastive).computeScore(labels, z, Activation.IDENTITY.getActivationFunction(), null, false));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("ContrastiveLoss: "), e.getMessage());
    }
}
