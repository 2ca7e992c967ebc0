package dev.lossforge.dl4j;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss as data: its class name and its options, split into scalars and tensors. This is what the adapter
 * writes to JSON and Java serialization, and how it rebuilds the loss: {@code LossClass.builder()}, then
 * {@link LossBuilder#reduction} and {@link LossBuilder#set} for each option, then {@link LossBuilder#build}.
 */
final class LossSpec {
    static final String REDUCTION = "reduction";

    final String lossClass;
    /** Scalar options in {@link LossFunction#options()} order: String, Number or Boolean; reduction as PyTorch spells it. */
    final Map<String, Object> scalars;
    /** Tensor options, such as CrossEntropyLoss's {@code weight}. */
    final Map<String, INDArray> tensors;

    private LossSpec(String lossClass, Map<String, Object> scalars, Map<String, INDArray> tensors) {
        this.lossClass = lossClass;
        this.scalars = Collections.unmodifiableMap(scalars);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** The spec of a live loss, its options in a canonical form (so that two equal losses give equal specs). */
    static LossSpec of(LossFunction loss) {
        Map<String, Object> scalars = new LinkedHashMap<>();
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : loss.options().entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                continue; // an unset optional option: the builder's default gives it back
            }
            if (v instanceof INDArray t) {
                tensors.put(e.getKey(), t.dup('c')); // a private copy: the spec must not change under us
            } else if (v instanceof Reduction r) {
                scalars.put(e.getKey(), r.torchName());
            } else if (v instanceof Enum<?> en) {
                scalars.put(e.getKey(), en.name());
            } else if (v instanceof Character c) {
                scalars.put(e.getKey(), String.valueOf(c));
            } else if (v instanceof Number || v instanceof Boolean || v instanceof String) {
                scalars.put(e.getKey(), v);
            } else {
                throw new IllegalArgumentException(loss.name() + ": option '" + e.getKey() + "' has a value of type "
                        + v.getClass().getName() + ", which the DL4J adapter cannot serialize; expected a String, Number, "
                        + "Boolean, enum or INDArray");
            }
        }
        return new LossSpec(loss.getClass().getName(), scalars, tensors);
    }

    /**
     * Rebuilds the loss named by {@code lossClass} with these options, through its static {@code builder()}.
     *
     * @throws IllegalStateException naming the class when it is missing or has no usable {@code builder()}
     */
    static LossFunction rebuild(String lossClass, Map<String, ?> scalars, Map<String, INDArray> tensors) {
        if (lossClass == null || lossClass.isEmpty()) {
            throw new IllegalStateException("LossForge DL4J adapter: the configuration has no 'lossClass', so the loss cannot be rebuilt");
        }
        LossBuilder builder = builderOf(lossClass);
        if (scalars != null) {
            for (Map.Entry<String, ?> e : scalars.entrySet()) {
                if (REDUCTION.equals(e.getKey())) {
                    builder.reduction(Reduction.fromTorch(String.valueOf(e.getValue())));
                } else {
                    builder.set(e.getKey(), e.getValue());
                }
            }
        }
        if (tensors != null) {
            tensors.forEach(builder::set);
        }
        return builder.build();
    }

    private static LossBuilder builderOf(String lossClass) {
        Class<?> cls = loadClass(lossClass);
        Method factory;
        try {
            factory = cls.getMethod("builder");
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("LossForge DL4J adapter: loss class " + lossClass
                    + " has no public static builder() method, so it cannot be rebuilt from a saved configuration", e);
        }
        if (!Modifier.isStatic(factory.getModifiers()) || !LossBuilder.class.isAssignableFrom(factory.getReturnType())) {
            throw new IllegalStateException("LossForge DL4J adapter: " + lossClass
                    + ".builder() must be public static and return a dev.lossforge.LossBuilder, found " + factory);
        }
        try {
            return (LossBuilder) factory.invoke(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("LossForge DL4J adapter: cannot call " + lossClass + ".builder(): " + e.getMessage(), e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("LossForge DL4J adapter: " + lossClass + ".builder() failed: " + e.getCause(), e.getCause());
        }
    }

    private static Class<?> loadClass(String name) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, LossSpec.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                return Class.forName(name, true, loader);
            } catch (ClassNotFoundException e) {
                // try the next loader
            }
        }
        throw new IllegalStateException("LossForge DL4J adapter: the loss class " + name
                + " named in the saved configuration is not on the classpath; add the module that defines it "
                + "(for the torch catalog: dev.lossforge:lossforge-torch)");
    }

    // ---------------------------------------------------------------- value equality, used by the adapter

    boolean sameAs(LossSpec other) {
        if (!lossClass.equals(other.lossClass) || !scalars.equals(other.scalars)
                || !tensors.keySet().equals(other.tensors.keySet())) {
            return false;
        }
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            if (!sameTensor(e.getValue(), other.tensors.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    int valueHash() {
        int h = lossClass.hashCode() * 31 + scalars.hashCode();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray t = e.getValue();
            h = h * 31 + e.getKey().hashCode();
            h = h * 31 + Arrays.hashCode(t.shape());
            h = h * 31 + Arrays.hashCode(t.dup('c').data().asDouble());
        }
        return h;
    }

    /** Exact equality: same dtype, shape and values (INDArray.equals allows an epsilon of 1e-5). */
    private static boolean sameTensor(INDArray a, INDArray b) {
        return a.dataType() == b.dataType() && Arrays.equals(a.shape(), b.shape())
                && Arrays.equals(a.dup('c').data().asDouble(), b.dup('c').data().asDouble());
    }
}
