package dev.lossforge.processor;

import com.sun.source.util.Trees;
import java.lang.reflect.Field;
import javax.annotation.processing.ProcessingEnvironment;

/**
 * Gets javac's {@link Trees} even when the build tool wraps javac's ProcessingEnvironment (Gradle's
 * incremental processing, IntelliJ's build), by unwrapping it as Lombok does. Returns null when no javac is
 * underneath (ECJ); the processor then reports a clear error.
 */
final class JavacTrees {
    private JavacTrees() {
    }

    static Trees of(ProcessingEnvironment env) {
        ProcessingEnvironment current = env;
        for (int depth = 0; depth < 5 && current != null; depth++) {
            try {
                return Trees.instance(current);
            } catch (IllegalArgumentException | LinkageError notJavac) {
                current = unwrap(current);
            }
        }
        return null;
    }

    /** Gradle keeps the real environment in a field named delegate; IntelliJ in a proxy's handler. */
    private static ProcessingEnvironment unwrap(ProcessingEnvironment env) {
        for (Class<?> c = env.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (ProcessingEnvironment.class.isAssignableFrom(f.getType())) {
                    try {
                        f.setAccessible(true);
                        return (ProcessingEnvironment) f.get(env);
                    } catch (ReflectiveOperationException | RuntimeException inaccessible) {
                        return null;
                    }
                }
            }
        }
        if (java.lang.reflect.Proxy.isProxyClass(env.getClass())) {
            Object handler = java.lang.reflect.Proxy.getInvocationHandler(env);
            try {
                for (Field f : handler.getClass().getDeclaredFields()) {
                    f.setAccessible(true);
                    Object value = f.get(handler);
                    if (value instanceof ProcessingEnvironment pe) {
                        return pe;
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException inaccessible) {
                return null;
            }
        }
        return null;
    }

}
