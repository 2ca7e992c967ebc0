package dev.lossforge.bench;

import java.io.IOException;
import java.io.Writer;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.processing.Completion;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The annotation processor's own cost: javac on the torch module's sources, in this JVM, timed
 * <ul>
 * <li>with the processor (it generates the catalog's classes, which javac then compiles too), and the time spent
 *     inside the processor's {@code init} and {@code process} calls;
 * <li>with {@code -proc:none} on the same sources plus the sources the processor generated (the torch module's
 *     target/generated-sources), so that javac compiles the same code without running the processor.
 * </ul>
 * Cold: each compile in a fresh JVM (javac not yet JIT-compiled, as in a fresh {@code mvn compile}), the two
 * alternating, median of {@code coldRuns}. Warm: one JVM, the two alternating (and which goes first alternating),
 * median of {@code runs} after a first pair that warms javac up.
 *
 * <pre>java -cp benchmarks.jar dev.lossforge.bench.ProcessorCost target/javac-torch.classpath ../torch/src/main/java
 *     ../torch/target/generated-sources/annotations out.json [runs [coldRuns]]</pre>
 */
public final class ProcessorCost {
    private ProcessorCost() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--single")) {
            // one compile in this fresh JVM: a cold javac, as in a fresh `mvn compile`; prints "total inside"
            boolean with = args[1].equals("with");
            String classpath = Files.readString(Path.of(args[2])).trim();
            Setup s = new Setup(classpath, Path.of(args[3]), Path.of(args[4]));
            double[] t = with ? s.withProcessor(0) : s.withoutProcessor(0);
            System.out.printf(Locale.ROOT, "%.1f %.1f%n", t[0], t[1]);
            s.close();
            return;
        }
        String classpath = Files.readString(Path.of(args[0])).trim();
        Path sourceRoot = Path.of(args[1]);
        Path generatedRoot = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 7;
        int coldRuns = args.length > 5 ? Integer.parseInt(args[5]) : 3;

        // cold: fresh JVMs, alternating
        List<Double> coldWith = new ArrayList<>();
        List<Double> coldInside = new ArrayList<>();
        List<Double> coldNone = new ArrayList<>();
        for (int r = 0; r < coldRuns; r++) {
            double[] w = child("with", args[0], sourceRoot, generatedRoot);
            double[] n = child("none", args[0], sourceRoot, generatedRoot);
            coldWith.add(w[0]);
            coldInside.add(w[1]);
            coldNone.add(n[0]);
            System.out.printf(Locale.ROOT, "cold %d: javac with processor %.0f ms (inside init/process %.0f ms), -proc:none %.0f ms%n",
                    r, w[0], w[1], n[0]);
        }
        // warm: one JVM, the two alternating (which goes first alternates too); the first pair warms javac up
        Setup s = new Setup(classpath, sourceRoot, generatedRoot);
        List<Double> withProc = new ArrayList<>();
        List<Double> insideProc = new ArrayList<>();
        List<Double> withoutProc = new ArrayList<>();
        for (int r = 0; r < runs + 1; r++) {
            double[] w;
            double[] n;
            if (r % 2 == 0) {
                w = s.withProcessor(r);
                n = s.withoutProcessor(r);
            } else {
                n = s.withoutProcessor(r);
                w = s.withProcessor(r);
            }
            if (r == 0) {
                continue;
            }
            withProc.add(w[0]);
            insideProc.add(w[1]);
            withoutProc.add(n[0]);
            System.out.printf(Locale.ROOT, "warm %d: javac with processor %.0f ms (inside init/process %.0f ms), -proc:none %.0f ms%n",
                    r, w[0], w[1], n[0]);
        }
        s.close();
        String json = String.format(Locale.ROOT, "{\n \"sources\": %d, \"lossMethods\": %d, \"generatedFiles\": %d, \"runs\": %d, \"coldRuns\": %d,\n"
                        + " \"coldWithProcessorMs\": %.1f, \"coldInsideProcessorMs\": %.1f, \"coldProcNoneMs\": %.1f,\n"
                        + " \"warmWithProcessorMs\": %.1f, \"warmInsideProcessorMs\": %.1f, \"warmProcNoneMs\": %.1f,\n"
                        + " \"coldWith\": %s, \"coldInside\": %s, \"coldNone\": %s,\n"
                        + " \"warmWith\": %s, \"warmInside\": %s, \"warmNone\": %s\n}\n",
                s.sources.size(), countAnnotated(sourceRoot), s.generated.size(), runs, coldRuns,
                median(coldWith), median(coldInside), median(coldNone),
                median(withProc), median(insideProc), median(withoutProc),
                list(coldWith), list(coldInside), list(coldNone), list(withProc), list(insideProc), list(withoutProc));
        Files.writeString(out, json);
        System.out.print(json);
    }

    /** One cold compile in a fresh JVM (this class's own classpath): {total ms, inside the processor ms}. */
    private static double[] child(String mode, String classpathFile, Path sourceRoot, Path generatedRoot) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ProcessorCost.class.getName(),
                "--single", mode, classpathFile, sourceRoot.toString(), generatedRoot.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String outText = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cold " + mode + " compile failed: " + outText);
        }
        String[] last = outText.lines().reduce((a, b) -> b).orElse("").trim().split(" ");
        return new double[] {Double.parseDouble(last[0]), Double.parseDouble(last[1])};
    }

    /** The sources, the processor class, and a scratch directory. */
    private static final class Setup {
        final String classpath;
        final List<Path> sources;
        final List<Path> generated;
        final Class<?> processorClass;
        final Path work;

        Setup(String classpath, Path sourceRoot, Path generatedRoot) throws Exception {
            this.classpath = classpath;
            this.sources = javaFiles(sourceRoot);
            this.generated = javaFiles(generatedRoot);
            if (generated.isEmpty()) {
                throw new IllegalArgumentException("no generated sources under " + generatedRoot + ": build the torch module first");
            }
            URL[] urls = Arrays.stream(classpath.split(java.io.File.pathSeparator)).map(ProcessorCost::url).toArray(URL[]::new);
            URLClassLoader processorLoader = new URLClassLoader(urls, ProcessorCost.class.getClassLoader());
            this.processorClass = processorLoader.loadClass("dev.lossforge.processor.LossProcessor");
            this.work = Files.createTempDirectory("lossforge-proc-cost");
        }

        /** javac with the processor (which generates the catalog's classes; javac compiles them too). */
        double[] withProcessor(int run) throws Exception {
            Path gen = Files.createDirectories(work.resolve("gen-" + run));
            Path classes = Files.createDirectories(work.resolve("with-" + run));
            TimingProcessor timing = new TimingProcessor((Processor) processorClass.getDeclaredConstructor().newInstance());
            long t0 = System.nanoTime();
            compile(classpath, sources, classes, gen, List.of(timing), false);
            return new double[] {(System.nanoTime() - t0) / 1e6, timing.nanos / 1e6};
        }

        /** javac -proc:none on the same sources plus the generated ones: the same code, no processor. */
        double[] withoutProcessor(int run) throws Exception {
            List<Path> all = new ArrayList<>(sources);
            all.addAll(generated);
            Path classes = Files.createDirectories(work.resolve("without-" + run));
            long t0 = System.nanoTime();
            compile(classpath, all, classes, null, List.of(), true);
            return new double[] {(System.nanoTime() - t0) / 1e6, 0.0};
        }

        void close() throws IOException {
            deleteTree(work);
        }
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
    }

    private static void compile(String classpath, List<Path> sources, Path classes, Path generated, List<Processor> processors,
            boolean procNone) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = new ArrayList<>(List.of("--release", "17", "-encoding", "UTF-8", "-nowarn", "-Xlint:none",
                    "-classpath", classpath, "-d", classes.toString()));
            if (procNone) {
                options.add("-proc:none");
            } else {
                options.addAll(List.of("-s", generated.toString()));
            }
            JavaCompiler.CompilationTask task = javac.getTask(Writer.nullWriter(), files, diagnostics, options, null,
                    files.getJavaFileObjectsFromPaths(sources));
            if (!procNone) {
                task.setProcessors(processors);
            }
            if (!task.call()) {
                StringBuilder sb = new StringBuilder("javac failed:\n");
                diagnostics.getDiagnostics().stream().limit(20).forEach(d -> sb.append(d).append('\n'));
                throw new IllegalStateException(sb.toString());
            }
        }
    }

    /** Delegates to the real processor and adds up the time spent in its init and process calls. */
    private static final class TimingProcessor implements Processor {
        private final Processor delegate;
        long nanos;

        TimingProcessor(Processor delegate) {
            this.delegate = delegate;
        }

        @Override
        public Set<String> getSupportedOptions() {
            return delegate.getSupportedOptions();
        }

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return delegate.getSupportedAnnotationTypes();
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return delegate.getSupportedSourceVersion();
        }

        @Override
        public void init(ProcessingEnvironment processingEnv) {
            long t = System.nanoTime();
            delegate.init(processingEnv);
            nanos += System.nanoTime() - t;
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment roundEnv) {
            long t = System.nanoTime();
            try {
                return delegate.process(annotations, roundEnv);
            } finally {
                nanos += System.nanoTime() - t;
            }
        }

        @Override
        public Iterable<? extends Completion> getCompletions(Element element, AnnotationMirror annotation, ExecutableElement member,
                String userText) {
            return delegate.getCompletions(element, annotation, member, userText);
        }
    }

    private static long countAnnotated(Path root) throws IOException {
        long n = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".java"))::iterator) {
                for (String line : Files.readAllLines(p)) {
                    if (line.trim().startsWith("@Loss(")) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        return sorted.get(sorted.size() / 2);
    }

    private static String list(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).collect(Collectors.joining(", ", "[", "]"));
    }

    private static URL url(String path) {
        try {
            return Path.of(path).toUri().toURL();
        } catch (IOException e) {
            throw new IllegalArgumentException(path, e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
