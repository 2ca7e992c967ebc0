package dev.lossforge.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.lossforge.dl4j.Dl4jLoss;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.serializer.KryoRegistrator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Kryo registrations for training with LossForge losses on Spark with
 * {@code spark.serializer=org.apache.spark.serializer.KryoSerializer}:
 * <pre>{@code
 * spark.kryo.registrator=dev.lossforge.spark.LossForgeKryoRegistrator
 * }</pre>
 * It registers everything ND4J's {@link Nd4jRegistrator} does (INDArrays), plus a serializer that carries a
 * {@link Dl4jLoss} as its JSON form (loss class, scalar and tensor options), the same JSON that
 * {@code MultiLayerConfiguration.toJson()} writes, and rebuilds it on the receiving side.
 *
 * <p>Why it is needed: Kryo's default {@code FieldSerializer} neither writes transient fields nor calls
 * {@code readResolve}, so a {@link Dl4jLoss} would arrive without its loss (a NullPointerException at the first
 * {@code computeScore}). {@code SparkSerializationTest} shows both.
 */
public final class LossForgeKryoRegistrator implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        new Nd4jRegistrator().registerClasses(kryo);
        kryo.register(Dl4jLoss.class, new Dl4jLossJsonSerializer());
    }

    /** A {@link Dl4jLoss} as the JSON string DL4J writes for it in a configuration. */
    static final class Dl4jLossJsonSerializer extends Serializer<Dl4jLoss> {
        Dl4jLossJsonSerializer() {
            setImmutable(true); // Kryo.copy may return the same instance: the adapter is immutable
        }

        @Override
        public void write(Kryo kryo, Output output, Dl4jLoss loss) {
            try {
                output.writeString(NeuralNetConfiguration.mapper().writeValueAsString(loss));
            } catch (IOException e) {
                throw new UncheckedIOException("LossForge: cannot write " + loss + " as JSON for Kryo", e);
            }
        }

        @Override
        public Dl4jLoss read(Kryo kryo, Input input, Class<Dl4jLoss> type) {
            String json = input.readString();
            try {
                return (Dl4jLoss) NeuralNetConfiguration.mapper().readValue(json, ILossFunction.class);
            } catch (IOException e) {
                throw new UncheckedIOException("LossForge: cannot rebuild a Dl4jLoss from its JSON " + json, e);
            }
        }
    }
}
