package dev.lossforge.spark;

import dev.lossforge.LossFunction;
import dev.lossforge.torch.TorchLosses;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The two losses both examples train with. */
public final class ExampleLosses {
    /**
     * Class weights for CrossEntropyLoss: setosa is linearly separable from the rest, versicolor and virginica
     * overlap, so their mistakes are weighted up (PyTorch's {@code weight=torch.tensor([1., 2., 2.])}).
     */
    public static final double[] CLASS_WEIGHT = {1.0, 2.0, 2.0};
    public static final double FOCAL_GAMMA = 2.0;

    /** A loss to train with and how the output names it. */
    public record Contender(String label, String description, LossFunction loss) {
    }

    private ExampleLosses() {
    }

    public static INDArray classWeight() {
        return Nd4j.create(CLASS_WEIGHT);
    }

    public static List<Contender> all() {
        return List.of(
                new Contender("CE+weight", "CrossEntropyLoss(weight=[1, 2, 2])  (the torch catalog, a tensor option)",
                        TorchLosses.create("CrossEntropyLoss", Map.of("weight", classWeight()))),
                // generated at javac time from SparkLosses.focal by the LossForge annotation processor
                new Contender("Focal", "FocalLoss(gamma=" + FOCAL_GAMMA + ")  (declared with @Loss in this module)",
                        FocalLoss.builder().gamma(FOCAL_GAMMA).build()));
    }

    /** The contenders whose label is in {@code which} (case-insensitive), or all of them for "all". */
    public static List<Contender> select(String which) {
        if (which == null || which.equalsIgnoreCase("all")) {
            return all();
        }
        List<Contender> picked = all().stream()
                .filter(c -> List.of(which.toLowerCase().split(",")).contains(c.label().toLowerCase().replace("+weight", "")))
                .toList();
        if (picked.isEmpty()) {
            throw new IllegalArgumentException("--loss " + which + ": expected ce, focal or all");
        }
        return picked;
    }
}
