package dev.lossforge.processor;

import com.google.auto.service.AutoService;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.Trees;
import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.diag.Reporter;
import dev.lossforge.processor.emit.LossWriter;
import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.Rewrites;
import dev.lossforge.processor.ir.StabilityRewrites;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.parse.LossParser;
import dev.lossforge.processor.parse.LossParser.Declaration;
import dev.lossforge.processor.parse.LossParser.Param;
import dev.lossforge.processor.shape.ShapeInference;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;

/**
 * Finds {@code @Loss} methods and runs the pipeline on each: parse, infer shapes, rewrite unstable forms
 * (ir/StabilityRewrites), rewrite into fused ops (ir/Rewrites), differentiate, write.
 * A method with errors stops after the phase that found them and generates nothing; the others still do.
 * Never claims the annotation, and never lets an exception escape into the user's build.
 */
@AutoService(Processor.class)
public final class LossProcessor extends AbstractProcessor {
    static final String LOSS = "dev.lossforge.Loss";

    private Trees trees;
    private Reporter reporter;

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of(LOSS);
    }

    /**
     * {@code -Alossforge.timing=true} prints, per loss, the time each phase took (as a note);
     * {@code -Alossforge.generatedAnnotation=false} leaves {@code @Generated} off the generated classes;
     * {@code -Alossforge.stability=quiet} silences the {@code [lossforge.stability]} warnings (the rewrites still happen).
     */
    static final String TIMING = "lossforge.timing";
    static final String GENERATED_ANNOTATION = "lossforge.generatedAnnotation";
    static final String STABILITY = "lossforge.stability";

    private boolean timing;
    private boolean stabilityWarnings;

    @Override
    public Set<String> getSupportedOptions() {
        return Set.of(TIMING, GENERATED_ANNOTATION, STABILITY);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public synchronized void init(javax.annotation.processing.ProcessingEnvironment env) {
        super.init(env);
        trees = JavacTrees.of(env);
        reporter = new Reporter(env.getMessager(), trees);
        timing = booleanOption(env, TIMING, false);
        LossWriter.withGeneratedAnnotation(booleanOption(env, GENERATED_ANNOTATION, true));
        stabilityWarnings = !"quiet".equals(choiceOption(env, STABILITY, "warn", "quiet"));
        for (String key : env.getOptions().keySet()) {
            if (key.startsWith("lossforge.") && !getSupportedOptions().contains(key)) {
                env.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR, Diag.PROCESSOR_OPTION_UNKNOWN.format(key,
                        String.join(", ", new java.util.TreeSet<>(getSupportedOptions()))));
            }
        }
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        // Declarations of the same class (several @Loss methods with one name) are written together.
        Map<String, List<Declared>> byClass = new LinkedHashMap<>();
        for (TypeElement annotation : annotations) {
            for (Element element : round.getElementsAnnotatedWith(annotation)) {
                if (element.getKind() != ElementKind.METHOD) {
                    continue;
                }
                ExecutableElement method = (ExecutableElement) element;
                LossWriter.Variant variant = null;
                try {
                    variant = compile(method);
                } catch (RuntimeException | StackOverflowError | LinkageError e) {
                    reportInternal(method, e);
                }
                byClass.computeIfAbsent(className(method), k -> new ArrayList<>()).add(new Declared(method, variant));
            }
        }
        for (List<Declared> declarations : byClass.values()) {
            try {
                write(declarations);
            } catch (RuntimeException | StackOverflowError | LinkageError e) {
                reportInternal(declarations.get(0).method(), e);
            }
        }
        return false;
    }

    /** One @Loss method and what it compiled to (null when it has errors, already reported). */
    private record Declared(ExecutableElement method, LossWriter.Variant variant) {
    }

    /** LossForge's own failure, as an error on the method that met it, with the trace to report. */
    private void reportInternal(ExecutableElement method, Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        reporter.error(method, Diag.INTERNAL.format(method.getSimpleName() + "()", e) + "\n" + trace);
    }

    /** A true/false processor option; any other value is an error that names the option. */
    private static boolean booleanOption(javax.annotation.processing.ProcessingEnvironment env, String key, boolean fallback) {
        String value = env.getOptions().get(key);
        if (value == null) {
            return fallback;
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        env.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR,
                Diag.PROCESSOR_OPTION_VALUE.format(key, value));
        return fallback;
    }

    /** An option that takes one of {@code values} (the first is the default); any other value is an error that names them. */
    private static String choiceOption(javax.annotation.processing.ProcessingEnvironment env, String key, String... values) {
        String value = env.getOptions().get(key);
        if (value == null || List.of(values).contains(value)) {
            return value == null ? values[0] : value;
        }
        env.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR,
                Diag.PROCESSOR_OPTION_CHOICE.format(key, value, String.join(" or ", values)));
        return values[0];
    }

    /** Whether {@code @SuppressWarnings("lossforge.stability")} is on the method or a class around it. */
    private static boolean stabilityWarningsSuppressed(Element method) {
        for (Element e = method; e != null && e.getKind() != ElementKind.PACKAGE; e = e.getEnclosingElement()) {
            SuppressWarnings suppressed = e.getAnnotation(SuppressWarnings.class);
            if (suppressed != null && List.of(suppressed.value()).contains(STABILITY)) {
                return true;
            }
        }
        return false;
    }

    /** Writes one class from its declarations; nothing when any of them has errors (already reported). */
    private void write(List<Declared> declarations) {
        if (declarations.stream().anyMatch(d -> d.variant() == null)) {
            return;
        }
        LossModel first = declarations.get(0).variant().model();
        for (Declared other : declarations.subList(1, declarations.size())) {
            if (!other.variant().model().options().equals(first.options())) {
                reporter.error(other.method(), Diag.DECLARATIONS_OPTIONS, first.className(), first.methodName());
                return;
            }
            int inputs = other.variant().model().inputs().size();
            if (inputs != first.inputs().size()) {
                reporter.error(other.method(), Diag.DECLARATIONS_INPUTS, first.className(), first.methodName(), first.inputs().size(), inputs);
                return;
            }
        }
        try {
            LossWriter.write(declarations.stream().map(Declared::variant).toList()).writeTo(processingEnv.getFiler());
        } catch (IOException e) {
            ExecutableElement method = declarations.get(0).method();
            reporter.error(method, Diag.INTERNAL, method.getSimpleName() + "()", "could not write " + first.className() + ": " + e.getMessage());
        }
    }

    private LossWriter.Variant compile(ExecutableElement method) {
        if (trees == null) {
            reporter.error(method, Diag.NO_TREE_API);
            return null;
        }
        long start = System.nanoTime();
        MethodTree tree = trees.getTree(method);
        LossParser.Result parsed = LossParser.parse(declaration(method), tree);
        long parsedAt = System.nanoTime();
        if (!parsed.problems().isEmpty()) {
            reporter.report(method, parsed.problems());
            return null;
        }
        LossModel model = parsed.model();
        ShapeInference.Result shapes = ShapeInference.infer(model);
        if (!shapes.problems().isEmpty()) {
            reporter.report(method, shapes.problems());
            return null;
        }
        long shapedAt = System.nanoTime();
        StabilityRewrites.Result stable = StabilityRewrites.apply(model, shapes.shapes());
        if (stabilityWarnings && !stable.warnings().isEmpty() && !stabilityWarningsSuppressed(method)) {
            reporter.warnAt(method, stable.warnings());
        }
        Rewrites.Result rewritten = Rewrites.apply(stable.model(), stable.shapes());
        model = rewritten.model();
        Differentiator.Result gradients = Differentiator.differentiate(model, rewritten.shapes());
        if (timing) {
            long end = System.nanoTime();
            processingEnv.getMessager().printMessage(javax.tools.Diagnostic.Kind.NOTE, String.format(
                    "[lossforge.timing] %s: parse %.1f ms, shapes %.1f ms, gradient %.1f ms", model.className(),
                    (parsedAt - start) / 1e6, (shapedAt - parsedAt) / 1e6, (end - shapedAt) / 1e6), method);
        }
        dev.lossforge.processor.shape.SymShape lossShape = rewritten.shapes().get(model.loss());
        boolean keepsBatchDim = model.optionalBatch() != null && !lossShape.prefix().isEmpty()
                && lossShape.prefix().get(0).equals(model.optionalBatch());
        return new LossWriter.Variant(model, shapes.indexUses(), gradients, keepsBatchDim, rewritten.shapes());
    }

    private String className(ExecutableElement method) {
        PackageElement pkg = processingEnv.getElementUtils().getPackageOf(method);
        AnnotationMirror loss = Reporter.mirror(method, "Loss");
        String name = string(loss, "name", "");
        String methodName = method.getSimpleName().toString();
        return pkg.getQualifiedName() + "." + (name.isEmpty() ? Character.toUpperCase(methodName.charAt(0)) + methodName.substring(1) + "Loss" : name);
    }

    /** Reads the method's annotations and parameters into a plain declaration (strings only). */
    private Declaration declaration(ExecutableElement method) {
        AnnotationMirror loss = Reporter.mirror(method, "Loss");
        TypeElement type = (TypeElement) method.getEnclosingElement();
        PackageElement pkg = processingEnv.getElementUtils().getPackageOf(method);
        String methodName = method.getSimpleName().toString();
        String name = string(loss, "name", "");
        String className = name.isEmpty() ? Character.toUpperCase(methodName.charAt(0)) + methodName.substring(1) + "Loss" : name;
        List<Param> params = new ArrayList<>();
        for (VariableElement p : method.getParameters()) {
            AnnotationMirror shape = Reporter.mirror(p, "Shape");
            AnnotationMirror index = Reporter.mirror(p, "Index");
            AnnotationMirror option = Reporter.mirror(p, "Option");
            boolean noGrad = Reporter.mirror(p, "NoGrad") != null;
            params.add(new Param(p.getSimpleName().toString(), simpleType(p.asType().toString()),
                    shape == null ? null : string(shape, "value", ""),
                    index == null ? null : string(index, "value", ""),
                    option == null ? null : string(option, "defaultValue", ""),
                    option == null ? null : string(option, "valid", ""), noGrad));
        }
        return new Declaration(pkg.getQualifiedName().toString(), className, type.getQualifiedName().toString(), methodName,
                string(loss, "pred", ""), string(loss, "target", ""), string(loss, "result", ""), string(loss, "optionalBatch", ""),
                string(loss, "valid", ""), params,
                method.getModifiers().contains(Modifier.STATIC), simpleType(method.getReturnType().toString()));
    }

    private static String simpleType(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }

    private static String string(AnnotationMirror mirror, String attribute, String fallback) {
        if (mirror == null) {
            return fallback;
        }
        AnnotationValue value = Reporter.value(mirror, attribute);
        return value == null ? fallback : String.valueOf(value.getValue());
    }
}
