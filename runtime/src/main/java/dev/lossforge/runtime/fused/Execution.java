package dev.lossforge.runtime.fused;

import static dev.lossforge.runtime.fused.PointwiseProgram.NO_REGISTER;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One call's work: the steps, where each register's value comes from, and where results go. The first
 * {@code givenRegisters} registers hold the call's values (inputs, options, scalars, the seed, constants); the
 * steps' results follow them, in the slots {@link Plan#allocateSlots} gave.
 */
record Execution(List<int[]> order, FloatBuffer[] tensors, float[] scalars, int sumRegister, int[] storeRegisters,
        FloatBuffer[] storeBuffers, int givenRegisters) {
    private static final PointwiseOp[] OPS = PointwiseOp.values();

    /**
     * Runs elements [from, to) in blocks of {@code block} (at most {@link PointwiseProgram#BLOCK}) floats and
     * returns the sum of the loss over them (0 when not summed). {@code tmp} is the ops' scratch block;
     * {@code lanes} holds the sum's partial sums: a whole block is added into them lane by lane, a loop HotSpot
     * vectorises (a float sum is a chain it does not), and they are added up once at the end.
     */
    double run(int from, int to, int block, float[][] regs, float[] tmp, float[] lanes) {
        int used = Math.min(block, to - from);
        // a number's register is the number in every lane; the steps' slots are written before they are read
        for (int r = 0; r < givenRegisters; r++) {
            if (tensors[r] == null) {
                Arrays.fill(regs[r], 0, used, scalars[r]);
            }
        }
        boolean summing = sumRegister != NO_REGISTER;
        if (summing) {
            Arrays.fill(lanes, 0, block, 0f);
        }
        double total = 0;
        for (int start = from; start < to; start += block) {
            int n = Math.min(block, to - start);
            for (int r = 0; r < tensors.length; r++) {
                if (tensors[r] != null) {
                    tensors[r].get(start, regs[r], 0, n);
                }
            }
            for (int[] s : order) {
                OPS[s[0]].apply(regs[s[1]], regs[s[2]], regs[s[3]], regs[s[4]], tmp, n);
            }
            if (summing) {
                if (n == block) {
                    addInto(lanes, regs[sumRegister], block);
                } else {
                    total += BlockMath.get().sum(regs[sumRegister], n);
                }
            }
            for (int k = 0; k < storeRegisters.length; k++) {
                storeBuffers[k].put(start, regs[storeRegisters[k]], 0, n);
            }
        }
        return summing ? total + BlockMath.get().sum(lanes, block) : total;
    }

    private static void addInto(float[] lanes, float[] values, int n) {
        for (int i = 0; i < n; i++) {
            lanes[i] += values[i];
        }
    }

    /**
     * The work per element, in units of a plain SIMD op over a block: its steps' {@link PointwiseOp#cost}, and one
     * per array read or written.
     */
    long workPerElement() {
        long work = storeBuffers.length;
        for (FloatBuffer t : tensors) {
            work += t == null ? 0 : 1;
        }
        for (int[] step : order) {
            work += OPS[step[0]].cost();
        }
        return work;
    }

    int registerSlots() {
        int max = givenRegisters;
        for (int[] s : order) {
            max = Math.max(max, s[1] + 1);
        }
        return max;
    }
}
