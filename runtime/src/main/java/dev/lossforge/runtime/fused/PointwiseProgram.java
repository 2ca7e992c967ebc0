package dev.lossforge.runtime.fused;

import dev.lossforge.LossAndGradients;
import dev.lossforge.Reduction;
import dev.lossforge.runtime.HostArrays;
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
    /** Elements per parallel task. */
    static final int TASK = 64 * BLOCK;
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("lossforge.fused", "true"));
    /** A register that holds "no gradient" (the branch of a ?: not taken), as null does in Kernels. */
    static final int ABSENT = -1;

    private final String lossName;
    private final int inputCount;
    private final int optionCount;
    private final int scalarCount;
    private final int seed;
    private final float[] constants;
    private final List<Step> steps;
    private final int loss;
    /** What MEAN divides by the sum of (a weighted loss), or ABSENT for the element count. */
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
                if (a != ABSENT) {
                    read[a] = true;
                }
            }
            if (step.flag() != ABSENT) {
                read[step.flag()] = true;
            }
        }
        for (int r : gradients) {
            if (r != ABSENT) {
                read[r] = true;
            }
        }
        for (int r : new int[] {loss, meanWeights}) {
            if (r != ABSENT) {
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

    private int stepBase() {
        return constantBase() + constants.length;
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
        float[] scalars = new float[registerCount()];
        boolean[] absent = new boolean[registerCount()];
        for (int i = 0; i < inputCount + optionCount; i++) {
            INDArray v = (INDArray) values[i];
            if (v == null || !read[i]) {
                absent[i] = true; // not computed (its ?: not taken), or not read by any step (an option of other ops)
                continue;
            }
            if (v.dataType() != DataType.FLOAT) {
                return null;
            }
            if (Arrays.equals(v.shape(), shape)) {
                tensors[i] = buffer(v);
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
        int tasks = (int) ((length + TASK - 1) / TASK);

        // MEAN of a weighted loss divides by the weights' sum: a first pass when they are computed
        double denominator = reduction == Reduction.SUM ? 1.0 : denominator(reduction, first);
        if (reduction == Reduction.MEAN && meanWeights != ABSENT) {
            Plan weightsPlan = new Plan(registerCount(), absent);
            int w = weightsPlan.resolve(meanWeights, flags);
            if (w == ABSENT) {
                return null;
            }
            int[] slot = weightsPlan.allocateSlots(new int[0], w);
            Execution sumWeights = new Execution(weightsPlan.order(), tensors, scalars, slot[w], new int[0], new FloatBuffer[0],
                    registerCount());
            denominator = Workers.run(tasks, t -> run(sumWeights, t, (int) length));
        }
        int seedRegister = inputCount + optionCount + scalarCount;
        if (anyGradient) {
            if (reduction == Reduction.NONE) {
                if (gradOutput.dataType() != DataType.FLOAT || !Arrays.equals(gradOutput.shape(), shape)) {
                    return null;
                }
                tensors[seedRegister] = buffer(gradOutput);
            } else {
                if (gradOutput.length() != 1) {
                    return null;
                }
                scalars[seedRegister] = (float) (gradOutput.getDouble(0) / denominator);
            }
        }

        // which registers this call needs, with the ?: resolved and "no gradient" propagated
        Plan plan = new Plan(registerCount(), absent);
        int lossRegister = wantLoss ? plan.resolve(loss, flags) : ABSENT;
        if (wantLoss && lossRegister == ABSENT) {
            return null;
        }
        int[] gradientRegisters = new int[gradients.length];
        Arrays.fill(gradientRegisters, ABSENT);
        boolean[] wanted = new boolean[gradients.length];
        for (int i = 0; i < gradients.length; i++) {
            wanted[i] = anyGradient && i < wantGradients.length && wantGradients[i] && gradients[i] != ABSENT;
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
                if (gradientRegisters[i] == ABSENT) {
                    gradientTensors[i] = null; // no path gave a gradient: null, as in Kernels
                } else {
                    gradientTensors[i] = Nd4j.createUninitialized(DataType.FLOAT, shape);
                    stores.add(new int[] {gradientRegisters[i]});
                    storeBuffers.add(output(gradientTensors[i]));
                }
            }
        }
        int[] storeRegisters = stores.stream().mapToInt(s -> s[0]).toArray();
        int sumRegister = sum ? lossRegister : ABSENT;
        int[] slot = plan.allocateSlots(storeRegisters, sumRegister);
        for (int k = 0; k < storeRegisters.length; k++) {
            storeRegisters[k] = slot[storeRegisters[k]];
        }
        Execution execution = new Execution(plan.order(), tensors, scalars, sumRegister == ABSENT ? ABSENT : slot[sumRegister],
                storeRegisters, storeBuffers.toArray(new FloatBuffer[0]), registerCount());
        double total = Workers.run(tasks, t -> run(execution, t, (int) length));
        INDArray value = null;
        if (wantLoss) {
            value = sum ? Nd4j.scalar(DataType.FLOAT, total / denominator) : lossTensor;
        }
        return new LossAndGradients(value, gradientTensors);
    }

    /** Task t of an execution over [0, length), on this thread's registers. */
    private static double run(Execution execution, int t, int length) {
        float[][] regs = Workers.blocks(execution.registerSlots() + 1, BLOCK);
        int from = t * TASK;
        return execution.run(from, (int) Math.min(length, (long) from + TASK), regs, regs[regs.length - 1]);
    }

    private static double denominator(Reduction reduction, INDArray first) {
        if (reduction == Reduction.BATCHMEAN) {
            return first.rank() == 0 ? 1 : first.size(0);
        }
        return first.length();
    }

    /** The array's elements in c order, as a float buffer: the array's own when it is plain c-order, else a copy's. */
    static FloatBuffer buffer(INDArray a) {
        return (HostArrays.isPlainC(a) ? a : a.dup('c')).data().asNioFloat();
    }

    /** A fresh result array and its buffer, which the program writes. */
    static FloatBuffer output(INDArray fresh) {
        if (!HostArrays.isPlainC(fresh)) {
            throw new IllegalStateException("a new array is not plain c-order: " + fresh.shapeInfoToString());
        }
        return fresh.data().asNioFloat();
    }

    /** Resolves ?: and "no gradient" for one call, and lists the steps to run in order. */
    private final class Plan {
        private final int[] resolved;
        private final boolean[] done;
        /** absent()'s answers, memoised apart from resolve's (absent() lists no step) */
        private final boolean[] absentKnown;
        private final boolean[] absentMemo;
        private final List<int[]> order = new ArrayList<>();
        private int next;

        private final boolean[] absentValues;

        Plan(int registers, boolean[] absentValues) {
            resolved = new int[registers + steps.size()]; // room for negations that "no gradient" minus x needs
            done = new boolean[resolved.length];
            absentKnown = new boolean[resolved.length];
            absentMemo = new boolean[resolved.length];
            next = registers;
            this.absentValues = absentValues;
        }

        /** The register holding r's value in this call, or ABSENT; computes what it needs first. */
        int resolve(int r, boolean[] flags) {
            if (r == ABSENT || r < stepBase()) {
                return r != ABSENT && r < absentValues.length && absentValues[r] ? ABSENT : r;
            }
            if (done[r]) {
                return resolved[r];
            }
            Step s = steps.get(r - stepBase());
            int result;
            if (s.op() == null) {
                result = resolve(flags[s.flag()] ? s.args()[0] : s.args()[1], flags);
            } else if (absent(r, flags)) {
                // decided before any argument is listed: "no gradient" times anything computes neither factor
                // (KLDivLoss's exp(target) when log_target is false)
                result = ABSENT;
            } else {
                int[] args = new int[s.args().length];
                for (int i = 0; i < args.length; i++) {
                    args[i] = resolve(s.args()[i], flags);
                }
                result = absentRule(s.op(), r, args);
            }
            done[r] = true;
            resolved[r] = result;
            return result;
        }

        /** Whether r is "no gradient" in this call, decided without listing any step to run. */
        private boolean absent(int r, boolean[] flags) {
            if (r == ABSENT || r < stepBase()) {
                return r == ABSENT || r < absentValues.length && absentValues[r];
            }
            if (done[r]) {
                return resolved[r] == ABSENT;
            }
            if (absentKnown[r]) {
                return absentMemo[r];
            }
            Step s = steps.get(r - stepBase());
            int[] args = s.args();
            boolean result;
            if (s.op() == null) {
                result = absent(flags[s.flag()] ? args[0] : args[1], flags);
            } else if (s.op() == PointwiseOp.ADD || s.op() == PointwiseOp.SUB) {
                result = absent(args[0], flags) && absent(args[1], flags);
            } else if (s.op() == PointwiseOp.WHERE) {
                boolean anyAbsent = Arrays.stream(args).anyMatch(a -> absent(a, flags));
                int present = absent(args[1], flags) ? args[2] : args[1];
                result = anyAbsent && (absent(args[0], flags) || absent(present, flags) || isNumber(present));
            } else {
                result = Arrays.stream(args).anyMatch(a -> absent(a, flags));
            }
            absentKnown[r] = true;
            absentMemo[r] = result;
            return result;
        }

        /**
         * Kernels' rules for null: x + none = x, none - x = -x, where(c, tensor, none) has 0 for none; otherwise none
         * (resolve asks absent() first, so the steps of a value that is none are never listed).
         */
        private int absentRule(PointwiseOp op, int r, int[] args) {
            boolean anyAbsent = Arrays.stream(args).anyMatch(a -> a == ABSENT);
            if (!anyAbsent) {
                order.add(new int[] {op.ordinal(), r, arg(args, 0), arg(args, 1), arg(args, 2)});
                return r;
            }
            switch (op) {
                case ADD:
                    return args[0] == ABSENT ? args[1] : args[0];
                case SUB:
                    if (args[0] == ABSENT && args[1] != ABSENT) {
                        int negated = next++;
                        order.add(new int[] {PointwiseOp.NEG.ordinal(), negated, args[1], args[1], args[1]});
                        return negated;
                    }
                    return args[0];
                case WHERE:
                    int present = args[1] == ABSENT ? args[2] : args[1];
                    if (args[0] == ABSENT || present == ABSENT || isNumber(present)) {
                        return ABSENT; // Pointwise.where(cond, number, null) is null, as is where(cond, null, null)
                    }
                    int zero = zeroConstant();
                    order.add(new int[] {op.ordinal(), r, args[0], args[1] == ABSENT ? zero : args[1], args[2] == ABSENT ? zero : args[2]});
                    return r;
                default:
                    return ABSENT;
            }
        }

        /** A Java number of the DSL (a literal or a scalar value), not a tensor. */
        private boolean isNumber(int r) {
            return r >= inputCount + optionCount && r < stepBase() && r != seed;
        }

        private int zeroConstant() {
            Integer zero = registers.get("0.0");
            if (zero == null) {
                throw new IllegalStateException(lossName + ": a pointwise program with where() over gradients needs the constant 0.0");
            }
            return zero;
        }

        private int arg(int[] args, int i) {
            return i < args.length ? args[i] : args[0];
        }

        List<int[]> order() {
            return order;
        }

        /**
         * Gives the steps' results as few blocks as their lifetimes allow (a linear scan over the order), so that
         * a long program's working set stays in the L1 cache; rewrites the order in place. A step never writes a
         * block it reads. Returns each register's block; values and constants keep their own.
         */
        int[] allocateSlots(int[] kept, int alsoKept) {
            int[] slot = new int[resolved.length];
            for (int r = 0; r < slot.length; r++) {
                slot[r] = r < stepBase() ? r : ABSENT;
            }
            int[] lastUse = new int[resolved.length];
            java.util.Arrays.fill(lastUse, -1);
            for (int k = 0; k < order.size(); k++) {
                int[] s = order.get(k);
                for (int i = 2; i < 5; i++) {
                    lastUse[s[i]] = k;
                }
            }
            for (int r : kept) {
                lastUse[r] = Integer.MAX_VALUE;
            }
            if (alsoKept != ABSENT) {
                lastUse[alsoKept] = Integer.MAX_VALUE;
            }
            java.util.ArrayDeque<Integer> free = new java.util.ArrayDeque<>();
            int next = stepBase();
            for (int k = 0; k < order.size(); k++) {
                int[] s = order.get(k);
                int dst = free.isEmpty() ? next++ : free.pop();
                slot[s[1]] = dst;
                int[] mapped = {s[0], dst, slot[s[2]], slot[s[3]], slot[s[4]]};
                for (int i = 2; i < 5; i++) {
                    int r = s[i];
                    if (r >= stepBase() && lastUse[r] == k) {
                        lastUse[r] = -1; // freed once, however many arguments name it
                        free.push(slot[r]);
                    }
                }
                if (lastUse[s[1]] < 0) {
                    free.push(dst); // computed but never read: a dead step (none are planned, but be safe)
                }
                order.set(k, mapped);
            }
            return slot;
        }
    }

    /** One call's work: the steps, where each register's value comes from, and where results go. */
    record Execution(List<int[]> order, FloatBuffer[] tensors, float[] scalars, int sumRegister, int[] storeRegisters,
            FloatBuffer[] storeBuffers, int registers) {

        /** Runs elements [from, to) and returns the sum of the loss over them (0 when not summed). */
        double run(int from, int to, float[][] regs, float[] tmp) {
            int used = Math.min(BLOCK, to - from);
            for (int r = 0; r < tensors.length; r++) {
                if (tensors[r] == null && r < scalars.length) {
                    Arrays.fill(regs[r], 0, used, scalars[r]);
                }
            }
            PointwiseOp[] ops = PointwiseOp.values();
            double total = 0;
            for (int start = from; start < to; start += BLOCK) {
                int n = Math.min(BLOCK, to - start);
                for (int r = 0; r < tensors.length; r++) {
                    if (tensors[r] != null) {
                        tensors[r].get(start, regs[r], 0, n);
                    }
                }
                for (int[] s : order) {
                    ops[s[0]].apply(regs[s[1]], regs[s[2]], regs[s[3]], regs[s[4]], tmp, n);
                }
                if (sumRegister != ABSENT) {
                    total += BlockMath.get().sum(regs[sumRegister], n);
                }
                for (int k = 0; k < storeRegisters.length; k++) {
                    storeBuffers[k].put(start, regs[storeRegisters[k]], 0, n);
                }
            }
            return total;
        }

        int registerSlots() {
            int max = registers;
            for (int[] s : order) {
                max = Math.max(max, s[1] + 1);
            }
            return max;
        }
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
        private int loss = ABSENT;
        private int meanWeights = ABSENT;
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

        /** {@code name = flag ? ifTrue : ifFalse}, flag one of the scalars; {@code "none"} is "no gradient". */
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
                int flag = p[1] == null ? register((String) p[3]) : ABSENT;
                if (registers.containsKey(name)) {
                    throw new IllegalArgumentException(lossName + ": " + name + " is defined twice");
                }
                registers.put(name, stepBase + steps.size());
                steps.add(new Step(name, (PointwiseOp) p[1], args, flag));
            }
            loss = lossValueName == null ? ABSENT : register(lossValueName);
            meanWeights = meanWeightsName == null ? ABSENT : register(meanWeightsName);
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
            if ("none".equals(name)) {
                return ABSENT;
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
