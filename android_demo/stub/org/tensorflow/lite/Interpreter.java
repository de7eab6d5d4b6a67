package org.tensorflow.lite;

import java.nio.ByteBuffer;

/**
 * Compile-time stub of the LiteRT Interpreter methods the demo calls, for the offline build
 * check only (the real class comes from com.google.ai.edge.litert:litert). Never packaged.
 */
public final class Interpreter implements AutoCloseable {
    public static class Options {
        public Options setNumThreads(int threads) {
            throw new UnsupportedOperationException("stub");
        }

        public Options setUseXNNPACK(boolean use) {
            throw new UnsupportedOperationException("stub");
        }

        public Options addDelegate(Delegate delegate) {
            throw new UnsupportedOperationException("stub");
        }
    }

    public Interpreter(ByteBuffer model, Options options) {
        throw new UnsupportedOperationException("stub");
    }

    public void run(Object input, Object output) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("stub");
    }
}
