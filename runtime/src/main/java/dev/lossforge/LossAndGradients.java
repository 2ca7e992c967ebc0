package dev.lossforge;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The value of a loss together with the gradients of its inputs ({@code null} where not differentiable). */
public record LossAndGradients(INDArray loss, INDArray[] gradients) {
}
