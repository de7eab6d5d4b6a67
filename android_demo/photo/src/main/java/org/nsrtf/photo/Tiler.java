package org.nsrtf.photo;

import java.util.ArrayList;
import java.util.List;

/**
 * Tiled restoration, the same algorithm as the Python {@code nsr_tf.inference.restore}: tiles
 * of the training patch size overlap by {@code overlap} pixels, run as batches, and are
 * blended with a window that is zero on the outer quarter of every overlap shared with a
 * neighbour and ramps linearly across its middle half; sides on the image border keep full
 * weight. The sparse gates pool per tile, so the tile size is part of the model. Only one
 * batch of tiles is ever in the model, whatever the image size.
 */
public final class Tiler {
    private Tiler() {}

    /** Start offsets covering {@code length} with {@code tile}-long tiles {@code stride} apart. */
    public static int[] tileStarts(int length, int tile, int stride) {
        if (length <= tile) {
            return new int[] {0};
        }
        List<Integer> starts = new ArrayList<Integer>();
        for (int s = 0; s < length - tile; s += stride) {
            starts.add(s);
        }
        starts.add(length - tile);
        int[] out = new int[starts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = starts.get(i);
        }
        return out;
    }

    /** Blending weight along one axis of a tile of length {@code n}. */
    public static double[] axisWindow(int n, boolean innerLow, boolean innerHigh, int overlap) {
        double[] weight = new double[n];
        int margin = overlap / 4;
        int ramp = Math.max(overlap - 2 * margin, 1);
        for (int i = 0; i < n; i++) {
            double w = 1.0;
            if (overlap > 0) {
                double position = i + 0.5;
                if (innerLow) {
                    w = Math.min(w, clip((position - margin) / ramp));
                }
                if (innerHigh) {
                    w = Math.min(w, clip((n - position - margin) / ramp));
                }
            }
            weight[i] = w;
        }
        return weight;
    }

    private static double clip(double v) {
        return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
    }

    /**
     * Restores an {@code height x width x channels} image (NHWC floats, not clipped) with
     * {@code model}; returns {@code height*scale x width*scale x outChannels} floats.
     */
    public static float[] restore(float[] image, int height, int width, int channels,
                                  TileModel model, int tileSize, int overlap, int batchSize,
                                  int scale, int outChannels, ProgressListener listener) {
        if (tileSize < 1 || overlap < 0 || overlap >= tileSize) {
            throw new IllegalArgumentException("need 0 <= overlap < tileSize, got overlap="
                    + overlap + ", tileSize=" + tileSize);
        }
        if (image.length != height * width * channels) {
            throw new IllegalArgumentException("image has " + image.length + " values, not "
                    + height + "x" + width + "x" + channels);
        }
        int tileH = Math.min(tileSize, height);
        int tileW = Math.min(tileSize, width);
        int stride = tileSize - overlap;
        int[] ys = tileStarts(height, tileH, stride);
        int[] xs = tileStarts(width, tileW, stride);
        int total = ys.length * xs.length;
        int outH = height * scale;
        int outW = width * scale;
        float[] output = new float[outH * outW * outChannels];
        float[] weights = new float[outH * outW];
        int tileLength = tileH * tileW * channels;
        int outTileH = tileH * scale;
        int outTileW = tileW * scale;
        int outTileLength = outTileH * outTileW * outChannels;
        float[] batch = new float[batchSize * tileLength];
        int[][] corners = new int[batchSize][2];
        int done = 0;
        for (int first = 0; first < total; first += batchSize) {
            int count = Math.min(batchSize, total - first);
            for (int t = 0; t < count; t++) {
                int y = ys[(first + t) / xs.length];
                int x = xs[(first + t) % xs.length];
                corners[t][0] = y;
                corners[t][1] = x;
                for (int r = 0; r < tileH; r++) {
                    System.arraycopy(image, ((y + r) * width + x) * channels, batch,
                            t * tileLength + r * tileW * channels, tileW * channels);
                }
            }
            float[] results = model.run(batch, count, tileH, tileW, channels);
            for (int t = 0; t < count; t++) {
                int y = corners[t][0];
                int x = corners[t][1];
                double[] wy = axisWindow(outTileH, y > 0, y + tileH < height, overlap * scale);
                double[] wx = axisWindow(outTileW, x > 0, x + tileW < width, overlap * scale);
                for (int r = 0; r < outTileH; r++) {
                    int row = y * scale + r;
                    for (int c = 0; c < outTileW; c++) {
                        float w = (float) (wy[r] * wx[c]);
                        int pixel = row * outW + x * scale + c;
                        weights[pixel] += w;
                        int src = t * outTileLength + (r * outTileW + c) * outChannels;
                        int dst = pixel * outChannels;
                        for (int k = 0; k < outChannels; k++) {
                            output[dst + k] += results[src + k] * w;
                        }
                    }
                }
            }
            done += count;
            if (listener != null) {
                listener.onProgress(done, total);
            }
        }
        for (int pixel = 0; pixel < outH * outW; pixel++) {
            for (int k = 0; k < outChannels; k++) {
                output[pixel * outChannels + k] /= weights[pixel];
            }
        }
        return output;
    }
}
