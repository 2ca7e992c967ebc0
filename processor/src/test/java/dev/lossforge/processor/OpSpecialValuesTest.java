package dev.lossforge.processor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lossforge.Reduction;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.runtime.Checks;
import dev.lossforge.runtime.fused.PointwiseOp;
import dev.lossforge.runtime.fused.PointwiseProgram;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The audit of every runtime kernel of the op table against PyTorch 1.13 on NaN, +Inf, -Inf, -0.0, ordinary values
 * and empty arrays ({@code tools/golden/gen_op_goldens.py} wrote the goldens): each op on the general path
 * (the runtime kernel its template calls) in float64, float32 and float16 (computed in float32, as generated code computes it), and, for a pointwise op, on the fused path (a one-step
 * {@link PointwiseProgram}) in float32. NaN must be NaN and infinities the same infinity where PyTorch gives
 * them; finite values agree to the dtype's precision. Zeros compare equal whatever their sign: no loss depends
 * on the sign of a zero, and where a division would, the infinities it gives are compared.
 *
 * <p>Driven by the op table: an op whose emission template calls a runtime kernel and has no golden case, or a
 * fused op no case reaches, fails {@link #everyKernelOfTheOpTableIsAudited}.
 */
class OpSpecialValuesTest {
    private static final Pattern KERNEL_CALL = Pattern.compile("([A-Z]\\w*)\\.(\\w+)\\((.*)\\)$");
    private static final JsonNode OPS = load().get("ops");

    private static JsonNode load() {
        try (InputStream in = OpSpecialValuesTest.class.getResourceAsStream("/golden/ops.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /golden/ops.json", e);
        }
    }

    /** The ops whose generated code calls a kernel of the runtime. */
    private static List<Op> kernelOps() {
        return Arrays.stream(Op.values()).filter(op -> op.emitTemplate() != null && KERNEL_CALL.matcher(op.emitTemplate()).matches()).toList();
    }

    @Test
    void everyKernelOfTheOpTableIsAudited() {
        List<String> missing = new ArrayList<>();
        for (Op op : kernelOps()) {
            JsonNode cases = OPS.get(op.name());
            Matcher call = KERNEL_CALL.matcher(op.emitTemplate());
            assertTrue(call.matches(), op + "'s template is one runtime call: " + op.emitTemplate());
            boolean special = false;
            boolean empty = false;
            for (JsonNode c : cases == null ? List.<JsonNode>of() : iterable(cases)) {
                assertEquals(call.group(2), c.get("method").asText(), op + "/" + c.get("id").asText() + " calls the op's kernel");
                empty |= c.get("id").asText().startsWith("empty");
                special |= !c.get("id").asText().startsWith("empty");
            }
            if (!special || !empty) {
                missing.add(op + (special ? " (no empty case)" : empty ? " (no special-value case)" : ""));
            }
        }
        assertEquals(List.of(), missing, "ops without golden cases in tools/golden/gen_op_goldens.py");
        for (PointwiseOp fused : PointwiseOp.values()) {
            assertNotNull(OPS.get(fused.name()), "the fused op " + fused + " is audited through its op-table twin");
        }
        assertEquals(kernelOps().size(), OPS.size(), "the goldens hold no op the table lacks");
    }

    @TestFactory
    Stream<DynamicTest> generalPathMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Op op : kernelOps()) {
            for (JsonNode c : iterable(OPS.get(op.name()))) {
                for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT, DataType.HALF}) {
                    String name = op + "/" + c.get("id").asText() + " general " + type;
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        INDArray actual = invoke(op, c, type);
                        assertNotNull(actual, name);
                        assertEquals(expectedType(c, type), actual.dataType(), name + ": dtype");
                        assertMatches(name, expected(c, type), actual, tolerance(type));
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> fusedPathMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Op op : kernelOps()) {
            PointwiseOp fused = op.fusedKernel();
            if (fused == null) {
                continue;
            }
            for (JsonNode c : iterable(OPS.get(op.name()))) {
                String name = op + "/" + c.get("id").asText() + " fused FLOAT";
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    INDArray actual = runFused(op, fused, c);
                    if (!sameShapedTensors(c)) {
                        assertNull(actual, name + ": empty or broadcast arrays are left to the general path");
                        return;
                    }
                    assertNotNull(actual, name);
                    assertMatches(name, expected(c, DataType.FLOAT), actual, tolerance(DataType.FLOAT));
                }));
            }
        }
        return tests.stream();
    }

    /** Every fused op has a case the fused path takes (same-shaped, non-empty tensors); prints the audit's size. */
    @Test
    void everyFusedOpRunsOnTheFusedPath() {
        long general = 0;
        long fusedRuns = 0;
        long values = 0;
        java.util.Set<PointwiseOp> fused = java.util.EnumSet.noneOf(PointwiseOp.class);
        for (Op op : kernelOps()) {
            for (JsonNode c : iterable(OPS.get(op.name()))) {
                general += 3;
                values += 3L * c.get("float64").get("data").size();
                PointwiseOp twin = op.fusedKernel();
                if (twin != null && sameShapedTensors(c)) {
                    fused.add(twin);
                    fusedRuns++;
                    values += c.get("float64").get("data").size();
                }
            }
        }
        System.out.printf("op audit: %d ops with kernels (%d fused), %d general-path runs (3 dtypes), %d fused runs, %d values compared%n",
                kernelOps().size(), PointwiseOp.values().length, general, fusedRuns, values);
        assertEquals(java.util.EnumSet.allOf(PointwiseOp.class), fused, "fused ops with a case on the fused path");
    }

    // ---------------------------------------------------------------- running a case

    /** The runtime class the op's template calls ({@code Pointwise} in {@code Pointwise.abs($0)}). */
    private static Class<?> kernelClass(Op op) throws ClassNotFoundException {
        Matcher call = KERNEL_CALL.matcher(op.emitTemplate());
        assertTrue(call.matches(), op + "'s template is one runtime call: " + op.emitTemplate());
        return Class.forName("dev.lossforge.runtime." + call.group(1));
    }

    private static INDArray invoke(Op op, JsonNode c, DataType type) throws ReflectiveOperationException {
        List<Class<?>> types = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (JsonNode a : iterable(c.get("args"))) {
            switch (a.get("kind").asText()) {
                case "tensor" -> {
                    types.add(INDArray.class);
                    values.add(computed(tensor(a, DataType.DOUBLE).castTo(type)));
                }
                case "index" -> {
                    types.add(INDArray.class);
                    values.add(tensor(a, DataType.DOUBLE).castTo(DataType.LONG));
                }
                case "double" -> {
                    types.add(double.class);
                    values.add(number(a.get("value")));
                }
                case "long" -> {
                    types.add(long.class);
                    values.add(a.get("value").asLong());
                }
                case "int" -> {
                    types.add(int.class);
                    values.add(a.get("value").asInt());
                }
                case "boolean" -> {
                    types.add(boolean.class);
                    values.add(a.get("value").asBoolean());
                }
                case "ints" -> {
                    types.add(int[].class);
                    values.add(iterableStream(a.get("value")).mapToInt(JsonNode::asInt).toArray());
                }
                case "shape" -> {
                    types.add(long[].class);
                    values.add(iterableStream(a.get("value")).mapToLong(JsonNode::asLong).toArray());
                }
                default -> throw new IllegalStateException("unknown argument kind " + a);
            }
        }
        Method kernel = kernelClass(op).getMethod(c.get("method").asText(), types.toArray(new Class<?>[0]));
        try {
            INDArray result = (INDArray) kernel.invoke(null, values.toArray());
            return type == DataType.HALF && result.dataType() == DataType.FLOAT ? result.castTo(DataType.HALF) : result;
        } catch (InvocationTargetException e) {
            throw new AssertionError(c.get("id").asText() + ": " + kernel.getName() + " threw " + e.getCause(), e.getCause());
        }
    }

    /**
     * A value as generated code hands it to the kernels: HALF computed in FLOAT (Checks.computeType), so a float16
     * case checks that the special values survive the dtype's round trip and its rounding.
     */
    private static INDArray computed(INDArray value) {
        return value.dataType() == DataType.HALF ? value.castTo(DataType.FLOAT) : value;
    }

    /** A one-step program: the op over the case's tensors (inputs) and numbers (scalars); null when it does not apply. */
    private static INDArray runFused(Op op, PointwiseOp fused, JsonNode c) {
        List<String> inputs = new ArrayList<>();
        List<String> scalars = new ArrayList<>();
        List<String> stepArgs = new ArrayList<>();
        List<Object> tensors = new ArrayList<>();
        List<Object> numbers = new ArrayList<>();
        List<String> templateArgs = templateArguments(op);
        List<JsonNode> args = iterableStream(c.get("args")).toList();
        for (int i = 0; i < args.size(); i++) {
            if (!templateArgs.get(i).contains("$")) {
                continue; // a literal of the template (rsub's 1.0): the fused op has it built in
            }
            JsonNode a = args.get(i);
            String name = "a" + i;
            stepArgs.add(name);
            if (a.get("kind").asText().equals("tensor")) {
                inputs.add(name);
                tensors.add(tensor(a, DataType.DOUBLE).castTo(DataType.FLOAT));
            } else {
                scalars.add(name);
                numbers.add(number(a.get("value")));
            }
        }
        PointwiseProgram program = PointwiseProgram.builder(op.name()).inputs(inputs.toArray(new String[0]))
                .scalars(scalars.toArray(new String[0])).step("out", fused, stepArgs.toArray(new String[0])).loss("out").build();
        List<Object> values = new ArrayList<>(tensors);
        values.addAll(numbers);
        return program.forward(Reduction.NONE, values.toArray());
    }

    private static List<String> templateArguments(Op op) {
        Matcher call = KERNEL_CALL.matcher(op.emitTemplate());
        assertTrue(call.matches());
        return List.of(call.group(3).split(", "));
    }

    /** Whether the fused path applies: every argument a tensor or a number, the tensors non-empty and of one shape. */
    private static boolean sameShapedTensors(JsonNode c) {
        long[] shape = null;
        for (JsonNode a : iterable(c.get("args"))) {
            String kind = a.get("kind").asText();
            if (kind.equals("double")) {
                continue;
            }
            if (!kind.equals("tensor")) {
                return false;
            }
            long[] s = iterableStream(a.get("shape")).mapToLong(JsonNode::asLong).toArray();
            if (Arrays.stream(s).anyMatch(d -> d == 0) || shape != null && !Arrays.equals(shape, s)) {
                return false;
            }
            shape = s;
        }
        return shape != null;
    }

    // ---------------------------------------------------------------- expectations

    /** PyTorch's float64 result for DOUBLE, its float32 result for FLOAT, and that rounded to float16 for HALF. */
    private static INDArray expected(JsonNode c, DataType type) {
        if (type == DataType.DOUBLE) {
            return tensor(c.get("float64"), DataType.DOUBLE);
        }
        INDArray single = tensor(c.get("float32"), DataType.FLOAT);
        return type == DataType.HALF ? single.castTo(DataType.HALF).castTo(DataType.FLOAT) : single;
    }

    /** A kernel answers in its values' dtype; asValues turns class indices into DOUBLE. */
    private static DataType expectedType(JsonNode c, DataType type) {
        return c.get("method").asText().equals("asValues") ? DataType.DOUBLE : type;
    }

    private static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? 1e-12 : type == DataType.FLOAT ? 1e-5 : 4e-3;
    }

    private static void assertMatches(String what, INDArray expected, INDArray actual, double relative) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] a = actual.isEmpty() ? new double[0] : actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) || Double.isInfinite(e[i]) ? Double.compare(e[i], a[i]) == 0
                    : Math.abs(e[i] - a[i]) <= relative * Math.max(1.0, Math.abs(e[i]));
            if (!ok) {
                wrong.add("[" + i + "] expected " + e[i] + " but was " + a[i]);
            }
        }
        if (!wrong.isEmpty()) {
            fail(what + ": " + wrong.size() + " of " + e.length + " wrong: " + String.join("; ", wrong));
        }
    }

    private static INDArray tensor(JsonNode t, DataType type) {
        long[] shape = iterableStream(t.get("shape")).mapToLong(JsonNode::asLong).toArray();
        double[] data = iterableStream(t.get("data")).mapToDouble(OpSpecialValuesTest::number).toArray();
        if (data.length == 0) {
            return Nd4j.create(type, shape);
        }
        INDArray flat = Nd4j.createFromArray(data).castTo(type);
        return shape.length == 0 ? flat.reshape() : flat.reshape('c', shape);
    }

    private static double number(JsonNode v) {
        return v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
    }

    private static Iterable<JsonNode> iterable(JsonNode array) {
        return array::elements;
    }

    private static Stream<JsonNode> iterableStream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(iterable(array).spliterator(), false);
    }
}
