package dev.lossforge.dl4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.ActivationLogSoftmax;
import dev.lossforge.dl4j.Dl4jLosses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * One golden PyTorch training run from {@code src/test/resources/parity} (written by
 * tools/parity/gen_training_parity.py), and the DL4J network that must reproduce it.
 */
public final class ParityCase {
    /** Relative tolerance for parameters and scores (an absolute floor of 1e-12 for values near zero). */
    public static final double REL_TOL = 1e-9;

    public static final List<String> ALL = List.of(
            "mse_mean", "mse_sum",
            "cross_entropy_weight_ignore_mean", "cross_entropy_weight_ignore_sum",
            "nll_logsoftmax_mean", "nll_logsoftmax_sum",
            "bce_sigmoid_mean", "bce_sigmoid_sum",
            "rnn_cross_entropy_mean", "rnn_cross_entropy_weight_masked_mean",
            "cnn_cross_entropy_prob_mean", "cnn_mse_mean");

    public final String name;
    public final JsonNode json;

    private ParityCase(String name, JsonNode json) {
        this.name = name;
        this.json = json;
    }

    public static ParityCase load(String name) {
        try (InputStream in = ParityCase.class.getResourceAsStream("/parity/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource parity/" + name + ".json; run tools/parity/gen_training_parity.py");
            }
            return new ParityCase(name, new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The case names listed in {@code src/test/resources/parity/<directory>/index.txt}, written by the generator. */
    public static List<String> index(String directory) {
        try (InputStream in = ParityCase.class.getResourceAsStream("/parity/" + directory + "/index.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource parity/" + directory + "/index.txt; run its generator in tools/parity");
            }
            return List.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String lossName() {
        return json.get("loss").asText();
    }

    public String net() {
        return json.get("net").asText();
    }

    /** The options as TorchLosses.create takes them: lists become DOUBLE tensors. */
    public Map<String, Object> options() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.get("options").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                out.put(e.getKey(), array(v));
            } else if (v.isIntegralNumber()) {
                out.put(e.getKey(), v.asInt());
            } else if (v.isNumber()) {
                out.put(e.getKey(), v.asDouble());
            } else if (v.isBoolean()) {
                out.put(e.getKey(), v.asBoolean());
            } else {
                out.put(e.getKey(), v.asText());
            }
        }
        return out;
    }

    public DataSet dataSet() {
        INDArray mask = json.has("labels_mask") ? array(json.get("labels_mask")) : null;
        return new DataSet(array(json.get("features")), array(json.get("labels")), null, mask);
    }

    public int steps() {
        return json.get("steps").size();
    }

    // ---------------------------------------------------------------- networks

    private static IActivation activation(String name) {
        return switch (name) {
            case "identity" -> Activation.IDENTITY.getActivationFunction();
            case "tanh" -> Activation.TANH.getActivationFunction();
            case "relu" -> Activation.RELU.getActivationFunction();
            case "sigmoid" -> Activation.SIGMOID.getActivationFunction();
            case "logsoftmax" -> new ActivationLogSoftmax();
            default -> throw new IllegalArgumentException("unknown activation " + name);
        };
    }

    /** DL4J's miniBatch flag for the networks built next (default true, as in DL4J). */
    private boolean miniBatch = true;

    public ParityCase miniBatch(boolean miniBatch) {
        this.miniBatch = miniBatch;
        return this;
    }

    /** The networks' dtype (default DOUBLE, as PyTorch's float64 runs). */
    private DataType dataType = DataType.DOUBLE;

    public ParityCase dataType(DataType dataType) {
        this.dataType = dataType;
        return this;
    }

    private NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().dataType(dataType).seed(7).miniBatch(miniBatch)
                .updater(new Sgd(json.get("lr").asDouble()));
    }

    /** The case's layers, named "0" and "1" so that the parameter keys are "0_W", "1_b", ... in both network kinds. */
    private List<Layer> layers(ILossFunction loss) {
        int nIn = json.get("n_in").asInt();
        int nOut = json.get("n_out").asInt();
        IActivation out = activation(json.get("output_activation").asText());
        return switch (net()) {
            case "dense" -> {
                int hidden = json.get("n_hidden").asInt();
                yield List.of(
                        new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(activation(json.get("hidden_activation").asText())).build(),
                        new OutputLayer.Builder(loss).nIn(hidden).nOut(nOut).activation(out).build());
            }
            case "rnn" -> List.of(new RnnOutputLayer.Builder(loss).nIn(nIn).nOut(nOut).activation(out).dataFormat(RNNFormat.NCW).build());
            case "cnn" -> List.of(
                    new ConvolutionLayer.Builder(1, 1).nIn(nIn).nOut(nOut).stride(1, 1).activation(Activation.IDENTITY).build(),
                    new CnnLossLayer.Builder(loss).activation(out).build());
            default -> throw new IllegalArgumentException("unknown net " + net());
        };
    }

    private InputType inputType() {
        long[] shape = array(json.get("features")).shape();
        return net().equals("cnn") ? InputType.convolutional(shape[2], shape[3], shape[1]) : null;
    }

    public MultiLayerConfiguration multiLayerConf(ILossFunction loss) {
        NeuralNetConfiguration.ListBuilder list = base().list();
        List<Layer> layers = layers(loss);
        for (Layer l : layers) {
            list.layer(l);
        }
        if (inputType() != null) {
            list.setInputType(inputType());
        }
        return list.build();
    }

    public ComputationGraphConfiguration graphConf(ILossFunction loss) {
        ComputationGraphConfiguration.GraphBuilder g = base().graphBuilder().addInputs("in");
        String previous = "in";
        List<Layer> layers = layers(loss);
        for (int i = 0; i < layers.size(); i++) {
            g.addLayer(String.valueOf(i), layers.get(i), previous);
            previous = String.valueOf(i);
        }
        if (inputType() != null) {
            g.setInputTypes(inputType());
        }
        return g.setOutputs(previous).build();
    }

    public MultiLayerNetwork multiLayerNetwork(ILossFunction loss) {
        MultiLayerNetwork net = new MultiLayerNetwork(multiLayerConf(loss));
        net.init();
        setInitialParams(net);
        net.setListeners(Dl4jLosses.minibatchListener());
        return net;
    }

    public ComputationGraph computationGraph(ILossFunction loss) {
        ComputationGraph net = new ComputationGraph(graphConf(loss));
        net.init();
        setInitialParams(net);
        net.setListeners(Dl4jLosses.minibatchListener());
        return net;
    }

    public void setInitialParams(Model net) {
        JsonNode params = json.get("initial_params");
        for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            INDArray current = net.getParam(key);
            net.setParam(key, array(params.get(key)).reshape(current.shape()).castTo(current.dataType()));
        }
    }

    // ---------------------------------------------------------------- training and checks

    /** Trains 5 steps on the full batch; after each, score and every parameter must match PyTorch's. */
    public void trainAndCompare(Model net, java.util.function.Consumer<DataSet> fit) {
        DataSet ds = dataSet();
        for (int step = 0; step < steps(); step++) {
            fit.accept(ds);
            JsonNode expected = json.get("steps").get(step);
            assertClose(expected.get("loss").asDouble(), net.score(), name + " step " + (step + 1) + " score");
            for (Iterator<String> it = expected.get("params").fieldNames(); it.hasNext(); ) {
                String key = it.next();
                INDArray want = array(expected.get("params").get(key));
                INDArray got = net.getParam(key);
                assertArrayClose(want.reshape(got.shape()), got, name + " step " + (step + 1) + " param " + key);
            }
        }
    }

    public static void assertClose(double expected, double actual, String what) {
        double tol = REL_TOL * Math.abs(expected) + 1e-12;
        assertTrue(Math.abs(expected - actual) <= tol,
                what + ": expected " + expected + " but got " + actual + " (diff " + Math.abs(expected - actual) + ")");
    }

    public static void assertArrayClose(INDArray expected, INDArray actual, String what) {
        assertEquals(List.of(toList(expected.shape())), List.of(toList(actual.shape())), what + " shape");
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        for (int i = 0; i < e.length; i++) {
            assertClose(e[i], a[i], what + "[" + i + "]");
        }
    }

    private static List<Long> toList(long[] a) {
        List<Long> out = new ArrayList<>();
        for (long v : a) {
            out.add(v);
        }
        return out;
    }

    /** A nested JSON list as a DOUBLE array of the same shape. */
    public static INDArray array(JsonNode node) {
        List<Long> shape = new ArrayList<>();
        JsonNode n = node;
        while (n.isArray()) {
            shape.add((long) n.size());
            n = n.get(0);
        }
        List<Double> flat = new ArrayList<>();
        flatten(node, flat);
        double[] data = flat.stream().mapToDouble(Double::doubleValue).toArray();
        if (shape.isEmpty()) {
            return Nd4j.scalar(DataType.DOUBLE, node.asDouble());
        }
        return Nd4j.createFromArray(data).reshape('c', shape.stream().mapToLong(Long::longValue).toArray());
    }

    private static void flatten(JsonNode node, List<Double> out) {
        if (node.isArray()) {
            node.forEach(child -> flatten(child, out));
        } else {
            out.add(node.asDouble());
        }
    }
}
