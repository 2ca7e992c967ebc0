package dev.lossforge.runtime.pointwise;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a pointwise program over [0, length) in fixed tasks of {@link PointwiseProgram#TASK} elements: the caller
 * and up to (cores - 1) daemon threads take tasks in turn. Each task's loss sum is kept apart and the sums are
 * added in task order, so the result is the same for any number of threads. Small arrays run on the caller.
 */
final class Workers {
    private static final int THREADS = Math.max(1, Integer.getInteger("lossforge.threads", Runtime.getRuntime().availableProcessors()));
    private static final ExecutorService POOL = THREADS == 1 ? null : Executors.newFixedThreadPool(THREADS - 1, r -> {
        Thread t = new Thread(r, "lossforge-pointwise");
        t.setDaemon(true);
        return t;
    });
    /** Each thread's registers, grown to the largest program it has run. */
    private static final ThreadLocal<float[][]> REGISTERS = ThreadLocal.withInitial(() -> new float[0][]);

    private Workers() {
    }

    static double run(PointwiseProgram.Execution execution, int length) {
        int tasks = (length + PointwiseProgram.TASK - 1) / PointwiseProgram.TASK;
        double[] sums = new double[tasks];
        AtomicInteger nextTask = new AtomicInteger();
        Runnable worker = () -> {
            float[][] regs = registers(execution.registerSlots() + 1);
            float[] tmp = regs[regs.length - 1];
            for (int t = nextTask.getAndIncrement(); t < tasks; t = nextTask.getAndIncrement()) {
                int from = t * PointwiseProgram.TASK;
                sums[t] = execution.run(from, Math.min(length, from + PointwiseProgram.TASK), regs, tmp);
            }
        };
        int helpers = POOL == null ? 0 : Math.min(THREADS - 1, tasks - 1);
        Future<?>[] started = new Future<?>[helpers];
        for (int i = 0; i < helpers; i++) {
            started[i] = POOL.submit(worker);
        }
        worker.run();
        for (Future<?> f : started) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while computing a loss", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        double total = 0;
        for (double s : sums) {
            total += s;
        }
        return total;
    }

    private static float[][] registers(int count) {
        float[][] regs = REGISTERS.get();
        if (regs.length < count) {
            regs = new float[count][];
            for (int i = 0; i < count; i++) {
                regs[i] = new float[PointwiseProgram.BLOCK];
            }
            REGISTERS.set(regs);
        }
        return regs;
    }
}
