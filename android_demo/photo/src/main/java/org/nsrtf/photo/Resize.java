package org.nsrtf.photo;

/**
 * MATLAB's bicubic {@code imresize(image, scale)} for integer upscaling, the twin of
 * {@code nsr_tf.data.degradations.imresize}: the "before" of an upscaler is this, the
 * baseline the model is scored against (ResizeTest compares the two). Hand-written:
 * Android's Bitmap scaling is bilinear.
 */
public final class Resize {
    private Resize() {}

    /** (h, w, channels) row-major floats -> (h*scale, w*scale, channels), not clipped. */
    public static float[] bicubic(float[] image, int h, int w, int channels, int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be >= 1, got " + scale);
        }
        // MATLAB resizes the dimension with the smaller scale first: height on ties.
        float[] rows = axis(image, h, w, channels, scale, true);
        return axis(rows, h * scale, w, channels, scale, false);
    }

    private static float[] axis(float[] image, int h, int w, int c, int scale,
                                boolean vertical) {
        int in = vertical ? h : w;
        int out = in * scale;
        int taps = 6;    // ceil(kernel width 4) + 2, as MATLAB
        int[] index = new int[out * taps];
        double[] weight = new double[out * taps];
        for (int o = 0; o < out; o++) {
            double u = (o + 1) / (double) scale + 0.5 * (1 - 1.0 / scale);
            double left = Math.floor(u - 2);
            double sum = 0;
            for (int t = 0; t < taps; t++) {
                double position = left + t;
                double value = cubic(u - position);
                weight[o * taps + t] = value;
                sum += value;
                index[o * taps + t] = mirror((int) position - 1, in);
            }
            for (int t = 0; t < taps; t++) {
                weight[o * taps + t] /= sum;
            }
        }
        int outH = vertical ? out : h;
        int outW = vertical ? w : out;
        float[] result = new float[outH * outW * c];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = vertical ? y : x;
                for (int k = 0; k < c; k++) {
                    double acc = 0;
                    for (int t = 0; t < taps; t++) {
                        int i = index[o * taps + t];
                        int source = vertical ? (i * w + x) : (y * w + i);
                        acc += weight[o * taps + t] * image[source * c + k];
                    }
                    result[(y * outW + x) * c + k] = (float) acc;
                }
            }
        }
        return result;
    }

    /** Symmetric padding: -1 -> 0, -2 -> 1, n -> n-1, ... */
    private static int mirror(int i, int n) {
        int period = 2 * n;
        int m = ((i % period) + period) % period;
        return m < n ? m : period - 1 - m;
    }

    private static double cubic(double x) {
        double a = Math.abs(x);
        double a2 = a * a;
        double a3 = a2 * a;
        if (a <= 1) {
            return 1.5 * a3 - 2.5 * a2 + 1;
        }
        if (a <= 2) {
            return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
        }
        return 0;
    }
}
