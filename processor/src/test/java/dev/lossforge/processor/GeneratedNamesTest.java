package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.google.testing.compile.Compilation;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.Op;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The names a generated class uses itself ({@link GeneratedNames}, one list for the writer and the parser), what
 * declarations of one class must share, and the DSL's words as the "unknown function" error lists them
 * ({@link Op#expressionWords}).
 */
class GeneratedNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"PROGRAM", "NAME", "SIGNATURE", "serialVersionUID", "INPUT_NAMES", "VALUE_NAMES", "BATCHED_RANK",
            "HAS_BATCH_DIM", "WEIGHT_SHAPE", "MSE_PROGRAM", "name", "hashCode", "options", "toBuilder", "getClass", "signature"})
    void anOptionNamedLikeSomethingTheGeneratedClassUsesIsOneSignatureErrorOnTheOption(String option) throws IOException {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N", optionalBatch = "N")
                static Tensor loss(Tensor input, @Option(defaultValue = "2") double %s) {
                    return input.mul(%s);
                }
                """.formatted(option, option)));
        assertWithMessage(Compile.describe(c)).that(c.errors()).hasSize(1);
        assertThat(Compile.describe(c)).contains("[lossforge.signature] option '" + option + "' would clash with ");
        // on the option's line of the user's source, not inside the generated file
        var error = c.errors().get(0);
        String line = error.getSource().getCharContent(true).toString().split("\n")[(int) error.getLineNumber() - 1];
        assertThat(line).contains("@Option(defaultValue = \"2\") double " + option);
    }

    /** Every constant the writer declares, and every no-argument method, is on the list: an option cannot take it. */
    @Test
    void everyNameTheWriterDeclaresIsReserved() throws IOException {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(name = "TwoWays", pred = "N,C", target = "N", optionalBatch = "N")
                static Tensor indices(Tensor input, @Index("C") Tensor target, @Option(defaultValue = "1") @Shape("C") Tensor weight,
                        @Option(defaultValue = "0.5") double scale) {
                    return gather(logSoftmax(input, 1), 1, target).mul(scale).neg();
                }

                @Loss(name = "TwoWays", pred = "N,C", target = "N,C", optionalBatch = "N")
                static Tensor probabilities(Tensor input, Tensor target, @Option(defaultValue = "1") @Shape("C") Tensor weight,
                        @Option(defaultValue = "0.5") double scale) {
                    return square(input.sub(target)).mul(scale);
                }
                """));
        assertWithMessage(Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
        String source = c.generatedSourceFile("demo.TwoWays").orElseThrow().getCharContent(true).toString();
        Set<String> declared = new TreeSet<>();
        Matcher constant = Pattern.compile("static final [\\w.<>\\[\\]]+ (\\w+) =").matcher(source);
        while (constant.find()) {
            declared.add(constant.group(1));
        }
        Matcher noArgument = Pattern.compile("\\n    public (?:static )?[\\w.<>\\[\\], ]+ (\\w+)\\(\\)").matcher(source);
        while (noArgument.find()) {
            declared.add(noArgument.group(1));
        }
        declared.removeAll(Set.of("weight", "scale")); // the options' own accessors
        assertThat(declared).containsAtLeast("NAME", "SIGNATURE", "INDICES_PROGRAM", "PROBABILITIES_BATCHED_RANK", "name", "options");
        List<String> unreserved = declared.stream().filter(n -> GeneratedNames.clash(n) == null).toList();
        assertWithMessage("declared by the generated class but not in GeneratedNames").that(unreserved).isEmpty();
    }

    /** Declarations of one class share its builder and its calls: other options or another input count are refused. */
    @Test
    void declarationsOfOneClassMustTakeTheSameOptionsAndAsManyInputs() {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(name = "Both", pred = "N", target = "N")
                static Tensor pair(Tensor input, Tensor target) {
                    return square(input.sub(target));
                }

                @Loss(name = "Both", pred = "N,C")
                static Tensor single(Tensor input) {
                    return square(input);
                }

                @Loss(name = "Other", pred = "N")
                static Tensor plain(Tensor input) {
                    return input;
                }

                @Loss(name = "Other", pred = "N,C")
                static Tensor scaled(Tensor input, @Option(defaultValue = "2") double scale) {
                    return input.mul(scale);
                }
                """));
        assertThat(Compile.describe(c)).contains("[lossforge.signature] every declaration of Both must take as many tensor inputs as"
                + " pair() (2), not 1: a call passes them to whichever declaration its shapes fit");
        assertThat(Compile.describe(c)).contains("[lossforge.signature] every declaration of Other must take the same options as plain():"
                + " they share one builder");
        assertWithMessage(Compile.describe(c)).that(c.errors()).hasSize(2);
    }

    @Test
    void theUnknownFunctionErrorListsTheWordsABodyMayCall() {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N")
                static Tensor loss(Tensor input) {
                    return softmin(input);
                }
                """));
        String listed = Compile.describe(c).replaceAll("(?s).*the DSL has: ([^;]*);.*", "$1");
        List<String> words = Arrays.asList(listed.split(", "));
        assertThat(words).containsAtLeast("constant", "meanDividedBy", "add", "clamp", "logSoftmax");
        assertThat(words).doesNotContain("weighted");
        assertThat(words).containsExactlyElementsIn(Op.expressionWords());
        assertThat(Compile.describe(c)).contains("and weighted(loss, weights) as the returned value");
    }

    /** The words are the eager DSL's: every static method of Ops and every arithmetic method of Tensor, and no more. */
    @Test
    void theWordsAreExactlyTheEagerDslsMethods() {
        Set<String> eager = Arrays.stream(dev.lossforge.dsl.Ops.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        for (Op op : Op.values()) {
            if (op.isTensorMethod()) {
                eager.add(op.dslName());
            }
        }
        List<String> words = new ArrayList<>(Op.expressionWords());
        words.add(Op.WEIGHTED.dslName());
        assertThat(new TreeSet<>(words)).isEqualTo(eager);
    }
}
