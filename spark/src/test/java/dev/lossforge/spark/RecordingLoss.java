package dev.lossforge.spark;

import dev.lossforge.LossAndGradients;
import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.LossSignature;
import dev.lossforge.Reduction;
import dev.lossforge.torch.CrossEntropyLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CrossEntropyLoss that records every evaluation: which thread ran it, on which instance, with which class weights.
 * A real LossForge loss as far as the DL4J adapter is concerned: it has a public static {@code builder()}, so it
 * crosses JSON, Java serialization and Kryo (through the adapter) and is rebuilt on the other side, as a new
 * instance with a new {@link #instance} number.
 */
public final class RecordingLoss implements LossFunction {
    /** One evaluation of the loss: {@code gradient} for forwardBackward, else a forward alone (a score). */
    public record Call(String thread, int instance, boolean gradient, double[] weight) {
    }

    private static final Queue<Call> CALLS = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final LossFunction delegate;
    private final int instance;

    public RecordingLoss(LossFunction delegate) {
        this(delegate, INSTANCES.incrementAndGet());
    }

    private RecordingLoss(LossFunction delegate, int instance) {
        this.delegate = delegate;
        this.instance = instance;
    }

    /** What the DL4J adapter calls to rebuild the loss from its class name and options. */
    public static LossBuilder builder() {
        return new Builder(CrossEntropyLoss.builder());
    }

    public static void reset() {
        CALLS.clear();
    }

    public static List<Call> calls() {
        return new ArrayList<>(CALLS);
    }

    public int instance() {
        return instance;
    }

    private void record(boolean gradient) {
        INDArray w = (INDArray) delegate.options().get("weight");
        CALLS.add(new Call(Thread.currentThread().getName(), instance, gradient, w == null ? null : w.toDoubleVector()));
    }

    @Override
    public INDArray forward(INDArray... inputs) {
        record(false);
        return delegate.forward(inputs);
    }

    @Override
    public INDArray[] backward(INDArray gradOutput, INDArray... inputs) {
        return delegate.backward(gradOutput, inputs);
    }

    @Override
    public LossAndGradients forwardBackward(INDArray gradOutput, INDArray... inputs) {
        record(true);
        return delegate.forwardBackward(gradOutput, inputs);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Reduction reduction() {
        return delegate.reduction();
    }

    @Override
    public LossSignature signature() {
        return delegate.signature();
    }

    @Override
    public Map<String, Object> options() {
        return delegate.options();
    }

    @Override
    public LossFunction withReduction(Reduction reduction) {
        return new RecordingLoss(delegate.withReduction(reduction), instance);
    }

    private static final class Builder implements LossBuilder {
        private final LossBuilder inner;

        Builder(LossBuilder inner) {
            this.inner = inner;
        }

        @Override
        public LossBuilder reduction(Reduction reduction) {
            inner.reduction(reduction);
            return this;
        }

        @Override
        public LossBuilder set(String option, Object value) {
            inner.set(option, value);
            return this;
        }

        @Override
        public LossFunction build() {
            return new RecordingLoss(inner.build());
        }
    }
}
