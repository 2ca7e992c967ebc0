package dev.lossforge.processor;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import javax.tools.JavaFileObject;

/** Loads the classes of an in-memory compilation, over the test classpath (runtime and ND4J). */
final class GeneratedClassLoader extends ClassLoader {
    private static final String CLASS_OUTPUT = "/CLASS_OUTPUT/";

    private final Map<String, JavaFileObject> classFiles = new HashMap<>();

    GeneratedClassLoader(Compilation compilation) {
        super(GeneratedClassLoader.class.getClassLoader());
        for (JavaFileObject f : compilation.generatedFiles()) {
            String path = f.toUri().getPath();
            int at = path.indexOf(CLASS_OUTPUT);
            if (f.getKind() == JavaFileObject.Kind.CLASS && at >= 0) {
                String binaryName = path.substring(at + CLASS_OUTPUT.length(), path.length() - ".class".length()).replace('/', '.');
                classFiles.put(binaryName, f);
            }
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        JavaFileObject f = classFiles.get(name);
        if (f == null) {
            throw new ClassNotFoundException(name + " is not among " + classFiles.keySet());
        }
        try (InputStream in = f.openInputStream()) {
            byte[] bytes = in.readAllBytes();
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
