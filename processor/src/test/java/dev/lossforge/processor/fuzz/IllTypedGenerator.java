package dev.lossforge.processor.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Random ill-typed {@code @Loss} methods: a well-typed program from {@link WellTypedGenerator} with exactly one
 * mistake put into it (a shape mismatch, a wrong or repeated dim, class indices misused, a number where a tensor
 * goes or the reverse, a wrong argument count, unsupported Java, an unknown name, a wrong declared result, a bad
 * signature or option). Each knows the tag of the error it must get; the mistake is the only one, so the method
 * must get exactly one LossForge error (no cascades).
 */
final class IllTypedGenerator {

    /** An ill-typed method, the tag its one error must carry, and what was done to it. */
    record IllProgram(String method, String text, String tag, String mistake) {
    }

    private final WellTypedGenerator gen;
    private final Random rnd;
    private final WellTypedGenerator.Avoid avoid;

    IllTypedGenerator(long seed, WellTypedGenerator.Avoid avoid) {
        this.gen = new WellTypedGenerator(seed, avoid);
        this.rnd = gen.random();
        this.avoid = avoid;
    }

    /** One expression-level mistake: its text, its tag and a name for it. */
    private record Bad(String text, String tag, String mistake) {
    }

    IllProgram next(String method) {
        for (int attempt = 0;; attempt++) {
            Program p = gen.next(method, true);
            IllProgram ill = mutate(p);
            if (ill != null) return ill;
            if (attempt > 50) throw new IllegalStateException("no mistake fits " + p.text());
        }
    }

    private IllProgram mutate(Program p) {
        String text = p.text();
        int kind = rnd.nextInt(100);
        if (kind < 62) {
            Bad bad = expressionMistake();
            if (bad == null) return null;
            return new IllProgram(p.method(), withExpression(text, bad.text()), bad.tag(), bad.mistake());
        }
        if (kind < 75) {
            String[] st = statementMistake();
            if (st == null) return null;
            return new IllProgram(p.method(), beforeReturn(text, st[0]), st[1], st[2]);
        }
        if (kind < 82) {
            return resultMistake(p);
        }
        if (kind < 85 && !avoid.weightsLargerThanTheLoss) {
            int at = text.lastIndexOf("    return ");
            int end = text.indexOf(";\n", at);
            String ret = text.substring(at + "    return ".length(), end);
            return new IllProgram(p.method(), text.substring(0, at) + "    return weighted(sum(" + ret + "), " + value(gen.predShape()).text() + ");\n"
                    + text.substring(end + 2), "shape", "weights larger than the loss");
        }
        return signatureMistake(p);
    }

    // ------------------------------------------------------------------ where a mistake goes

    /** The mistake used by the loss, inline or through a local, so that shape inference reaches it. */
    private String withExpression(String text, String bad) {
        int at = text.lastIndexOf("    return ");
        int end = text.indexOf(";\n", at);
        String ret = text.substring(at + "    return ".length(), end);
        String receiver = ret.contains("?") && !(ret.startsWith("(") && ret.endsWith(")")) ? "(" + ret + ")" : ret;
        String wrapped = switch (rnd.nextInt(4)) {
            case 0 -> "sum(" + bad + ")";
            case 1 -> "mean(exp(" + bad + "))";
            case 2 -> "sum(" + bad + ".mul(2.0))";
            default -> "sum(square(" + bad + "))";
        };
        if (!avoid.unusedLocalsUnchecked && rnd.nextInt(4) == 0) {
            // a local the loss does not use must be checked all the same
            return text.substring(0, at) + "    Tensor unused" + rnd.nextInt(100) + " = " + bad + ";\n" + text.substring(at);
        }
        if (rnd.nextBoolean()) {
            String local = "bad" + rnd.nextInt(100);
            return text.substring(0, at) + "    Tensor " + local + " = " + bad + ";\n    return " + receiver + ".add(" + wrapped.replace(bad, local)
                    + ");\n" + text.substring(end + 2);
        }
        return text.substring(0, at) + "    return " + receiver + ".add(" + wrapped + ");\n" + text.substring(end + 2);
    }

    private static String beforeReturn(String text, String statement) {
        int at = text.lastIndexOf("    return ");
        return text.substring(0, at) + "    " + statement + "\n" + text.substring(at);
    }

    // ------------------------------------------------------------------ expression mistakes

    private Bad expressionMistake() {
        List<Supplier<Bad>> kinds = List.of(this::broadcastMismatch, this::dimOutOfRange, this::repeatedDim, this::indexAsValue,
                this::valueAsIndex, this::gatherAlongAnotherDim, this::gatherIndexShape, this::takeWeights, this::numberForTensor,
                this::tensorForNumber, this::argumentCount, this::dimNotALiteral, this::operatorOnTensors, this::unknownName,
                this::unknownFunction, this::functionAsMethod, this::weightedInside, this::scaleAlongWeights, this::pickMaskIndex,
                this::whereMask, this::choiceOfShapes);
        for (int i = 0; i < 8; i++) {
            Bad b = kinds.get(rnd.nextInt(kinds.size())).get();
            if (b != null) return b;
        }
        return null;
    }

    private Expr value(Sym s) {
        return gen.gen(s, rnd.nextInt(2));
    }

    private Expr anyValue() {
        return value(gen.anyShape());
    }

    private Bad broadcastMismatch() {
        for (int i = 0; i < 12; i++) {
            Sym a = gen.anyShape();
            Sym b = gen.anyShape();
            if (Sym.broadcast(a, b) != null) continue;
            String x = value(a).receiver();
            String y = value(b).text();
            String op = new String[] {"add", "sub", "mul", "div"}[rnd.nextInt(4)];
            return switch (rnd.nextInt(4)) {
                case 0 -> new Bad("maximum(" + x + ", " + y + ")", "shape", "maximum of " + a + " and " + b);
                case 1 -> new Bad("smoothL1(" + x + ", " + y + ", 1.0)", "shape", "smoothL1 of " + a + " and " + b);
                default -> new Bad(x + "." + op + "(" + y + ")", "shape", op + " of " + a + " and " + b);
            };
        }
        return null;
    }

    /** A dim beyond the rank, or inside the variadic. */
    private int badDim(Sym s) {
        if (!avoid.extremeDims && rnd.nextInt(10) == 0) {
            return rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        }
        if (s.var()) {
            return rnd.nextBoolean() ? s.pre().size() + rnd.nextInt(2) : -s.suf().size() - 1 - rnd.nextInt(2);
        }
        int r = s.fixedRank();
        return rnd.nextBoolean() ? r + rnd.nextInt(3) : -r - 1 - rnd.nextInt(2);
    }

    private Bad dimOutOfRange() {
        Sym s = gen.anyShape();
        String x = value(s).text();
        int d = badDim(s);
        String call = switch (rnd.nextInt(8)) {
            case 0 -> "sum(" + x + ", " + d + ")";
            case 1 -> "mean(" + x + ", 0, " + d + ")";
            case 2 -> "logsumexp(" + x + ", " + d + ")";
            case 3 -> "softmax(" + x + ", " + d + ")";
            case 4 -> "logSoftmax(" + x + ", " + d + ")";
            case 5 -> "norm(" + x + ", 2.0, " + d + ")";
            case 6 -> {
                // unsqueeze may insert at the rank itself
                int u = s.var() ? s.pre().size() + 1 : s.fixedRank() + 1 + rnd.nextInt(2);
                if (!s.var() && !avoid.negativeUnsqueeze && rnd.nextBoolean()) u = -s.fixedRank() - 2;
                yield "unsqueeze(" + x + ", " + u + ")";
            }
            default -> gen.target() != null ? "gather(" + x + ", " + d + ", " + gen.target() + ")" : "sum(" + x + ", " + d + ")";
        };
        if (call.startsWith("mean(") && (s.isScalar() || s.var() && s.pre().isEmpty())) call = "sum(" + x + ", " + d + ")";
        return new Bad(call, "dim", "dim " + d + " of " + s);
    }

    private Bad repeatedDim() {
        Sym s = gen.anyShape();
        if (s.var() ? s.pre().isEmpty() : s.fixedRank() == 0) return null;
        String x = value(s).text();
        int d = 0;
        int again = s.var() || rnd.nextBoolean() ? 0 : -s.fixedRank();
        return new Bad((rnd.nextBoolean() ? "sum(" : "mean(") + x + ", " + d + ", " + again + ")", "dim", "dims " + d + " and " + again + " of " + s);
    }

    private Bad indexAsValue() {
        String t = gen.target();
        if (t == null) return null;
        return switch (rnd.nextInt(5)) {
            case 0 -> new Bad("exp(" + t + ")", "index", "exp of the index");
            case 1 -> new Bad(t + ".add(1.0)", "index", "the index plus a number");
            case 2 -> new Bad("sum(" + t + ")", "index", "sum of the index");
            case 3 -> new Bad(value(gen.targetShape()).receiver() + ".mul(" + t + ")", "index", "a value times the index");
            default -> new Bad("where(gt(" + t + ", 0), " + t + ", " + value(gen.targetShape()).text() + ")", "index", "the index as where's value");
        };
    }

    private Bad valueAsIndex() {
        List<Expr> values = gen.leaves().stream().filter(l -> l.diff()).toList();
        if (values.isEmpty()) return null;
        Expr v = values.get(rnd.nextInt(values.size()));
        Sym p = gen.predShape();
        String x = value(p).text();
        return switch (rnd.nextInt(3)) {
            case 0 -> new Bad("gather(" + x + ", 0, " + v.text() + ")", "index", "gather with a value as the index");
            case 1 -> new Bad("pickMask(" + x + ", 0, " + v.text() + ")", "index", "pickMask with a value as the index");
            default -> gen.classWeights() == null ? new Bad("take(" + x + ", " + v.text() + ")", "index", "take with a value as the index")
                    : new Bad("take(" + gen.classWeights().text() + ", " + v.text() + ")", "index", "take with a value as the index");
        };
    }

    /** gather along a dim that is not the index's domain C, with the index's shape right. */
    private Bad gatherAlongAnotherDim() {
        String t = gen.target();
        if (t == null) return null;
        Sym ts = gen.targetShape();
        for (String other : List.of("N", "D", "2", "3")) {
            for (int at = 0; at <= ts.pre().size(); at++) {
                Sym p = ts.insert(true, at, other);
                if (!gen.derivable(p)) continue;
                return new Bad("gather(" + value(p).text() + ", " + at + ", " + t + ")", "index", "gather along " + other + " of " + p);
            }
        }
        return null;
    }

    /** gather along C, but the index's shape is not the input's without that dim. */
    private Bad gatherIndexShape() {
        String t = gen.target();
        if (t == null) return null;
        Sym ts = gen.targetShape();
        for (int i = 0; i < 10; i++) {
            Sym p = gen.anyShape();
            List<Sym.Slot> cs = p.slots().stream().filter(sl -> p.at(sl).equals("C") && sl.inPre()).toList();
            if (cs.isEmpty()) continue;
            Sym.Slot c = cs.get(rnd.nextInt(cs.size()));
            if (p.drop(List.of(c)).equals(ts)) continue;
            return new Bad("gather(" + value(p).text() + ", " + c.index() + ", " + t + ")", "shape", "gather of " + p + " with an index of " + ts);
        }
        return null;
    }

    private Bad takeWeights() {
        String t = gen.target();
        if (t == null) return null;
        for (int i = 0; i < 10; i++) {
            Sym w = gen.anyShape();
            if (w.equals(Sym.of("C")) || w.isScalar()) continue;
            boolean oneDim = !w.var() && w.fixedRank() == 1;
            if (oneDim && w.pre().get(0).equals("1")) continue;
            return new Bad("take(" + value(w).text() + ", " + t + ")", oneDim ? "index" : "shape", "take with weights of " + w);
        }
        return null;
    }

    private Bad scaleAlongWeights() {
        for (int i = 0; i < 10; i++) {
            Sym s = gen.anyShape();
            if (s.var() ? s.pre().isEmpty() : s.fixedRank() == 0) continue;
            Sym w = gen.anyShape();
            String along = s.pre().get(0);
            if (w.isScalar() || !w.var() && w.fixedRank() == 1 && (w.pre().get(0).equals(along))) continue;
            return new Bad("scaleAlong(" + value(s).text() + ", 0, " + value(w).text() + ")", "shape", "scaleAlong " + s + " by " + w);
        }
        return null;
    }

    private Bad pickMaskIndex() {
        String t = gen.target();
        if (t == null) return null;
        for (int i = 0; i < 10; i++) {
            Sym p = gen.anyShape();
            if (p.var() ? p.pre().isEmpty() : p.fixedRank() == 0) continue;
            if (p.drop(List.of(new Sym.Slot(true, 0))).equals(gen.targetShape())) continue;
            return new Bad("pickMask(" + value(p).text() + ", 0, " + t + ")", "shape", "pickMask of " + p + " with an index of " + gen.targetShape());
        }
        return null;
    }

    private Bad whereMask() {
        for (int i = 0; i < 10; i++) {
            Sym a = gen.anyShape();
            Sym c = gen.anyShape();
            if (Sym.broadcast(a, c) != null) continue;
            return new Bad("where(gt(" + value(c).text() + ", 0.0), " + value(a).text() + ", " + value(a).text() + ")", "shape", "where with a mask of " + c + " on " + a);
        }
        return null;
    }

    /** A literal or a number option (an option is a name; Math.PI would be a field access, another mistake). */
    /** A ?: whose branches have different shapes (d1564d9: both must have one shape, as only one is computed). */
    private Bad choiceOfShapes() {
        for (int i = 0; i < 10; i++) {
            Sym a = gen.anyShape();
            Sym b = gen.anyShape();
            if (a.equals(b)) continue;
            String cond = rnd.nextBoolean() ? "true" : someNumber() + " > 1.0";
            return new Bad("(" + cond + " ? " + value(a).text() + " : " + value(b).text() + ")", "shape", "a ?: between " + a + " and " + b);
        }
        return null;
    }

    private String someNumber() {
        List<Num> nums = gen.nums().stream().filter(n -> !n.isBool()).toList();
        return nums.isEmpty() || rnd.nextBoolean() ? new String[] {"2.0", "0.5", "3", "1e-3"}[rnd.nextInt(4)] : nums.get(rnd.nextInt(nums.size())).text();
    }

    private Bad numberForTensor() {
        String n = someNumber();
        String x = anyValue().text();
        return switch (rnd.nextInt(5)) {
            case 0 -> new Bad("exp(" + n + ")", "type", "exp of a number");
            case 1 -> new Bad("maximum(" + x + ", " + n + ")", "type", "maximum with a number");
            case 2 -> new Bad("where(gt(" + x + ", 0.0), " + n + ", " + x + ")", "type", "a number as where's value");
            case 3 -> new Bad("sum(" + n + ")", "type", "sum of a number");
            default -> new Bad("logSoftmax(" + n + ", 0)", "type", "logSoftmax of a number");
        };
    }

    private Bad tensorForNumber() {
        Expr e = anyValue();
        String x = e.receiver();
        Expr leafExpr = gen.leaves().get(rnd.nextInt(gen.leaves().size()));
        String leaf = leafExpr.text();
        return switch (rnd.nextInt(6)) {
            case 0 -> new Bad(x + ".pow(" + leaf + ")", "type", "pow with a tensor exponent");
            case 1 -> new Bad("clamp(" + e.text() + ", " + leaf + ", 1.0)", "type", "clamp with a tensor bound");
            case 2 -> new Bad("clampMin(" + e.text() + ", " + leaf + ")", "type", "clampMin with a tensor bound");
            case 3 -> new Bad("norm(" + e.text() + ", " + leaf + ", 0)", "type", "norm with a tensor p");
            case 4 -> new Bad(x + ".mul(constant(" + leaf + "))", "type", "constant of a tensor");
            default -> new Bad("huber(" + e.text() + ", " + e.text() + ", " + leaf + ")", "type", "huber with a tensor delta");
        };
    }

    private Bad argumentCount() {
        Expr e = anyValue();
        String x = e.text();
        return switch (rnd.nextInt(12)) {
            case 0 -> new Bad("exp(" + x + ", " + x + ")", "arguments", "exp of two");
            case 1 -> new Bad("exp()", "arguments", "exp of none");
            case 2 -> new Bad("clamp(" + x + ", 0.5)", "arguments", "clamp without its upper bound");
            case 3 -> new Bad("softmax(" + x + ")", "arguments", "softmax without its dim");
            case 4 -> new Bad("softmax(" + x + ", 0, 1)", "arguments", "softmax with two dims");
            case 5 -> new Bad(e.receiver() + ".neg(" + x + ")", "arguments", "neg with an argument");
            case 6 -> new Bad(e.receiver() + ".add()", "arguments", "add without its argument");
            case 7 -> new Bad(e.receiver() + ".add(" + x + ", " + x + ")", "arguments", "add of two");
            case 8 -> new Bad(e.receiver() + ".mul(constant())", "arguments", "constant of nothing");
            case 9 -> new Bad("where(gt(" + x + ", 0.0), " + x + ")", "arguments", "where of two");
            case 10 -> new Bad("norm(" + x + ", 2.0)", "arguments", "norm without its dim");
            default -> gen.target() != null ? new Bad("gather(" + x + ", 1)", "arguments", "gather without its index")
                    : new Bad("sum()", "arguments", "sum of nothing");
        };
    }

    private Bad dimNotALiteral() {
        Sym s = gen.anyShape();
        String x = value(s).text();
        List<Num> ints = gen.nums().stream().filter(n -> n.isInt() && !n.text().contains(" ") && !n.text().startsWith("(")).toList();
        String d = !ints.isEmpty() && rnd.nextBoolean() ? ints.get(0).text() : new String[] {"1.0", "1 + 0", "(int) 1.5", "0L"}[rnd.nextInt(4)];
        return new Bad((rnd.nextBoolean() ? "sum(" : "logSoftmax(") + x + ", " + d + ")", "arguments", "dim " + d);
    }

    private Bad operatorOnTensors() {
        Expr e = anyValue();
        String x = e.receiver();
        return switch (rnd.nextInt(4)) {
            case 0 -> new Bad("(" + x + " + " + x + ")", "unsupported", "+ on tensors");
            case 1 -> new Bad("(" + x + " * 2.0)", "unsupported", "* on a tensor");
            case 2 -> new Bad("(-" + x + ")", "unsupported", "unary minus on a tensor");
            default -> new Bad("(2.0 - " + x + ")", "unsupported", "- on a number and a tensor");
        };
    }

    private Bad unknownName() {
        return new Bad("exp(" + new String[] {"undefinedTensor", "Input", "targets2"}[rnd.nextInt(3)] + ")", "unknown", "an unknown name");
    }

    private Bad unknownFunction() {
        String x = anyValue().text();
        return rnd.nextBoolean() ? new Bad(new String[] {"softmin", "tanh", "logit", "mse"}[rnd.nextInt(4)] + "(" + x + ")", "unknown", "an unknown function")
                : new Bad(anyValue().receiver() + "." + new String[] {"clip", "sqr", "exp2"}[rnd.nextInt(3)] + "(1.0)", "unknown", "an unknown method");
    }

    private Bad functionAsMethod() {
        Expr e = anyValue();
        return rnd.nextBoolean() ? new Bad(e.receiver() + "." + new String[] {"exp", "sigmoid", "relu"}[rnd.nextInt(3)] + "()", "unsupported", "a function as a method")
                : new Bad("add(" + e.text() + ", " + e.text() + ")", "unsupported", "a method as a function");
    }

    private Bad weightedInside() {
        Expr e = anyValue();
        return new Bad("weighted(" + e.text() + ", " + e.text() + ")", "unsupported", "weighted inside an expression");
    }

    // ------------------------------------------------------------------ statement mistakes

    private String[] statementMistake() {
        Map<String, Sym> tensors = gen.tensorShapes();
        String any = tensors.keySet().iterator().next();
        return switch (rnd.nextInt(14)) {
            case 0 -> new String[] {"for (int i = 0; i < 2; i++) { }", "unsupported", "a for loop"};
            case 1 -> new String[] {"while (false) { }", "unsupported", "a while loop"};
            case 2 -> new String[] {"if (" + any + " == null) { }", "unsupported", "an if"};
            case 3 -> new String[] {"java.util.function.UnaryOperator<Tensor> twice = t -> t.add(t);", "unsupported", "a lambda local"};
            case 4 -> new String[] {"double[] ks = {1.0, 2.0};", "unsupported", "an array local"};
            case 5 -> new String[] {any + " = " + any + ".neg();", "unsupported", "an assignment"};
            case 6 -> new String[] {"System.out.println(" + any + ");", "unsupported", "an expression statement"};
            case 7 -> new String[] {"assert " + any + " != null;", "unsupported", "an assert"};
            case 8 -> new String[] {"{ }", "unsupported", "a nested block"};
            case 9 -> new String[] {"try { } finally { }", "unsupported", "a try"};
            case 10 -> new String[] {"Tensor unset;", "unsupported", "a local without a value"};
            case 11 -> new String[] {"String s = \"x\";", "unsupported", "a String local"};
            case 12 -> new String[] {"switch (1) { default -> { } }", "unsupported", "a switch"};
            default -> new String[] {"class Local { }", "unsupported", "a local class"};
        };
    }

    // ------------------------------------------------------------------ declaration mistakes

    private IllProgram resultMistake(Program p) {
        String text = p.text();
        String ann = text.substring(0, text.indexOf('\n'));
        // a shape no generated body has: a dim 7 or 9, or D three times
        String wrong = new String[] {"N,9", "7", "D,D,D", "9,N,C", "(N, 7, *d)"}[rnd.nextInt(5)];
        String newAnn = ann.contains("result = ") ? ann.replaceFirst("result = \"[^\"]*\"", "result = \"" + wrong + "\"")
                : ann.replaceFirst("\\)$", ", result = \"" + wrong + "\")");
        return new IllProgram(p.method(), newAnn + text.substring(text.indexOf('\n')), "result", "result declared " + wrong);
    }

    private IllProgram signatureMistake(Program p) {
        String text = p.text();
        String m = p.method();
        int open = text.indexOf("static Tensor " + m + "(") + ("static Tensor " + m + "(").length();
        String ann = text.substring(0, text.indexOf('\n'));
        return switch (rnd.nextInt(13)) {
            case 0 -> new IllProgram(m, text.replace("static Tensor " + m + "(", "Tensor " + m + "("), "signature", "not static");
            case 1 -> new IllProgram(m, text.substring(0, open) + "@Option double extraOption, " + text.substring(open), "option", "an option without default");
            case 2 -> new IllProgram(m, text.substring(0, open) + "@Option(defaultValue = \"" + new String[] {"abc", "1,5", "", "NaN"}[rnd.nextInt(4)]
                    + "\") double extraOption, " + text.substring(open), "option", "a double option with a bad default");
            case 3 -> new IllProgram(m, text.substring(0, open) + "@Option(defaultValue = \"" + new String[] {"1.5", "x", "99999999999"}[rnd.nextInt(3)]
                    + "\") int extraOption, " + text.substring(open), "option", "an int option with a bad default");
            case 4 -> new IllProgram(m, text.substring(0, open) + "@Option(defaultValue = \"yes\") boolean extraOption, " + text.substring(open), "option",
                    "a boolean option with a bad default");
            case 5 -> new IllProgram(m, text.substring(0, open) + "@Option(defaultValue = \"1\") short extraOption, " + text.substring(open), "signature",
                    "an option of type short");
            case 6 -> new IllProgram(m, text.substring(0, open) + "double notAnOption, " + text.substring(open), "signature", "a double without @Option");
            case 7 -> new IllProgram(m, text.substring(0, open) + "@Option(defaultValue = \"1\") double reduction, " + text.substring(open), "signature",
                    "an option named reduction");
            case 8 -> {
                // any name the generated class uses itself (GeneratedNames): a constant, or a no-argument method
                String reserved = new String[] {"NAME", "PROGRAM", "SIGNATURE", "INPUT_NAMES", "HAS_BATCH_DIM", "INPUT_SHAPE", "hashCode",
                        "options", "signature", "toBuilder"}[rnd.nextInt(10)];
                String type = new String[] {"double", "long", "boolean", "String"}[rnd.nextInt(4)];
                String dflt = type.equals("boolean") ? "true" : "1";
                yield new IllProgram(m, text.substring(0, open) + "@Option(defaultValue = \"" + dflt + "\") " + type + " " + reserved + ", "
                        + text.substring(open), "signature", "an option named " + reserved);
            }
            case 9 -> {
                if (ann.contains("name = ")) yield null;
                yield new IllProgram(m, ann.replaceFirst("\\)$", ", name = \"" + new String[] {"1Bad", "a.B", "Bad Name", "class"}[rnd.nextInt(4)] + "\")")
                        + text.substring(text.indexOf('\n')), "signature", "a bad class name");
            }
            case 10 -> {
                // a tensor that takes no shape: after the first two, without @Shape
                int close = text.indexOf(") {\n");
                yield new IllProgram(m, text.substring(0, close) + ", Tensor noShape" + text.substring(close), "signature", "a tensor without a shape");
            }
            case 11 -> new IllProgram(m, text.replace("static Tensor " + m + "(", "static double " + m + "("), "signature", "returns double");
            default -> {
                if (ann.contains("target = ") || p.inputs().size() != 1) yield null;
                yield new IllProgram(m, ann.replaceFirst("\\)$", ", target = \"N\")") + text.substring(text.indexOf('\n')), "signature",
                        "a target declared for a single input");
            }
        };
    }

    static List<IllProgram> batch(long seed, String prefix, int count, WellTypedGenerator.Avoid avoid) {
        IllTypedGenerator g = new IllTypedGenerator(seed, avoid);
        List<IllProgram> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(g.next(prefix + i));
        }
        return out;
    }
}
