package dev.lossforge.spark;

import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.serializer.KryoSerializer;

/**
 * The Spark configuration the examples and tests use. A master given by {@code spark-submit} (the
 * {@code spark.master} system property) wins; otherwise local mode with the given number of threads, bound to
 * loopback, without the web UI, writing only under {@code target/}. Every setting is {@code setIfMissing}, so
 * {@code -Dspark.xxx=...} on the command line (or spark-submit's {@code --conf}) overrides it.
 */
public final class LocalSpark {
    private LocalSpark() {
    }

    public static SparkConf conf(String appName, int localThreads) {
        SparkConf conf = new SparkConf().setAppName(appName); // also loads every spark.* system property
        conf.setIfMissing("spark.master", "local[" + localThreads + "]");
        if (conf.get("spark.master").startsWith("local")) {
            Path target = Path.of("target").toAbsolutePath();
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.local.dir", target.resolve("spark-local").toString());
            // where ParameterAveragingTrainingMaster exports minibatches by default: {hadoop.tmp.dir}/dl4j/
            conf.setIfMissing("spark.hadoop.hadoop.tmp.dir", target.resolve("hadoop-tmp").toString());
        }
        // what DL4J recommends on a cluster, with the registrator that carries LossForge losses intact
        conf.setIfMissing("spark.serializer", KryoSerializer.class.getName());
        conf.setIfMissing("spark.kryo.registrator", LossForgeKryoRegistrator.class.getName());
        return conf;
    }

    public static JavaSparkContext start(String appName, int localThreads) {
        return new JavaSparkContext(conf(appName, localThreads));
    }
}
