package dev.lossforge.processor.emit;

import com.squareup.javapoet.CodeBlock;
import dev.lossforge.processor.ir.Node;
import java.util.List;

/**
 * What one declaration's {@code compute} method does, decided before any code is written: which values it
 * computes, in what order, under which condition, under what name and with what comment. {@link BodyPlanner}
 * builds it, {@link BodyRenderer} writes it. The method computes in stages and returns after the last one its
 * caller asked for: the loss, then the first input's gradient, then the other gradients.
 *
 * @param inputs the locals of the prepared inputs, in call order
 * @param tensorOptions the locals of the tensor options, in declaration order
 * @param fused the fused CPU path tried first, or null when the loss is not pointwise
 * @param general the path by the kernels, which always applies
 */
record BodyPlan(List<String> inputs, List<String> tensorOptions, FusedPath fused, GeneralPath general) {

    BodyPlan {
        inputs = List.copyOf(inputs);
        tensorOptions = List.copyOf(tensorOptions);
    }

    /**
     * @param program the program constant's name
     * @param before the checks and the values the program reads that kernels compute first
     * @param arguments the program's run-time arguments: its inputs, the tensor options, then its scalars
     * @param outputsForFirst for each program output, whether the first input's gradient needs it
     * @param gradients what follows the program: reading its outputs, then the kernels after it
     */
    record FusedPath(String program, List<Step> before, List<Operand> arguments, List<Boolean> outputsForFirst, Gradients gradients) {
        FusedPath {
            before = List.copyOf(before);
            arguments = List.copyOf(arguments);
            outputsForFirst = List.copyOf(outputsForFirst);
        }
    }

    /**
     * @param forward the steps of the unreduced loss (and of what MEAN divides by)
     * @param loss the unreduced loss
     * @param meanWeights what MEAN divides by, or null for the element count
     * @param gradients the seed, then the gradients' steps
     */
    record GeneralPath(List<Step> forward, Operand loss, Operand meanWeights, Gradients gradients) {
        GeneralPath {
            forward = List.copyOf(forward);
        }
    }

    /**
     * @param first the steps of the first input's gradient, the first stage
     * @param rest the steps of the other inputs' gradients, or null when the first stage computes every gradient
     *     (the first input is not differentiable)
     */
    record Gradients(Stage first, Stage rest) {
    }

    /**
     * @param steps what this stage computes
     * @param results for each input, its gradient as the stage returns it (null where the stage gives none)
     */
    record Stage(List<Step> steps, List<Gradient> results) {
        Stage {
            steps = List.copyOf(steps);
            results = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(results));
        }
    }

    /**
     * An input's gradient as a method returns it.
     *
     * @param value the gradient
     * @param zerosLike the input whose zeros stand in when no path reached it (the gradient may be null), or null
     */
    record Gradient(Operand value, Operand zerosLike) {
    }

    /** A value a step reads: a local, a scalar (a Java number), "no gradient", or an output of the fused program. */
    sealed interface Operand {
        record Local(String name) implements Operand {
        }

        record Scalar(Node node) implements Operand {
        }

        record None() implements Operand {
        }

        /** A number as a single value of the dtype of {@code like}, for a kernel that takes no number there. */
        record Filled(Node scalar, String like) implements Operand {
        }

        /** The fused program's {@code index}-th output, read where it is returned. */
        record ProgramOutput(int index) implements Operand {
        }
    }

    /** One statement of the plan. */
    sealed interface Step {
    }

    /** {@code // comment}, then {@code INDArray name = <op of node>(operands)}. */
    record Compute(String name, String comment, Node node, List<Operand> operands) implements Step {
        Compute {
            operands = List.copyOf(operands);
        }
    }

    /** A check the op needs on the forward values ({@code Checks.probabilities(NAME, label, operands)}). */
    record Check(String method, String label, List<Operand> operands) implements Step {
        Check {
            operands = List.copyOf(operands);
        }
    }

    /** A {@code ?:}: each branch computes in its own block, so the branch not taken is never computed. */
    record Choose(String name, String comment, Node condition, Branch ifTrue, Branch ifFalse) implements Step {
    }

    /** A value the fused program reads only under a {@code ?:}: null unless {@code guard} holds. */
    record Guarded(String name, CodeBlock guard, Branch body) implements Step {
    }

    /** The gradient of the reduced loss with respect to the unreduced one, the backward pass's start. */
    record Seed(String name, Operand loss, Operand meanWeights, Operand firstInput) implements Step {
    }

    /** The program's {@code index}-th output, read into a local. */
    record ProgramOutput(String name, int index) implements Step {
    }

    /** The steps of a block and the value it ends with. */
    record Branch(List<Step> steps, Operand value) {
        Branch {
            steps = List.copyOf(steps);
        }
    }
}
