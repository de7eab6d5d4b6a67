package org.nsrtf.demo;

import android.content.res.AssetFileDescriptor;
import android.content.res.AssetManager;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import org.nsrtf.photo.Pixels;
import org.nsrtf.photo.TileModel;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.gpu.GpuDelegate;

/**
 * Runs the exported model on batches of tiles with LiteRT. The model file stays
 * memory-mapped from the (uncompressed) asset; only one batch of tiles is in the interpreter.
 * On the GPU it runs the model's GPU-form file (ModelInfo.gpu), on the CPU its CPU file.
 */
public final class LiteRtTileModel implements TileModel, AutoCloseable {
    private final Interpreter interpreter;
    private final NativeKernel kernel;   // the native form: nsr-tf's custom op, via JNI
    private final float[] nativeInput;
    private final float[] nativeOutput;
    private final GpuDelegate gpu;
    private final ModelInfo info;
    private final ByteBuffer input;
    private final ByteBuffer output;
    public final String accelerator;

    public LiteRtTileModel(AssetManager assets, ModelInfo chosen, int threads, boolean useGpu)
            throws IOException {
        Interpreter.Options options = new Interpreter.Options();
        options.setNumThreads(threads);
        ModelInfo gpuFile = chosen.isGpuForm() ? chosen : chosen.gpu;
        if (chosen.isNativeForm()) {
            // LiteRT's C API with the sparse-conv kernel registered (libnsr_native.so)
            info = chosen;
            gpu = null;
            NativeKernel.load(null);
            kernel = new NativeKernel(readAll(assets, info.file), threads);
            nativeInput = new float[kernel.inputFloats];
            nativeOutput = new float[kernel.outputFloats];
            interpreter = null;
            input = null;
            output = null;
            accelerator = "CPU, native kernel " + threads + " thread(s), " + info.file
                    + (useGpu ? "; the native form runs on the CPU only" : "");
            return;
        }
        kernel = null;
        nativeInput = null;
        nativeOutput = null;
        if (useGpu && gpuFile != null) {
            info = gpuFile;
            gpu = new GpuDelegate();
            options.addDelegate(gpu);
            accelerator = "GPU, " + info.file + " (form " + info.form + ")";
        } else {
            info = chosen;
            gpu = null;
            options.setUseXNNPACK(true);
            accelerator = "CPU/XNNPACK " + threads + " thread(s), " + info.file + " (form "
                    + info.form + ")" + (useGpu ? "; no GPU-form file for this model" : "");
        }
        interpreter = new Interpreter(map(assets, info.file), options);
        int pixels = info.batch * info.tile * info.tile;
        input = ByteBuffer.allocateDirect(4 * pixels * info.inputChannels())
                .order(ByteOrder.nativeOrder());
        output = ByteBuffer.allocateDirect(4 * pixels * info.channels * info.scale * info.scale)
                .order(ByteOrder.nativeOrder());
    }

    private static byte[] readAll(AssetManager assets, String file) throws IOException {
        java.io.InputStream stream = assets.open(file);
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = stream.read(chunk)) > 0; ) {
                bytes.write(chunk, 0, n);
            }
            return bytes.toByteArray();
        } finally {
            stream.close();
        }
    }

    private static MappedByteBuffer map(AssetManager assets, String file) throws IOException {
        AssetFileDescriptor descriptor = assets.openFd(file);
        FileInputStream stream = new FileInputStream(descriptor.getFileDescriptor());
        try {
            return stream.getChannel().map(FileChannel.MapMode.READ_ONLY,
                    descriptor.getStartOffset(), descriptor.getDeclaredLength());
        } finally {
            stream.close();
        }
    }

    @Override
    public float[] run(float[] tiles, int count, int tileH, int tileW, int channels) {
        // channels: the input's (with the level map, if any); the output has the image's
        int outChannels = info.channels;
        int perTileOut = info.tile * info.tile * info.scale * info.scale * outChannels;
        float[] result = new float[count * perTileOut];
        // The model's batch and tile are fixed: the tile of an image smaller than the
        // model's is mirrored past its bottom and right edges (Pixels.reflect, as numpy's
        // "reflect" in nsr_tf.export.litert.LiteRTPredictor; repeating the edge row cost
        // 1.7 dB on a 70x90 crop); batches are filled by repeating the last tile.
        for (int first = 0; first < count; first += info.batch) {
            FloatBuffer in = kernel != null ? FloatBuffer.wrap(nativeInput)
                    : input.asFloatBuffer();
            for (int b = 0; b < info.batch; b++) {
                int t = Math.min(first + b, count - 1);
                for (int r = 0; r < info.tile; r++) {
                    for (int c = 0; c < info.tile; c++) {
                        int source = (t * tileH * tileW + Pixels.reflect(r, tileH) * tileW
                                + Pixels.reflect(c, tileW)) * channels;
                        in.put(tiles, source, channels);
                    }
                }
            }
            FloatBuffer out;
            if (kernel != null) {
                kernel.run(nativeInput, nativeOutput);
                out = FloatBuffer.wrap(nativeOutput);
            } else {
                output.rewind();
                interpreter.run(input, output);
                out = ((ByteBuffer) output.rewind()).asFloatBuffer();
            }
            int outTile = info.tile * info.scale;
            for (int b = 0; b < info.batch && first + b < count; b++) {
                for (int r = 0; r < tileH * info.scale; r++) {
                    out.position((b * outTile + r) * outTile * outChannels);
                    out.get(result, ((first + b) * tileH * info.scale + r) * tileW * info.scale
                            * outChannels, tileW * info.scale * outChannels);
                }
            }
        }
        return result;
    }

    @Override
    public void close() {
        if (kernel != null) {
            kernel.close();
            return;
        }
        interpreter.close();
        if (gpu != null) {
            gpu.close();
        }
    }
}
