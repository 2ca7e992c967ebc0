package dev.lossforge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Unset tensor options share one read-only array per (dtype, shape, value), which never escapes to a caller. */
class FilledOptionsTest {
    @Test
    void oneSharedArrayPerKeyMadeOutsideAnyWorkspace() {
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        INDArray inside;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "FilledOptionsTest")) {
            inside = Options.filled(new long[] {7}, 1.0, DataType.FLOAT);
            assertFalse(inside.isAttached(), "made outside the workspace, so it outlives it");
        }
        assertSame(inside, Options.filled(new long[] {7}, 1.0, DataType.FLOAT));
        assertNotSame(inside, Options.filled(new long[] {7}, 2.0, DataType.FLOAT));
        assertNotSame(inside, Options.filled(new long[] {7}, 1.0, DataType.DOUBLE));
        assertEquals(Nd4j.ones(DataType.FLOAT, 7), inside);
        assertEquals(3.0, Options.filled(3.0, DataType.FLOAT).getDouble(0));
    }

    @Test
    void aResultThatIsASharedOptionIsCopiedOnTheWayOut() {
        INDArray shared = Options.filled(new long[] {3}, 0.5, DataType.FLOAT);
        INDArray returned = Conversions.resultLike(shared, shared);
        assertNotSame(shared, returned);
        returned.addi(1.0); // a caller may write what it gets back
        assertEquals(Nd4j.valueArrayOf(new long[] {3}, 0.5, DataType.FLOAT), Options.filled(new long[] {3}, 0.5, DataType.FLOAT));
        assertNotSame(shared, Conversions.gradientLike(shared, shared));
    }
}
