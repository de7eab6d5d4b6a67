package org.nsrtf.photo;

import java.util.Random;

/** ARGB pixels to float images and back, and the demo's synthetic degradation. */
public final class Pixels {
    private Pixels() {}

    /**
     * Index {@code i} of a row (or column) of {@code n} pixels mirrored past its ends without
     * repeating the edge pixel, as numpy's {@code np.pad(mode="reflect")}: 0 1 2 | 1 0 1 2 ...
     * for n = 3; any {@code i >= 0}; n = 1 gives 0.
     */
    public static int reflect(int i, int n) {
        if (n <= 1) {
            return 0;
        }
        int m = i % (2 * n - 2);
        return m < n ? m : 2 * n - 2 - m;
    }

    /** Whether every pixel of an ARGB image has equal red, green and blue: a gray photo. */
    public static boolean isGray(int[] argb) {
        for (int p : argb) {
            int r = (p >> 16) & 0xff;
            if (r != ((p >> 8) & 0xff) || r != (p & 0xff)) {
                return false;
            }
        }
        return true;
    }

    /** ARGB ints to NHWC floats in [0, 1]: 3 channels, or 1 (ITU-R 601 luma, as Pillow's "L"). */
    public static float[] toFloats(int[] argb, int channels) {
        float[] out = new float[argb.length * channels];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            float r = ((p >> 16) & 0xff) / 255f;
            float g = ((p >> 8) & 0xff) / 255f;
            float b = (p & 0xff) / 255f;
            if (channels == 1) {
                out[i] = 0.299f * r + 0.587f * g + 0.114f * b;
            } else {
                out[3 * i] = r;
                out[3 * i + 1] = g;
                out[3 * i + 2] = b;
            }
        }
        return out;
    }

    /**
     * NHWC floats back to ARGB, clipped to [0, 1] (never min-max stretched) and rounded; alpha
     * is taken from {@code alphaSource} (same pixel count) or opaque.
     */
    public static int[] toArgb(float[] image, int channels, int[] alphaSource) {
        int count = image.length / channels;
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            int r;
            int g;
            int b;
            if (channels == 1) {
                r = g = b = to8(image[i]);
            } else {
                r = to8(image[3 * i]);
                g = to8(image[3 * i + 1]);
                b = to8(image[3 * i + 2]);
            }
            int a = alphaSource == null ? 0xff : (alphaSource[i] >>> 24);
            out[i] = (a << 24) | (r << 16) | (g << 8) | b;
        }
        return out;
    }

    static int to8(float v) {
        float clipped = v < 0f ? 0f : (v > 1f ? 1f : v);
        return Math.round(clipped * 255f);
    }

    /**
     * The input of a level-conditioned model: each pixel's {@code channels} values followed
     * by {@code level} (sigma / 255 or quality / 100), as nsr_tf's with_level_map.
     */
    public static float[] withLevelMap(float[] image, int channels, float level) {
        int count = image.length / channels;
        float[] out = new float[count * (channels + 1)];
        for (int i = 0; i < count; i++) {
            System.arraycopy(image, i * channels, out, i * (channels + 1), channels);
            out[i * (channels + 1) + channels] = level;
        }
        return out;
    }

    /** Adds N(0, (sigma/255)^2) noise (not clipped, as the evaluation protocol). */
    public static float[] addNoise(float[] image, double sigma, long seed) {
        Random random = new Random(seed);
        float[] out = new float[image.length];
        for (int i = 0; i < image.length; i++) {
            out[i] = (float) (image[i] + random.nextGaussian() * sigma / 255.0);
        }
        return out;
    }
}
