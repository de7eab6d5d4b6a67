import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.nsrtf.demo.NativeKernel;

/** The app's NativeKernel on the host JVM: runs a native-form model, compares with Keras. */
public final class NativeKernelHostCheck {
    private static float[] floats(String path) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(Paths.get(path)))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    public static void main(String[] args) throws IOException {
        NativeKernel.load(args[0]);
        float[] input = floats(args[2]);
        float[] expected = floats(args[3]);
        try (NativeKernel kernel = new NativeKernel(Files.readAllBytes(Paths.get(args[1])), 1)) {
            if (kernel.inputFloats != input.length || kernel.outputFloats != expected.length) {
                throw new AssertionError("sizes: " + kernel.inputFloats + "/" + input.length
                        + ", " + kernel.outputFloats + "/" + expected.length);
            }
            float[] output = new float[kernel.outputFloats];
            kernel.run(input, output);
            double worst = 0;
            for (int i = 0; i < output.length; i++) {
                worst = Math.max(worst, Math.abs(output[i] - expected[i]));
            }
            System.out.println("NativeKernel on the host JVM: max |diff| to Keras " + worst);
            if (!(worst <= 1e-4)) {
                throw new AssertionError("max |diff| " + worst + " > 1e-4");
            }
        }
        try {
            new NativeKernel(new byte[] {1, 2, 3}, 1).close();
            throw new AssertionError("a broken model was accepted");
        } catch (IllegalStateException expectedError) {
            System.out.println("a broken model: " + expectedError.getMessage());
        }
        System.out.println("jni_host_check: OK");
    }
}
