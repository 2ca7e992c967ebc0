package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Losses written in their naive textbook form ({@code log(sigmoid(x))}, {@code log(softmax(x, 1))},
 * {@code log(1 + x)}, {@code exp(x) - 1}, ...) compute, once compiled, the values and gradients of PyTorch's stable
 * functions at inputs where the textbook form overflows or loses every digit ({@code tools/golden/gen_stability_goldens.py}
 * wrote the goldens, in float64, from inputs rounded to each case's dtype; it also records PyTorch's own value of the
 * naive form there, which is off by construction). Values and gradients are compared element by element, relatively,
 * so that a 1e-18 which came out as 0 fails.
 */
class StabilityGoldenTest {
    private static final JsonNode GOLDEN = load();
    private static final Map<String, Class<?>> LOSSES = new LinkedHashMap<>();
    /** Per case: the largest relative error of the compiled loss (of a gradient: relative to its largest element) and of PyTorch's naive form. */
    private static final List<String> SUMMARY = new ArrayList<>();

    private static JsonNode load() {
        try (InputStream in = StabilityGoldenTest.class.getResourceAsStream("/golden/stability.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /golden/stability.json", e);
        }
    }

    /** Compiles one @Loss method per loss of the goldens, its body the naive form recorded there. */
    @BeforeAll
    static void compileTheNaiveForms() throws ClassNotFoundException {
        StringBuilder members = new StringBuilder();
        Map<String, JsonNode> firstCaseOf = new LinkedHashMap<>();
        GOLDEN.get("cases").forEach(c -> firstCaseOf.putIfAbsent(c.get("loss").asText(), c));
        firstCaseOf.forEach((loss, c) -> members.append(method(loss, c)));
        Compilation compilation = Compile.withLossForge(DslSource.of(members.toString()));
        assertThat(compilation).succeeded();
        GeneratedClassLoader loader = new GeneratedClassLoader(compilation);
        for (String loss : firstCaseOf.keySet()) {
            LOSSES.put(loss, loader.loadClass("demo." + Character.toUpperCase(loss.charAt(0)) + loss.substring(1) + "Loss"));
        }
    }

    private static String method(String loss, JsonNode c) {
        List<String> params = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (JsonNode in : c.get("inputs")) {
            boolean index = in.get("dtype").asText().equals("int64");
            params.add((index ? "@Index(\"C\") " : "") + "Tensor " + in.get("name").asText());
            shapes.add(index ? "N" : in.get("shape").size() == 1 ? "N" : "N,C");
        }
        String annotation = shapes.size() == 1 ? "@Loss(pred = \"%s\")".formatted(shapes.get(0))
                : "@Loss(pred = \"%s\", target = \"%s\")".formatted(shapes.get(0), shapes.get(1));
        return """
                %s
                static Tensor %s(%s) {
                    return %s;
                }

                """.formatted(annotation, loss, String.join(", ", params), c.get("dsl").asText());
    }

    @TestFactory
    Stream<DynamicTest> theNaiveFormComputesTheStableFunctionsValueAndGradients() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("id").asText() + ": " + c.get("dsl").asText(), () -> check(c)));
        }
        return tests.stream();
    }

    private static void check(JsonNode c) throws ReflectiveOperationException {
        boolean float32 = c.get("dtype").asText().equals("float32");
        // float32 is compared with the float64 answer, to a few of its roundings; float64 to its last digits
        double rtol = float32 ? 4e-6 : 1e-13;
        LossFunction loss = ((LossFunction) LOSSES.get(c.get("loss").asText()).getConstructor().newInstance())
                .withReduction(Reduction.NONE);
        INDArray[] inputs = new INDArray[c.get("inputs").size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = array(c.get("inputs").get(i));
        }
        String id = c.get("id").asText();
        double valueError = compare(id + " value", loss.forward(inputs), c.get("output"), rtol, 1e-30);
        INDArray[] grads = loss.backward(array(c.get("grad_output")).castTo(inputs[0].dataType()), inputs);
        double gradError = 0;
        for (int i = 0; i < inputs.length; i++) {
            JsonNode expected = c.get("grads").get(i);
            String name = id + " d/d" + c.get("inputs").get(i).get("name").asText();
            if (expected.isNull()) {
                assertWithMessage(name).that(grads[i]).isNull();
            } else {
                // a gradient to the last digits of its tensor's scale: PyTorch's own BCE-with-logits gradient is
                // sigmoid(x) - t, which at x = 17 cancels to 3e-9 relatively (the rewritten form is exact there); and
                // cross-entropy's float32 row kernel rounds a picked log-probability of -2000 to 1e-4 before its exp
                gradError = Math.max(gradError, compare(name, grads[i], expected, rtol, rtol * 10 * largest(expected)));
            }
        }
        SUMMARY.add(String.format("%-28s rewritten: value %.1e, gradients %.1e; PyTorch's naive form: value %s", id,
                valueError, gradError, naiveError(c)));
    }

    /**
     * Element by element, |actual - expected| <= rtol |expected| + atol; returns the worst relative error. Values take
     * atol 1e-30 (PyTorch's BCE-with-logits rounds softplus(-100) = 3.7e-44 to 0), so a 1e-18 that came out as 0 fails.
     */
    private static double compare(String what, INDArray actual, JsonNode expected, double rtol, double atol) {
        double[] want = values(expected);
        double[] got = actual.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        assertWithMessage("%s: size", what).that(got.length).isEqualTo(want.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double error = Double.compare(got[i], want[i]) == 0 ? 0 : Math.abs(got[i] - want[i]);
            assertWithMessage("%s[%s]: %s, expected %s (tolerance %s relatively + %s)", what, i, got[i], want[i], rtol, atol)
                    .that(error <= rtol * Math.abs(want[i]) + atol).isTrue();
            worst = Math.max(worst, error / Math.max(Math.abs(want[i]), atol / (10 * rtol)));
        }
        return worst;
    }

    private static double largest(JsonNode t) {
        double largest = 0;
        for (double v : values(t)) {
            largest = Double.isFinite(v) ? Math.max(largest, Math.abs(v)) : largest;
        }
        return largest;
    }

    private static String naiveError(JsonNode c) {
        double[] naive = values(c.get("naive_output"));
        double[] want = values(c.get("output"));
        double worst = 0;
        int nonFinite = 0;
        for (int i = 0; i < want.length; i++) {
            if (!Double.isFinite(naive[i])) {
                nonFinite++;
            } else if (want[i] != 0) {
                worst = Math.max(worst, Math.abs(naive[i] - want[i]) / Math.abs(want[i]));
            }
        }
        return String.format("%d of %d non-finite, finite ones off by %.1e", nonFinite, want.length, worst);
    }

    @AfterAll
    static void printTheErrors() {
        System.out.println("stability goldens, largest relative errors:\n  " + String.join("\n  ", SUMMARY));
    }

    private static INDArray array(JsonNode t) {
        long[] shape = new long[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asLong();
        }
        String dtype = t.get("dtype").asText();
        if (dtype.equals("int64")) {
            long[] data = new long[t.get("data").size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = t.get("data").get(i).asLong();
            }
            return Nd4j.createFromArray(data).reshape(shape);
        }
        INDArray a = Nd4j.createFromArray(values(t)).reshape(shape);
        return dtype.equals("float32") ? a.castTo(DataType.FLOAT) : a;
    }

    private static double[] values(JsonNode t) {
        double[] v = new double[t.get("data").size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode d = t.get("data").get(i);
            v[i] = d.isTextual() ? Double.parseDouble(d.asText()) : d.asDouble();
        }
        return v;
    }
}
