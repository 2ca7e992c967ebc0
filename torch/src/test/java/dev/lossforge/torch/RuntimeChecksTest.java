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
