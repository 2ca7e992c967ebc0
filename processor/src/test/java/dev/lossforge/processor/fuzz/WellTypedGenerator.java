package dev.lossforge.processor.fuzz;

import dev.lossforge.processor.fuzz.Program.Kind;
import dev.lossforge.processor.fuzz.Program.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Random well-typed {@code @Loss} methods: declared shapes over the named dims N, C, D, small fixed dims and
 * sometimes the variadic {@code *d}; one to three tensor inputs (sometimes an {@code @Index("C")} target, a
 * {@code @NoGrad} input or a {@code #N} input that may be 1); number, boolean, long and tensor options; and a
 * body of locals and a return built from every word of the DSL.
 *
 * <p>Every expression is generated for a requested symbolic shape (so shape inference must accept it) and
 * carries a conservative interval of its values over the test inputs, which keeps every value in the domain of
 * its function away from singularities ({@code log}, {@code sqrt}, {@code div} and non-integer {@code pow} on
 * values bounded away from 0; {@code exp} on bounded values), so that finite differences are meaningful. Kinks
 * ({@code abs}, {@code relu}, clamps, {@code maximum}, comparisons) are allowed: random inputs almost never sit
 * on one, and the oracle resamples the inputs when a one-sided difference shows it did.
 *
 * <p>Under a {@code ?:} on an option the branch not taken is generated without domain care: its NaNs must
 * neither reach the loss nor its gradient.
 */
final class WellTypedGenerator {

    /**
     * Known processor bugs the generator steers around while they are open, so that one bug does not fail every
     * batch; each has a {@code @Disabled} regression test in {@link FuzzRegressionTest}. Turn a flag off once its
     * test passes (the flags set to false are bugs fixed since, kept to find their regressions quickly).
     */
    static final class Avoid {
        /**
         * {@link FuzzRegressionTest#unsqueezeWithANegativeDimGivesAShape()}, {@code unsqueezeInsideAVariadicIsADimError},
         * {@code aShapeMadeByUnsqueezeAtTheEndEqualsItsDeclaration}, {@code unsqueezeAfterUnsqueezeAtTheEndGivesAShape}:
         * unsqueeze takes non-negative dims only.
         */
        boolean negativeUnsqueeze = false;
        /** {@link FuzzRegressionTest#anInputNamedInWhoseGradientMayBeNullGeneratesAClassThatCompiles(String)}. */
        boolean inputsNamedLikeGeneratedLocals = false;
        /** {@link FuzzRegressionTest#anUnsetTensorOptionBehavesAsATensorOfItsDeclaredShape()}. */
        boolean reducingUnsetTensorOptions = false;
        /** {@link FuzzRegressionTest#alignVarianceHasTheInputsShape()}: its value only ever meets an input-shaped operand. */
        boolean alignVarianceShape = false;
        /** {@link FuzzRegressionTest#theBranchNotTakenOfAChoiceIsNotCheckedInBackward(String)}: preconditions hold in untaken branches too. */
        boolean preconditionsInBranchNotTaken = false;
        /**
         * {@link FuzzRegressionTest#oneMinusAMaskOfClassIndicesMatchesTheEagerDsl()} and
         * {@link FuzzRegressionTest#arithmeticWithANumberOnAMaskOfClassIndicesRuns(String)}: masks of class indices
         * only select (where) or multiply tensors; arithmetic compares asValues(target).
         */
        boolean numbersOnIndexMasks = false;
        /** {@link FuzzRegressionTest#anUnbatchedCallOfALossWithoutTheBatchDimKeepsItsDims()}. */
        boolean unbatchedLossWithoutBatchDim = false;
        /** {@link FuzzRegressionTest#theGradientOfABroadcastableInputIsSummedBackToItsSize()}: a #N input that is 1 is @NoGrad. */
        boolean gradientOfBroadcastableInput = false;
        /** {@link FuzzRegressionTest#takeOfAScalarOptionFills()}: take's weights are (C) only. */
        boolean takeOfScalarOption = false;
        /** {@link FuzzRegressionTest#weightsLargerThanTheLossAreAShapeError()}: no such mistake in ill-typed programs. */
        boolean weightsLargerThanTheLoss = false;
        /** {@link FuzzRegressionTest#aShapeErrorInALocalTheLossDoesNotUseIsReported()}: an ill-typed program uses its mistake. */
        boolean unusedLocalsUnchecked = false;
        /** {@link FuzzRegressionTest#theMostNegativeDimIsADimError(String)}: no dims near the int range's ends. */
        boolean extremeDims = false;
    }

    /** Names the generated methods declare for themselves. */
    private static final Set<String> GENERATED_LOCALS = Set.of("in", "inputs", "value", "gradOutput", "unbatched");

    private static final String[] TENSOR_NAMES = {"input", "target", "x", "y", "z", "pred", "label", "logits", "w3",
            "scores", "value", "in", "inputs", "gradOutput", "dims", "exp", "mul", "gradInput", "gradLoss", "dtype"};
    private static final String[] OPTION_NAMES = {"alpha", "beta", "margin", "eps", "scale", "gamma", "delta", "tau",
            "value", "in", "dims", "dtype", "k", "p"};
    private static final String[] LOCAL_NAMES = {"a", "b", "h", "t1", "loss", "logp", "probs", "mul", "exp", "sum",
            "gradLoss", "gradOutput", "value", "in", "inputs", "unbatched", "dtype", "dims", "gather", "out", "tmp",
            "gradMul", "prepare", "result", "backward", "weighted"};

    private final Random rnd;
    /**
     * Draws for the words added after the others (atan, detach, amax, select): a stream of its own, and each placed
     * where it changes no bounds that later draws read, so that adding them left every other program as it was.
     */
    private final Random later;
    private final Avoid avoid;

    // ------------------------------------------------------------------ one program's state
    private Map<String, Integer> sizes;
    private int[] varDims;
    /** Leaves usable as operands (value inputs, tensor options, locals). */
    private List<Expr> leaves;
    /** Index input: its expression text and shape, or null. */
    private String target;
    private Sym targetShape;
    /** The class count of the index's domain. */
    private String classDim;
    /** A non-differentiable (C) tensor for take and scaleAlong, or null. */
    private Expr classWeights;
    /** A #N input (its runtime N may be 1): only ever the smaller operand of a binary op. */
    private Expr collapse;
    private List<Num> nums;
    private Num flag;
    private String ignore;
    private Set<String> words;
    private boolean fdExact;
    private boolean unsafe;
    private Set<String> names;
    private List<Param> params;
    /** The declared shape of each tensor input; null for a #N input. */
    private Map<String, Sym> tensorShapes;
    private Sym predShape;
    private boolean plain;

    WellTypedGenerator(long seed, Avoid avoid) {
        this.rnd = new Random(seed);
        this.later = new Random(~seed);
        this.avoid = avoid;
    }

    Random random() {
        return rnd;
    }

    // ------------------------------------------------------------------ the last program's context, for IllTypedGenerator

    List<Expr> leaves() {
        return leaves;
    }

    /** The index input's name, or null. */
    String target() {
        return target;
    }

    Sym targetShape() {
        return targetShape;
    }

    Sym predShape() {
        return predShape;
    }

    /** Declared shapes of the tensor inputs by name (null for a #N input). */
    Map<String, Sym> tensorShapes() {
        return tensorShapes;
    }

    List<Num> nums() {
        return nums;
    }

    /** The (C) class weights option, or null. */
    Expr classWeights() {
        return classWeights;
    }

    /** A shape some leaf of the last program derives. */
    Sym anyShape() {
        return randomDerivableShape(predShape);
    }

    /** Whether shape s can be generated in the last program's context. */
    boolean derivable(Sym s) {
        return derivation(s) != null;
    }

    // ================================================================== programs

    /** A random well-typed method named {@code method}. */
    Program next(String method) {
        return next(method, false);
    }

    /**
     * A random well-typed method; {@code plain}: a general one (no CTC or multilabel family) whose return is a
     * plain expression (no weighted or meanDividedBy), for {@link IllTypedGenerator} to build on.
     */
    Program next(String method, boolean plain) {
        this.plain = plain;
        if (plain) {
            return generalProgram(method);
        }
        int family = rnd.nextInt(100);
        if (family < 4) {
            return ctcProgram(method);
        }
        if (family < 8) {
            return multiLabelProgram(method);
        }
        return generalProgram(method);
    }

    private void reset() {
        sizes = new LinkedHashMap<>();
        List<Integer> perm = new ArrayList<>(List.of(2, 3, 4));
        Collections.shuffle(perm, rnd);
        sizes.put("N", perm.get(0));
        sizes.put("C", rnd.nextInt(4) == 0 ? 5 : perm.get(1));
        sizes.put("D", perm.get(2));
        varDims = new int[][] {{}, {2}, {3}, {2, 3}}[rnd.nextInt(4)];
        leaves = new ArrayList<>();
        target = null;
        targetShape = null;
        classDim = null;
        classWeights = null;
        collapse = null;
        nums = new ArrayList<>();
        flag = null;
        ignore = null;
        words = new TreeSet<>();
        fdExact = true;
        unsafe = false;
        names = new HashSet<>();
        params = new ArrayList<>();
        tensorShapes = new LinkedHashMap<>();
    }

    private String freshName(String[] pool, String fallback) {
        for (int i = 0; i < 6; i++) {
            String n = pool[rnd.nextInt(pool.length)];
            if (pool == TENSOR_NAMES && avoid.inputsNamedLikeGeneratedLocals && GENERATED_LOCALS.contains(n)) continue;
            if (names.add(n)) {
                return n;
            }
        }
        for (int i = 0;; i++) {
            if (names.add(fallback + i)) {
                return fallback + i;
            }
        }
    }

    /** Declared tensor parameters and options, then a body; the @Loss annotation last (it needs the result). */
    private Program generalProgram(String method) {
        reset();
        // ---- the first input
        Sym pred = randomPredShape();
        predShape = pred;
        String predName = freshName(TENSOR_NAMES, "t");
        List<String> tensorDecls = new ArrayList<>();
        tensorDecls.add("Tensor " + predName);
        addValueInput(predName, pred, Kind.VALUE, predRange());

        // ---- the second tensor: an index, a value, or none
        String targetAttr = null;
        int second = rnd.nextInt(100);
        boolean predHasC = pred.slots().stream().anyMatch(s -> pred.at(s).equals("C"));
        boolean secondInShapeAnnotation = false;
        if (second < 55 && predHasC) {
            List<Sym.Slot> cs = pred.slots().stream().filter(s -> pred.at(s).equals("C")).toList();
            Sym t = pred.drop(List.of(cs.get(rnd.nextInt(cs.size()))));
            String name = freshName(TENSOR_NAMES, "t");
            tensorDecls.add("@Index(\"C\") Tensor " + name);
            addIndexInput(name, t);
            targetAttr = declText(t);
        } else if (second < 85) {
            Sym t = relatedShape(pred);
            String name = freshName(TENSOR_NAMES, "t");
            secondInShapeAnnotation = rnd.nextInt(8) == 0;
            boolean noGrad = rnd.nextInt(8) == 0;
            String decl = declText(t);
            tensorDecls.add((noGrad ? "@dev.lossforge.NoGrad " : "") + (secondInShapeAnnotation ? "@Shape(\"" + decl + "\") " : "")
                    + "Tensor " + name);
            addValueInput(name, t, noGrad ? Kind.NO_GRAD : Kind.VALUE, valueRange());
            targetAttr = secondInShapeAnnotation ? null : decl;
        }
        // ---- a third tensor (needs @Shape)
        if (tensorDecls.size() == 2 && rnd.nextInt(100) < 35) {
            String name = freshName(TENSOR_NAMES, "t");
            int kind = rnd.nextInt(100);
            if (kind < 20 && target == null && predHasC) {
                List<Sym.Slot> cs = pred.slots().stream().filter(s -> pred.at(s).equals("C")).toList();
                Sym t = pred.drop(List.of(cs.get(rnd.nextInt(cs.size()))));
                tensorDecls.add("@Index(\"C\") @Shape(\"" + declText(t) + "\") Tensor " + name);
                addIndexInput(name, t);
            } else if (kind < 40 && pred.pre().size() > 0 && pred.pre().get(0).equals("N") && !pred.var()) {
                // #N: N, or 1 at run time
                List<String> dims = new ArrayList<>(pred.pre());
                int keep = 1 + rnd.nextInt(dims.size());
                dims = new ArrayList<>(dims.subList(0, keep));
                String decl = "#N" + (dims.size() > 1 ? "," + String.join(",", dims.subList(1, dims.size())) : "");
                boolean one = rnd.nextBoolean();
                boolean noGrad = one && avoid.gradientOfBroadcastableInput;
                tensorDecls.add((noGrad ? "@dev.lossforge.NoGrad " : "") + "@Shape(\"" + decl + "\") Tensor " + name);
                Sym s = Sym.fixed(dims);
                Map<String, Integer> runSizes = new HashMap<>(sizes);
                if (one) runSizes.put("N", 1);
                double[] r = valueRange();
                params.add(new Param(name, noGrad ? Kind.NO_GRAD : Kind.VALUE, s.concrete(runSizes, varDims), r[0], r[1], null, false));
                tensorShapes.put(name, null);
                // usable only as the smaller operand, against a full (N,...) operand
                collapse = new Expr(name, s, r[0], r[1], !noGrad, false, true);
            } else {
                Sym t = relatedShape(pred);
                boolean noGrad = rnd.nextInt(5) == 0;
                tensorDecls.add((noGrad ? "@dev.lossforge.NoGrad " : "") + "@Shape(\"" + declText(t) + "\") Tensor " + name);
                addValueInput(name, t, noGrad ? Kind.NO_GRAD : Kind.VALUE, valueRange());
            }
        }
        // ---- options
        List<String> optionDecls = options(pred);
        List<String> decls = interleave(tensorDecls, optionDecls);

        // ---- body
        List<String> body = new ArrayList<>();
        int locals = rnd.nextInt(4);
        for (int i = 0; i < locals; i++) {
            if (rnd.nextInt(4) == 0) {
                Num n = number(2);
                String name = freshName(LOCAL_NAMES, "k");
                body.add((rnd.nextBoolean() ? "double " : "final double ") + name + " = " + n.text() + ";");
                nums.add(new Num(name, n.value(), false, false));
            } else {
                Sym s = randomDerivableShape(pred);
                Expr e = gen(s, 1 + rnd.nextInt(2));
                String name = freshName(LOCAL_NAMES, "v");
                String type = switch (rnd.nextInt(10)) {
                    case 0 -> "var";
                    case 1 -> "final Tensor";
                    default -> "Tensor";
                };
                body.add(type + " " + name + " = " + e.text() + ";");
                leaves.add(new Expr(name, e.shape(), e.lo(), e.hi(), e.diff(), e.mask(), e.raw()));
            }
        }
        Sym result = resultShape(pred);
        Expr loss = gen(result, 2 + rnd.nextInt(3));
        if (!loss.diff()) {
            loss = binaryWith(loss, differentiableOf(result));
        }
        loss = tame(loss);
        if (later.nextInt(8) == 0) {
            // last, so that nothing drawn depends on its bounds
            words.add("atan");
            loss = loss.withText(laterFn("atan") + "(" + loss.text() + ")");
        }
        if (later.nextInt(10) == 0) {
            // x log(x^2 + 1): both of xlogy's operands get a gradient, and it is smooth everywhere (last, as atan)
            words.add("xlogy");
            words.add("square");
            String x = loss.text();
            loss = loss.withText(laterFn("xlogy") + "(" + x + ", " + laterFn("square") + "(" + x + ").add(1.0))");
        }
        String meanDivisor = null;
        String ret = loss.text();
        int wrap = plain ? 100 : rnd.nextInt(100);
        if (wrap < 15) {
            String w = meanWeights(result);
            if (w != null) {
                ret = "weighted(" + loss.text() + ", " + w + ")";
                words.add("weighted");
            }
        } else if (wrap < 20) {
            Expr n = positiveParamAtMost(result);
            if (n != null) {
                ret = (rnd.nextBoolean() ? "meanDividedBy(" : "Ops.meanDividedBy(") + loss.text() + ", " + n.text() + ")";
                meanDivisor = n.text();
                words.add("meanDividedBy");
            }
        }
        body.add("return " + ret + ";");

        // ---- the annotation
        StringBuilder ann = new StringBuilder("@Loss(pred = \"" + declText(pred) + "\"");
        if (targetAttr != null) {
            ann.append(", target = \"").append(targetAttr).append('"');
        }
        if (rnd.nextInt(100) < 40) {
            ann.append(", result = \"").append(declText(result)).append('"');
        }
        boolean optionalBatch = false;
        if (batchable() && (leadsWithN(result) || result.isScalar() || !avoid.unbatchedLossWithoutBatchDim) && rnd.nextInt(100) < 30) {
            optionalBatch = true;
            ann.append(", optionalBatch = \"N\"");
        }
        String className = Character.toUpperCase(method.charAt(0)) + method.substring(1) + "Loss";
        if (rnd.nextInt(100) < 15) {
            className = "Fuzz" + method.substring(0, 1).toUpperCase() + method.substring(1);
            ann.append(", name = \"").append(className).append('"');
        }
        ann.append(")");
        String text = ann + "\nstatic Tensor " + method + "(" + String.join(", ", decls) + ") {\n"
                + String.join("\n", body.stream().map(l -> "    " + l).toList()) + "\n}\n";
        return new Program(method, className, text, List.copyOf(params), fdExact, meanDivisor, Set.copyOf(words), optionalBatch,
                leadsWithN(result));
    }

    /** Whether N is only ever the leading dim of fixed-rank inputs, led by the first: an unbatched call is then plain. */
    private boolean batchable() {
        boolean first = true;
        for (Sym s : tensorShapes.values()) {
            if (s == null || s.var()) return false;
            if (first && !leadsWithN(s)) return false;
            first = false;
            if (s.pre().subList(1, s.pre().size()).contains("N") || !leadsWithN(s) && s.pre().contains("N")) return false;
        }
        return true;
    }

    /** The declarations of tensors, in order, with the options spread between and after them. */
    private List<String> interleave(List<String> tensors, List<String> options) {
        List<String> out = new ArrayList<>(tensors);
        List<Param> tensorParams = params.stream().filter(p -> p.kind().isTensorInput()).toList();
        List<Param> optionParams = params.stream().filter(p -> p.kind().isOption()).toList();
        List<Param> ordered = new ArrayList<>(tensorParams);
        for (int i = 0; i < options.size(); i++) {
            int at = 1 + rnd.nextInt(out.size()); // never before the first tensor
            out.add(at, options.get(i));
            ordered.add(at, optionParams.get(i));
        }
        params = ordered;
        return out;
    }

    // ------------------------------------------------------------------ declarations

    /** A declaration as a user may write it: sometimes in parentheses or with spaces; the scalar as "()". */
    private String declText(Sym s) {
        String d = s.decl();
        if (rnd.nextInt(7) == 0) d = d.replace(",", ", ");
        if (s.isScalar() || rnd.nextInt(7) == 0) d = "(" + d + ")";
        return d;
    }

    private Sym randomPredShape() {
        List<String> dims = new ArrayList<>();
        List<String> pool = new ArrayList<>(List.of("N", "C", "D"));
        Collections.shuffle(pool, rnd);
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            dims.add(pool.get(i));
        }
        if (!dims.contains("C") && rnd.nextInt(10) < 6) {
            dims.add(rnd.nextInt(dims.size() + 1), "C");
        }
        if (rnd.nextInt(5) == 0) {
            dims.add(rnd.nextInt(dims.size() + 1), rnd.nextBoolean() ? "2" : "3");
        }
        if (rnd.nextInt(4) == 0) {
            int at = rnd.nextInt(3) == 0 ? rnd.nextInt(dims.size() + 1) : dims.size();
            return new Sym(dims.subList(0, at), true, dims.subList(at, dims.size()));
        }
        return Sym.fixed(dims);
    }

    /** A shape for another input: the same, one that broadcasts into it, or an unrelated one. */
    private Sym relatedShape(Sym pred) {
        int r = rnd.nextInt(10);
        if (r < 4) {
            return pred;
        }
        if (r < 8) {
            Sym s = subShape(pred);
            return s.isScalar() ? pred : s;
        }
        List<String> dims = new ArrayList<>();
        for (String d : List.of("N", "C", "D")) {
            if (rnd.nextBoolean()) dims.add(d);
        }
        if (dims.isEmpty()) dims.add("D");
        Collections.shuffle(dims, rnd);
        return Sym.fixed(dims);
    }

    private double[] predRange() {
        return rnd.nextInt(5) == 0 ? new double[] {0.5, 2.5} : new double[] {-2, 2};
    }

    private double[] valueRange() {
        return switch (rnd.nextInt(6)) {
            case 0 -> new double[] {0.5, 2.5};
            case 1 -> new double[] {0.05, 0.95};
            default -> new double[] {-2, 2};
        };
    }

    private void addValueInput(String name, Sym s, Kind kind, double[] r) {
        tensorShapes.put(name, s);
        params.add(new Param(name, kind, s.concrete(sizes, varDims), r[0], r[1], null, false, leadsWithN(s)));
        leaves.add(new Expr(name, s, r[0], r[1], kind == Kind.VALUE, false, true));
    }

    private static boolean leadsWithN(Sym s) {
        return !s.pre().isEmpty() && s.pre().get(0).equals("N");
    }

    private void addIndexInput(String name, Sym s) {
        tensorShapes.put(name, s);
        params.add(new Param(name, Kind.INDEX, s.concrete(sizes, varDims), 0, sizes.get("C"), "class:C", false, leadsWithN(s)));
        target = name;
        targetShape = s;
        classDim = "C";
    }

    private List<String> options(Sym pred) {
        List<String> decls = new ArrayList<>();
        int count = rnd.nextInt(4);
        for (int i = 0; i < count; i++) {
            String name = freshName(OPTION_NAMES, "o");
            switch (rnd.nextInt(7)) {
                case 0, 1 -> {
                    double v = new double[] {0.5, 1.5, 2.0, 0.25, 0.75, 3.0, 1e-3}[rnd.nextInt(7)];
                    String text = v == 1e-3 ? "1e-3" : Double.toString(v);
                    // a rule the default satisfies, checked by build()
                    String valid = rnd.nextInt(3) == 0 ? ", valid = \"" + name + " > 0 && " + name + " <= 3\"" : "";
                    decls.add("@Option(defaultValue = \"" + text + "\"" + valid + ") double " + name);
                    params.add(new Param(name, Kind.OPT_DOUBLE, null, 0, 0, v, false));
                    nums.add(new Num(name, v, false, false));
                }
                case 2 -> {
                    float v = new float[] {0.5f, 2.0f, 1.25f}[rnd.nextInt(3)];
                    decls.add("@Option(defaultValue = \"" + v + "\") float " + name);
                    params.add(new Param(name, Kind.OPT_FLOAT, null, 0, 0, v, false));
                    nums.add(new Num(name, v, false, false));
                }
                case 6 -> {
                    // passed to the generated class as it is; the body cannot compute with it
                    String v = new String[] {"mean", "", "a b"}[rnd.nextInt(3)];
                    decls.add("@Option(defaultValue = \"" + v + "\") String " + name);
                    params.add(new Param(name, Kind.OPT_STRING, null, 0, 0, v, false));
                }
                case 3 -> {
                    int v = 1 + rnd.nextInt(3);
                    decls.add("@Option(defaultValue = \"" + v + "\") int " + name);
                    params.add(new Param(name, Kind.OPT_INT, null, 0, 0, v, false));
                    nums.add(new Num(name, v, true, false));
                }
                default -> {
                    if (flag != null) {
                        names.remove(name);
                        continue;
                    }
                    boolean v = rnd.nextBoolean();
                    String fname = names.add("flag") ? "flag" : name;
                    decls.add("@Option(defaultValue = \"" + v + "\") boolean " + fname);
                    params.add(new Param(fname, Kind.OPT_BOOL, null, 0, 0, v, false));
                    flag = new Num(fname, v ? 1 : 0, false, true);
                }
            }
        }
        if (target != null && rnd.nextInt(100) < 50) {
            long v = rnd.nextBoolean() ? -100 : rnd.nextInt(sizes.get("C"));
            String name = names.add("ignoreIndex") ? "ignoreIndex" : freshName(OPTION_NAMES, "o");
            decls.add("@Option(defaultValue = \"" + v + "\") long " + name);
            params.add(new Param(name, Kind.OPT_LONG, null, 0, 0, v, false));
            ignore = name;
        } else if (target != null && rnd.nextInt(3) == 0) {
            ignore = rnd.nextBoolean() ? "-100" : Integer.toString(rnd.nextInt(sizes.get("C")));
        }
        boolean usesC = pred.slots().stream().anyMatch(s -> pred.at(s).equals("C"));
        if (usesC && rnd.nextInt(100) < 55) {
            String name = names.add("weight") ? "weight" : freshName(OPTION_NAMES, "o");
            double dflt = new double[] {1.0, 0.5, 2.0}[rnd.nextInt(3)];
            boolean set = rnd.nextInt(3) != 0;
            decls.add("@Option(defaultValue = \"" + (dflt == 1.0 ? "1" : Double.toString(dflt)) + "\") @Shape(\"C\") Tensor " + name);
            params.add(new Param(name, Kind.OPT_TENSOR, new long[] {sizes.get("C")}, 0.5, 1.5, dflt, set));
            classWeights = new Expr(name, Sym.of("C"), set ? 0.5 : dflt, set ? 1.5 : dflt, false, false, false);
            if (set || !avoid.reducingUnsetTensorOptions) {
                leaves.add(classWeights);
            }
        }
        if (rnd.nextInt(100) < 12) {
            String name = freshName(OPTION_NAMES, "o");
            double dflt = new double[] {1.0, 2.0, 0.5}[rnd.nextInt(3)];
            boolean set = rnd.nextBoolean();
            decls.add("@Option(defaultValue = \"" + dflt + "\") Tensor " + name);
            params.add(new Param(name, Kind.OPT_TENSOR, new long[0], 0.5, 1.5, dflt, set));
            leaves.add(new Expr(name, Sym.SCALAR, set ? 0.5 : dflt, set ? 1.5 : dflt, false, false, false));
        }
        return decls;
    }

    // ------------------------------------------------------------------ shapes

    /** A broadcast-compatible smaller shape of s: a suffix of it, some dims 1, or the scalar. */
    private Sym subShape(Sym s) {
        if (rnd.nextInt(6) == 0) return Sym.SCALAR;
        if (s.var()) {
            if (rnd.nextBoolean()) {
                List<String> suf = new ArrayList<>();
                for (String d : s.suf()) suf.add(rnd.nextInt(3) == 0 ? "1" : d);
                int drop = rnd.nextInt(s.suf().size() + 1);
                return Sym.fixed(suf.subList(drop, suf.size()));
            }
            int keep = rnd.nextInt(s.pre().size() + 1);
            List<String> pre = new ArrayList<>(s.pre().subList(s.pre().size() - keep, s.pre().size()));
            pre.replaceAll(d -> rnd.nextInt(3) == 0 ? "1" : d);
            List<String> suf = new ArrayList<>(s.suf());
            suf.replaceAll(d -> rnd.nextInt(3) == 0 ? "1" : d);
            return new Sym(pre, true, suf);
        }
        int keep = rnd.nextInt(s.pre().size() + 1);
        List<String> dims = new ArrayList<>(s.pre().subList(s.pre().size() - keep, s.pre().size()));
        dims.replaceAll(d -> rnd.nextInt(3) == 0 ? "1" : d);
        return Sym.fixed(dims);
    }

    private Sym resultShape(Sym pred) {
        int r = rnd.nextInt(100);
        if (r < 25) return pred;
        if (r < 45 && targetShape != null) return targetShape;
        if (r < 55) return Sym.SCALAR;
        return randomDerivableShape(pred);
    }

    /** A shape some source can be reduced or unsqueezed into. */
    private Sym randomDerivableShape(Sym pred) {
        if (targetShape != null && rnd.nextInt(4) == 0 && derivation(targetShape) != null) {
            return targetShape;
        }
        for (int i = 0; i < 10; i++) {
            Expr src = leaves.get(rnd.nextInt(leaves.size()));
            Sym s = src.shape();
            List<Sym.Slot> drop = new ArrayList<>();
            for (Sym.Slot slot : s.slots()) {
                if (rnd.nextInt(3) == 0) drop.add(slot);
            }
            Sym out = s.drop(drop);
            if (rnd.nextInt(5) == 0) {
                boolean inPre = !out.var() || rnd.nextBoolean() || avoid.negativeUnsqueeze;
                out = out.insert(inPre, rnd.nextInt((inPre ? out.pre() : out.suf()).size() + 1), "1");
            }
            if (derivation(out) != null) return out;
        }
        return pred;
    }

    // ------------------------------------------------------------------ derivations: a source reduced, then unsqueezed

    private record Derivation(Expr source, List<Sym.Slot> drop, List<Sym.Slot> inserts) {
    }

    /** A way to compute shape s from one leaf, or null. */
    private Derivation derivation(Sym s) {
        List<Expr> order = new ArrayList<>(leaves);
        Collections.shuffle(order, rnd);
        order.sort((a, b) -> Boolean.compare(b.diff(), a.diff()));
        for (Expr src : order) {
            Derivation d = match(s, src);
            if (d != null) return d;
        }
        return null;
    }

    private Derivation match(Sym s, Expr src) {
        Sym p = src.shape();
        if (s.isScalar()) {
            return p.isScalar() ? new Derivation(src, List.of(), List.of()) : new Derivation(src, null, List.of());
        }
        if (s.var() != p.var()) return null;
        List<Sym.Slot> drop = new ArrayList<>();
        List<Sym.Slot> inserts = new ArrayList<>();
        if (!matchList(s.pre(), p.pre(), true, drop, inserts)) return null;
        if (!matchList(s.suf(), p.suf(), false, drop, inserts)) return null;
        if (avoid.negativeUnsqueeze && s.var() && inserts.stream().anyMatch(x -> !x.inPre())) return null;
        return new Derivation(src, drop, inserts);
    }

    private static boolean matchList(List<String> s, List<String> p, boolean inPre, List<Sym.Slot> drop, List<Sym.Slot> inserts) {
        List<Sym.Slot> d = new ArrayList<>();
        List<Sym.Slot> ins = new ArrayList<>();
        if (!matchFrom(s, 0, p, 0, inPre, d, ins)) return false;
        drop.addAll(d);
        inserts.addAll(ins);
        return true;
    }

    private static boolean matchFrom(List<String> s, int i, List<String> p, int j, boolean inPre, List<Sym.Slot> drop, List<Sym.Slot> ins) {
        if (i == s.size()) {
            for (int k = j; k < p.size(); k++) drop.add(new Sym.Slot(inPre, k));
            return true;
        }
        if (j < p.size() && s.get(i).equals(p.get(j))) {
            int ds = drop.size(), is = ins.size();
            if (matchFrom(s, i + 1, p, j + 1, inPre, drop, ins)) return true;
            trim(drop, ds);
            trim(ins, is);
        }
        if (j < p.size()) {
            int ds = drop.size(), is = ins.size();
            drop.add(new Sym.Slot(inPre, j));
            if (matchFrom(s, i, p, j + 1, inPre, drop, ins)) return true;
            trim(drop, ds);
            trim(ins, is);
        }
        if (s.get(i).equals("1")) {
            int ds = drop.size(), is = ins.size();
            ins.add(new Sym.Slot(inPre, i));
            if (matchFrom(s, i + 1, p, j, inPre, drop, ins)) return true;
            trim(drop, ds);
            trim(ins, is);
        }
        return false;
    }

    private static void trim(List<?> l, int size) {
        while (l.size() > size) l.remove(l.size() - 1);
    }

    /** The smallest expression of shape s: a leaf, reduced over the dims it has too many, unsqueezed where s has a 1. */
    private Expr base(Sym s) {
        Derivation d = derivation(s);
        if (d == null) {
            throw new IllegalStateException("no derivation of " + s + " from " + leaves);
        }
        Expr x = d.source();
        if (d.drop() == null) {
            return reduceAll(x);
        }
        if (!d.drop().isEmpty()) {
            x = reduce(x, d.drop());
        }
        for (Sym.Slot at : d.inserts()) {
            x = unsqueezeAt(x, at);
        }
        return x;
    }

    private Expr unsqueezeAt(Expr x, Sym.Slot at) {
        Sym sh = x.shape();
        int dim;
        Sym out;
        if (at.inPre()) {
            boolean negative = !sh.var() && !avoid.negativeUnsqueeze && rnd.nextInt(3) == 0;
            dim = negative ? at.index() - sh.pre().size() - 1 : at.index();
            out = sh.insert(true, at.index(), "1");
        } else {
            dim = at.index() - sh.suf().size() - 1;
            out = sh.insert(false, at.index(), "1");
        }
        words.add("unsqueeze");
        return new Expr(fn("unsqueeze") + "(" + x.text() + ", " + dim + ")", out, x.lo(), x.hi(), x.diff(), x.mask(), false);
    }

    private long count(Sym s, List<Sym.Slot> slots) {
        long n = 1;
        for (Sym.Slot slot : slots) n *= Sym.size(s.at(slot), sizes);
        return n;
    }

    private long count(Sym s) {
        long n = 1;
        for (long v : s.concrete(sizes, varDims)) n *= v;
        return n;
    }

    private Expr reduceAll(Expr x) {
        long n = count(x.shape());
        if (rnd.nextBoolean()) {
            words.add("sum");
            return tame(new Expr(fn("sum") + "(" + x.text() + ")", Sym.SCALAR, Math.min(n * x.lo(), x.lo()), Math.max(n * x.hi(), x.hi()), x.diff(), false, false));
        }
        words.add("mean");
        return new Expr(fn("mean") + "(" + x.text() + ")", Sym.SCALAR, x.lo(), x.hi(), x.diff(), false, false);
    }

    /** x reduced over the slots: one dim by sum, mean, logsumexp, norm or gather; several by sum or mean. */
    private Expr reduce(Expr x, List<Sym.Slot> slots) {
        Sym sh = x.shape();
        Sym out = sh.drop(slots);
        long n = count(sh, slots);
        if (slots.size() == 1) {
            Sym.Slot slot = slots.get(0);
            int dim = sh.dslDim(slot, rnd.nextInt(3) == 0);
            int r = rnd.nextInt(100);
            if (r < 25 && target != null && sh.at(slot).equals(classDim) && out.equals(targetShape)) {
                return gather(x, dim, out);
            }
            if (r < 40) {
                words.add("logsumexp");
                return tame(new Expr(fn("logsumexp") + "(" + x.text() + ", " + dim + ")", out, x.lo(), x.hi() + Math.log(n), x.diff(), false, false));
            }
            if (r < 52) {
                double p = new double[] {1.0, 2.0, 3.0, 1.5}[rnd.nextInt(4)];
                words.add("norm");
                double m = x.maxAbs() * Math.pow(n, 1 / p);
                return tame(new Expr(fn("norm") + "(" + x.text() + ", " + p + ", " + dim + ")", out, 0, m, x.diff(), false, false));
            }
        }
        List<Integer> dims = new ArrayList<>();
        for (Sym.Slot slot : slots) dims.add(sh.dslDim(slot, rnd.nextInt(3) == 0));
        Collections.shuffle(dims, rnd);
        String list = String.join(", ", dims.stream().map(String::valueOf).toList());
        if (rnd.nextBoolean()) {
            words.add("sum");
            return tame(new Expr(fn("sum") + "(" + x.text() + ", " + list + ")", out, Math.min(n * x.lo(), x.lo()), Math.max(n * x.hi(), x.hi()), x.diff(), false, false));
        }
        // amax and select take mean's place with mean's bounds (and its draw), so what is drawn after them is unchanged
        String meanFn = fn("mean");
        if (dims.size() == 1 && later.nextInt(4) == 0) {
            if (later.nextBoolean() && (x.raw() || !x.diff())) {
                // a raw input has no ties, where the maximum is a kink
                words.add("amax");
                return new Expr(laterFn("amax") + "(" + x.text() + ", " + list + ")", out, x.lo(), x.hi(), x.diff(), false, false);
            }
            words.add("select");
            return new Expr(laterFn("select") + "(" + x.text() + ", " + list + ", " + (later.nextBoolean() ? "0" : "-1") + ")", out,
                    x.lo(), x.hi(), x.diff(), false, false);
        }
        words.add("mean");
        return new Expr(meanFn + "(" + x.text() + ", " + list + ")", out, x.lo(), x.hi(), x.diff(), false, false);
    }

    private Expr gather(Expr x, int dim, Sym out) {
        words.add("gather");
        String ign = ignore != null && rnd.nextInt(3) != 0 ? ", " + ignore : "";
        double lo = ign.isEmpty() ? x.lo() : Math.min(0, x.lo());
        double hi = ign.isEmpty() ? x.hi() : Math.max(0, x.hi());
        return new Expr(fn("gather") + "(" + x.text() + ", " + dim + ", " + target + ign + ")", out, lo, hi, x.diff(), x.mask(), false);
    }

    // ================================================================== expressions

    /** A random expression of exactly shape s. */
    Expr gen(Sym s, int depth) {
        if (depth <= 0) {
            return leafOrBase(s);
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            int r = rnd.nextInt(118);
            Expr e;
            if (r < 10) e = leafOrBase(s);
            else if (r < 32) e = unary(gen(s, depth - 1));
            else if (r < 40) e = withNumber(gen(s, depth - 1));
            else if (r < 58) e = binary(s, depth);
            else if (r < 68) e = reduction(s, depth);
            else if (r < 73) e = softmaxLike(s, depth);
            else if (r < 76) e = unsqueezed(s, depth);
            else if (r < 82) e = gathered(s, depth);
            else if (r < 88) e = selected(s, depth);
            else if (r < 91) e = masked(s, depth);
            else if (r < 95) e = chosen(s, depth);
            else if (r < 98) e = weightedBy(s, depth);
            else if (r < 101) e = alignVariance(s, depth);
            else if (r < 107) e = primitive(s, depth);
            else if (r < 110) e = guardedLog(s, depth);
            else if (r < 113) e = constantLeft(s, depth);
            else e = withCollapse(s, depth);
            if (e != null) {
                return tame(e);
            }
        }
        return leafOrBase(s);
    }

    private Expr leafOrBase(Sym s) {
        List<Expr> exact = leaves.stream().filter(l -> l.shape().equals(s)).toList();
        if (!exact.isEmpty() && rnd.nextInt(4) != 0) {
            return exact.get(rnd.nextInt(exact.size()));
        }
        return base(s);
    }

    /** An expression of shape s that depends on a differentiable input. */
    private Expr differentiableOf(Sym s) {
        for (int i = 0; i < 6; i++) {
            Expr e = gen(s, 1);
            if (e.diff()) return e;
        }
        Derivation d = null;
        for (Expr src : leaves) {
            if (src.diff() && (d = match(s, src)) != null) break;
        }
        if (d == null) {
            return null;
        }
        Expr x = d.source();
        if (d.drop() == null) return reduceAll(x);
        if (!d.drop().isEmpty()) x = reduce(x, d.drop());
        for (Sym.Slot at : d.inserts()) x = unsqueezeAt(x, at);
        return x;
    }

    private Expr binaryWith(Expr a, Expr b) {
        if (b == null) return a;
        words.add("add");
        return combine("add", a, b);
    }

    private static String fmt(double v) {
        return Num.lit(v).text();
    }

    /** {@link #fn} drawn from the later words' stream. */
    private String laterFn(String name) {
        int r = later.nextInt(40);
        return r == 0 ? "Ops." + name : r == 1 ? "dev.lossforge.dsl.Ops." + name : name;
    }

    /** fn or Ops.fn or the fully qualified name, as a user may write it. */
    private String fn(String name) {
        int r = rnd.nextInt(40);
        return r == 0 ? "Ops." + name : r == 1 ? "dev.lossforge.dsl.Ops." + name : name;
    }

    // ------------------------------------------------------------------ intervals

    private static double[] mulI(double a, double b, double c, double d) {
        double[] v = {a * c, a * d, b * c, b * d};
        return new double[] {Arrays.stream(v).min().getAsDouble(), Arrays.stream(v).max().getAsDouble()};
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }

    /** Keeps magnitudes small: a value that could exceed 50 is scaled down by a power of ten. */
    private Expr tame(Expr e) {
        double m = e.maxAbs();
        if (m <= 50) return e;
        double f = Math.pow(10, -Math.ceil(Math.log10(m / 10)));
        words.add("mul");
        return new Expr(e.receiver() + ".mul(" + (f >= 1e-3 ? Double.toString(f) : String.format("%.0e", f)) + ")", e.shape(), e.lo() * f, e.hi() * f, e.diff(), false, false);
    }

    /** x, or an expression of x, with values >= margin (unless generating a branch never taken). */
    private Expr positive(Expr x, double margin) {
        if (x.lo() >= margin || unsafe && rnd.nextBoolean()) return x;
        switch (rnd.nextInt(6)) {
            case 0: {
                Expr y = x.maxAbs() > 4 ? withFactor(x, 4 / x.maxAbs()) : x;
                words.add("exp");
                Expr e = new Expr(fn("exp") + "(" + y.text() + ")", y.shape(), Math.exp(y.lo()), Math.exp(y.hi()), y.diff(), false, false);
                return e.lo() >= margin ? e : shift(e, margin);
            }
            case 1: {
                words.add("softplus");
                Expr e = new Expr(fn("softplus") + "(" + x.text() + ")", x.shape(), softplus(x.lo()), softplus(x.hi()), x.diff(), false, false);
                return e.lo() >= margin ? e : shift(e, margin);
            }
            case 2: {
                words.add("square");
                words.add("add");
                double[] sq = squareI(x.lo(), x.hi());
                return new Expr(fn("square") + "(" + x.text() + ").add(1.0)", x.shape(), sq[0] + 1, sq[1] + 1, x.diff(), false, false);
            }
            case 3: {
                words.add("abs");
                double[] ab = absI(x.lo(), x.hi());
                return shift(new Expr(fn("abs") + "(" + x.text() + ")", x.shape(), ab[0], ab[1], x.diff(), false, false), margin);
            }
            case 4: {
                Expr y = x.maxAbs() > 4 ? withFactor(x, 4 / x.maxAbs()) : x;
                words.add("sigmoid");
                Expr e = new Expr(fn("sigmoid") + "(" + y.text() + ")", y.shape(), sig(y.lo()), sig(y.hi()), y.diff(), false, false);
                return e.lo() >= margin ? e : shift(e, margin);
            }
            default: {
                // log(exp(x) + 1) is softplus written out
                Expr y = x.maxAbs() > 4 ? withFactor(x, 4 / x.maxAbs()) : x;
                words.add("exp");
                words.add("log");
                words.add("add");
                Expr e = new Expr(fn("log") + "(" + fn("exp") + "(" + y.text() + ").add(1.0))", y.shape(), softplus(y.lo()), softplus(y.hi()), y.diff(), false, false);
                return e.lo() >= margin ? e : shift(e, margin);
            }
        }
    }

    private Expr shift(Expr e, double margin) {
        double by = margin - Math.min(e.lo(), 0) + (e.lo() >= 0 ? 0.1 : 0);
        by = Math.ceil(by * 10) / 10;
        words.add("add");
        return new Expr(e.receiver() + ".add(" + by + ")", e.shape(), e.lo() + by, e.hi() + by, e.diff(), false, false);
    }

    private Expr withFactor(Expr x, double f) {
        double r = Math.max(1e-3, Math.floor(f * 1000) / 1000);
        words.add("mul");
        double[] i = mulI(x.lo(), x.hi(), r, r);
        return new Expr(x.receiver() + ".mul(" + r + ")", x.shape(), i[0], i[1], x.diff(), x.mask(), false);
    }

    /** A probability in [0.02, 0.98]. */
    private Expr probability(Expr x) {
        if (x.lo() >= 0.02 && x.hi() <= 0.98 || unsafe && !avoid.preconditionsInBranchNotTaken && rnd.nextBoolean()) return x;
        Expr y = x.maxAbs() > 3 ? withFactor(x, 3 / x.maxAbs()) : x;
        words.add("sigmoid");
        return new Expr(fn("sigmoid") + "(" + y.text() + ")", y.shape(), sig(y.lo()), sig(y.hi()), y.diff(), false, false);
    }

    private static double[] squareI(double lo, double hi) {
        double a = lo * lo, b = hi * hi;
        return lo <= 0 && hi >= 0 ? new double[] {0, Math.max(a, b)} : new double[] {Math.min(a, b), Math.max(a, b)};
    }

    private static double[] absI(double lo, double hi) {
        return lo >= 0 ? new double[] {lo, hi} : hi <= 0 ? new double[] {-hi, -lo} : new double[] {0, Math.max(-lo, hi)};
    }

    // ------------------------------------------------------------------ productions

    private Expr unary(Expr x) {
        Expr e = firstUnary(x);
        if (e == null || later.nextInt(12) != 0) {
            return e;
        }
        // detach keeps the bounds, so what is drawn after it is unchanged; its gradient is none, not the derivative
        // of its value: no finite differences for this program
        if (e.diff()) fdExact = false;
        words.add("detach");
        return new Expr(laterFn("detach") + "(" + e.text() + ")", e.shape(), e.lo(), e.hi(), e.diff(), false, false);
    }

    private Expr firstUnary(Expr x) {
        String f = new String[] {"neg", "exp", "log", "log1p", "sqrt", "square", "abs", "sigmoid", "logSigmoid",
                "softplus", "relu", "clamp", "clampMin", "clampMax", "clampMinStraightThrough", "pow", "expm1"}[rnd.nextInt(17)];
        Sym s = x.shape();
        switch (f) {
            case "neg":
                words.add("neg");
                return new Expr(x.receiver() + ".neg()", s, -x.hi(), -x.lo(), x.diff(), false, false);
            case "exp": {
                Expr y = x.hi() > 4 && !unsafe ? withFactor(x, 4 / x.maxAbs()) : x;
                words.add("exp");
                return new Expr(fn("exp") + "(" + y.text() + ")", s, Math.exp(y.lo()), Math.exp(Math.min(y.hi(), 30)), y.diff(), false, false);
            }
            case "expm1": {
                Expr y = x.hi() > 4 && !unsafe ? withFactor(x, 4 / x.maxAbs()) : x;
                words.add("expm1");
                return new Expr(fn("expm1") + "(" + y.text() + ")", s, Math.expm1(y.lo()), Math.expm1(Math.min(y.hi(), 30)), y.diff(), false, false);
            }
            case "log": {
                Expr y = positive(x, 0.05);
                words.add("log");
                return new Expr(fn("log") + "(" + y.text() + ")", s, Math.log(Math.max(y.lo(), 1e-3)), Math.log(Math.max(y.hi(), 1e-3)), y.diff(), false, false);
            }
            case "log1p": {
                Expr y = x.lo() > -0.9 ? x : positive(x, 0.05);
                words.add("log1p");
                return new Expr(fn("log1p") + "(" + y.text() + ")", s, Math.log1p(Math.max(y.lo(), -0.9)), Math.log1p(Math.max(y.hi(), -0.9)), y.diff(), false, false);
            }
            case "sqrt": {
                Expr y = positive(x, 0.05);
                words.add("sqrt");
                return new Expr(fn("sqrt") + "(" + y.text() + ")", s, Math.sqrt(Math.max(y.lo(), 0)), Math.sqrt(Math.max(y.hi(), 0)), y.diff(), false, false);
            }
            case "square": {
                words.add("square");
                double[] i = squareI(x.lo(), x.hi());
                return new Expr(fn("square") + "(" + x.text() + ")", s, i[0], i[1], x.diff(), false, false);
            }
            case "abs": {
                words.add("abs");
                double[] i = absI(x.lo(), x.hi());
                return new Expr(fn("abs") + "(" + x.text() + ")", s, i[0], i[1], x.diff(), false, false);
            }
            case "sigmoid":
                words.add("sigmoid");
                return new Expr(fn("sigmoid") + "(" + x.text() + ")", s, sig(x.lo()), sig(x.hi()), x.diff(), false, false);
            case "logSigmoid":
                words.add("logSigmoid");
                return new Expr(fn("logSigmoid") + "(" + x.text() + ")", s, -softplus(-x.lo()), -softplus(-x.hi()), x.diff(), false, false);
            case "softplus":
                words.add("softplus");
                return new Expr(fn("softplus") + "(" + x.text() + ")", s, softplus(x.lo()), softplus(x.hi()), x.diff(), false, false);
            case "relu":
                words.add("relu");
                return new Expr(fn("relu") + "(" + x.text() + ")", s, Math.max(0, x.lo()), Math.max(0, x.hi()), x.diff(), false, false);
            case "clamp": {
                double w = x.hi() - x.lo();
                double lo = round2(x.lo() + w * (0.1 + 0.3 * rnd.nextDouble()));
                double hi = round2(x.hi() - w * (0.1 + 0.3 * rnd.nextDouble()));
                if (!(lo < hi)) return null;
                words.add("clamp");
                return new Expr(fn("clamp") + "(" + x.text() + ", " + numText(lo) + ", " + numText(hi) + ")", s, lo, hi, x.diff(), false, false);
            }
            case "clampMin": {
                double lo = round2(x.lo() + (x.hi() - x.lo()) * rnd.nextDouble() * 0.6);
                words.add("clampMin");
                return new Expr(fn("clampMin") + "(" + x.text() + ", " + numText(lo) + ")", s, lo, Math.max(lo, x.hi()), x.diff(), false, false);
            }
            case "clampMax": {
                double hi = round2(x.hi() - (x.hi() - x.lo()) * rnd.nextDouble() * 0.6);
                words.add("clampMax");
                return new Expr(fn("clampMax") + "(" + x.text() + ", " + numText(hi) + ")", s, Math.min(hi, x.lo()), hi, x.diff(), false, false);
            }
            case "clampMinStraightThrough": {
                boolean clamps = rnd.nextInt(8) == 0;
                double lo = clamps ? round2((x.lo() + x.hi()) / 2) : Math.floor(x.lo() - 1);
                if (clamps && x.diff()) fdExact = false;
                words.add("clampMinStraightThrough");
                return new Expr(fn("clampMinStraightThrough") + "(" + x.text() + ", " + numText(lo) + ")", s, Math.max(lo, x.lo()), Math.max(lo, x.hi()), x.diff(), false, false);
            }
            default: { // pow
                Num e = exponent();
                Expr y = e.isInt() && e.value() > 0 ? x : positive(x, 0.2);
                if (y.maxAbs() > 6) y = withFactor(y, 3 / y.maxAbs());
                double a = Math.pow(y.lo(), e.value()), b = Math.pow(y.hi(), e.value());
                double lo = Math.min(a, b), hi = Math.max(a, b);
                if (y.lo() < 0 && y.hi() > 0) {
                    double m = Math.pow(y.maxAbs(), e.value());
                    lo = e.value() % 2 == 0 ? 0 : -m;
                    hi = m;
                }
                words.add("pow");
                return new Expr(y.receiver() + ".pow(" + e.text() + ")", s, lo, hi, y.diff(), false, false);
            }
        }
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String numText(double v) {
        return v < 0 ? "-" + Math.abs(v) : Double.toString(v);
    }

    private Num exponent() {
        List<Num> ints = nums.stream().filter(n -> n.isInt() && n.value() >= 1 && n.value() <= 3).toList();
        if (!ints.isEmpty() && rnd.nextInt(4) == 0) return ints.get(rnd.nextInt(ints.size()));
        return switch (rnd.nextInt(7)) {
            case 0 -> Num.intLit(2);
            case 1 -> Num.intLit(3);
            case 2 -> Num.lit(2.0);
            case 3 -> Num.lit(0.5);
            case 4 -> Num.lit(1.5);
            case 5 -> Num.lit(-1.0);
            default -> new Num("2.5", 2.5, false, false);
        };
    }

    /** x op number. */
    private Expr withNumber(Expr x) {
        String op = new String[] {"add", "sub", "mul", "div"}[rnd.nextInt(4)];
        Num n = number(2);
        if ((op.equals("div") || op.equals("mul")) && Math.abs(n.value()) < 0.1) {
            return null;
        }
        double[] i = switch (op) {
            case "add" -> new double[] {x.lo() + n.value(), x.hi() + n.value()};
            case "sub" -> new double[] {x.lo() - n.value(), x.hi() - n.value()};
            case "mul" -> mulI(x.lo(), x.hi(), n.value(), n.value());
            default -> mulI(x.lo(), x.hi(), 1 / n.value(), 1 / n.value());
        };
        words.add(op);
        return new Expr(x.receiver() + "." + op + "(" + n.text() + ")", x.shape(), i[0], i[1], x.diff(), false, false);
    }

    /** A number expression: literals, options, number locals, Math, arithmetic and ?: on them. */
    Num number(int depth) {
        int r = rnd.nextInt(depth <= 0 ? 5 : 12);
        if (r < 2) {
            double v = new double[] {0.5, 2.0, 1.5, 0.25, 3.0, 0.75, -1.0, -0.5, 1.0, 0.1}[rnd.nextInt(10)];
            return Num.lit(v);
        }
        if (r < 3) return Num.intLit(1 + rnd.nextInt(3));
        if (r < 5) {
            List<Num> usable = nums.stream().filter(n -> !n.isBool()).toList();
            return usable.isEmpty() ? Num.lit(0.5) : usable.get(rnd.nextInt(usable.size()));
        }
        Num a = number(depth - 1);
        Num b = number(depth - 1);
        return switch (r) {
            case 5 -> new Num("(" + a.text() + " + " + b.text() + ")", a.value() + b.value(), a.isInt() && b.isInt(), false);
            case 6 -> new Num("(" + a.text() + " - " + b.text() + ")", a.value() - b.value(), a.isInt() && b.isInt(), false);
            case 7 -> new Num(a.text() + " * " + b.text(), a.value() * b.value(), a.isInt() && b.isInt(), false);
            case 8 -> Math.abs(a.value()) > 3 ? a : new Num("Math.exp(" + a.text() + ")", Math.exp(a.value()), false, false);
            case 9 -> rnd.nextBoolean() ? new Num("Math.PI", Math.PI, false, false)
                    : new Num("Math.sqrt(2.0)", Math.sqrt(2.0), false, false);
            case 10 -> flag == null ? new Num("Math.max(" + a.text() + ", " + b.text() + ")", Math.max(a.value(), b.value()), a.isInt() && b.isInt(), false)
                    : new Num("(" + flag.text() + " ? " + a.text() + " : " + b.text() + ")", flag.value() != 0 ? a.value() : b.value(), a.isInt() && b.isInt(), false);
            default -> new Num("(double) " + a.text(), a.value(), false, false);
        };
    }

    /** a op b with shapes that broadcast to s. */
    private Expr binary(Sym s, int depth) {
        Sym[] ab = split(s);
        if (ab == null) return null;
        Expr a = gen(ab[0], depth - 1);
        Expr b = gen(ab[1], depth - 1);
        String op = new String[] {"add", "sub", "mul", "div", "maximum", "minimum", "add", "mul"}[rnd.nextInt(8)];
        words.add(op);
        return combine(op, a, b);
    }

    /** Two shapes, each with a derivation, that broadcast to exactly s; null if none was found. */
    private Sym[] split(Sym s) {
        for (int i = 0; i < 6; i++) {
            Sym a = s, b;
            int r = rnd.nextInt(10);
            if (r < 3) b = s;
            else if (r < 8) b = subShape(s);
            else {
                // both smaller: each dim goes to one side, the other side gets 1
                if (s.var() || s.pre().size() < 2) continue;
                List<String> x = new ArrayList<>(), y = new ArrayList<>();
                for (String d : s.pre()) {
                    boolean left = rnd.nextBoolean();
                    x.add(left ? d : "1");
                    y.add(left ? "1" : d);
                }
                a = Sym.fixed(x);
                b = Sym.fixed(y);
            }
            if (!s.equals(Sym.broadcast(a, b))) continue;
            if (derivation(a) == null || derivation(b) == null) continue;
            return rnd.nextBoolean() ? new Sym[] {a, b} : new Sym[] {b, a};
        }
        return null;
    }

    private Expr combine(String op, Expr a, Expr b) {
        Sym s = Sym.broadcast(a.shape(), b.shape());
        if (s == null) throw new IllegalStateException(a.shape() + " vs " + b.shape());
        boolean diff = a.diff() || b.diff();
        switch (op) {
            case "add":
                return new Expr(a.receiver() + ".add(" + b.text() + ")", s, a.lo() + b.lo(), a.hi() + b.hi(), diff, false, false);
            case "sub":
                return new Expr(a.receiver() + ".sub(" + b.text() + ")", s, a.lo() - b.hi(), a.hi() - b.lo(), diff, false, false);
            case "mul": {
                double[] i = mulI(a.lo(), a.hi(), b.lo(), b.hi());
                return new Expr(a.receiver() + ".mul(" + b.text() + ")", s, i[0], i[1], diff, a.mask() && b.mask(), false);
            }
            case "div": {
                Expr d = rnd.nextInt(4) == 0 ? negative(b) : positive(b, 0.1);
                double dlo = d.lo(), dhi = d.hi();
                if (unsafe && (dlo <= 0 && dhi >= 0)) {
                    dlo = 0.1;
                    dhi = 1;
                }
                double[] i = mulI(a.lo(), a.hi(), 1 / dhi, 1 / dlo);
                return new Expr(a.receiver() + ".div(" + d.text() + ")", s, i[0], i[1], a.diff() || d.diff(), false, false);
            }
            case "maximum":
                return new Expr(fn("maximum") + "(" + a.text() + ", " + b.text() + ")", s, Math.max(a.lo(), b.lo()), Math.max(a.hi(), b.hi()), diff, a.mask() && b.mask(), false);
            case "minimum":
                return new Expr(fn("minimum") + "(" + a.text() + ", " + b.text() + ")", s, Math.min(a.lo(), b.lo()), Math.min(a.hi(), b.hi()), diff, a.mask() && b.mask(), false);
            default:
                throw new IllegalArgumentException(op);
        }
    }

    private Expr negative(Expr b) {
        Expr p = positive(b, 0.1);
        words.add("neg");
        return new Expr(p.receiver() + ".neg()", p.shape(), -p.hi(), -p.lo(), p.diff(), false, false);
    }

    /** A reduction of a larger derivable shape down to s. */
    private Expr reduction(Sym s, int depth) {
        for (int i = 0; i < 6; i++) {
            Expr src = leaves.get(rnd.nextInt(leaves.size()));
            Derivation d = match(s, src);
            if (d == null) continue;
            if (d.drop() == null) {
                Sym p = src.shape();
                return reduceAll(gen(p, depth - 1));
            }
            if (d.drop().isEmpty() || !d.inserts().isEmpty()) continue;
            Expr x = gen(src.shape(), depth - 1);
            return reduce(x, d.drop());
        }
        return null;
    }

    private Expr softmaxLike(Sym s, int depth) {
        List<Sym.Slot> slots = s.slots();
        if (slots.isEmpty()) return null;
        Sym.Slot slot = slots.get(rnd.nextInt(slots.size()));
        int dim = s.dslDim(slot, rnd.nextInt(3) == 0);
        long n = Sym.size(s.at(slot), sizes);
        Expr x = gen(s, depth - 1);
        if (rnd.nextBoolean()) {
            words.add("softmax");
            return new Expr(fn("softmax") + "(" + x.text() + ", " + dim + ")", s, Math.exp(x.lo() - x.hi()) / n, 1, x.diff(), false, false);
        }
        words.add("logSoftmax");
        return new Expr(fn("logSoftmax") + "(" + x.text() + ", " + dim + ")", s, x.lo() - x.hi() - Math.log(n), 0, x.diff(), false, false);
    }

    private Expr unsqueezed(Sym s, int depth) {
        List<Sym.Slot> ones = s.slots().stream().filter(sl -> s.at(sl).equals("1")).toList();
        if (ones.isEmpty()) return null;
        Sym.Slot at = ones.get(rnd.nextInt(ones.size()));
        if (!at.inPre() && avoid.negativeUnsqueeze) return null;
        Sym smaller = s.drop(List.of(at));
        if (derivation(smaller) == null) return null;
        return unsqueezeAt(gen(smaller, depth - 1), at);
    }

    private Expr gathered(Sym s, int depth) {
        if (target == null || !s.equals(targetShape)) return null;
        List<Sym.Slot> positions = new ArrayList<>();
        for (int i = 0; i <= s.pre().size(); i++) positions.add(new Sym.Slot(true, i));
        if (s.var()) for (int i = 0; i <= s.suf().size(); i++) positions.add(new Sym.Slot(false, i));
        Collections.shuffle(positions, rnd);
        for (Sym.Slot at : positions) {
            Sym p = s.insert(at.inPre(), at.index(), classDim);
            if (derivation(p) == null) continue;
            Expr x = gen(p, depth - 1);
            int dim = p.dslDim(at, rnd.nextInt(3) == 0);
            return gather(x, dim, s);
        }
        return null;
    }

    /** where(mask, a, b), the mask from a comparison of values or of class indices, or a pick mask. */
    private Expr selected(Sym s, int depth) {
        Expr c = mask(s, depth, false);
        if (c == null) return null;
        Sym[] ab = split(s);
        if (ab == null) ab = new Sym[] {s, s};
        Expr a = gen(ab[0], depth - 1);
        Expr b = rnd.nextInt(4) == 0 ? new Expr(fn("constant") + "(" + numText(0.0) + ")", Sym.SCALAR, 0, 0, false, false, false) : gen(ab[1], depth - 1);
        if (b.text().contains("constant")) words.add("constant");
        if (!s.equals(Sym.broadcast(Sym.broadcast(c.shape(), a.shape()), b.shape()))) return null;
        words.add("where");
        return new Expr(fn("where") + "(" + c.text() + ", " + a.text() + ", " + b.text() + ")", s, Math.min(a.lo(), b.lo()), Math.max(a.hi(), b.hi()), a.diff() || b.diff(), false, false);
    }

    /** A 0/1 mask whose shape broadcasts into s. */
    private Expr mask(Sym s, int depth, boolean forArithmetic) {
        int r = rnd.nextInt(10);
        String cmp = new String[] {"gt", "ge", "lt", "le", "eq", "ne"}[rnd.nextInt(6)];
        if (r < 4 && target != null && rnd.nextInt(5) < 3) cmp = rnd.nextBoolean() ? "eq" : "ne";
        if (r < 4 && target != null && Sym.broadcast(s, targetShape) != null && s.equals(Sym.broadcast(s, targetShape))) {
            words.add(cmp);
            String rhs = ignore != null && rnd.nextBoolean() ? ignore : Integer.toString(rnd.nextInt(sizes.get(classDim)));
            if (rnd.nextBoolean() || forArithmetic && avoid.numbersOnIndexMasks) {
                words.add("asValues");
                return new Expr(fn(cmp) + "(" + fn("asValues") + "(" + target + "), " + rhs + ")", targetShape, 0, 1, false, true, false);
            }
            return new Expr(fn(cmp) + "(" + target + ", " + rhs + ")", targetShape, 0, 1, false, true, false);
        }
        if (r < 6 && target != null) {
            Expr pm = pickMask(s, depth);
            if (pm != null) {
                if (rnd.nextBoolean()) return pm;
                words.add("gt");
                return new Expr(fn("gt") + "(" + pm.text() + ", 0.5)", pm.shape(), 0, 1, false, true, false);
            }
        }
        Sym cs = rnd.nextBoolean() ? s : subShape(s);
        if (derivation(cs) == null) cs = s;
        Expr x = gen(cs, Math.max(0, depth - 2));
        if (cmp.equals("eq") || cmp.equals("ne")) cmp = rnd.nextBoolean() ? "gt" : "le"; // equality of random values is never true
        words.add(cmp);
        if (rnd.nextBoolean()) {
            double mid = round2((x.lo() + x.hi()) / 2);
            return new Expr(fn(cmp) + "(" + x.text() + ", " + numText(mid) + ")", cs, 0, 1, false, true, false);
        }
        Sym[] ab = split(cs);
        Expr y = gen(ab == null ? cs : ab[0], Math.max(0, depth - 2));
        Sym out = Sym.broadcast(x.shape(), y.shape());
        if (out == null || !s.equals(Sym.broadcast(s, out))) return null;
        return new Expr(fn(cmp) + "(" + x.text() + ", " + y.text() + ")", out, 0, 1, false, true, false);
    }

    private Expr pickMask(Sym s, int depth) {
        List<Sym.Slot> cs = s.slots().stream().filter(sl -> s.at(sl).equals(classDim)).toList();
        if (cs.isEmpty()) return null;
        Sym.Slot at = cs.get(rnd.nextInt(cs.size()));
        if (!s.drop(List.of(at)).equals(targetShape)) return null;
        Expr like = gen(s, Math.max(0, depth - 2));
        words.add("pickMask");
        return new Expr(fn("pickMask") + "(" + like.text() + ", " + s.dslDim(at, rnd.nextInt(3) == 0) + ", " + target + ")", s, 0, 1, false, true, false);
    }

    /** x times a mask (or 1 - mask). */
    private Expr masked(Sym s, int depth) {
        Expr c = mask(s, depth, true);
        if (c == null) return null;
        Expr x = gen(s, depth - 1);
        if (!s.equals(Sym.broadcast(x.shape(), c.shape()))) return null;
        words.add("mul");
        if (rnd.nextBoolean()) {
            words.add("constant");
            words.add("sub");
            return new Expr(x.receiver() + ".mul(" + fn("constant") + "(1.0).sub(" + c.text() + "))", s, Math.min(0, x.lo()), Math.max(0, x.hi()), x.diff(), false, false);
        }
        return new Expr(x.receiver() + ".mul(" + c.text() + ")", s, Math.min(0, x.lo()), Math.max(0, x.hi()), x.diff(), false, false);
    }

    /** cond ? a : b on a boolean or number option; the branch not taken is generated without domain care. */
    private Expr chosen(Sym s, int depth) {
        Num cond;
        boolean taken;
        if (flag != null && rnd.nextInt(3) != 0) {
            cond = flag;
            taken = flag.value() != 0;
            if (rnd.nextInt(4) == 0) {
                cond = new Num("!" + flag.text(), 1 - flag.value(), false, true);
                taken = !taken;
            }
        } else {
            List<Num> usable = nums.stream().filter(n -> !n.isBool()).toList();
            if (usable.isEmpty()) return null;
            Num n = usable.get(rnd.nextInt(usable.size()));
            double t = round2(n.value() + (rnd.nextBoolean() ? 0.5 : -0.5));
            cond = new Num(n.text() + " > " + numText(t), n.value() > t ? 1 : 0, false, true);
            taken = n.value() > t;
        }
        // both branches have the shape (d1564d9: only one of them is computed)
        Sym[] ab = {s, s};
        Expr a, b;
        boolean was = unsafe;
        if (taken) {
            a = gen(ab[0], depth - 1);
            unsafe = true;
            b = gen(ab[1], depth - 1);
            unsafe = was;
        } else {
            unsafe = true;
            a = gen(ab[0], depth - 1);
            unsafe = was;
            b = gen(ab[1], depth - 1);
        }
        Expr t = taken ? a : b;
        return new Expr("(" + cond.text() + " ? " + a.text() + " : " + b.text() + ")", s, t.lo(), t.hi(), t.diff(), false, false);
    }

    /** take(weights, target) or scaleAlong(x, d, weights) with the class weights, or asValues of the target. */
    private Expr weightedBy(Sym s, int depth) {
        int r = rnd.nextInt(3);
        Expr weights = classWeights;
        if (!avoid.takeOfScalarOption && (weights == null || rnd.nextBoolean())) {
            List<Expr> scalars = leaves.stream().filter(l -> !l.diff() && l.shape().isScalar() && !l.text().contains("(")).toList();
            if (!scalars.isEmpty()) weights = scalars.get(rnd.nextInt(scalars.size()));
        }
        if (r == 0 && target != null && weights != null && s.equals(Sym.broadcast(s, targetShape))) {
            Expr x = gen(s, depth - 1);
            String ign = ignore != null && rnd.nextBoolean() ? ", " + ignore : "";
            words.add("take");
            words.add("mul");
            double[] i = mulI(x.lo(), x.hi(), Math.min(0, weights.lo()), weights.hi());
            return new Expr(x.receiver() + ".mul(" + fn("take") + "(" + weights.text() + ", " + target + ign + "))", s, i[0], i[1], x.diff(), false, false);
        }
        if (r == 1) {
            List<Sym.Slot> cs = s.slots().stream().filter(sl -> s.at(sl).equals("C")).toList();
            Expr w = classWeights;
            if (cs.isEmpty() || w == null) return null;
            Sym.Slot at = cs.get(rnd.nextInt(cs.size()));
            Expr x = gen(s, depth - 1);
            words.add("scaleAlong");
            double[] i = mulI(x.lo(), x.hi(), w.lo(), w.hi());
            return new Expr(fn("scaleAlong") + "(" + x.text() + ", " + s.dslDim(at, rnd.nextInt(3) == 0) + ", " + w.text() + ")", s, i[0], i[1], x.diff(), false, false);
        }
        if (r == 2 && target != null && s.equals(Sym.broadcast(s, targetShape))) {
            Expr x = gen(s, depth - 1);
            words.add("asValues");
            words.add("mul");
            int c = sizes.get(classDim);
            double[] i = mulI(x.lo(), x.hi(), 1, c);
            return new Expr(x.receiver() + ".mul(" + fn("asValues") + "(" + target + ").add(1.0))", s, i[0], i[1], x.diff(), false, false);
        }
        return null;
    }

    /** alignVariance(var, x) for var of x's shape, without its last dim, or with a last dim of 1. */
    private Expr alignVariance(Sym s, int depth) {
        if (s.isScalar() || s.var() && s.suf().isEmpty()) return null;
        Sym v;
        List<Sym.Slot> slots = s.slots();
        Sym.Slot last = slots.get(slots.size() - 1);
        v = switch (rnd.nextInt(3)) {
            case 0 -> s;
            case 1 -> s.drop(List.of(last));
            default -> s.drop(List.of(last)).insert(last.inPre(), last.index(), "1");
        };
        if (derivation(v) == null) return null;
        boolean was = unsafe;
        unsafe &= !avoid.preconditionsInBranchNotTaken;
        Expr var = positive(gen(v, depth - 1), 0.1);
        unsafe = was;
        Expr like = gen(s, Math.max(0, depth - 2));
        words.add("alignVariance");
        Expr aligned = new Expr(fn("alignVariance") + "(" + var.text() + ", " + like.text() + ")", s, var.lo(), var.hi(), var.diff(), false, false);
        if (rnd.nextBoolean()) {
            Expr u = unary(aligned);
            aligned = u == null ? aligned : u;
        }
        if (avoid.alignVarianceShape) {
            // as GaussianNLLLoss uses it: against an operand of the input's shape
            String op = new String[] {"add", "sub", "mul"}[rnd.nextInt(3)];
            words.add(op);
            return rnd.nextBoolean() ? combine(op, gen(s, depth - 1), aligned) : combine(op, aligned, gen(s, depth - 1));
        }
        return aligned;
    }

    /** binaryCrossEntropy, smoothL1 or huber of two operands. */
    private Expr primitive(Sym s, int depth) {
        Sym[] ab = split(s);
        if (ab == null) ab = new Sym[] {s, s};
        Expr a = gen(ab[0], depth - 1);
        Expr b = gen(ab[1], depth - 1);
        switch (rnd.nextInt(3)) {
            case 0: {
                Expr x = probability(a);
                Expr t = b.lo() >= 0 && b.hi() <= 1 ? b : probability(b);
                words.add("binaryCrossEntropy");
                double worst = -Math.log(Math.max(1e-3, Math.min(x.lo(), 1 - x.hi())));
                return new Expr(fn("binaryCrossEntropy") + "(" + x.text() + ", " + t.text() + ")", s, 0, worst, x.diff() || t.diff(), false, false);
            }
            case 1: {
                double beta = new double[] {0.5, 1.0, 2.0}[rnd.nextInt(3)];
                double m = a.maxAbs() + b.maxAbs();
                words.add("smoothL1");
                return new Expr(fn("smoothL1") + "(" + a.text() + ", " + b.text() + ", " + beta + ")", s, 0, Math.max(m, m * m / (2 * beta)), a.diff() || b.diff(), false, false);
            }
            default: {
                Num delta = nums.stream().filter(n -> !n.isBool() && n.value() > 0.1).findFirst().orElse(Num.lit(1.0));
                double m = a.maxAbs() + b.maxAbs();
                words.add("huber");
                return new Expr(fn("huber") + "(" + a.text() + ", " + b.text() + ", " + delta.text() + ")", s, 0, Math.max(m * m / 2, delta.value() * m), a.diff() || b.diff(), false, false);
            }
        }
    }

    /** where(gt(u, m), log(u), alt): log's NaNs below m are never selected and must not reach the gradient. */
    private Expr guardedLog(Sym s, int depth) {
        List<Expr> raws = leaves.stream().filter(l -> l.raw() && l.diff() && l.lo() < 0 && s.equals(Sym.broadcast(s, l.shape()))).toList();
        if (raws.isEmpty()) return null;
        Expr u = raws.get(rnd.nextInt(raws.size()));
        double m = new double[] {0.1, 0.2, 0.5}[rnd.nextInt(3)];
        Expr alt = gen(s, depth - 1);
        words.add("where");
        words.add("gt");
        boolean log1p = rnd.nextBoolean();
        words.add(log1p ? "log1p" : "log");
        String f = log1p ? "log1p(" + u.text() + ".sub(1.0))" : "log(" + u.text() + ")";
        double lo = log1p ? Math.log1p(m - 1) : Math.log(m);
        double hi = log1p ? Math.log1p(u.hi() - 1) : Math.log(u.hi());
        if (log1p) words.add("sub");
        return new Expr(fn("where") + "(" + fn("gt") + "(" + u.text() + ", " + m + "), " + f + ", " + alt.text() + ")", s,
                Math.min(lo, alt.lo()), Math.max(hi, alt.hi()), true, false, false);
    }

    /** constant(s).sub(x) and friends: a number on the left. */
    private Expr constantLeft(Sym s, int depth) {
        Expr x = gen(s, depth - 1);
        Num n = number(1);
        String op = new String[] {"sub", "add", "mul"}[rnd.nextInt(3)];
        words.add("constant");
        words.add(op);
        Expr c = new Expr(fn("constant") + "(" + n.text() + ")", Sym.SCALAR, n.value(), n.value(), false, false, false);
        return combine(op, c, x);
    }

    /** The #N input (N or 1 at run time) against an operand of the full shape. */
    private Expr withCollapse(Sym s, int depth) {
        if (collapse == null || !s.equals(Sym.broadcast(s, collapse.shape())) || s.pre().isEmpty() || !s.pre().get(0).equals("N")
                || s.pre().size() != collapse.shape().pre().size()) {
            return null;
        }
        Expr x = gen(s, depth - 1);
        String op = new String[] {"add", "sub", "mul"}[rnd.nextInt(3)];
        words.add(op);
        return rnd.nextBoolean() ? combine(op, x, collapse) : combine(op, collapse, x);
    }

    // ------------------------------------------------------------------ what a body returns

    /** Weights for weighted(...): positive, of a shape that broadcasts into the loss's. */
    private String meanWeights(Sym result) {
        List<String> options = new ArrayList<>();
        if (target != null && classWeights != null && result.equals(Sym.broadcast(result, targetShape))) {
            options.add(fn("take") + "(" + classWeights.text() + ", " + target + (ignore != null ? ", " + ignore : "") + ")");
            words.add("take");
        }
        Expr p = positiveParamAtMost(result);
        if (p != null) options.add(p.text());
        if (target != null && result.equals(Sym.broadcast(result, targetShape))) {
            words.add("asValues");
            options.add(fn("asValues") + "(" + target + ").add(0.5)");
        }
        return options.isEmpty() ? null : options.get(rnd.nextInt(options.size()));
    }

    /** A positive value input whose shape broadcasts into s. */
    private Expr positiveParamAtMost(Sym s) {
        List<Expr> ok = leaves.stream().filter(l -> l.raw() && l.lo() > 0 && tensorShapes.containsKey(l.text())
                && s.equals(Sym.broadcast(s, l.shape()))).toList();
        return ok.isEmpty() ? null : ok.get(rnd.nextInt(ok.size()));
    }

    // ================================================================== families with special index inputs

    /** multiLabelMargin over (N,C) with -1-padded class targets. */
    private Program multiLabelProgram(String method) {
        reset();
        boolean batched = rnd.nextInt(4) != 0;
        Sym pred = batched ? Sym.of("N", "C") : Sym.of("C");
        String in = freshName(TENSOR_NAMES, "t");
        String tg = freshName(TENSOR_NAMES, "t");
        addValueInput(in, pred, Kind.VALUE, new double[] {-2, 2});
        params.add(new Param(tg, Kind.INDEX, pred.concrete(sizes, varDims), 0, sizes.get("C"), "multilabel", false));
        List<String> optionDecls = options(pred);
        List<String> decls = interleave(List.of("Tensor " + in, "@Index Tensor " + tg), optionDecls);
        Expr x = gen(pred, 1 + rnd.nextInt(2));
        if (!x.diff()) x = binaryWith(x, differentiableOf(pred));
        words.add("multiLabelMargin");
        Sym result = batched ? Sym.of("N") : Sym.SCALAR;
        Expr loss = new Expr("multiLabelMargin(" + x.text() + ", " + tg + ")", result, 0, 2 + 2 * x.maxAbs(), true, false, false);
        if (rnd.nextBoolean()) {
            Expr u = unary(loss);
            loss = u == null ? loss : u;
        }
        loss = tame(loss);
        String className = Character.toUpperCase(method.charAt(0)) + method.substring(1) + "Loss";
        String text = "@Loss(pred = \"" + pred.decl() + "\", target = \"" + pred.decl() + "\")\nstatic Tensor " + method + "("
                + String.join(", ", decls) + ") {\n    return " + loss.text() + ";\n}\n";
        return new Program(method, className, text, List.copyOf(params), fdExact, null, Set.copyOf(words), false, false);
    }

    /** ctcLoss over log-softmaxed (T,N,C) scores, with targets and lengths; MEAN divides by the target lengths. */
    private Program ctcProgram(String method) {
        reset();
        sizes.put("T", 5 + rnd.nextInt(2));
        sizes.put("S", 2);
        Sym pred = Sym.of("T", "N", "C");
        String lp = freshName(TENSOR_NAMES, "t");
        addValueInput(lp, pred, Kind.VALUE, new double[] {-2, 2});
        params.add(new Param("targets", Kind.INDEX, new long[] {sizes.get("N"), 2}, 1, sizes.get("C"), "ctc:targets", false));
        params.add(new Param("inputLengths", Kind.INDEX, new long[] {sizes.get("N")}, 0, sizes.get("T"), "ctc:inputLengths", false));
        params.add(new Param("targetLengths", Kind.INDEX, new long[] {sizes.get("N")}, 1, 2, "ctc:targetLengths", false));
        names.addAll(List.of("targets", "inputLengths", "targetLengths", "blank", "zeroInfinity"));
        params.add(new Param("blank", Kind.OPT_LONG, null, 0, 0, 0L, false));
        params.add(new Param("zeroInfinity", Kind.OPT_BOOL, null, 0, 0, false, false));
        Expr x = gen(pred, 1 + rnd.nextInt(2));
        if (!x.diff()) x = binaryWith(x, differentiableOf(pred));
        words.add("logSoftmax");
        words.add("ctcLoss");
        int dim = rnd.nextBoolean() ? 2 : -1;
        String loss = "ctcLoss(logSoftmax(" + x.text() + ", " + dim + "), targets, inputLengths, targetLengths, blank, zeroInfinity)";
        String meanDivisor = null;
        if (rnd.nextBoolean()) {
            words.add("meanDividedBy");
            words.add("asValues");
            loss = "meanDividedBy(" + loss + ", asValues(targetLengths))";
            meanDivisor = "targetLengths";
        }
        String className = Character.toUpperCase(method.charAt(0)) + method.substring(1) + "Loss";
        String text = "@Loss(pred = \"T,N,C\", target = \"N,S\")\nstatic Tensor " + method + "(Tensor " + lp + ", @Index Tensor targets,\n"
                + "        @Index @Shape(\"N\") Tensor inputLengths, @Index @Shape(\"N\") Tensor targetLengths,\n"
                + "        @Option(defaultValue = \"0\") long blank, @Option(defaultValue = \"false\") boolean zeroInfinity) {\n"
                + "    return " + loss + ";\n}\n";
        return new Program(method, className, text, List.copyOf(params), fdExact, meanDivisor, Set.copyOf(words), false, false);
    }

}
