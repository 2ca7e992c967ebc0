package dev.lossforge.processor.emit;

import com.squareup.javapoet.CodeBlock;
import dev.lossforge.processor.ir.Node;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An op's emission template ({@code Pointwise.mul($0, $1)}, {@code Reductions.sum($0$dimsArg)}) as a CodeBlock:
 * a class name that starts a call becomes a runtime {@link com.squareup.javapoet.ClassName} (imported, never
 * spelled out), {@code $i} the i-th operand, {@code $dim} the first dim and {@code $dimsArg} ", d0, d1".
 */
final class Templates {
    private static final Pattern TOKEN = Pattern.compile("\\b([A-Z]\\w*)\\.(?=[a-z]\\w*\\()|\\$dimsArg|\\$dim|\\$(\\d+)");

    private Templates() {
    }

    /** The op of {@code n} applied to {@code operands}, one per argument of n. */
    static CodeBlock render(Node n, List<CodeBlock> operands) {
        String template = n.op().emitTemplate();
        int[] dims = n.dims();
        CodeBlock.Builder code = CodeBlock.builder();
        Matcher m = TOKEN.matcher(template);
        int last = 0;
        while (m.find()) {
            code.add("$L", template.substring(last, m.start()));
            if (m.group(1) != null) {
                code.add("$T.", Types.runtime(m.group(1)));
            } else if (m.group(2) != null) {
                code.add("$L", operands.get(Integer.parseInt(m.group(2))));
            } else if (m.group().equals("$dimsArg")) {
                for (int d : dims) {
                    code.add(", $L", d);
                }
            } else {
                code.add("$L", dims.length == 0 ? 0 : dims[0]);
            }
            last = m.end();
        }
        return code.add("$L", template.substring(last)).build();
    }

    /** Whether op's template reads argument i only as {@code $i.shape()} or {@code $i.rank()}. */
    static boolean usedForShapeOnly(Node n, int i) {
        String t = n.op().emitTemplate();
        String arg = "$" + i;
        return t.contains(arg) && t.replace(arg + ".shape()", "").replace(arg + ".rank()", "").indexOf(arg) < 0;
    }
}
