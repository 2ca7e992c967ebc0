package dev.lossforge.processor.fuzz;

import com.google.testing.compile.Compilation;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/**
 * The processor tests' own helpers ({@code Compile}, {@code DslSource}, {@code GeneratedClassLoader}), reused from
 * this package. They are package-private in {@code dev.lossforge.processor}, so they are reached by reflection
 * (tests run on the class path, where that is allowed); nothing here reimplements them.
 */
final class Harness {
    private static final String PKG = "dev.lossforge.processor.";
    private static final Method DSL_SOURCE_NAMED;
    private static final Method WITH_LOSSFORGE;
    private static final Method DESCRIBE;
    private static final Class<?> DSL_SOURCE;
    private static final Constructor<?> LOADER;

    static {
        try {
            DSL_SOURCE = Class.forName(PKG + "DslSource");
            DSL_SOURCE_NAMED = DSL_SOURCE.getDeclaredMethod("named", String.class, String.class);
            DSL_SOURCE_NAMED.setAccessible(true);
            Class<?> compile = Class.forName(PKG + "Compile");
            Class<?> sources = java.lang.reflect.Array.newInstance(DSL_SOURCE, 0).getClass();
            WITH_LOSSFORGE = compile.getDeclaredMethod("withLossForge", sources);
            WITH_LOSSFORGE.setAccessible(true);
            DESCRIBE = compile.getDeclaredMethod("describe", Compilation.class);
            DESCRIBE.setAccessible(true);
            LOADER = Class.forName(PKG + "GeneratedClassLoader").getDeclaredConstructor(Compilation.class);
            LOADER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Harness() {
    }

    /** A compiled source file: the class {@code demo.<className>} holding {@code members}. */
    record Compiled(String className, String text, Compilation compilation) {
        boolean succeeded() {
            return compilation.status() == Compilation.Status.SUCCESS;
        }

        String describe() {
            return Harness.describe(compilation);
        }

        ClassLoader loader() {
            return Harness.loader(compilation);
        }
    }

    /** Compiles {@code demo.<className>} with LossForge, as {@code Compile.withLossForge(DslSource.named(...))}. */
    static Compiled compile(String className, String members) {
        try {
            Object source = DSL_SOURCE_NAMED.invoke(null, className, members);
            Object array = java.lang.reflect.Array.newInstance(DSL_SOURCE, 1);
            java.lang.reflect.Array.set(array, 0, source);
            Compilation c = (Compilation) WITH_LOSSFORGE.invoke(null, array);
            return new Compiled(className, source.toString(), c);
        } catch (InvocationTargetException e) {
            throw sneaky(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static String describe(Compilation c) {
        try {
            return (String) DESCRIBE.invoke(null, c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static ClassLoader loader(Compilation c) {
        try {
            return (ClassLoader) LOADER.newInstance(c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The errors' messages, one per line. */
    static String errors(Compilation c) {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : c.errors()) {
            sb.append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
        }
        return sb.toString();
    }

    private static RuntimeException sneaky(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
