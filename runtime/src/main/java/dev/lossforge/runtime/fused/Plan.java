package dev.lossforge.runtime.fused;

import static dev.lossforge.runtime.fused.PointwiseProgram.NO_GRADIENT;
import static dev.lossforge.runtime.fused.PointwiseProgram.NO_REGISTER;

import dev.lossforge.runtime.NoGradient;
import dev.lossforge.runtime.NoGradient.Combination;
import dev.lossforge.runtime.NoGradient.Rule;
import dev.lossforge.runtime.fused.PointwiseProgram.Step;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Resolves ?: and "no gradient" for one call, and lists the steps to run in order. */
final class Plan {
    private final PointwiseProgram program;
    private final int[] resolved;
    private final boolean[] done;
    /** hasNoGradient()'s answers, memoised apart from resolve's (hasNoGradient() lists no step) */
    private final boolean[] decided;
    private final boolean[] hasNone;
    private final List<int[]> order = new ArrayList<>();
    private int next;

    private final boolean[] missing;

    /**
     * @param registers the program's register count (the plan adds one per negation it needs)
     * @param missing the values that have no gradient in this call (null, or read by no step)
     */
    Plan(PointwiseProgram program, int registers, boolean[] missing) {
        this.program = program;
        resolved = new int[registers + program.stepCount()]; // room for negations that "no gradient" minus x needs
        done = new boolean[resolved.length];
        decided = new boolean[resolved.length];
        hasNone = new boolean[resolved.length];
        next = registers;
        this.missing = missing;
    }

    /** The register holding r's value in this call, or NO_GRADIENT; computes what it needs first. */
    int resolve(int r, boolean[] flags) {
        if (r == NO_GRADIENT || r < program.stepBase()) {
            return r != NO_GRADIENT && r < missing.length && missing[r] ? NO_GRADIENT : r;
        }
        if (done[r]) {
            return resolved[r];
        }
        Step s = program.step(r);
        int result;
        if (s.op() == null) {
            result = resolve(flags[s.flag()] ? s.args()[0] : s.args()[1], flags);
        } else if (hasNoGradient(r, flags)) {
            // decided before any argument is listed: "no gradient" times anything computes neither factor
            // (KLDivLoss's exp(target) when log_target is false)
            result = NO_GRADIENT;
        } else {
            int[] args = new int[s.args().length];
            for (int i = 0; i < args.length; i++) {
                args[i] = resolve(s.args()[i], flags);
            }
            result = applyRule(s.op(), r, args);
        }
        done[r] = true;
        resolved[r] = result;
        return result;
    }

    /** Whether r is "no gradient" in this call, decided without listing any step to run. */
    private boolean hasNoGradient(int r, boolean[] flags) {
        if (r == NO_GRADIENT || r < program.stepBase()) {
            return r == NO_GRADIENT || r < missing.length && missing[r];
        }
        if (done[r]) {
            return resolved[r] == NO_GRADIENT;
        }
        if (decided[r]) {
            return hasNone[r];
        }
        Step s = program.step(r);
        int[] args = s.args();
        boolean result;
        if (s.op() == null) {
            result = hasNoGradient(flags[s.flag()] ? args[0] : args[1], flags);
        } else {
            boolean[] none = new boolean[args.length];
            for (int i = 0; i < args.length; i++) {
                none[i] = hasNoGradient(args[i], flags);
            }
            result = anyOf(none) && rule(s.op(), args, none) == Rule.NO_GRADIENT;
        }
        decided[r] = true;
        hasNone[r] = result;
        return result;
    }

    /**
     * The step's result register given its arguments' registers in this call, by {@link NoGradient#rule} when one
     * has no gradient (resolve asks hasNoGradient() first, so the steps of a value without one are never listed).
     */
    private int applyRule(PointwiseOp op, int r, int[] args) {
        boolean[] none = new boolean[args.length];
        for (int i = 0; i < args.length; i++) {
            none[i] = args[i] == NO_GRADIENT;
        }
        if (!anyOf(none)) {
            order.add(new int[] {op.ordinal(), r, arg(args, 0), arg(args, 1), arg(args, 2)});
            return r;
        }
        switch (rule(op, args, none)) {
            case PRESENT_ARGUMENT:
                return none[0] ? args[1] : args[0];
            case NEGATED_SECOND:
                int negated = next++;
                order.add(new int[] {PointwiseOp.NEG.ordinal(), negated, args[1], args[1], args[1]});
                return negated;
            case MISSING_AS_ZERO:
                int zero = program.zeroConstant();
                order.add(new int[] {op.ordinal(), r, args[0], none[1] ? zero : args[1], none[2] ? zero : args[2]});
                return r;
            default:
                return NO_GRADIENT;
        }
    }

    /** NoGradient's rule for a step whose arguments {@code none} marks as having no gradient. */
    private Rule rule(PointwiseOp op, int[] args, boolean[] none) {
        Combination combination = op == PointwiseOp.ADD ? Combination.SUM
                : op == PointwiseOp.SUB ? Combination.DIFFERENCE
                : op == PointwiseOp.WHERE ? Combination.SELECTION : Combination.OTHER;
        boolean presentIsNumber = combination == Combination.SELECTION && program.isNumber(none[1] ? args[2] : args[1]);
        return NoGradient.rule(combination, presentIsNumber, none);
    }

    private static boolean anyOf(boolean[] flags) {
        for (boolean f : flags) {
            if (f) {
                return true;
            }
        }
        return false;
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
            slot[r] = r < program.stepBase() ? r : NO_REGISTER;
        }
        int[] lastUse = new int[resolved.length];
        Arrays.fill(lastUse, -1);
        for (int k = 0; k < order.size(); k++) {
            int[] s = order.get(k);
            for (int i = 2; i < 5; i++) {
                lastUse[s[i]] = k;
            }
        }
        for (int r : kept) {
            lastUse[r] = Integer.MAX_VALUE;
        }
        if (alsoKept != NO_REGISTER) {
            lastUse[alsoKept] = Integer.MAX_VALUE;
        }
        ArrayDeque<Integer> free = new ArrayDeque<>();
        int next = program.stepBase();
        for (int k = 0; k < order.size(); k++) {
            int[] s = order.get(k);
            int dst = free.isEmpty() ? next++ : free.pop();
            slot[s[1]] = dst;
            int[] mapped = {s[0], dst, slot[s[2]], slot[s[3]], slot[s[4]]};
            for (int i = 2; i < 5; i++) {
                int r = s[i];
                if (r >= program.stepBase() && lastUse[r] == k) {
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
