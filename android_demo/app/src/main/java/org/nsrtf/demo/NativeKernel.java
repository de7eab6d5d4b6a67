package org.nsrtf.demo;

/**
 * A .tflite of the native form (nsr-tf's sparse-conv custom ops) run by LiteRT's C API with
 * the kernels of libnsr_native.so registered (cpp/nsr_jni.c). Plain Java, no Android
 * classes: checked on the host JVM by scripts/jni_host_check.sh.
 */
public final class NativeKernel implements AutoCloseable {
    private static native long open(byte[] model, int threads);

    private static native int inputFloats(long handle);

    private static native int outputFloats(long handle);

    private static native void run(long handle, float[] input, float[] output);

    private static native void close(long handle);

    /** Loads libnsr_native.so (from the APK, or a path given by the host check). */
    public static void load(String path) {
        if (path == null) {
            System.loadLibrary("nsr_native");
        } else {
            System.load(path);
        }
    }

    private long handle;
    public final int inputFloats;
    public final int outputFloats;

    /** @throws IllegalStateException with LiteRT's one-line reason if it does not compile */
    public NativeKernel(byte[] model, int threads) {
        handle = open(model, threads);
        inputFloats = inputFloats(handle);
        outputFloats = outputFloats(handle);
    }

    /** One batch: {@code input} of inputFloats, {@code output} of outputFloats floats. */
    public void run(float[] input, float[] output) {
        if (handle == 0) {
            throw new IllegalStateException("NativeKernel is closed");
        }
        run(handle, input, output);
    }

    @Override
    public void close() {
        if (handle != 0) {
            close(handle);
            handle = 0;
        }
    }
}
