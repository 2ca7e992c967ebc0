package dev.lossforge.processor.emit;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * The names taken in one Java scope of a generated method. A value takes the first free name of its candidates
 * (its role first: {@code logp}, {@code gradLoss}, {@code mulNll}); only when all are taken does it get a number.
 * A nested block works on a {@link #nested()} copy, so that its names are free again after it.
 */
final class LocalNames {
    /** Longer candidates are skipped: a name should be read at a glance. */
    private static final int MAX_LENGTH = 32;
    private final Set<String> taken;

    LocalNames(List<String> reserved) {
        this.taken = new HashSet<>(reserved);
    }

    private LocalNames(Set<String> taken) {
        this.taken = new HashSet<>(taken);
    }

    /** The names of a block inside this scope: the outer ones stay taken, the block's own end with it. */
    LocalNames nested() {
        return new LocalNames(taken);
    }

    /** Takes the first free candidate; when every one is taken, the first followed by the least free number. */
    String take(List<String> candidates) {
        for (String c : candidates) {
            if (c.length() <= MAX_LENGTH && isFree(c)) {
                taken.add(c);
                return c;
            }
        }
        String base = candidates.get(0);
        for (int i = 2; ; i++) {
            if (isFree(base + i)) {
                taken.add(base + i);
                return base + i;
            }
        }
    }

    String take(String name) {
        return take(List.of(name));
    }

    private boolean isFree(String name) {
        return !taken.contains(name) && SourceVersion.isName(name);
    }
}
