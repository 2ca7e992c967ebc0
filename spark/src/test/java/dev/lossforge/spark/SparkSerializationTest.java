package dev.lossforge.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLoss;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.TorchLosses;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.Serializer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import scala.reflect.ClassTag$;

/**
 * What a loss looks like after crossing to an executor. In local mode a broadcast is not serialized at all (the
 * executors read the driver's object), so these tests serialize on the driver and deserialize inside a Spark
 * task, as a cluster does: the configuration's JSON (what DL4J saves, and how ParallelWrapper replicates models),
 * and ParameterAveragingTrainingMaster's broadcast {@link NetBroadcastTuple} through Spark's Java and Kryo
 * serializers. On the executor the loss is rebuilt, its options read back and the network scored.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a DL4J or Spark hang fails the test instead of stalling CI
class SparkSerializationTest {
    private static final long SEED = 42;
    private static final Iris.Split DATA = Iris.load(0.2, SEED);

    /** What an executor saw: the rebuilt loss and what it computed. Driver and executor results must be equal. */
    static final class Probe implements Serializable { // a class, not a record: Kryo 4 cannot build records
        private final String thread;
        private final String lossClass;
        private final Map<String, String> scalarOptions;
        private final Map<String, double[]> tensorOptions;
        private final double score;
        private final double[] output;

        Probe(String thread, String lossClass, Map<String, String> scalarOptions, Map<String, double[]> tensorOptions,
              double score, double[] output) {
            this.thread = thread;
            this.lossClass = lossClass;
            this.scalarOptions = scalarOptions;
            this.tensorOptions = tensorOptions;
            this.score = score;
            this.output = output;
        }

        static Probe of(MultiLayerConfiguration conf, INDArray params) {
            Dl4jLoss adapter = (Dl4jLoss) ((BaseOutputLayer) conf.getConf(1).getLayer()).getLossFn();
            LossFunction loss = adapter.loss();
            Map<String, String> scalars = new TreeMap<>();
            Map<String, double[]> tensors = new TreeMap<>();
            loss.options().forEach((k, v) -> {
                if (v instanceof INDArray t) {
                    tensors.put(k, t.toDoubleVector());
                } else {
                    scalars.put(k, String.valueOf(v));
                }
            });
            MultiLayerNetwork net = new MultiLayerNetwork(conf.clone()); // as ParameterAveragingTrainingWorker does
            net.init(params.dup(), false);
            double score = net.score(DATA.test().dataSet());
            return new Probe(Thread.currentThread().getName(), loss.getClass().getName(), scalars, tensors, score,
                    net.output(DATA.test().featureMatrix()).dup('c').data().asDouble());
        }

        void assertSameAs(Probe driver, String how) {
            assertTrue(thread.startsWith("Executor task launch worker"), how + ": ran on " + thread);
            assertEquals(driver.lossClass, lossClass, how + ": loss class");
            assertEquals(driver.scalarOptions, scalarOptions, how + ": scalar options");
            assertEquals(driver.tensorOptions.keySet(), tensorOptions.keySet(), how + ": tensor options");
            driver.tensorOptions.forEach((k, v) -> assertArrayEquals(v, tensorOptions.get(k), how + ": option " + k));
            assertEquals(driver.score, score, 0.0, how + ": score on the test set");
            assertArrayEquals(driver.output, output, 0.0, how + ": network output");
        }
    }

    /** The two losses, with non-default scalar and tensor options. */
    private static List<LossFunction> losses() {
        return List.of(
                TorchLosses.create("CrossEntropyLoss", Map.of("weight", Nd4j.create(new double[] {0.3, 1.7, 0.9}),
                        "ignore_index", 2, "reduction", "sum")),
                FocalLoss.builder().gamma(3.0).alpha(Nd4j.create(new double[] {1.0, 0.5, 2.0})).build());
    }

    private static MultiLayerNetwork network(LossFunction loss) {
        return Networks.init(Networks.classifier(Iris.FEATURES, 8, Iris.CLASSES, Dl4jLosses.of(loss), new Adam(0.01), SEED));
    }

    /** Deserializes the configuration from JSON inside a task. */
    static final class FromJson implements Function<String, Probe> {
        private final INDArray params;

        FromJson(INDArray params) {
            this.params = params;
        }

        @Override
        public Probe call(String json) {
            return Probe.of(MultiLayerConfiguration.fromJson(json), params);
        }
    }

    @Test
    void jsonCrossesToTheExecutorsWithItsOptions() {
        JavaSparkContext sc = SharedSpark.get();
        for (LossFunction loss : losses()) {
            MultiLayerNetwork net = network(loss);
            Probe driver = Probe.of(net.getLayerWiseConfigurations(), net.params());
            String json = net.getLayerWiseConfigurations().toJson();
            assertTrue(json.contains("\"lossClass\" : \"" + loss.getClass().getName() + "\""), json);
            List<Probe> seen = sc.parallelize(List.of(json, json), 2).map(new FromJson(net.params())).collect();
            assertEquals(2, seen.size());
            for (Probe p : seen) {
                p.assertSameAs(driver, loss.name() + " via JSON");
            }
        }
    }

    /** Deserializes a NetBroadcastTuple inside a task, with a serializer made there from the given configuration. */
    static final class FromBytes implements Function<byte[], Probe> {
        private final boolean kryo;
        private final boolean lossForgeRegistrator;

        FromBytes(boolean kryo, boolean lossForgeRegistrator) {
            this.kryo = kryo;
            this.lossForgeRegistrator = lossForgeRegistrator;
        }

        @Override
        public Probe call(byte[] bytes) {
            NetBroadcastTuple tuple = serializer(kryo, lossForgeRegistrator).newInstance()
                    .deserialize(ByteBuffer.wrap(bytes), ClassTag$.MODULE$.apply(NetBroadcastTuple.class));
            return Probe.of(tuple.getConfiguration(), tuple.getParameters());
        }
    }

    static Serializer serializer(boolean kryo, boolean lossForgeRegistrator) {
        SparkConf conf = new SparkConf(false);
        if (!kryo) {
            return new JavaSerializer(conf);
        }
        conf.set("spark.kryo.registrator", (lossForgeRegistrator ? LossForgeKryoRegistrator.class : Nd4jRegistrator.class).getName());
        return new KryoSerializer(conf);
    }

    private static byte[] bytes(Serializer serializer, NetBroadcastTuple tuple) {
        ByteBuffer buffer = serializer.newInstance().serialize(tuple, ClassTag$.MODULE$.apply(NetBroadcastTuple.class));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static void broadcastTupleCrosses(boolean kryo) {
        JavaSparkContext sc = SharedSpark.get();
        for (LossFunction loss : losses()) {
            MultiLayerNetwork net = network(loss);
            Probe driver = Probe.of(net.getLayerWiseConfigurations(), net.params());
            NetBroadcastTuple tuple = new NetBroadcastTuple(net.getLayerWiseConfigurations(), net.params(),
                    net.getUpdater().getStateViewArray());
            byte[] bytes = bytes(serializer(kryo, true), tuple);
            List<Probe> seen = sc.parallelize(List.of(bytes, bytes), 2).map(new FromBytes(kryo, true)).collect();
            for (Probe p : seen) {
                p.assertSameAs(driver, loss.name() + (kryo ? " via Kryo" : " via Java serialization"));
            }
        }
    }

    @Test
    void javaSerializedBroadcastCrossesWithItsOptions() {
        broadcastTupleCrosses(false);
    }

    @Test
    void kryoSerializedBroadcastCrossesWithItsOptions() {
        broadcastTupleCrosses(true);
    }

    /**
     * Why LossForgeKryoRegistrator exists: with ND4J's registrator alone, Kryo's FieldSerializer skips the
     * adapter's transient fields (the loss itself) and never calls readResolve, so the loss arrives empty.
     */
    @Test
    void kryoWithoutTheLossForgeRegistratorLosesTheLoss() {
        MultiLayerNetwork net = network(losses().get(0));
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getLayerWiseConfigurations(), net.params(),
                net.getUpdater().getStateViewArray());
        Serializer plain = serializer(true, false);
        NetBroadcastTuple back = plain.newInstance().deserialize(ByteBuffer.wrap(bytes(plain, tuple)),
                ClassTag$.MODULE$.apply(NetBroadcastTuple.class));
        ILossFunction arrived = ((BaseOutputLayer) back.getConfiguration().getConf(1).getLayer()).getLossFn();
        assertEquals(Dl4jLoss.class, arrived.getClass());
        assertEquals(null, ((Dl4jLoss) arrived).loss(), "the wrapped loss, a transient field");
        assertThrows(NullPointerException.class, () -> Probe.of(back.getConfiguration(), back.getParameters()));
        // and with it, the same bytes round trip intact
        Serializer fixed = serializer(true, true);
        NetBroadcastTuple good = fixed.newInstance().deserialize(ByteBuffer.wrap(bytes(fixed, tuple)),
                ClassTag$.MODULE$.apply(NetBroadcastTuple.class));
        ILossFunction rebuilt = ((BaseOutputLayer) good.getConfiguration().getConf(1).getLayer()).getLossFn();
        assertEquals(((BaseOutputLayer) net.getLayerWiseConfigurations().getConf(1).getLayer()).getLossFn(), rebuilt);
        assertNotEquals(null, ((Dl4jLoss) rebuilt).loss());
    }
}
