package dev.lossforge.spark;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * One local[2] Spark context for every test class (Spark allows one per JVM, and starting one costs seconds),
 * configured as the examples are (LocalSpark: loopback, no UI, Kryo with LossForgeKryoRegistrator), stopped
 * when the test JVM exits.
 */
final class SharedSpark {
    static final int THREADS = 2;
    private static JavaSparkContext context;

    private SharedSpark() {
    }

    static synchronized JavaSparkContext get() {
        if (context == null) {
            context = LocalSpark.start("lossforge-spark tests", THREADS);
            JavaSparkContext sc = context;
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop, "stop-spark"));
        }
        return context;
    }
}
