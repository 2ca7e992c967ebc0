package dev.lossforge.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * {@code -prof dev.lossforge.bench.CpuTimeProfiler}: per iteration, the process's CPU time per op (every JVM
 * thread: the caller, ND4J's OpenMP workers, GC and JIT) and how busy the rest of the machine was. On a shared
 * 2-core machine wall-clock times rise when other processes compete; CPU time per op moves much less, and
 * {@code others.busy} (the fraction of all cores used by other processes) says how much competition there was.
 */
public class CpuTimeProfiler implements InternalProfiler {
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuStart;
    private long wallStart;
    private long[] statStart;

    @Override
    public String getDescription() {
        return "process CPU time per op, and the share of the machine's cores busy with other processes";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        statStart = machineJiffies();
        wallStart = System.nanoTime();
        cpuStart = os.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long cpu = os.getProcessCpuTime() - cpuStart;
        long wall = System.nanoTime() - wallStart;
        long[] statEnd = machineJiffies();
        List<Result> out = new ArrayList<>();
        long ops = result.getMetadata() == null ? 0 : result.getMetadata().getAllOps();
        if (ops > 0) {
            out.add(new ScalarResult("cpu.time.norm", cpu / 1e3 / ops, "us/op", AggregationPolicy.AVG));
        }
        if (statStart != null && statEnd != null && wall > 0) {
            double busySeconds = (statEnd[0] - statStart[0]) / 100.0; // USER_HZ = 100 on Linux
            double othersSeconds = Math.max(0.0, busySeconds - cpu / 1e9);
            int cores = Runtime.getRuntime().availableProcessors();
            out.add(new ScalarResult("others.busy", othersSeconds / (wall / 1e9 * cores), "cores/core", AggregationPolicy.AVG));
        }
        return out;
    }

    /** {busy jiffies} over all cores, from /proc/stat; null where there is none. */
    private static long[] machineJiffies() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
