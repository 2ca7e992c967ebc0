/**
 * The fused CPU fast path of generated losses: a loss made only of pointwise ops runs as one
 * {@link dev.lossforge.runtime.fused.PointwiseProgram} over L1-sized blocks, and row kernels serve log-softmax
 * along the last dim. Support code for generated losses, not API (see {@link dev.lossforge.runtime}).
 */
package dev.lossforge.runtime.fused;
