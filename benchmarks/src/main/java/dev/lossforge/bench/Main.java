package dev.lossforge.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The uber-jar's main: JMH's own command line ({@code java -jar benchmarks/target/benchmarks.jar -h}), except that
 * without {@code -p loss=...} it benchmarks only the losses that {@code TorchLosses.names()} has, so that losses
 * not in the catalog yet (SmoothL1Loss, KLDivLoss) are skipped instead of failing their forks.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        boolean lossGiven = all.stream().anyMatch(a -> a.startsWith("loss="));
        boolean runs = all.stream().noneMatch(a -> a.equals("-h") || a.equals("-l") || a.equals("-lp") || a.equals("-lprof")
                || a.equals("-lrf"));
        if (!lossGiven && runs) {
            List<String> missing = Cases.missing();
            if (!missing.isEmpty()) {
                System.err.println("lossforge-benchmarks: not in the catalog yet, skipped: " + String.join(", ", missing));
            }
            all.add(0, "-p");
            all.add(1, "loss=" + String.join(",", Cases.available()));
        }
        org.openjdk.jmh.Main.main(all.toArray(new String[0]));
    }
}
