package dev.lossforge.runtime;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The connectionist temporal classification loss as PyTorch 1.13 computes it on the CPU
 * ({@code torch.nn.functional.ctc_loss}, aten/src/ATen/native/LossCTC.cpp): the per-sample negative log
 * likelihood, and PyTorch's own gradient with respect to the log probabilities. The reduction (none, sum, or
 * mean over the target lengths) and {@code zero_infinity}'s zeroing of infinite losses are the caller's.
 *
 * <p>Notation (Graves et al. 2006, 0-based). A target {@code l} of length {@code L} becomes the <em>extended
 * target</em> {@code l'} of length {@code 2L+1}, with a blank before, between and after the labels:
 * {@code l'[s]} is the blank for even {@code s} and {@code l[(s-1)/2]} for odd {@code s}. For a sample with
 * {@code T} frames:
 * <ul>
 * <li>{@code alpha[t][s]}: log probability of the frames {@code 0..t} having emitted {@code l'[0..s]} and
 * being in state {@code s} at frame {@code t} (forward variable);</li>
 * <li>{@code beta[t][s]}: log probability of the frames {@code t..T-1}, starting in state {@code s} at frame
 * {@code t}, emitting {@code l'[s..2L]} up to the end of the target (backward variable; it includes frame
 * {@code t}'s emission, so {@code alpha[t][s] + beta[t][s]} counts it twice);</li>
 * <li>the likelihood of the target: the paths ending at frame {@code T-1} in the last label or the final
 * blank.</li>
 * </ul>
 * Everything is in log space and computed in double; results are returned in the dtype of {@code logProbs}.
 *
 * <p>Shapes: {@code logProbs} is {@code (T, N, C)}, or {@code (T, C)} for one unbatched sample. Targets are
 * padded {@code (N, S)} (row {@code b} holds its labels in its first {@code targetLengths[b]} columns; the rest
 * is ignored) or concatenated 1-D (all samples' labels one after the other, {@code sum(targetLengths)} long).
 * Unbatched, a 1-D target is the concatenated form of one sample (PyTorch's rule: its length must equal the
 * target length), and {@code (1, S)} is padded. The lengths hold one integer per sample (any numeric dtype;
 * a scalar or a 1-element array unbatched).
 *
 * <p>Stricter than PyTorch 1.13, which does not check these (it reads out of bounds or returns garbage): a
 * label out of {@code [0, C)}, a label equal to the blank, a negative input or target length. An input length
 * of 0 (uninitialised memory in 1.13) gives a loss of 0 for an empty target and +inf otherwise, with zero
 * gradient, as later PyTorch versions do.
 *
 * <p>Static methods; arguments are never modified, results are new arrays.
 */
public final class Ctc {
    private static final String LOSS = "CTCLoss";
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private Ctc() {
    }

    /**
     * The per-sample loss {@code -log p(target | logProbs)}: shape {@code (N)}, or {@code ()} unbatched, in the
     * dtype of {@code logProbs}; +inf for a target that cannot be aligned with its input (too long, counting a
     * blank between repeated labels).
     *
     * @param logProbs {@code (T, N, C)} or {@code (T, C)}, floating point, usually a log_softmax over C
     * @param targets padded {@code (N, S)} or concatenated {@code (sum(targetLengths))} class indices
     * @param inputLengths frames per sample, each in {@code [0, T]}
     * @param targetLengths labels per sample, each {@code >= 0}
     * @param blank the blank's class index, in {@code [0, C)}
     */
    public static INDArray forward(INDArray logProbs, INDArray targets, INDArray inputLengths, INDArray targetLengths, long blank) {
        Problem p = new Problem(logProbs, targets, inputLengths, targetLengths, blank);
        double[] loss = new double[p.batch];
        for (int b = 0; b < p.batch; b++) {
            loss[b] = p.negLogLikelihood(b, p.logAlpha(b));
        }
        return HostArrays.fromDoubles(loss, p.batched ? new long[] {p.batch} : new long[0], logProbs.dataType());
    }

    /**
     * The gradient with respect to {@code logProbs}, shape and dtype of {@code logProbs}, exactly as PyTorch's
     * {@code ctc_loss_backward_cpu}: for frames {@code t < inputLengths[b]}
     * <pre>  grad[t, b, c] = (exp(logProbs[t, b, c]) - exp(logOccupancy[t, b, c] + nll[b] - logProbs[t, b, c])) * gradPerSample[b]</pre>
     * where {@code logOccupancy[t, b, c] = log sum_{s : l'[s] = c} exp(alpha[t][s] + beta[t][s])}, and 0 for
     * the padding frames {@code t >= inputLengths[b]}.
     *
     * <p>This is not the plain derivative of the loss with respect to {@code logProbs}: it is the gradient that
     * is correct after a log_softmax over C (it is the derivative with respect to the logits). PyTorch returns
     * it as the gradient of {@code log_probs}, and so does this method.
     *
     * <p>A sample whose loss is +inf (infeasible target) gets NaN for every frame {@code t < inputLengths[b]}
     * (as in PyTorch, whatever {@code gradPerSample} is), unless {@code zeroInfinity}: then its gradient is 0.
     *
     * @param gradPerSample d(reduced loss) / d(per-sample loss): shape {@code (N)}, or {@code ()} unbatched
     */
    public static INDArray backward(INDArray gradPerSample, INDArray logProbs, INDArray targets, INDArray inputLengths,
            INDArray targetLengths, long blank, boolean zeroInfinity) {
        Problem p = new Problem(logProbs, targets, inputLengths, targetLengths, blank);
        double[] gradOut = p.gradPerSample(gradPerSample);
        double[] grad = new double[p.logProbs.length]; // frames t >= inputLengths[b] stay 0
        for (int b = 0; b < p.batch; b++) {
            double[] alpha = p.logAlpha(b);
            double nll = p.negLogLikelihood(b, alpha);
            if (zeroInfinity && nll == Double.POSITIVE_INFINITY) {
                continue; // PyTorch zeroes the whole sample's gradient
            }
            p.addGradient(b, alpha, nll, gradOut[b], grad);
        }
        return HostArrays.fromDoubles(grad, logProbs.shape(), logProbs.dataType());
    }

    // ---------------------------------------------------------------- the recursions

    /** One validated call: log probabilities as doubles, and each sample's labels and frame count. */
    private static final class Problem {
        final boolean batched;
        /** Frames (the size of dim 0 of logProbs), samples, classes. */
        final long frames;
        final int batch;
        final long classes;
        final long blank;
        /** logProbs as (T, N, C), c-ordered. */
        final double[] logProbs;
        final long[] inputLengths;
        /** labels[b]: the target of sample b, targetLengths[b] class indices. */
        final long[][] labels;

        Problem(INDArray logProbs, INDArray targets, INDArray inputLengths, INDArray targetLengths, long blank) {
            requireNonNull(logProbs, "logProbs");
            requireNonNull(targets, "targets");
            requireNonNull(inputLengths, "inputLengths");
            requireNonNull(targetLengths, "targetLengths");
            if (!logProbs.dataType().isFPType()) {
                throw new IllegalArgumentException(LOSS + ": logProbs has dtype " + logProbs.dataType()
                        + " but must be floating point (log probabilities, e.g. a log_softmax over the classes)");
            }
            if (logProbs.rank() != 2 && logProbs.rank() != 3) {
                throw new IllegalArgumentException(LOSS + ": logProbs must be (T, N, C), or (T, C) unbatched, but has shape "
                        + ShapeBinder.format(logProbs.shape()));
            }
            this.batched = logProbs.rank() == 3;
            this.frames = logProbs.size(0);
            this.classes = logProbs.size(logProbs.rank() - 1);
            long n = batched ? logProbs.size(1) : 1;
            if (blank < 0 || blank >= classes) {
                throw new IllegalArgumentException(LOSS + ": blank must be a class index in [0, C) with C=" + classes + ", but is " + blank);
            }
            this.blank = blank;

            this.inputLengths = lengths("inputLengths", inputLengths, n);
            long[] targetLength = lengths("targetLengths", targetLengths, n);
            this.batch = targetLength.length;
            for (int b = 0; b < batch; b++) {
                if (this.inputLengths[b] < 0 || this.inputLengths[b] > frames) {
                    throw new IllegalArgumentException(LOSS + ": inputLengths" + at(b) + " is " + this.inputLengths[b]
                            + " but must be in [0, T] with T=" + frames + " (the frames of logProbs)");
                }
                if (targetLength[b] < 0) {
                    throw new IllegalArgumentException(LOSS + ": targetLengths" + at(b) + " is " + targetLength[b] + " but must be >= 0");
                }
            }
            this.labels = labels(targets, targetLength);
            this.logProbs = logProbs.isEmpty() ? new double[0] : HostArrays.doubles(logProbs);
        }

        private String at(int b) {
            return batched ? "[" + b + "]" : "";
        }

        /** One integer length per sample: shape (N), or a scalar or (1) for a single sample. */
        private long[] lengths(String param, INDArray lengths, long n) {
            if (lengths.rank() > 1 || lengths.length() != n) {
                throw new IllegalArgumentException(LOSS + ": " + param + " must hold one length per sample, "
                        + (batched ? "shape (N) with N=" + n : "a scalar (unbatched logProbs (T, C))")
                        + ", but has shape " + ShapeBinder.format(lengths.shape()));
            }
            return integers(param, lengths);
        }

        /** Each sample's labels, validated: in [0, C) and not the blank. Padding columns are not read. */
        private long[][] labels(INDArray targets, long[] targetLength) {
            long[][] out = new long[batch][];
            if (targets.rank() == 2) {
                long rows = targets.size(0);
                long columns = targets.size(1);
                if (rows != batch) {
                    throw new IllegalArgumentException(LOSS + ": padded targets (N, S) must have N=" + batch + " rows (one per sample), but have shape "
                            + ShapeBinder.format(targets.shape()));
                }
                for (int b = 0; b < batch; b++) {
                    if (targetLength[b] > columns) {
                        throw new IllegalArgumentException(LOSS + ": targetLengths" + at(b) + " is " + targetLength[b]
                                + " but the padded targets (N, S) have only S=" + columns + " columns");
                    }
                }
                double[] values = doubles(targets);
                for (int b = 0; b < batch; b++) {
                    out[b] = new long[(int) targetLength[b]];
                    for (int i = 0; i < out[b].length; i++) {
                        out[b][i] = label(values[(int) (b * columns + i)], "[" + b + ", " + i + "]");
                    }
                }
            } else if (targets.rank() == 1) {
                long total = 0;
                for (long length : targetLength) {
                    total += length;
                }
                if (targets.length() != total) {
                    throw new IllegalArgumentException(LOSS + ": concatenated targets must hold sum(targetLengths)=" + total
                            + " labels, but have shape " + ShapeBinder.format(targets.shape()));
                }
                double[] values = doubles(targets);
                int position = 0;
                for (int b = 0; b < batch; b++) {
                    out[b] = new long[(int) targetLength[b]];
                    for (int i = 0; i < out[b].length; i++, position++) {
                        out[b][i] = label(values[position], "[" + position + "]");
                    }
                }
            } else {
                throw new IllegalArgumentException(LOSS + ": targets must be padded (N, S) or concatenated (sum(targetLengths)), but have shape "
                        + ShapeBinder.format(targets.shape()));
            }
            return out;
        }

        private long label(double value, String where) {
            if (Double.isNaN(value) || value != Math.rint(value)) {
                throw new IllegalArgumentException(LOSS + ": targets" + where + " is " + value + ", which is not a class index");
            }
            long k = (long) value;
            if (k < 0 || k >= classes) {
                throw new IllegalArgumentException(LOSS + ": targets" + where + " is " + k + ", out of range [0, C) with C=" + classes);
            }
            if (k == blank) {
                throw new IllegalArgumentException(LOSS + ": targets" + where + " is " + k
                        + ", the blank; labels must be class indices other than blank=" + blank);
            }
            return k;
        }

        double[] gradPerSample(INDArray g) {
            requireNonNull(g, "gradPerSample");
            boolean shapeOk = batched ? g.rank() == 1 && g.length() == batch : g.length() == 1 && g.rank() <= 1;
            if (!shapeOk) {
                throw new IllegalArgumentException(LOSS + ": gradPerSample must have the per-sample loss's shape "
                        + (batched ? "(N) with N=" + batch : "() (unbatched)") + ", but has shape " + ShapeBinder.format(g.shape()));
            }
            return doubles(g);
        }

        /** log p of class c at frame t of sample b. */
        double logProb(long t, int b, long c) {
            return logProbs[(int) ((t * batch + b) * classes + c)];
        }

        /** The extended target l' of sample b: blank, l[0], blank, l[1], ..., l[L-1], blank. */
        long[] extended(int b) {
            long[] l = labels[b];
            long[] ext = new long[2 * l.length + 1];
            Arrays.fill(ext, blank);
            for (int i = 0; i < l.length; i++) {
                ext[2 * i + 1] = l[i];
            }
            return ext;
        }

        /**
         * The forward variables of sample b, row-major {@code (inputLength, 2L+1)}:
         * <pre>
         *   alpha[0][0] = logp[0][blank],  alpha[0][1] = logp[0][l[0]],  alpha[0][s] = -inf for s >= 2
         *   alpha[t][s] = logsumexp(alpha[t-1][s],      stay in s (repeat the same symbol)
         *                           alpha[t-1][s-1],    advance from the previous state
         *                           alpha[t-1][s-2])    skip the blank s-1, only if l'[s-2] != l'[s]
         *                 + logp[t][l'[s]]
         * </pre>
         * The skip rule: a path may jump over a blank only between two different labels (s odd, l'[s-2] a
         * different label); between repeated labels the blank is mandatory, and a blank (even s) never skips
         * (l'[s-2] is a blank too).
         */
        double[] logAlpha(int b) {
            long[] ext = extended(b);
            int states = ext.length;
            long inputLength = inputLengths[b];
            double[] alpha = new double[Math.toIntExact(inputLength * states)];
            if (inputLength == 0) {
                return alpha;
            }
            // t = 0: a path starts in the leading blank or in the first label
            Arrays.fill(alpha, 0, states, NEG_INF);
            alpha[0] = logProb(0, b, blank);
            if (states > 1) {
                alpha[1] = logProb(0, b, ext[1]);
            }
            for (long t = 1; t < inputLength; t++) {
                int row = (int) (t * states);
                int previous = row - states;
                for (int s = 0; s < states; s++) {
                    double stay = alpha[previous + s];
                    double advance = s > 0 ? alpha[previous + s - 1] : NEG_INF;
                    double skip = s > 1 && ext[s - 2] != ext[s] ? alpha[previous + s - 2] : NEG_INF;
                    alpha[row + s] = logSumExp(stay, advance, skip) + logProb(t, b, ext[s]);
                }
            }
            return alpha;
        }

        /**
         * {@code -log p(l | x)}: the paths that end in the last label or in the final blank at the last frame
         * (only the blank for an empty target). +inf when neither state is reachable.
         */
        double negLogLikelihood(int b, double[] alpha) {
            int states = 2 * labels[b].length + 1;
            long inputLength = inputLengths[b];
            if (inputLength == 0) {
                return labels[b].length == 0 ? 0.0 : Double.POSITIVE_INFINITY;
            }
            int last = (int) ((inputLength - 1) * states);
            if (states == 1) {
                return -alpha[last];
            }
            double finalBlank = alpha[last + states - 1];
            double lastLabel = alpha[last + states - 2];
            return -logAddExp(finalBlank, lastLabel);
        }

        /**
         * Adds sample b's gradient into {@code grad} (laid out as logProbs): the backward variables, mirror image
         * of {@link #logAlpha},
         * <pre>
         *   beta[T-1][2L] = logp[T-1][blank],  beta[T-1][2L-1] = logp[T-1][l[L-1]],  -inf elsewhere
         *   beta[t][s] = logsumexp(beta[t+1][s], beta[t+1][s+1], beta[t+1][s+2] if l'[s+2] != l'[s]) + logp[t][l'[s]]
         * </pre>
         * then, per frame and class, the log of the summed {@code alpha * beta} over the states carrying that
         * class (eq. 16 of Graves et al.), wrapped up as PyTorch does. PyTorch's order of the log-additions
         * (s descending) is kept.
         */
        void addGradient(int b, double[] alpha, double nll, double gradOut, double[] grad) {
            long inputLength = inputLengths[b];
            if (inputLength == 0) {
                return;
            }
            long[] ext = extended(b);
            int states = ext.length;
            int c = (int) classes;
            double[] beta = new double[Math.toIntExact(inputLength * states)];
            // logOccupancy[t][c] = log sum over s with l'[s] = c of exp(alpha[t][s] + beta[t][s]); -inf: empty sum
            double[] logOccupancy = new double[Math.toIntExact(inputLength * c)];
            Arrays.fill(logOccupancy, NEG_INF);

            long lastFrame = inputLength - 1;
            int last = (int) (lastFrame * states);
            int lastOcc = (int) (lastFrame * c);
            Arrays.fill(beta, last, last + states, NEG_INF);
            beta[last + states - 1] = logProb(lastFrame, b, blank);
            logOccupancy[lastOcc + (int) blank] = alpha[last + states - 1] + beta[last + states - 1];
            if (states > 1) {
                long lastLabel = ext[states - 2];
                beta[last + states - 2] = logProb(lastFrame, b, lastLabel);
                // a blank and a label: different classes, so a plain assignment
                logOccupancy[lastOcc + (int) lastLabel] = alpha[last + states - 2] + beta[last + states - 2];
            }

            for (long t = lastFrame - 1; t >= 0; t--) {
                int row = (int) (t * states);
                int next = row + states;
                int occ = (int) (t * c);
                for (int s = states - 1; s >= 0; s--) {
                    double stay = beta[next + s];
                    double advance = s < states - 1 ? beta[next + s + 1] : NEG_INF;
                    double skip = s < states - 2 && ext[s + 2] != ext[s] ? beta[next + s + 2] : NEG_INF;
                    beta[row + s] = logSumExp(stay, advance, skip) + logProb(t, b, ext[s]);

                    double logAlphaBeta = alpha[row + s] + beta[row + s];
                    int k = occ + (int) ext[s];
                    logOccupancy[k] = logOccupancy[k] == NEG_INF ? logAlphaBeta : logAddExp(logOccupancy[k], logAlphaBeta);
                }
            }

            // alpha*beta counts frame t's emission twice, hence the division by p(t, c) (the "- lp");
            // exp(lp) is the softmax term of the gradient with respect to the logits
            for (long t = 0; t < inputLength; t++) {
                for (int k = 0; k < c; k++) {
                    int i = (int) ((t * batch + b) * classes + k);
                    double lp = logProbs[i];
                    grad[i] = (Math.exp(lp) - Math.exp(logOccupancy[(int) (t * c + k)] + nll - lp)) * gradOut;
                }
            }
        }
    }

    // ---------------------------------------------------------------- log-space arithmetic, as PyTorch writes it

    /**
     * {@code log(exp(a) + exp(b) + exp(c))}, shifted by the largest finite-or-not argument; all -inf gives -inf
     * (the shift is then 0, to avoid -inf - -inf). Comparisons as in PyTorch, so NaN propagates alike.
     */
    private static double logSumExp(double a, double b, double c) {
        double max = a;
        if (b > max) {
            max = b;
        }
        if (c > max) {
            max = c;
        }
        if (max == NEG_INF) {
            max = 0.0;
        }
        return Math.log(Math.exp(a - max) + Math.exp(b - max) + Math.exp(c - max)) + max;
    }

    /** {@code log(exp(a) + exp(b))}, with C++'s {@code std::max} (first argument on ties and NaN) for the shift. */
    private static double logAddExp(double a, double b) {
        double max = a < b ? b : a;
        if (max == NEG_INF) {
            max = 0.0;
        }
        return Math.log(Math.exp(a - max) + Math.exp(b - max)) + max;
    }

    // ---------------------------------------------------------------- values in and out

    private static void requireNonNull(INDArray a, String param) {
        if (a == null) {
            throw new IllegalArgumentException(LOSS + ": " + param + " is null");
        }
    }

    private static double[] doubles(INDArray a) {
        return a.isEmpty() ? new double[0] : HostArrays.doubles(a);
    }

    /** Integer values of any numeric dtype (integral floats too). */
    private static long[] integers(String param, INDArray a) {
        if (a.dataType() == DataType.BOOL || a.dataType() == DataType.UTF8) {
            throw new IllegalArgumentException(LOSS + ": " + param + " has dtype " + a.dataType() + " but must hold integers");
        }
        if (a.isEmpty()) {
            return new long[0];
        }
        if (!a.dataType().isFPType()) {
            return a.dup('c').data().asLong();
        }
        double[] values = HostArrays.doubles(a);
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            if (Double.isNaN(values[i]) || values[i] != Math.rint(values[i])) {
                throw new IllegalArgumentException(LOSS + ": " + param + " holds " + values[i] + ", which is not an integer length");
            }
            out[i] = (long) values[i];
        }
        return out;
    }
}
