package dev.lossforge.bench;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bytes allocated per call, on and off the Java heap, which JMH's {@code -prof gc} cannot tell apart: its
 * {@code gc.alloc.rate.norm} counts only the Java heap, while ND4J's arrays live off-heap.
 *
 * <ul>
 * <li>heap: the thread's allocated bytes ({@code com.sun.management.ThreadMXBean}) around one call: the counter
 *     {@code -prof gc} reads, so it matches gc.alloc.rate.norm (which JMH measures outside a workspace);
 * <li>off-heap: every ND4J array that the call creates inside a cycle of DL4J's layer workspace is carved from
 *     the workspace, whose allocation count for the cycle ({@code getThisCycleAllocations}) is then the bytes.
 *     SameDiff keeps its intermediates in its own array cache, outside the caller's workspace: for SameDiffLoss
 *     this counts only what it hands back.
 * <li>registrations: the objects (arrays and their buffers) the call registers with ND4J's
 *     {@code DeallocatorService}, each a few microseconds of bookkeeping whatever its size: what a call costs at
 *     small sizes beyond its arithmetic. Read from the service's own counter.
 * </ul>
 * Each call inside the workspace; the median over several calls after a warm-up (one call at 4096x1000, where
 * some calls take seconds: the numbers do not change from call to call). Writes JSON: {@code java -cp benchmarks.jar
 * dev.lossforge.bench.AllocationProbe results/alloc.json [loss ...]}.
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    private interface Call {
        Object run();
    }

    private record Op(String name, Call call) {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "alloc.json");
        List<String> rest = new ArrayList<>(args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of());
        List<String> sizes = Cases.SIZES;
        int at = rest.indexOf("--sizes");
        if (at >= 0) {
            sizes = Arrays.asList(rest.get(at + 1).split(","));
            rest.remove(at + 1);
            rest.remove(at);
        }
        List<String> losses = rest.isEmpty() ? Cases.available() : rest;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        AtomicLong registrations = registrationCounter();
        StringBuilder json = new StringBuilder("[\n");
        boolean first = true;
        for (String loss : losses) {
            for (String size : sizes) {
                Cases.Case c = Cases.create(loss, size);
                List<Op> ops = new ArrayList<>();
                ops.add(new Op("adapter", () -> step(c.adapter)));
                ops.add(new Op("adapterGradientOnly", () -> c.adapter.gradient()));
                ops.add(new Op("forwardThenBackward", () -> {
                    c.lossForge.forward(c.inputs);
                    return c.lossForge.backward(c.one, c.inputs);
                }));
                ops.add(new Op("forwardBackward", () -> c.lossForge.forwardBackward(c.one, c.inputs)));
                ops.add(new Op("builtin", () -> step(c.builtin)));
                ops.add(new Op("sameDiff", () -> step(c.sameDiff)));
                long elements = c.n * c.c;
                // allocation is the same on every call once warm; the first call also sizes the workspace
                int warm = elements <= 10_000 ? 100 : elements <= 1_000_000 ? 5 : 1;
                int reps = elements <= 10_000 ? 21 : elements <= 1_000_000 ? 5 : 1;
                for (Op op : ops) {
                    long[] heap = new long[reps];
                    long[] offHeap = new long[reps];
                    long[] nanos = new long[reps];
                    long[] registered = new long[reps];
                    for (int i = 0; i < warm; i++) {
                        try (MemoryWorkspace ws = Cases.openWorkspace()) {
                            blackhole(op.call.run());
                        }
                    }
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        try (MemoryWorkspace ws = Cases.openWorkspace()) {
                            long before = threads.getThreadAllocatedBytes(tid);
                            long registeredBefore = registrations.get();
                            Object r = op.call.run();
                            heap[i] = threads.getThreadAllocatedBytes(tid) - before;
                            registered[i] = registrations.get() - registeredBefore;
                            offHeap[i] = ws.getThisCycleAllocations();
                            nanos[i] = System.nanoTime() - t0;
                            blackhole(r);
                        }
                    }
                    long h = median(heap);
                    long o = median(offHeap);
                    long t = median(nanos);
                    long reg = median(registered);
                    System.out.printf(Locale.ROOT, "%-18s %-10s %-20s heap %,14d B  off-heap %,14d B  (%.2f + %.2f x input %,d B)  %3d registrations  %,.0f us in ws%n",
                            loss, size, op.name, h, o, h / (double) c.inputBytes(), o / (double) c.inputBytes(), c.inputBytes(), reg, t / 1e3);
                    json.append(first ? "" : ",\n").append(String.format(Locale.ROOT,
                            "  {\"loss\": \"%s\", \"size\": \"%s\", \"op\": \"%s\", \"heapBytes\": %d, \"offHeapBytes\": %d, \"inputBytes\": %d, \"registrations\": %d, \"medianMicrosInWorkspace\": %.1f}",
                            loss, size, op.name, h, o, c.inputBytes(), reg, t / 1e3));
                    first = false;
                }
                Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            }
        }
        json.append("\n]\n");
        Files.writeString(out, json);
        System.out.println("wrote " + out.toAbsolutePath());
    }

    /** ND4J's DeallocatorService counts every object it registers; its counter is private, hence reflection. */
    private static AtomicLong registrationCounter() {
        Object service = Nd4j.getDeallocatorService();
        try {
            Field counter = service.getClass().getDeclaredField("counter");
            counter.setAccessible(true);
            return (AtomicLong) counter.get(service);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("ND4J's DeallocatorService has no readable 'counter' in this version", e);
        }
    }

    private static Object step(Cases.Way way) {
        Object g = way.gradient();
        blackhole(way.score());
        return g;
    }

    private static volatile Object sink;

    private static void blackhole(Object o) {
        sink = o;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
