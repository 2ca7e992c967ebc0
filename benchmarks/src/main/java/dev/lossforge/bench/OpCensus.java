package dev.lossforge.bench;

import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

/**
 * How many ND4J ops one call executes (ND4J's OpProfiler invocation count), per loss and way, at one size:
 * at [32,10] every op costs a fixed few microseconds of JNI, shape-info and workspace bookkeeping, so the count
 * explains the small-size times.
 *
 * <pre>java -cp benchmarks.jar dev.lossforge.bench.OpCensus [size] [loss ...]</pre>
 */
public final class OpCensus {
    private OpCensus() {
    }

    private interface Call {
        Object run();
    }

    public static void main(String[] args) {
        String size = args.length > 0 ? args[0] : "32x10";
        List<String> losses = args.length > 1 ? List.of(args).subList(1, args.length) : Cases.available();
        System.out.printf(Locale.ROOT, "%-18s %-9s %8s %8s %8s %8s %8s %8s%n", "loss", "size", "adapter", "gradOnly", "fwd+bwd",
                "fwdBwd", "builtin", "sameDiff");
        for (String loss : losses) {
            Cases.Case c = Cases.create(loss, size);
            Call[] calls = {
                () -> { c.adapter.gradient(); return c.adapter.score(); },
                () -> c.adapter.gradient(),
                () -> { c.lossForge.forward(c.inputs); return c.lossForge.backward(c.one, c.inputs); },
                () -> c.lossForge.forwardBackward(c.one, c.inputs),
                () -> { c.builtin.gradient(); return c.builtin.score(); },
                () -> { c.sameDiff.gradient(); return c.sameDiff.score(); },
            };
            long[] counts = new long[calls.length];
            for (int i = 0; i < calls.length; i++) {
                inWorkspace(calls[i]); // warm: SameDiff builds its graph on the first call
                Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
                OpProfiler.getInstance().reset();
                inWorkspace(calls[i]);
                counts[i] = OpProfiler.getInstance().getInvocationsCount();
                Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
            }
            System.out.printf(Locale.ROOT, "%-18s %-9s %8d %8d %8d %8d %8d %8d%n", loss, size, counts[0], counts[1], counts[2],
                    counts[3], counts[4], counts[5]);
        }
    }

    private static void inWorkspace(Call call) {
        try (MemoryWorkspace ws = Cases.openWorkspace()) {
            call.run();
        }
    }
}
