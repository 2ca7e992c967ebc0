package dev.lossforge.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lossforge.LossFunction;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The run-time checks of generated losses: each rejection, with its exact message. */
class RuntimeChecksTest {
    private static final INDArray LOGITS = Nd4j.createFromArray(new double[][] {{0.29, 0.01, 0.7}, {0.1, 0.2, 0.3}});

    private static String message(LossFunction loss, INDArray... inputs) {
        return assertThrows(IllegalArgumentException.class, () -> loss.forward(inputs)).getMessage();
    }

    @Test
    void bceRejectsATargetOfAnotherShapeAsPyTorchDoes() {
        INDArray pred = Nd4j.createFromArray(new double[][] {{1, 0, 0.5}});
        INDArray target = Nd4j.createFromArray(1.0, 0.0, 1.0);
        assertEquals("BCELoss: target has shape [3] but is declared (*d) with d=(1,3) bound from input [1,3]",
                message(TorchLosses.create("BCELoss"), pred, target));
    }

    @Test
    void crossEntropyPrintsEveryBoundDimWhenTheTargetFitsNeitherIndicesNorProbabilities() {
        INDArray target = Nd4j.createFromArray(new double[][] {{0, 1, 2, 0}, {0, 1, 2, 0}});
        assertEquals("CrossEntropyLoss: target has shape [2,4] but is declared (N,*d) with N=2, C=3, d=() bound from input [2,3]",
                message(new CrossEntropyLoss(), LOGITS, target));
    }

    @Test
    void crossEntropyTakesATargetShapedLikeTheInputAsProbabilities() {
        INDArray probabilities = Nd4j.createFromArray(new double[][] {{0, 0, 1}, {0, 1, 0}});
        INDArray indices = Nd4j.createFromArray(2.0, 1.0);
        // one-hot probabilities and their class indices give the same loss
        assertEquals(new CrossEntropyLoss().forward(LOGITS, indices).getDouble(),
                new CrossEntropyLoss().forward(LOGITS, probabilities).getDouble(), 1e-12);
    }

    @Test
    void aTensorOptionMayBroadcastToTheLossButNeverGrowIt() {
        INDArray input = Nd4j.valueArrayOf(new long[] {2, 3}, 0.5);
        LossFunction grows = TorchLosses.create("BCELoss", Map.of("weight", Nd4j.ones(4, 2, 3)));
        assertEquals("BCELoss: weight has shape [4,2,3] but must broadcast to (*d) = [2,3] (d=(2,3) bound from input [2,3])"
                + " without growing it: it would make the loss [4,2,3]", message(grows, input, input));
        LossFunction mismatched = TorchLosses.create("BCEWithLogitsLoss", Map.of("pos_weight", Nd4j.ones(2)));
        assertEquals("BCEWithLogitsLoss: pos_weight has shape [2] but must broadcast to (*d) = [2,3] (d=(2,3) bound from input [2,3])",
                message(mismatched, input, input));
        // a weight that broadcasts into the loss is fine, as in PyTorch
        assertEquals(TorchLosses.create("BCELoss").forward(input, input).getDouble(),
                TorchLosses.create("BCELoss", Map.of("weight", Nd4j.ones(3, 1).reshape(1, 3))).forward(input, input).getDouble(), 1e-12);
    }

    /** PyTorch 1.13 computes this one (its loss broadcasts to [2,2,4]); LossForge refuses it (docs/catalog.md). */
    @Test
    void multiLabelSoftMarginRefusesAWeightThatWouldGrowTheLoss() {
        INDArray input = Nd4j.zeros(2, 4);
        LossFunction loss = TorchLosses.create("MultiLabelSoftMarginLoss", Map.of("weight", Nd4j.ones(2, 2, 4)));
        assertEquals("MultiLabelSoftMarginLoss: weight has shape [2,2,4] but must broadcast to (N,C) = [2,4] (N=2, C=4 bound from input"
                + " [2,4]) without growing it: it would make the loss [2,2,4]", message(loss, input, input));
    }

    @Test
    void crossEntropyRefusesAnIgnoreIndexWithProbabilityTargetsAsPyTorchDoes() {
        INDArray probabilities = Nd4j.createFromArray(new double[][] {{0, 0, 1}, {0, 1, 0}});
        assertEquals("CrossEntropyLoss: with inputs input (N,C,*d), target (N,C,*d) the options must satisfy ignoreIndex < 0,"
                + " got ignore_index=1", message(TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", 1)), LOGITS, probabilities));
        // class indices take it, and so does a negative one with probabilities
        TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", 1)).forward(LOGITS, Nd4j.createFromArray(2.0, 1.0));
        TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", -1)).forward(LOGITS, probabilities);
    }

    @Test
    void nllNamesTheClassIndexThatIsOutOfRange() {
        assertEquals("NLLLoss: target holds class index 7, out of range [0, 3) for C=3; it may also equal ignore_index (-100)",
                message(new NLLLoss(), LOGITS, Nd4j.createFromArray(7.0, 0.0)));
    }

    @Test
    void nllRejectsAClassIndexThatIsNotAnInteger() {
        assertEquals("NLLLoss: target holds 1.5, which is not a class index; class indices are integers in [0, C) with C=3",
                message(new NLLLoss(), LOGITS, Nd4j.createFromArray(1.5, 0.0)));
    }

    @Test
    void bceRejectsProbabilitiesOutsideZeroOne() {
        assertEquals("BCELoss: all elements of input should be between 0 and 1, found 1.5; apply a sigmoid first, or use BCEWithLogitsLoss on the logits",
                message(new BCELoss(), Nd4j.createFromArray(1.5, 0.5), Nd4j.createFromArray(1.0, 0.0)));
    }

    @Test
    void aClassWeightOfTheWrongLengthIsRejected() {
        LossFunction loss = CrossEntropyLoss.builder().weight(Nd4j.createFromArray(1.0, 2.0)).build();
        assertEquals("CrossEntropyLoss: weight has shape [2] but is declared (C) with N=2, C=3, d=() bound from input [2,3]",
                message(loss, LOGITS, Nd4j.createFromArray(0.0, 1.0)));
    }

    @Test
    void integerPredictionsAreRejected() {
        assertEquals("MSELoss: input has dtype LONG but must be floating point (FLOAT or DOUBLE); cast it with castTo(DataType.FLOAT)",
                message(new MSELoss(), Nd4j.createFromArray(1L, 2L), Nd4j.createFromArray(1.0, 2.0)));
    }

    @Test
    void unknownLossesAndOptionsListTheValidOnes() {
        assertEquals("unknown loss 'MSE'; valid: " + String.join(", ", TorchLosses.names()),
                assertThrows(IllegalArgumentException.class, () -> TorchLosses.create("MSE")).getMessage());
        assertEquals("NLLLoss: unknown option 'ignore'; valid options: reduction, weight, ignore_index",
                assertThrows(IllegalArgumentException.class, () -> TorchLosses.create("NLLLoss", Map.of("ignore", 3))).getMessage());
    }

    @Test
    void theWrongNumberOfInputsIsRejected() {
        assertEquals("MSELoss: expected 2 inputs (input, target) but got 1", message(new MSELoss(), LOGITS));
    }
}
