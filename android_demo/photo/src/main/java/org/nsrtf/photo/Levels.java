package org.nsrtf.photo;

import java.util.Arrays;

/**
 * What a level-conditioned model is told when the user does not say: the noise level of a
 * photo and the JPEG quality of a file. The Java twins of nsr_tf.estimation (scikit-image's
 * estimate_sigma and the IJG table match), which are not available on a phone; LevelsTest
 * checks them against the Python values on the same inputs.
 */
public final class Levels {
    private Levels() {}

    /** Daubechies-2 decomposition high-pass filter (PyWavelets' db2 dec_hi). */
    private static final double[] DB2_HIGH = {
        -0.48296291314453416, 0.8365163037378079, -0.2241438680420134, -0.12940952255126037};
    /** The 75th percentile of the standard normal distribution. */
    private static final double NORMAL_Q75 = 0.6744897501960817;

    /**
     * The Gaussian noise sigma of an NHWC float image in [0, 1], on the [0, 255] scale:
     * Donoho's median absolute deviation of the finest diagonal db2 wavelet coefficients
     * (symmetric borders, exact zeros left out), averaged over the channels, as
     * skimage.restoration.estimate_sigma(average_sigmas=True).
     */
    public static double estimateSigma(float[] image, int height, int width, int channels) {
        double sum = 0;
        for (int c = 0; c < channels; c++) {
            double[] plane = new double[height * width];
            for (int i = 0; i < plane.length; i++) {
                plane[i] = image[i * channels + c];
            }
            sum += channelSigma(plane, height, width);
        }
        return 255.0 * sum / channels;
    }

    /**
     * The noise RMS of a photo whose noise is spatially correlated (demosaicked, JPEG
     * camera noise) as well as white, on the [0, 255] scale: estimateSigma of the image
     * averaged over 2x2 blocks (odd last rows and columns dropped), times 2; estimateSigma
     * itself below 16 pixels a side. nsr_tf.estimation.estimate_noise_rms: the estimator of
     * models trained on camera noise on JPEG photos (estimateCameraNoise), and on every photo
     * for exports whose metadata says level_map.estimator "binned" (made before "camera").
     */
    public static double estimateNoiseRms(float[] image, int height, int width, int channels) {
        int h = height / 2 * 2;
        int w = width / 2 * 2;
        if (Math.min(h, w) < 16) {
            return estimateSigma(image, height, width, channels);
        }
        float[] binned = new float[(h / 2) * (w / 2) * channels];
        for (int y = 0; y < h / 2; y++) {
            for (int x = 0; x < w / 2; x++) {
                for (int c = 0; c < channels; c++) {
                    double sum = 0;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            sum += image[((2 * y + dy) * width + 2 * x + dx) * channels + c];
                        }
                    }
                    binned[(y * (w / 2) + x) * channels + c] = (float) (sum / 4);
                }
            }
        }
        return 2.0 * estimateSigma(binned, h / 2, w / 2, channels);
    }

    /** The flat-patch estimator's patch side, percentile and minimum patch count. */
    private static final int FLAT_PATCH = 8;
    private static final double FLAT_QUANTILE = 0.05;
    private static final int FLAT_MIN_PATCHES = 64;
    /**
     * That percentile on white Gaussian noise of variance 1: chi-square's 5th percentile
     * with 61 degrees of freedom over 61 (nsr_tf.estimation.FLAT_BIAS, checked there
     * against scipy).
     */
    static final double FLAT_BIAS = 0.7219323627361429;

    /**
     * The noise RMS of a photo that was not JPEG-compressed, on the [0, 255] scale: every
     * 8x8 patch of every channel with no clipped pixel (0 or 1) is fitted with a plane by
     * least squares, and the 5th percentile of the residual variances (numpy's linear
     * interpolation) over FLAT_BIAS is the noise variance; estimateNoiseRms with fewer
     * than 64 such patches. nsr_tf.estimation.estimate_flat_rms.
     */
    public static double estimateFlatRms(float[] image, int height, int width, int channels) {
        int size = FLAT_PATCH;
        double[] ramp = new double[size];
        double ramp2 = 0;
        for (int i = 0; i < size; i++) {
            ramp[i] = i - (size - 1) / 2.0;
            ramp2 += ramp[i] * ramp[i];
        }
        double norm = size * ramp2;
        int rows = height / size;
        int cols = width / size;
        double[] variances = new double[rows * cols * channels];
        double[] patch = new double[size * size];
        int count = 0;
        for (int c = 0; c < channels; c++) {
            for (int py = 0; py < rows; py++) {
                for (int px = 0; px < cols; px++) {
                    boolean clipped = false;
                    double mean = 0;
                    double slopeY = 0;
                    double slopeX = 0;
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            double v = image[((py * size + y) * width + px * size + x)
                                    * channels + c];
                            clipped |= v <= 0 || v >= 1;
                            patch[y * size + x] = v;
                            mean += v;
                            slopeY += v * ramp[y];
                            slopeX += v * ramp[x];
                        }
                    }
                    if (clipped) {
                        continue;
                    }
                    mean /= size * size;
                    slopeY /= norm;
                    slopeX /= norm;
                    double sum = 0;
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            double r = patch[y * size + x] - mean - slopeY * ramp[y]
                                    - slopeX * ramp[x];
                            sum += r * r;
                        }
                    }
                    variances[count++] = sum / (size * size - 3);
                }
            }
        }
        if (count < FLAT_MIN_PATCHES) {
            return estimateNoiseRms(image, height, width, channels);
        }
        double[] sorted = Arrays.copyOf(variances, count);
        Arrays.sort(sorted);
        double position = FLAT_QUANTILE * (count - 1);
        int low = (int) Math.floor(position);
        int high = Math.min(low + 1, count - 1);
        double value = sorted[low] + (position - low) * (sorted[high] - sorted[low]);
        return 255.0 * Math.sqrt(value / FLAT_BIAS);
    }

    /**
     * The noise RMS a denoiser trained on camera noise is told (metadata level_map.estimator
     * "camera"): estimateNoiseRms on a photo decoded from a JPEG file ({@code jpeg}), whose
     * compression flattened its flat parts' noise; estimateFlatRms on any other.
     * nsr_tf.estimation.estimate_camera_noise.
     */
    public static double estimateCameraNoise(float[] image, int height, int width,
                                             int channels, boolean jpeg) {
        return jpeg ? estimateNoiseRms(image, height, width, channels)
                : estimateFlatRms(image, height, width, channels);
    }

    /** nsr_tf.estimation's JPEG grid constants; the two must agree. */
    public static final int GRID_CROP = 512;
    public static final int GRID_MIN_BLOCKS = 16;
    public static final double GRID_ZERO = 0.5;
    public static final double GRID_RATIO = 1.2;
    public static final double GRID_MARGIN = 0.05;

    /** The orthonormal 8x8 DCT-II matrix (JPEG's transform up to its scale). */
    private static final double[][] DCT8 = dctMatrix();

    private static double[][] dctMatrix() {
        double[][] m = new double[8][8];
        for (int k = 0; k < 8; k++) {
            for (int i = 0; i < 8; i++) {
                m[k][i] = Math.sqrt(2.0 / 8) * Math.cos(Math.PI * (2 * i + 1) * k / 16.0)
                        / (k == 0 ? Math.sqrt(2.0) : 1.0);
            }
        }
        return m;
    }

    /**
     * For each offset (dy, dx) of an 8x8 block grid over the centre crop of an NHWC image in
     * [0, 1] (index dy * 8 + dx), the fraction of its blocks' 36 highest-frequency DCT
     * coefficients (u + v >= 7) of the luma (0.299 R + 0.587 G + 0.114 B) within GRID_ZERO
     * of zero; null where the crop holds fewer than GRID_MIN_BLOCKS blocks a side.
     * nsr_tf.estimation.grid_zero_fractions.
     */
    public static double[] gridZeroFractions(float[] image, int height, int width,
                                             int channels) {
        int sideY = Math.min(height, GRID_CROP + 8);
        int sideX = Math.min(width, GRID_CROP + 8);
        int blocksY = sideY / 8 - 1;
        int blocksX = sideX / 8 - 1;
        if (Math.min(blocksY, blocksX) < GRID_MIN_BLOCKS) {
            return null;
        }
        int top = (height - sideY) / 2 / 8 * 8;
        int left = (width - sideX) / 2 / 8 * 8;
        double[] luma = new double[sideY * sideX];
        for (int y = 0; y < sideY; y++) {
            for (int x = 0; x < sideX; x++) {
                int i = ((top + y) * width + left + x) * channels;
                double v = channels < 3 ? (double) image[i]
                        : (double) image[i] * 0.299 + (double) image[i + 1] * 0.587
                        + (double) image[i + 2] * 0.114;
                luma[y * sideX + x] = v * 255.0;
            }
        }
        double[] fractions = new double[64];
        double[][] rows = new double[8][8];
        long total = (long) blocksY * blocksX * 36;
        for (int dy = 0; dy < 8; dy++) {
            for (int dx = 0; dx < 8; dx++) {
                long zeros = 0;
                for (int by = 0; by < blocksY; by++) {
                    for (int bx = 0; bx < blocksX; bx++) {
                        int origin = (dy + 8 * by) * sideX + dx + 8 * bx;
                        for (int u = 0; u < 8; u++) {          // down the columns
                            for (int x = 0; x < 8; x++) {
                                double sum = 0;
                                for (int y = 0; y < 8; y++) {
                                    sum += DCT8[u][y] * luma[origin + y * sideX + x];
                                }
                                rows[u][x] = sum;
                            }
                        }
                        for (int u = 0; u < 8; u++) {          // then along the rows
                            for (int v = 7 - u; v < 8; v++) {
                                double sum = 0;
                                for (int x = 0; x < 8; x++) {
                                    sum += rows[u][x] * DCT8[v][x];
                                }
                                if (Math.abs(sum) < GRID_ZERO) {
                                    zeros++;
                                }
                            }
                        }
                    }
                }
                fractions[dy * 8 + dx] = (double) zeros / total;
            }
        }
        return fractions;
    }

    /**
     * {dy, dx}: the offset of the 8x8 JPEG block grid an image decoded from a JPEG still
     * shows (then handed over as a bitmap, or saved as PNG), where its zero fraction is at
     * least GRID_RATIO times the median offset's and GRID_MARGIN above it; null if none or
     * too small to tell. nsr_tf.estimation.jpeg_grid.
     */
    public static int[] jpegGrid(float[] image, int height, int width, int channels) {
        double[] fractions = gridZeroFractions(image, height, width, channels);
        if (fractions == null) {
            return null;
        }
        int best = 0;
        for (int i = 1; i < 64; i++) {
            if (fractions[i] > fractions[best]) {
                best = i;
            }
        }
        double[] sorted = fractions.clone();
        Arrays.sort(sorted);
        double typical = 0.5 * (sorted[31] + sorted[32]);
        double top = fractions[best];
        return top >= GRID_RATIO * typical && top - typical >= GRID_MARGIN
                ? new int[] {best / 8, best % 8} : null;
    }

    /**
     * Where a camera-noise denoiser told the estimate removes less than this fraction of
     * it, the estimate was texture, not noise (a nearly clean, fully textured photo has no
     * flat patch), and the photo is restored again told what the model removed.
     * nsr_tf.estimation.RECHECK_RATIO; the two must agree.
     */
    public static final double RECHECK_RATIO = 0.55;
    /** How many times it looks again at most (nsr_tf.estimation.RECHECKS). */
    public static final int RECHECKS = 2;

    /** A restoration told a noise level: sigma on [0, 255] to the restored image. */
    public interface RestoreAt {
        float[] at(double sigma);
    }

    /** The restored image and the sigmas it was told, in order (the last one ran). */
    public static final class Settled {
        public final float[] restored;
        public final double[] told;

        Settled(float[] restored, double[] told) {
            this.restored = restored;
            this.told = told;
        }
    }

    /**
     * The RMS of what a restoration took out of {@code noisy} (same layout, [0, 1]), on the
     * [0, 255] scale, summed in double as nsr_tf.estimation.removed_rms.
     */
    public static double removedRms(float[] noisy, float[] restored) {
        if (noisy.length != restored.length || noisy.length == 0) {
            throw new IllegalArgumentException("removedRms: " + noisy.length + " and "
                    + restored.length + " values");
        }
        double sum = 0;
        for (int i = 0; i < noisy.length; i++) {
            double d = (double) noisy[i] - (double) restored[i];
            sum += d * d;
        }
        return Math.sqrt(sum / noisy.length) * 255.0;
    }

    /**
     * Restores {@code noisy} told the estimated {@code sigma}, then looks again: where the
     * model removed less than RECHECK_RATIO of what it was told, restores again told what
     * it removed, at most {@code rechecks} times. nsr_tf.estimation.settle_level.
     */
    public static Settled settleLevel(RestoreAt restoreAt, float[] noisy, double sigma,
                                      int rechecks) {
        double[] told = new double[rechecks + 1];
        int n = 0;
        told[n++] = sigma;
        float[] restored = restoreAt.at(sigma);
        for (int i = 0; i < rechecks; i++) {
            double removed = removedRms(noisy, restored);
            if (removed >= RECHECK_RATIO * told[n - 1]) {
                break;
            }
            told[n++] = removed;
            restored = restoreAt.at(removed);
        }
        return new Settled(restored, Arrays.copyOf(told, n));
    }

    private static double channelSigma(double[] plane, int height, int width) {
        int outH = (height + DB2_HIGH.length - 1) / 2;
        int outW = (width + DB2_HIGH.length - 1) / 2;
        double[] rows = new double[outH * width];          // high-pass down the columns
        for (int x = 0; x < width; x++) {
            for (int o = 0; o < outH; o++) {
                double s = 0;
                for (int j = 0; j < DB2_HIGH.length; j++) {
                    s += DB2_HIGH[j] * plane[reflect(1 + 2 * o - j, height) * width + x];
                }
                rows[o * width + x] = s;
            }
        }
        double[] detail = new double[outH * outW];          // then along the rows
        int count = 0;
        for (int y = 0; y < outH; y++) {
            for (int o = 0; o < outW; o++) {
                double s = 0;
                for (int j = 0; j < DB2_HIGH.length; j++) {
                    s += DB2_HIGH[j] * rows[y * width + reflect(1 + 2 * o - j, width)];
                }
                if (s != 0) {
                    detail[count++] = Math.abs(s);
                }
            }
        }
        if (count == 0) {
            return 0;
        }
        double[] values = Arrays.copyOf(detail, count);
        Arrays.sort(values);
        double median = count % 2 == 1 ? values[count / 2]
                : 0.5 * (values[count / 2 - 1] + values[count / 2]);
        return median / NORMAL_Q75;
    }

    /** Half-sample symmetric extension (PyWavelets' "symmetric" mode). */
    private static int reflect(int i, int n) {
        while (i < 0 || i >= n) {
            i = i < 0 ? -i - 1 : 2 * n - 1 - i;
        }
        return i;
    }

    /** The IJG base luminance quantization table (ITU-T T.81 table K.1), natural order. */
    private static final int[] IJG_LUMINANCE = {
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};

    /** JPEG's zigzag scan: position k of a DQT segment is natural index ZIGZAG[k]. */
    private static final int[] ZIGZAG = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

    /** The luminance table libjpeg writes for {@code quality} (1-100, baseline). */
    static int[] ijgTable(int quality) {
        int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
        int[] table = new int[64];
        for (int i = 0; i < 64; i++) {
            table[i] = Math.max(1, Math.min(255, (IJG_LUMINANCE[i] * scale + 50) / 100));
        }
        return table;
    }

    /**
     * {quality, exact (1 or 0)} of a JPEG file's bytes: the IJG quality whose luminance table
     * is closest to the file's first (lowest-numbered) quantization table, and whether it
     * matches exactly; null when the bytes are not a JPEG with a quantization table.
     */
    public static int[] jpegQuality(byte[] file) {
        int[] table = luminanceTable(file);
        if (table == null) {
            return null;
        }
        int best = 1;
        long bestError = Long.MAX_VALUE;
        for (int q = 1; q <= 100; q++) {
            int[] candidate = ijgTable(q);
            long error = 0;
            for (int i = 0; i < 64; i++) {
                error += Math.abs(candidate[i] - table[i]);
            }
            if (error < bestError) {   // the first (lowest) quality wins a tie, as argmin
                bestError = error;
                best = q;
            }
        }
        return new int[] {best, bestError == 0 ? 1 : 0};
    }

    /** Table 0 (else the lowest-numbered one) of the DQT segments, in natural order. */
    private static int[] luminanceTable(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xff || (b[1] & 0xff) != 0xd8) {
            return null;
        }
        int[] found = null;
        int foundId = Integer.MAX_VALUE;
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xff) != 0xff) {
                return found;
            }
            int marker = b[p + 1] & 0xff;
            if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                p += 2;
                continue;
            }
            if (marker == 0xda || marker == 0xd9) {   // start of scan: tables come before it
                return found;
            }
            int length = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
            if (marker == 0xdb) {
                int q = p + 4;
                int end = Math.min(p + 2 + length, b.length);
                while (q < end) {
                    int precision = (b[q] & 0xff) >> 4;
                    int id = b[q] & 0x0f;
                    q++;
                    int[] table = new int[64];
                    for (int k = 0; k < 64 && q < end; k++) {
                        int value = precision == 0 ? (b[q] & 0xff)
                                : ((b[q] & 0xff) << 8) | (b[q + 1] & 0xff);
                        q += precision == 0 ? 1 : 2;
                        table[ZIGZAG[k]] = value;
                    }
                    if (id < foundId) {
                        found = table;
                        foundId = id;
                    }
                }
            }
            p += 2 + length;
        }
        return found;
    }
}
