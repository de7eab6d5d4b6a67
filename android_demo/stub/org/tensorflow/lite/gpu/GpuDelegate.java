package org.tensorflow.lite.gpu;

import org.tensorflow.lite.Delegate;

/** Compile-time stub of the LiteRT GPU delegate (com.google.ai.edge.litert:litert-gpu). */
public class GpuDelegate implements Delegate, AutoCloseable {
    public GpuDelegate() {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("stub");
    }
}
