package org.nsrtf.photo;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.util.Random;
import org.junit.Test;

public class TilerTest {

    /** out = nearest-upsampled tile * (0.5 + mean(tile)): depends on the whole tile, like a gate. */
    static TileModel gateLike(final int scale) {
        return new TileModel() {
            @Override
            public float[] run(float[] tiles, int count, int tileH, int tileW, int channels) {
                int length = tileH * tileW * channels;
                int outH = tileH * scale;
                int outW = tileW * scale;
                float[] out = new float[count * outH * outW * channels];
                for (int t = 0; t < count; t++) {
                    double sum = 0;
                    for (int i = 0; i < length; i++) {
                        sum += tiles[t * length + i];
                    }
                    float factor = (float) (0.5 + sum / length);
                    for (int r = 0; r < outH; r++) {
                        for (int c = 0; c < outW; c++) {
                            for (int k = 0; k < channels; k++) {
                                float v = tiles[t * length + ((r / scale) * tileW + c / scale)
                                        * channels + k];
                                out[((t * outH + r) * outW + c) * channels + k] = v * factor;
                            }
                        }
                    }
                }
                return out;
            }
        };
    }

    static final TileModel IDENTITY = new TileModel() {
        @Override
        public float[] run(float[] tiles, int count, int tileH, int tileW, int channels) {
            float[] out = new float[count * tileH * tileW * channels];
            System.arraycopy(tiles, 0, out, 0, out.length);
            return out;
        }
    };

    @Test
    public void tileOriginsCoverTheImageForAnySize() {
        for (int length = 1; length <= 300; length++) {
            for (int tile = 8; tile <= 64; tile += 8) {
                for (int overlap = 0; overlap < tile; overlap += 4) {
                    int t = Math.min(tile, length);
                    int[] starts = Tiler.tileStarts(length, t, tile - overlap);
                    boolean[] covered = new boolean[length];
                    for (int s : starts) {
                        assertTrue(s >= 0 && s + t <= length);
                        for (int i = s; i < s + t; i++) {
                            covered[i] = true;
                        }
                    }
                    for (int i = 0; i < length; i++) {
                        assertTrue("pixel " + i + " of " + length + " uncovered", covered[i]);
                    }
                    assertEquals(0, starts[0]);
                    assertEquals(length - t, starts[starts.length - 1]);
                }
            }
        }
    }

    @Test
    public void identityModelGivesBackTheExactImage() {
        Random random = new Random(1);
        int[][] sizes = {{37, 53}, {64, 64}, {10, 7}, {130, 65}};
        for (int[] size : sizes) {
            int h = size[0];
            int w = size[1];
            int[] argb = new int[h * w];
            for (int i = 0; i < argb.length; i++) {
                argb[i] = 0xff000000 | random.nextInt(0x1000000);
            }
            float[] image = Pixels.toFloats(argb, 3);
            float[] out = Tiler.restore(image, h, w, 3, IDENTITY, 32, 16, 5, 1, 3, null);
            for (int i = 0; i < image.length; i++) {
                assertEquals(image[i], out[i], 1e-6f);
            }
            assertArrayEquals(argb, Pixels.toArgb(out, 3, null));
        }
    }

    @Test
    public void blendingMatchesThePythonTiler() throws IOException {
        String path = System.getProperty("tiler.reference");
        assertTrue("pass -Dtiler.reference=FILE (written by scripts/make_tiler_reference.py)",
                path != null);
        BufferedReader reader = new BufferedReader(new FileReader(path));
        try {
            int cases = Integer.parseInt(reader.readLine().trim());
            for (int n = 0; n < cases; n++) {
                String[] header = reader.readLine().trim().split(" ");
                int h = Integer.parseInt(header[0]);
                int w = Integer.parseInt(header[1]);
                int c = Integer.parseInt(header[2]);
                int tile = Integer.parseInt(header[3]);
                int overlap = Integer.parseInt(header[4]);
                int scale = Integer.parseInt(header[5]);
                int batch = Integer.parseInt(header[6]);
                float[] input = parse(reader.readLine(), h * w * c);
                float[] expected = parse(reader.readLine(), h * w * c * scale * scale);
                float[] got = Tiler.restore(input, h, w, c, gateLike(scale), tile, overlap, batch,
                        scale, c, null);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals("case " + n + " value " + i, expected[i], got[i], 2e-6f);
                }
            }
        } finally {
            reader.close();
        }
    }

    static float[] parse(String line, int count) {
        String[] parts = line.trim().split(" ");
        assertEquals(count, parts.length);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }

    @Test
    public void pixelsRoundTripAndClip() {
        int[] argb = {0x80ff0000, 0xff00ff00, 0x000000ff};
        assertArrayEquals(argb, Pixels.toArgb(Pixels.toFloats(argb, 3), 3, argb));
        float[] out = {-0.5f, 1.7f, 0.5f};
        int[] clipped = Pixels.toArgb(out, 1, null);
        assertEquals(0xff000000, clipped[0]);
        assertEquals(0xffffffff, clipped[1]);
        assertEquals(0xff808080, clipped[2]);
    }
}
