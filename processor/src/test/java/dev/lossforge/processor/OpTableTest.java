package dev.lossforge.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.ir.Scalar;
import dev.lossforge.runtime.fused.PointwiseOp;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The op table is complete: an entry that leaves out a fact, names a kernel or DSL method that does not exist,
 * or writes a derivative formula that does not build, fails here, as does a block kernel no entry uses.
 */
class OpTableTest {
    /** Where the classes a template's {@code Class.method(...)} names live. */
    private static final List<String> KERNEL_PACKAGES = List.of("dev.lossforge.runtime");
    private static final Pattern TEMPLATE_CALL = Pattern.compile("^(\\w+)\\.(\\w+)\\(");

    @Test
    void everyEntryDeclaresItsCodeAndItsFusedDecision() {
        for (Op op : Op.values()) {
            if (op.isLeaf()) {
                continue;
            }
            assertNotNull(op.emitTemplate(), op + " has no emit(...)");
            assertTrue(op.declaresFusion(), op + " declares neither fused(PointwiseOp.X) nor notFusable()");
        }
    }

    /** Every op a body can produce has a shape rule, and every op with a shape rule says how it differentiates. */
    @Test
    void everyForwardOpDeclaresItsShapeRuleAndDerivative() {
        for (Op op : Op.values()) {
            if (op.dslName() != null) {
                assertNotNull(op.shapeRule(), op + " is a DSL word without a shape rule");
            }
            if (op.shapeRule() != null) {
                assertTrue(op.declaresDerivative(), op + " declares neither grad(...) nor notDifferentiable()");
            }
        }
    }

    /** Each formula parses, names tensor operands only, and builds one gradient per operand it lists. */
    @Test
    void everyDerivativeFormulaBuildsAGradientForEachOperandItNames() {
        for (Op op : Op.values()) {
            if (op.derivative() == null) {
                continue;
            }
            Graph graph = new Graph();
            List<Node> args = new ArrayList<>();
            List<Integer> dims = new ArrayList<>();
            List<String> differentiable = new ArrayList<>();
            String sig = op.signature();
            for (int i = 0; i < sig.length(); i++) {
                String name = op.operandNames().get(i);
                switch (sig.charAt(i)) {
                    case 'T', 'X', 'I' -> args.add(graph.input(name, null));
                    case 'S' -> args.add(graph.scalar(new Scalar.Option(name), null));
                    default -> dims.add(1);
                }
                if (sig.charAt(i) == 'T' || sig.charAt(i) == 'X') {
                    differentiable.add(name);
                }
            }
            Node out = graph.apply(op, args, dims.stream().mapToInt(Integer::intValue).toArray(), null, null);
            Node[] parts;
            try {
                parts = op.derivative().vjp(graph, out, graph.seed());
            } catch (IllegalStateException e) {
                fail(op + ": " + e.getMessage());
                return;
            }
            assertEquals(args.size(), parts.length, op + ": one gradient per argument");
            List<String> listed = Arrays.stream(op.derivativeText().split("; ")).map(g -> g.split(":")[0]).toList();
            for (String operand : listed) {
                assertTrue(differentiable.contains(operand), op + ": " + operand + " is not a tensor operand, it cannot get a gradient");
            }
            long built = Arrays.stream(parts).filter(p -> p != null).count();
            assertEquals(listed.size(), built, op + ": a gradient per operand listed in " + op.derivativeText());
        }
    }

    @Test
    void everyTemplateCallsAKernelThatExists() {
        for (Op op : Op.values()) {
            Matcher call = op.emitTemplate() == null ? null : TEMPLATE_CALL.matcher(op.emitTemplate());
            if (call == null || !call.find()) {
                continue; // "$0", "($0 ? $1 : $2)": no kernel
            }
            Class<?> kernels = kernelClass(call.group(1));
            assertNotNull(kernels, op + ": no class " + call.group(1) + " in " + KERNEL_PACKAGES);
            assertTrue(Arrays.stream(kernels.getMethods()).anyMatch(m -> m.getName().equals(call.group(2)) && Modifier.isStatic(m.getModifiers())),
                    op + ": " + call.group(1) + " has no static method " + call.group(2));
        }
    }

    @Test
    void everyDslWordHasItsEagerMethod() throws ClassNotFoundException {
        Class<?> tensor = Class.forName("dev.lossforge.dsl.Tensor");
        Class<?> ops = Class.forName("dev.lossforge.dsl.Ops");
        for (Op op : Op.values()) {
            if (op.dslName() == null) {
                continue;
            }
            Class<?> owner = op.isTensorMethod() ? tensor : ops;
            boolean found = false;
            for (Method m : owner.getMethods()) {
                found |= m.getName().equals(op.dslName()) && Modifier.isStatic(m.getModifiers()) != op.isTensorMethod();
            }
            assertTrue(found, op + ": " + owner.getSimpleName() + " has no " + (op.isTensorMethod() ? "method " : "static method ") + op.dslName());
        }
    }

    /** A block kernel no entry names would be dead code, and one with another arity would read the wrong blocks. */
    @Test
    void everyBlockKernelIsSomeEntrysWithItsArity() {
        for (PointwiseOp kernel : PointwiseOp.values()) {
            List<Op> users = Arrays.stream(Op.values()).filter(op -> op.fusedKernel() == kernel).toList();
            assertEquals(1, users.size(), kernel + " is the fused kernel of " + users + ", not of exactly one op");
            assertEquals(kernel.arity(), users.get(0).signature().length(), kernel + ": arity vs the signature of " + users.get(0));
        }
    }

    private static Class<?> kernelClass(String simpleName) {
        for (String pkg : KERNEL_PACKAGES) {
            try {
                return Class.forName(pkg + "." + simpleName);
            } catch (ClassNotFoundException e) {
                // try the next package
            }
        }
        return null;
    }
}
