package dev.lossforge.torch;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * One case of a golden file written by tools/golden/gen_goldens.py from real PyTorch 1.13: options, inputs,
 * and PyTorch's output and gradients (or the error PyTorch raised).
 */
record GoldenCase(String loss, String id, String dtype, Map<String, Object> options, List<String> inputNames,
        List<INDArray> inputs, INDArray gradOutput, INDArray output, List<INDArray> grads, String error) {

    static List<GoldenCase> load(String loss) {
        return load("golden", loss);
    }

    /** The cases of {@code /<directory>/<loss>.json}: "golden" (gen_goldens.py) or "golden-edge" (gen_edge_goldens.py). */
    static List<GoldenCase> load(String directory, String loss) {
        String path = "/" + directory + "/" + loss + ".json";
        try (InputStream in = GoldenCase.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing golden file " + path);
            }
            JsonNode root = new ObjectMapper().readTree(in);
            List<GoldenCase> cases = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                cases.add(parse(loss, c));
            }
            return cases;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static GoldenCase parse(String loss, JsonNode c) {
        Map<String, Object> options = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = c.get("options").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = f.getValue();
            options.put(f.getKey(), v.isObject() ? tensor(v) : v.isBoolean() ? (Object) v.asBoolean()
                    : v.isIntegralNumber() ? (Object) v.asLong() : v.isNumber() ? (Object) v.asDouble() : v.asText());
        }
        List<String> names = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        for (JsonNode in : c.get("inputs")) {
            names.add(in.get("name").asText());
            inputs.add(tensor(in));
        }
        List<INDArray> grads = new ArrayList<>();
        if (c.has("grads")) {
            for (JsonNode g : c.get("grads")) {
                grads.add(g.isNull() ? null : tensor(g));
            }
        }
        return new GoldenCase(loss, c.get("id").asText(), c.get("dtype").asText(), options, names, inputs,
                c.has("grad_output") ? tensor(c.get("grad_output")) : null,
                c.has("output") ? tensor(c.get("output")) : null, grads,
                c.has("error") ? c.get("error").asText() : null);
    }

    static INDArray tensor(JsonNode t) {
        JsonNode shapeNode = t.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        JsonNode data = t.get("data");
        double[] values = new double[data.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = data.get(i);
            values[i] = v.isTextual() ? Double.parseDouble(v.asText().replace("Infinity", "Infinity")) : v.asDouble();
        }
        DataType type = switch (t.get("dtype").asText()) {
            case "float32" -> DataType.FLOAT;
            case "int64" -> DataType.LONG;
            case "bool" -> DataType.BOOL;
            default -> DataType.DOUBLE;
        };
        if (values.length == 0) {
            return Nd4j.create(type, shape);
        }
        return Nd4j.createFromArray(values).reshape('c', shape).castTo(type);
    }

    boolean rejects() {
        return error != null;
    }

    @Override
    public String toString() {
        return loss + "/" + id;
    }
}
