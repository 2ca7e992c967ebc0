package dev.lossforge.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lossforge.Reduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every catalog loss on the edges PyTorch 1.13 defines (tools/golden/gen_edge_goldens.py): empty batches for every
 * reduction, forward and backward (NaN for mean, 0 for sum, empty for none, gradients of the inputs' shape); a NaN
 * or an infinity in an input, in float64 (the general path) and float32 (the fused path); and the option values and
 * combinations PyTorch refuses at the call, which must be an IllegalArgumentException naming the loss.
 */
class EdgeCaseGoldenTest {
    /**
     * The torch.nn catalog. (torchvision's and the extra losses have goldens of their own, with some NaN and empty
     * cases, but gen_edge_goldens.py does not cover them yet.)
     */
    static final List<String> LOSSES = TorchLosses.names().stream().sorted().toList();

    @TestFactory
    Stream<DynamicTest> everyEdgeCaseMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String loss : LOSSES) {
            for (GoldenCase c : GoldenCase.load("golden-edge", loss)) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> GoldenTest.check(c)));
            }
        }
        return tests.stream();
    }

    /** The suite cannot lose a loss or a reduction: every loss has an empty batch per reduction, in both dtypes. */
    @Test
    void everyLossHasEmptyAndNanCasesForEveryReduction() {
        List<String> missing = new ArrayList<>();
        for (String loss : LOSSES) {
            Set<String> ids = GoldenCase.load("golden-edge", loss).stream().map(GoldenCase::id).collect(Collectors.toSet());
            for (Reduction r : Reduction.values()) {
                if (r == Reduction.BATCHMEAN && !loss.equals("KLDivLoss")) {
                    continue;
                }
                for (String kind : List.of("empty", "nan")) {
                    for (String dtype : List.of("f64", "f32")) {
                        String id = kind + "_" + r.torchName() + "_" + dtype;
                        if (!ids.contains(id)) {
                            missing.add(loss + "/" + id);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), missing);
    }
}
