package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.api.Test;

/** The -Alossforge.* options: listed in getSupportedOptions, each value checked, unknown keys refused. */
class ProcessorOptionsTest {
    private static final DslSource MSE = DslSource.of("""
            @Loss(pred = "*d", target = "*d")
            static Tensor mse(Tensor input, Tensor target) {
                return square(input.sub(target));
            }
            """);

    private static Compilation compile(String... options) {
        return javac().withProcessors(new LossProcessor()).withClasspath(Compile.CLASSPATH).withOptions((Object[]) options)
                .compile(MSE.file);
    }

    @Test
    void everyOptionIsDeclared() {
        assertThat(new LossProcessor().getSupportedOptions()).containsExactly("lossforge.timing", "lossforge.generatedAnnotation",
                "lossforge.stability");
    }

    @Test
    void timingPrintsEachPhaseAsANote() {
        Compilation c = compile("-Alossforge.timing=true");
        assertThat(c).succeeded();
        assertThat(c).hadNoteContaining("[lossforge.timing] MseLoss: parse ");
    }

    @Test
    void theGeneratedAnnotationCanBeLeftOff() {
        Compilation c = compile("-Alossforge.generatedAnnotation=false");
        assertThat(c).succeeded();
        assertThat(c).generatedSourceFile("demo.MseLoss").contentsAsUtf8String().doesNotContain("@Generated");
    }

    @Test
    void anInvalidValueIsAnError() {
        Compilation c = compile("-Alossforge.timing=maybe");
        assertThat(c).hadErrorContaining("[lossforge.option] -Alossforge.timing=maybe is not a valid value; use true or false");
    }

    @Test
    void anInvalidStabilityValueIsAnErrorThatListsTheValidOnes() {
        Compilation c = compile("-Alossforge.stability=off");
        assertThat(c).hadErrorContaining("[lossforge.option] -Alossforge.stability=off is not a valid value; use warn or quiet");
    }

    @Test
    void anUnknownLossForgeOptionIsAnError() {
        Compilation c = compile("-Alossforge.speed=fast");
        assertThat(c).hadErrorContaining("[lossforge.option] unknown processor option -Alossforge.speed; LossForge's options are"
                + " lossforge.generatedAnnotation, lossforge.stability, lossforge.timing");
    }
}
