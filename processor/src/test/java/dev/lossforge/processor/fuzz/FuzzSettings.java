package dev.lossforge.processor.fuzz;

/**
 * How much the fuzz suite runs, from system properties (Maven passes {@code -D} properties to the tests):
 *
 * <ul>
 *   <li>{@code lossforge.fuzz.seed} (default 20261128): the master seed; every batch derives its own from it, so a
 *       run is reproducible whatever the thread scheduling;</li>
 *   <li>{@code lossforge.fuzz.programs} (default 1200): the number of well-typed programs; there are three times as
 *       many ill-typed programs and twice as many garbage shape strings (so the default is 1200 + 3600 + 2400);</li>
 *   <li>{@code lossforge.fuzz.threads} (default 2): compilations and checks run this many batches at once.</li>
 * </ul>
 *
 * A longer local run, from the repository root:
 * <pre>
 * mvn -o -q install -pl runtime -DskipTests &amp;&amp; mvn -o test -pl processor -Dtest='dev.lossforge.processor.fuzz.**' \
 *     -Dlossforge.fuzz.programs=20000 -Dlossforge.fuzz.seed=$RANDOM
 * </pre>
 * (Surefire 3.2.5 matches nothing with {@code -Dtest='dev.lossforge.processor.fuzz.*'}; the {@code **} form or
 * {@code -Dtest='*FuzzTest,FuzzRegressionTest'} work.) The CI run takes 50 to 110 s of test time on two cores, by their load.
 * A failure prints the seed of its batch and the whole program, which the regression tests then pin.
 */
final class FuzzSettings {
    static final long SEED = Long.getLong("lossforge.fuzz.seed", 20261128L);
    static final int PROGRAMS = Integer.getInteger("lossforge.fuzz.programs", 1200);
    static final int THREADS = Math.max(1, Integer.getInteger("lossforge.fuzz.threads", 2));

    private FuzzSettings() {
    }

    /** A seed for batch {@code batch} of the suite {@code suite}. */
    static long seed(String suite, int batch) {
        long h = SEED * 0x9E3779B97F4A7C15L + suite.hashCode();
        h ^= (h >>> 29) + batch * 0xBF58476D1CE4E5B9L;
        return h * 0x94D049BB133111EBL;
    }
}
