package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lossforge.processor.shape.ShapeError;
import dev.lossforge.processor.shape.ShapeRules;
import dev.lossforge.processor.shape.SymShape;
import dev.lossforge.shape.ShapeSpec;
import org.junit.jupiter.api.Test;

/** The shape algebra on its own, without javac: broadcasting, dims, and how declared shapes compare. */
class ShapeRulesTest {

    private static SymShape shape(String spec) {
        return SymShape.of(ShapeSpec.parse(spec));
    }

    @Test
    void broadcastingAlignsFromTheRightAndSizesOfOneStretch() throws ShapeError {
        assertThat(ShapeRules.broadcast(shape("N,C"), shape("C")).toString()).isEqualTo("(N,C)");
        assertThat(ShapeRules.broadcast(shape("N,1"), shape("C")).toString()).isEqualTo("(N,C)");
        assertThat(ShapeRules.broadcast(shape("N,C,*d"), shape("*d")).toString()).isEqualTo("(N,C,*d)");
        assertThat(ShapeRules.broadcast(shape("*d,C"), shape("C")).toString()).isEqualTo("(*d,C)");
    }

    @Test
    void differentDimsDoNotBroadcastAndTheMessageNamesThem() {
        ShapeError e = assertThrows(ShapeError.class, () -> ShapeRules.broadcast(shape("N,C"), shape("N")));
        assertThat(e).hasMessageThat().isEqualTo("[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N");
    }

    @Test
    void anAnonymousVariadicIsNamedAsWrittenInMessages() {
        ShapeError e = assertThrows(ShapeError.class, () -> ShapeRules.broadcast(shape("*"), shape("*")));
        assertThat(e).hasMessageThat().isEqualTo("[lossforge.shape] cannot broadcast (*) with (*): dim * vs *");
        assertThat(e.hint()).isEqualTo("each '*' stands for its own dims; name both, as '*d', to declare them the same");
    }

    @Test
    void aDimAfterAVariadicFacesTheOtherVariadicsUnknownDims() {
        ShapeError e = assertThrows(ShapeError.class, () -> ShapeRules.broadcast(shape("*d,N"), shape("*d")));
        assertThat(e).hasMessageThat().isEqualTo("[lossforge.shape] cannot broadcast (*d,N) with (*d): dim N vs *d");
        e = assertThrows(ShapeError.class, () -> ShapeRules.broadcast(shape("*d"), shape("*d,K,N")));
        assertThat(e).hasMessageThat().isEqualTo("[lossforge.shape] cannot broadcast (*d) with (*d,K,N): dim *d vs N");
    }

    @Test
    void reducingDropsDimsCountedFromEitherEnd() throws ShapeError {
        assertThat(ShapeRules.drop(shape("N,C,H,W"), 1, -1).toString()).isEqualTo("(N,H)");
        assertThat(ShapeRules.drop(shape("N,*d,C"), 0, -1).toString()).isEqualTo("(*d)");
    }

    @Test
    void reducingOneDimTwiceIsRefusedAtTheSecondMention() {
        ShapeError e = assertThrows(ShapeError.class, () -> ShapeRules.drop(shape("N,C"), 0, -2));
        assertThat(e).hasMessageThat().isEqualTo("[lossforge.dim] dim -2 repeats dim 0 of (N,C): each dim may be listed once");
        assertThat(e.dim()).isEqualTo(-2);
        assertThat(e.dimIndex()).isEqualTo(1);
    }

    @Test
    void aDimInsideAVariadicIsRefusedWithTheIndexOfTheDimArgument() {
        ShapeError e = assertThrows(ShapeError.class, () -> ShapeRules.drop(shape("N,*d"), 0, 1));
        assertThat(e).hasMessageThat().isEqualTo("[lossforge.dim] dim 1 of (N,*d) falls in the variadic *d, whose rank is unknown");
        assertThat(e.dimIndex()).isEqualTo(1);
    }

    @Test
    void dimArithmeticIsComparedInACanonicalForm() {
        assertThat(shape("C - 1").toString()).isEqualTo("(C-1)");
        assertThat(shape("(C-1)*2").toString()).isEqualTo("((C-1)*2)");
        assertThat(shape("C-1*2").toString()).isEqualTo("(C-1*2)");
        assertThat(shape("A-(B-C)").toString()).isEqualTo("(A-(B-C))");
        assertThat(shape("A-(B+C)").toString()).isEqualTo("(A-(B+C))");
        assertThat(shape("A+(B-C)").toString()).isEqualTo("(A+B-C)");
        assertThat(ShapeRules.sameShape(shape("(C-1)*2"), shape("C-1*2"))).isFalse();
        assertThat(ShapeRules.sameShape(shape("(C - 1)"), shape("C-1"))).isTrue();
    }

    @Test
    void aDeclaredAnonymousVariadicMatchesAnyDims() {
        assertThat(ShapeRules.matchesDeclared(shape("N,*"), shape("N,*d"))).isTrue();
        assertThat(ShapeRules.matchesDeclared(shape("N,*"), shape("N"))).isTrue();
        assertThat(ShapeRules.matchesDeclared(shape("N,*"), shape("N,C,H"))).isTrue();
        assertThat(ShapeRules.matchesDeclared(shape("N,*,C"), shape("N,C"))).isTrue();
        assertThat(ShapeRules.matchesDeclared(shape("N,*"), shape("C"))).isFalse();
        assertThat(ShapeRules.matchesDeclared(shape("N,*d"), shape("N,*e"))).isFalse();
        assertThat(ShapeRules.matchesDeclared(shape("N,_"), shape("N,C"))).isTrue();
    }
}
