package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The processor never throws on bad input: it reports an exception of its own as a
 * {@code [lossforge.internal]} error, and no input of the negative suite, nor any odd Java below, may cause one.
 */
class NoInternalFailureTest {

    /** Every source of the negative suite. */
    static List<NegativeCase> negativeSuite() {
        List<NegativeCase> all = new ArrayList<>();
        all.addAll(ShapeGrammarErrorTest.cases());
        all.addAll(OpShapeErrorTest.cases());
        all.addAll(UnsupportedConstructErrorTest.cases());
        all.addAll(SignatureErrorTest.cases());
        all.addAll(ErrorRecoveryTest.cases());
        return all;
    }

    @Test
    void noSourceOfTheNegativeSuiteMakesTheProcessorFail() {
        List<String> failures = new ArrayList<>();
        for (NegativeCase c : negativeSuite()) {
            Compilation compilation = c.compile();
            if (Compile.hasInternalFailure(compilation)) {
                failures.add(c.name + ":\n" + Compile.describe(compilation));
            }
        }
        assertWithMessage("internal failures").that(failures).isEmpty();
        assertWithMessage("negative cases").that(negativeSuite().size()).isAtLeast(40);
    }

    /** Java that a user might write in a body, none of it DSL: each must be an error, never a crash. */
    static Stream<String> oddBodies() {
        return Stream.of(
                "var x = 2.0;\nreturn input.mul(x).mul(x);", // 'var' has no type tree before attribution
                "var y = input.neg();\nreturn y;",
                "return switch (1) { case 1 -> input; default -> input.neg(); };",
                "try { return input; } finally { }",
                "label: { return input; }",
                "class Local { }\nreturn input;",
                "return new Object() { }.hashCode() > 0 ? input : input;",
                "return Math.max(input, 1);",
                "return input.add(Math.max(1, 2));",
                "return input.mul((double) 'c');",
                "return input.add(null);",
                "return input.add(true);",
                "return input.pow(\"2\".length());",
                "return sum(input, new int[] {0});",
                "return sum(input, 1 + 1);",
                "return sum(input, 99999999999L);",
                "return clamp(input, 0);",
                "return constant();",
                "return constant(input);",
                "return Ops.softmin(input);",
                "return dev.lossforge.dsl.Ops.exp(input).neg();",
                "return input.neg(input);",
                "return input.sub();",
                "return ((input));",
                "return (Tensor) input;",
                "return input instanceof Tensor t ? t : input;",
                "return this.toString() == null ? input : input;",
                "return super.hashCode() > 0 ? input : input;",
                "return java.util.List.of(input).get(0);",
                "Tensor a = input, b = a.neg();\nreturn b;",
                "final Tensor a = input.neg();\nreturn a;",
                "@SuppressWarnings(\"x\") Tensor a = input.neg();\nreturn a;",
                "Tensor a = a;\nreturn a;",
                "throw new IllegalStateException();",
                "{ return input; }",
                "assert input != null;\nreturn input;",
                "input.neg();\nreturn input;",
                "return weighted(input, input, input);",
                "return input.weighted(input);",
                "return gather(input, 1, input);",
                "return take(input);",
                "return where(input, input);",
                "return logSoftmax(input, -0);",
                "return sum(input, +1);",
                "return input.add(-input);",
                "return input.add(+input);",
                "return input.add(~1);");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oddBodies")
    void oddJavaInABodyIsRefusedByLossForgeOrCompilesButNeverCrashes(String body) {
        DslSource src = DslSource.of("""
                @Loss(pred = "N,C")
                static Tensor loss(Tensor input) {
                %s
                }
                """.formatted(body.indent(4).stripTrailing()));
        Compilation c = Compile.withLossForge(src);
        assertWithMessage("%s\ngave\n%s", src, Compile.describe(c)).that(Compile.hasInternalFailure(c)).isFalse();
        // accepted, then the generated class compiles; refused, then by LossForge's own error, not javac's
        boolean refusedByLossForge = c.errors().stream().anyMatch(d -> d.getMessage(null).startsWith("[lossforge."));
        assertWithMessage("%s\ngave\n%s", src, Compile.describe(c))
                .that(c.status() == Compilation.Status.SUCCESS || refusedByLossForge).isTrue();
    }
}
