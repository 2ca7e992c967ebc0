/**
 * Support code for generated losses: not API. The classes here are public only because the code the processor
 * generates lives in the user's packages; their names and signatures change whenever the processor's output
 * changes, without notice or deprecation. Write losses with {@link dev.lossforge.Loss} and the DSL
 * ({@link dev.lossforge.dsl.Ops}, {@link dev.lossforge.dsl.Tensor}), and call them through
 * {@link dev.lossforge.LossFunction}.
 *
 * <p>By responsibility:
 * <ul>
 *   <li>{@link dev.lossforge.runtime.Broadcasting}: arithmetic between shapes that broadcast, and {@code sumTo} back;
 *   <li>{@link dev.lossforge.runtime.Pointwise}: elementwise functions, comparisons and {@code where};
 *   <li>{@link dev.lossforge.runtime.Reductions}: the loss's {@link dev.lossforge.Reduction} and the DSL's
 *       reductions ({@code sum}, {@code mean}, {@code amax}, {@code logsumexp}, {@code norm}) with their gradients;
 *   <li>{@link dev.lossforge.runtime.Softmax}: log-softmax, softmax and picked log-probabilities;
 *   <li>{@link dev.lossforge.runtime.IndexKernels}: {@code gather}, {@code take}, {@code select} and masks from
 *       class indices;
 *   <li>{@link dev.lossforge.runtime.TorchPrimitives}: losses PyTorch computes as primitives, with its own
 *       derivatives (BCE, smooth L1, Huber, CTC, multilabel margin);
 *   <li>{@link dev.lossforge.runtime.Shapes} and {@link dev.lossforge.runtime.HostArrays}: dims, shapes, and ND4J
 *       arrays to Java arrays;
 *   <li>{@link dev.lossforge.runtime.NoGradient}: what "no gradient" is and how each op treats it;
 *   <li>{@link dev.lossforge.runtime.Checks} (input validation), {@link dev.lossforge.runtime.Conversions}
 *       (dtypes and batch dims on the way in and out), {@link dev.lossforge.runtime.ShapeBinder} (binding declared
 *       dims) and {@link dev.lossforge.runtime.Options} (option values);
 *   <li>{@code fused}: the pointwise fast path.
 * </ul>
 */
package dev.lossforge.runtime;
