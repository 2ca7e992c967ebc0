package dev.lossforge.runtime.fused;

import dev.lossforge.LossAndGradients;
import dev.lossforge.Reduction;
import dev.lossforge.runtime.HostArrays;
import dev.lossforge.runtime.NoGradient;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A loss whose every op is pointwise, with its derivative, as a straight-line program that one pass over the
 * inputs evaluates: the loss's sum (or its unreduced values) and the gradients, block by block, each block
 * {@value #BLOCK} floats that stay in the L1 cache. No full-size temporary is made; the only arrays allocated
 * are the results. This is the fused CPU fast path of a generated loss (the processor writes the program
 * beside the loss's general ND4J-op code):
 *
 * <pre>
 * private static final PointwiseProgram PROGRAM = PointwiseProgram.builder(NAME)
 *         .inputs("input", "target").seed("gradLoss")
 *         .step("sub", SUB, "input", "target")      // input.sub(target)
 *         .step("square", SQUARE, "sub")            // square(input.sub(target))
 *         .step("mul", MUL, "sub", "2.0")
 *         .step("gradInput", MUL, "gradLoss", "mul")
 *         .loss("square").gradient("input", "gradInput")
 *         .build();
 * </pre>
 *
 * <p>It applies when ND4J runs on the CPU and the computation is float32 with every tensor of the inputs' shape
 * (tensor options may also be single values); {@link #forward} and friends return null otherwise, and the caller
 * runs its general path. Arrays that are not plain c-order are copied first, so any order or view gives the
 * same bits. Large arrays are split into fixed tasks run on {@link Workers}; the sum is added up in task order,
 * so the result does not depend on the number of threads. {@code -Dlossforge.fused=false} turns it off.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PointwiseProgram {
    /** Floats per block: 4 KiB a register, so that a program's registers fit in L1 and L2. */
    public static final int BLOCK = 1024;
    /**
     * The block of a memory-bound pass over arrays too big for the caches (see {@link #blockFor}): 1 KiB a
     * register.
     */
    static final int STREAMING_BLOCK = 256;
    /** Elements per parallel task. */
    static final int TASK = 64 * BLOCK;
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("lossforge.fused", "true"));
    /** Not a register: a program without mean weights or a loss, a step without a flag, a sum not asked for. */
    static final int NO_REGISTER = -1;
    /** "No gradient" ({@link NoGradient}), the branch of a ?: not taken: nothing computes it, so no register holds it. */
    static final int NO_GRADIENT = NO_REGISTER;
    /** How a program's steps name "no gradient" ({@link Builder#choose}). */
    public static final String NO_GRADIENT_NAME = "noGradient";

    private final String lossName;
    private final int inputCount;
    private final int optionCount;
    private final int scalarCount;
    private final int seed;
    private final float[] constants;
    private final List<Step> steps;
    private final int loss;
    /** What MEAN divides by the sum of (a weighted loss), or NO_REGISTER for the element count. */
    private final int meanWeights;
    private final int[] gradients;
    private final Map<String, Integer> registers;
    /** Whether anything reads each register: values nothing reads are not checked or loaded. */
    private final boolean[] read;

    /** One step: {@code op} over argument registers, or, when op is null, {@code flag ? args[0] : args[1]}. */
    record Step(String name, PointwiseOp op, int[] args, int flag) {
    }

    private PointwiseProgram(Builder b) {
        this.lossName = b.lossName;
        this.inputCount = b.inputs.size();
        this.optionCount = b.options.size();
        this.scalarCount = b.scalars.size();
        this.seed = b.seed;
        this.constants = new float[b.constants.size()];
        for (int i = 0; i < constants.length; i++) {
            constants[i] = b.constants.get(i);
        }
        this.steps = List.copyOf(b.steps);
        this.loss = b.loss;
        this.meanWeights = b.meanWeights;
        this.gradients = b.gradients.clone();
        this.registers = Map.copyOf(b.registers);
        this.read = new boolean[stepBase() + steps.size()];
        for (Step step : steps) {
            for (int a : step.args()) {
                if (a != NO_GRADIENT) {
                    read[a] = true;
                }
            }
            if (step.flag() != NO_REGISTER) {
                read[step.flag()] = true;
            }
        }
        for (int r : gradients) {
            if (r != NO_GRADIENT) {
                read[r] = true;
            }
        }
        for (int r : new int[] {loss, meanWeights}) {
            if (r != NO_REGISTER) {
                read[r] = true;
            }
        }
    }

    public static Builder builder(String lossName) {
        return new Builder(lossName);
    }

    /** Registers, in order: inputs, tensor options, scalars, the seed, constants, then one per step. */
    private int constantBase() {
        return inputCount + optionCount + scalarCount + 1;
    }

    int stepBase() {
        return constantBase() + constants.length;
    }

    /** The step that computes register r. */
    Step step(int r) {
        return steps.get(r - stepBase());
    }

    int stepCount() {
        return steps.size();
    }

    /** A Java number of the DSL (a literal or a scalar value), not a tensor. */
    boolean isNumber(int r) {
        return r >= inputCount + optionCount && r < stepBase() && r != seed;
    }

    /** The constant 0.0, which a where() over gradients fills "no gradient" with. */
    int zeroConstant() {
        Integer zero = registers.get("0.0");
        if (zero == null) {
            throw new IllegalStateException(lossName + ": a pointwise program with where() over gradients needs the constant 0.0");
        }
        return zero;
    }

    private int registerCount() {
        return stepBase() + steps.size();
    }

    // ---------------------------------------------------------------- entry points

    /** The reduced loss; null when the fast path does not apply. {@code values}: inputs, tensor options, scalars. */
    public INDArray forward(Reduction reduction, Object... values) {
        LossAndGradients r = evaluate(reduction, null, true, null, values);
        return r == null ? null : r.loss();
    }

    /** The gradients of every input (null for inputs without one); null when the fast path does not apply. */
    public INDArray[] backward(Reduction reduction, INDArray gradOutput, Object... values) {
        LossAndGradients r = evaluate(reduction, gradOutput, false, all(), values);
        return r == null ? null : r.gradients();
    }

    /** The loss and every gradient; null when the fast path does not apply. */
    public LossAndGradients forwardBackward(Reduction reduction, INDArray gradOutput, Object... values) {
        return evaluate(reduction, gradOutput, true, all(), values);
    }

    /** The loss and the first input's gradient only; null when the fast path does not apply. */
    public LossAndGradients forwardAndFirstGradient(Reduction reduction, INDArray gradOutput, Object... values) {
        boolean[] first = new boolean[gradients.length];
        if (first.length > 0) {
            first[0] = true;
        }
        return evaluate(reduction, gradOutput, true, first, values);
    }

    private boolean[] all() {
        boolean[] all = new boolean[gradients.length];
        Arrays.fill(all, true);
        return all;
    }

    /** Whether a call with this first value could take the fast path (enabled, float32, on the CPU): a cheap pre-check. */
    public static boolean mayApply(INDArray first) {
        return ENABLED && first != null && first.dataType() == DataType.FLOAT && !first.isEmpty() && Nd4j.getEnvironment().isCPU();
    }

    /**
     * The loss (if {@code wantLoss}) and the outputs (gradients) marked in {@code wantGradients} (null: none), or
     * null when the fast path does not apply. An input value may be null when the ?: that uses it is not taken.
     */
    public LossAndGradients evaluate(Reduction reduction, INDArray gradOutput, boolean wantLoss, boolean[] wantGradients,
            Object... values) {
        boolean anyGradient = wantGradients != null;
        if (anyGradient && gradOutput == null || !ENABLED || values.length != inputCount + optionCount + scalarCount
                || !Nd4j.getEnvironment().isCPU()) {
            return null;
        }
        INDArray first = null;
        for (int i = 0; i < inputCount && first == null; i++) {
            first = (INDArray) values[i];
        }
        if (first == null) {
            return null;
        }
        long[] shape = first.shape();
        long length = first.length();
        if (first.dataType() != DataType.FLOAT || length == 0 || length > Integer.MAX_VALUE - BLOCK) {
            return null;
        }
        // every register's value: a float buffer (a tensor of the loop's shape), a single float, or none
        FloatBuffer[] tensors = new FloatBuffer[registerCount()];
        // the arrays under those buffers, held until the passes end (see floats)
        INDArray[] held = new INDArray[registerCount()];
        float[] scalars = new float[registerCount()];
        boolean[] missing = new boolean[registerCount()];
        for (int i = 0; i < inputCount + optionCount; i++) {
            INDArray v = (INDArray) values[i];
            if (v == null || !read[i]) {
                missing[i] = true; // not computed (its ?: not taken), or not read by any step (an option of other ops)
                continue;
            }
            if (v.dataType() != DataType.FLOAT) {
                return null;
            }
            if (Arrays.equals(v.shape(), shape)) {
                held[i] = plainC(v);
                tensors[i] = floats(held[i]);
            } else if (i >= inputCount && v.length() == 1 && v.rank() <= shape.length) {
                scalars[i] = v.getFloat(0);
            } else {
                return null; // a broadcast the general path handles
            }
        }
        boolean[] flags = new boolean[registerCount()];
        for (int i = 0; i < scalarCount; i++) {
            Object v = values[inputCount + optionCount + i];
            if (v instanceof Boolean flag) {
                flags[inputCount + optionCount + i] = flag;
            } else {
                scalars[inputCount + optionCount + i] = ((Number) v).floatValue();
            }
        }
        System.arraycopy(constants, 0, scalars, constantBase(), constants.length);

        // MEAN of a weighted loss divides by the weights' sum: a first pass when they are computed
        double denominator = reduction == Reduction.SUM ? 1.0 : denominator(reduction, first);
        if (reduction == Reduction.MEAN && meanWeights != NO_REGISTER) {
            Plan weightsPlan = new Plan(this, registerCount(), missing);
            int w = weightsPlan.resolve(meanWeights, flags);
            if (w == NO_GRADIENT) {
                return null;
            }
            int[] slot = weightsPlan.allocateSlots(new int[0], w);
            Execution sumWeights = new Execution(weightsPlan.order(), tensors, scalars, slot[w], new int[0], new FloatBuffer[0],
                    stepBase());
            denominator = runAll(sumWeights, length);
        }
        int seedRegister = inputCount + optionCount + scalarCount;
        if (anyGradient) {
            if (reduction == Reduction.NONE) {
                if (gradOutput.dataType() != DataType.FLOAT || !Arrays.equals(gradOutput.shape(), shape)) {
                    return null;
                }
                held[seedRegister] = plainC(gradOutput);
                tensors[seedRegister] = floats(held[seedRegister]);
            } else {
                if (gradOutput.length() != 1) {
                    return null;
                }
                scalars[seedRegister] = (float) (gradOutput.getDouble(0) / denominator);
            }
        }

        // which registers this call needs, with the ?: resolved and "no gradient" propagated
        Plan plan = new Plan(this, registerCount(), missing);
        int lossRegister = wantLoss ? plan.resolve(loss, flags) : NO_GRADIENT;
        if (wantLoss && lossRegister == NO_GRADIENT) {
            return null;
        }
        int[] gradientRegisters = new int[gradients.length];
        Arrays.fill(gradientRegisters, NO_GRADIENT);
        boolean[] wanted = new boolean[gradients.length];
        for (int i = 0; i < gradients.length; i++) {
            wanted[i] = anyGradient && i < wantGradients.length && wantGradients[i] && gradients[i] != NO_GRADIENT;
            if (wanted[i]) {
                gradientRegisters[i] = plan.resolve(gradients[i], flags);
            }
        }
        boolean sum = wantLoss && reduction != Reduction.NONE;
        INDArray lossTensor = wantLoss && !sum ? Nd4j.createUninitialized(DataType.FLOAT, shape) : null;
        INDArray[] gradientTensors = new INDArray[gradients.length];
        List<int[]> stores = new ArrayList<>();
        List<FloatBuffer> storeBuffers = new ArrayList<>();
        if (lossTensor != null) {
            stores.add(new int[] {lossRegister});
            storeBuffers.add(output(lossTensor));
        }
        for (int i = 0; i < gradients.length; i++) {
            if (wanted[i]) {
                if (gradientRegisters[i] == NO_GRADIENT) {
                    gradientTensors[i] = null; // no path gave a gradient: null, as in the array kernels
                } else {
                    gradientTensors[i] = Nd4j.createUninitialized(DataType.FLOAT, shape);
                    stores.add(new int[] {gradientRegisters[i]});
                    storeBuffers.add(output(gradientTensors[i]));
                }
            }
        }
        int[] storeRegisters = stores.stream().mapToInt(s -> s[0]).toArray();
        int sumRegister = sum ? lossRegister : NO_REGISTER;
        int[] slot = plan.allocateSlots(storeRegisters, sumRegister);
        for (int k = 0; k < storeRegisters.length; k++) {
            storeRegisters[k] = slot[storeRegisters[k]];
        }
        Execution execution = new Execution(plan.order(), tensors, scalars, sumRegister == NO_REGISTER ? NO_REGISTER : slot[sumRegister],
                storeRegisters, storeBuffers.toArray(new FloatBuffer[0]), stepBase());
        double total = runAll(execution, length);
        Reference.reachabilityFence(held);
        INDArray value = null;
        if (wantLoss) {
            value = sum ? Nd4j.scalar(DataType.FLOAT, total / denominator) : lossTensor;
        }
        return new LossAndGradients(value, gradientTensors);
    }

    /**
     * Below this much work (elements times {@link Execution#workPerElement}), a pass runs on the caller alone: a
     * second thread's wake-up costs more than it saves. Measured on 2 cores in steady state (the parallel path
     * warms up more slowly: a short JMH warm-up once made one thread look faster): at [256,1000], smooth L1's step
     * (~1M units a pass) took 181-242 us on two threads against 271-287 on one, KLDivLoss's 418-443 against
     * 505-743.
     */
    private static final long PARALLEL_WORK = 1L << 19;

    /** An execution over [0, length) in fixed tasks, on the caller alone when it is small; the sum in task order. */
    private static double runAll(Execution execution, long length) {
        int tasks = (int) ((length + TASK - 1) / TASK);
        long work = execution.workPerElement();
        boolean parallel = length * work >= PARALLEL_WORK;
        int block = blockFor(work, length);
        return Workers.run(tasks, parallel, t -> run(execution, t, (int) length, block));
    }

    /**
     * Arrays of at least this many elements (4 MiB a float array, two or three of them a pass) come from main
     * memory rather than from a core's share of the caches.
     */
    static final long STREAMING_LENGTH = 1L << 20;

    /**
     * The block size of a pass. A pass copies each block of its inputs in, computes, and copies the results out:
     * while it computes, only the hardware prefetcher is reading ahead, so when the arrays come from main memory
     * and the math is cheap (no exp, log or pow: less work per element than one transcendental op's
     * {@link PointwiseOp#cost}), smaller blocks keep the next block's reads overlapped with this block's math.
     * Measured on 2 cores, no flags, alternating runs: smooth L1's DL4J step at [4096,1000] took 3.3-3.8 ms in
     * 256-float blocks against 4.1-4.6 in 1024-float ones (JMH), a median of 4.6 against 5.3 ms over six runs of
     * a step timer; at [256,1000], where the arrays sit in the caches, the per-block overhead made small blocks
     * slower (230-415 us against 200-270), and compute-bound passes (BCE, cross-entropy, KL divergence) gained
     * nothing at either size.
     */
    static int blockFor(long workPerElement, long length) {
        return length >= STREAMING_LENGTH && workPerElement < PointwiseOp.EXP.cost() ? STREAMING_BLOCK : BLOCK;
    }

    /** Task t of an execution over [0, length), on this thread's registers. */
    private static double run(Execution execution, int t, int length, int block) {
        float[][] regs = Workers.blocks(execution.registerSlots() + 2, BLOCK);
        int from = t * TASK;
        return execution.run(from, (int) Math.min(length, (long) from + TASK), block, regs, regs[regs.length - 1],
                regs[regs.length - 2]);
    }

    private static double denominator(Reduction reduction, INDArray first) {
        if (reduction == Reduction.BATCHMEAN) {
            return first.rank() == 0 ? 1 : first.size(0);
        }
        return first.length();
    }

    /** The array in c order: itself when it is plain c-order, else a copy. */
    static INDArray plainC(INDArray a) {
        return HostArrays.isPlainC(a) ? a : a.dup('c');
    }

    /**
     * A plain c-order array's elements as a float buffer over ND4J's memory. The buffer does not keep the array
     * alive: a caller holds the array ({@link java.lang.ref.Reference#reachabilityFence}) until its last read or
     * write of the buffer, or a collection could free the memory under a pass (a copy from {@link #plainC}, or an
     * intermediate the generated code no longer refers to).
     */
    static FloatBuffer floats(INDArray plain) {
        return plain.data().asNioFloat();
    }

    /** A fresh result array and its buffer, which the program writes. */
    static FloatBuffer output(INDArray fresh) {
        if (!HostArrays.isPlainC(fresh)) {
            throw new IllegalStateException("a new array is not plain c-order: " + fresh.shapeInfoToString());
        }
        return fresh.data().asNioFloat();
    }

    // ---------------------------------------------------------------- building

    /** Builds a program step by step; names are the generated code's locals, numbers are constants. */
    public static final class Builder {
        private final String lossName;
        private final List<String> inputs = new ArrayList<>();
        private final List<String> options = new ArrayList<>();
        private final List<String> scalars = new ArrayList<>();
        private final List<Float> constants = new ArrayList<>();
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, Integer> registers = new HashMap<>();
        private final List<Object[]> pending = new ArrayList<>();
        private String seedName;
        private int seed;
        private int loss = NO_REGISTER;
        private int meanWeights = NO_REGISTER;
        private String meanWeightsName;
        private int[] gradients = new int[0];
        private String lossValueName;
        private final List<String[]> gradientNames = new ArrayList<>();

        private Builder(String lossName) {
            this.lossName = lossName;
        }

        /** The loss's tensor inputs, each of the loop's shape, in the order the calls pass them. */
        public Builder inputs(String... names) {
            inputs.addAll(List.of(names));
            return this;
        }

        /** Tensor options, passed after the inputs: of the inputs' shape, or single values. */
        public Builder options(String... names) {
            options.addAll(List.of(names));
            return this;
        }

        /** Numbers and booleans (a ?:'s condition), passed after the tensor options. */
        public Builder scalars(String... names) {
            scalars.addAll(List.of(names));
            return this;
        }

        /** The name of the seed: d reduced loss / d unreduced loss, which the program computes from gradOutput. */
        public Builder seed(String name) {
            seedName = name;
            return this;
        }

        /** {@code name = op(args)}; an argument is an earlier name or a number. */
        public Builder step(String name, PointwiseOp op, String... args) {
            if (args.length != op.arity()) {
                throw new IllegalArgumentException(lossName + ": " + op + " takes " + op.arity() + " arguments, not " + args.length);
            }
            pending.add(new Object[] {name, op, args});
            return this;
        }

        /** {@code name = flag ? ifTrue : ifFalse}, flag one of the scalars; {@link #NO_GRADIENT_NAME} is "no gradient". */
        public Builder choose(String name, String flag, String ifTrue, String ifFalse) {
            pending.add(new Object[] {name, null, new String[] {ifTrue, ifFalse}, flag});
            return this;
        }

        /** The unreduced loss. */
        public Builder loss(String name) {
            lossValueName = name;
            return this;
        }

        /** A weighted loss: MEAN divides by the sum of these weights instead of the element count. */
        public Builder meanWeights(String name) {
            meanWeightsName = name;
            return this;
        }

        /** The gradient of {@code input}: the next output (calls return outputs in the order they are declared). */
        public Builder gradient(String input, String name) {
            gradientNames.add(new String[] {input, name});
            return this;
        }

        /** Another value the program returns (a gradient that ops outside the program carry on from). */
        public Builder output(String name) {
            gradientNames.add(new String[] {null, name});
            return this;
        }

        public PointwiseProgram build() {
            List<String> values = new ArrayList<>(inputs);
            values.addAll(options);
            values.addAll(scalars);
            for (int i = 0; i < values.size(); i++) {
                registers.put(values.get(i), i);
            }
            seed = values.size();
            if (seedName != null) {
                registers.put(seedName, seed);
            }
            // constants: every number argument, and 0.0 (where() fills "no gradient" with it)
            List<String> numbers = new ArrayList<>(List.of("0.0"));
            for (Object[] p : pending) {
                for (String a : (String[]) p[2]) {
                    if (!registers.containsKey(a) && isNumber(a) && !numbers.contains(a)) {
                        numbers.add(a);
                    }
                }
            }
            int base = seed + 1;
            for (String number : numbers) {
                registers.put(number, base + constants.size());
                constants.add(Float.parseFloat(number));
            }
            int stepBase = base + constants.size();
            for (Object[] p : pending) {
                String name = (String) p[0];
                String[] names = (String[]) p[2];
                int[] args = new int[names.length];
                for (int i = 0; i < names.length; i++) {
                    args[i] = register(names[i]);
                }
                int flag = p[1] == null ? register((String) p[3]) : NO_REGISTER;
                if (registers.containsKey(name)) {
                    throw new IllegalArgumentException(lossName + ": " + name + " is defined twice");
                }
                registers.put(name, stepBase + steps.size());
                steps.add(new Step(name, (PointwiseOp) p[1], args, flag));
            }
            loss = lossValueName == null ? NO_REGISTER : register(lossValueName);
            meanWeights = meanWeightsName == null ? NO_REGISTER : register(meanWeightsName);
            gradients = new int[gradientNames.size()];
            for (int k = 0; k < gradientNames.size(); k++) {
                String[] g = gradientNames.get(k);
                if (g[0] != null && !inputs.contains(g[0])) {
                    throw new IllegalArgumentException(lossName + ": " + g[0] + " is not an input");
                }
                gradients[k] = register(g[1]);
            }
            return new PointwiseProgram(this);
        }

        private int register(String name) {
            if (NO_GRADIENT_NAME.equals(name)) {
                return NO_GRADIENT;
            }
            Integer r = registers.get(name);
            if (r == null) {
                throw new IllegalArgumentException(lossName + ": " + name + " is used before it is defined");
            }
            return r;
        }

        private static boolean isNumber(String s) {
            try {
                Float.parseFloat(s);
                return !s.isEmpty() && (Character.isDigit(s.charAt(0)) || s.charAt(0) == '-' || s.charAt(0) == '.');
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    @Override
    public String toString() {
        return lossName + " pointwise program: " + steps.size() + " steps";
    }
}
