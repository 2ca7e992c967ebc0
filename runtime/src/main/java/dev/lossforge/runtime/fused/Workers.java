package dev.lossforge.runtime.fused;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs numbered tasks on the caller and up to (cores - 1) daemon threads, which take tasks in turn. Each task
 * returns a partial sum; the partial sums are added in task order, so a result does not depend on the number
 * of threads or on who ran what. One task runs on the caller alone. {@code -Dlossforge.threads=1} keeps all
 * work on the caller.
 */
final class Workers {
    private static final int THREADS = Math.max(1, Integer.getInteger("lossforge.threads", Runtime.getRuntime().availableProcessors()));
    private static final ExecutorService POOL = THREADS == 1 ? null : Executors.newFixedThreadPool(THREADS - 1, r -> {
        Thread t = new Thread(r, "lossforge-fused");
        t.setDaemon(true);
        return t;
    });
    /** Each thread's scratch blocks, grown to the largest request it has seen. */
    private static final ThreadLocal<float[][]> BLOCKS = ThreadLocal.withInitial(() -> new float[0][]);

    /** One task: computes its share and returns its partial sum (0 when there is nothing to sum). */
    interface Task {
        double run(int task);
    }

    private Workers() {
    }

    /** Runs tasks 0..count-1 and returns the sum of their results, added in task order. */
    static double run(int count, Task body) {
        return run(count, true, body);
    }

    /**
     * As {@link #run(int, Task)}, on the caller alone unless {@code parallel}: handing tasks to another thread
     * costs its wake-up, tens of microseconds, more than a small memory-bound pass gains from a second core.
     */
    static double run(int count, boolean parallel, Task body) {
        double[] sums = new double[count];
        AtomicInteger nextTask = new AtomicInteger();
        Runnable worker = () -> {
            for (int t = nextTask.getAndIncrement(); t < count; t = nextTask.getAndIncrement()) {
                sums[t] = body.run(t);
            }
        };
        int helpers = POOL == null || !parallel ? 0 : Math.min(THREADS - 1, count - 1);
        Future<?>[] started = new Future<?>[Math.max(0, helpers)];
        for (int i = 0; i < started.length; i++) {
            started[i] = POOL.submit(worker);
        }
        worker.run();
        for (Future<?> f : started) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while computing a loss", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        double total = 0;
        for (double s : sums) {
            total += s;
        }
        return total;
    }

    /** This thread's scratch: at least {@code count} blocks of {@code size} floats. */
    static float[][] blocks(int count, int size) {
        float[][] blocks = BLOCKS.get();
        if (blocks.length < count || blocks.length > 0 && blocks[0].length < size) {
            blocks = new float[Math.max(count, blocks.length)][];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = new float[Math.max(size, PointwiseProgram.BLOCK)];
            }
            BLOCKS.set(blocks);
        }
        return blocks;
    }
}
