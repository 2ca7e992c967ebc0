package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import dev.lossforge.processor.ir.Op;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every word of the DSL whose arguments are tensors, numbers and dims (all but the class-index ones, which
 * the other tests cover) generates a class that compiles, both as a function or method call and with a
 * number where it takes a tensor or a number. The list comes from the op table, so a new word is covered
 * as soon as it is added.
 */
class DslVocabularyTest {

    @Test
    void everyWordOnTensorsNumbersAndDimsGeneratesAClassThatCompiles() {
        List<String> words = new ArrayList<>();
        StringBuilder members = new StringBuilder();
        for (Op op : Op.values()) {
            String sig = op.signature();
            if (op.dslName() == null || op == Op.WEIGHTED || !sig.matches("[TXSdD]+")) {
                continue;
            }
            words.add(op.dslName());
            members.append("""
                    @Loss(pred = "N,C", target = "N,C")
                    static Tensor %s(Tensor input, Tensor target%s) {
                        return %s;
                    }

                    """.formatted(methodName(op), alongDim(sig) ? ", @Shape(\"C\") Tensor scale" : "", call(op)));
        }
        DslSource src = DslSource.of(members.toString());

        Compilation c = Compile.withLossForge(src);

        assertWithMessage("%s\ngave\n%s", src, Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
        assertThat(c).succeededWithoutWarnings();
        assertWithMessage("words covered").that(words).containsAtLeast("add", "exp", "clamp", "where", "sum", "logSoftmax");
    }

    private static String methodName(Op op) {
        return "of" + Character.toUpperCase(op.dslName().charAt(0)) + op.dslName().substring(1);
    }

    /** Whether a tensor follows a dim (as in scaleAlong(x, dim, s)): it runs along that dim. */
    private static boolean alongDim(String sig) {
        return sig.contains("dT");
    }

    /**
     * A call with input for the first tensor, target for the others (or a (C) scale for a tensor that runs
     * along a dim), 0.5 for numbers and 1 for dims.
     */
    private static String call(Op op) {
        List<String> args = new ArrayList<>();
        String sig = op.signature();
        for (int i = 0; i < sig.length(); i++) {
            args.add(switch (sig.charAt(i)) {
                case 'T' -> i == 0 ? "input" : sig.charAt(i - 1) == 'd' ? "scale" : "target";
                case 'X' -> "target";
                case 'S' -> "0.5";
                default -> "1";
            });
        }
        if (op.isTensorMethod()) {
            return args.get(0) + "." + op.dslName() + "(" + String.join(", ", args.subList(1, args.size())) + ")";
        }
        return op.dslName() + "(" + String.join(", ", args) + ")";
    }
}
