package org.nsrtf.photo;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

public class LevelsTest {

    private static File reference() {
        String folder = System.getProperty("levels.reference");
        assertTrue("pass -Dlevels.reference=DIR (written by scripts/make_levels_reference.py)",
                folder != null);
        return new File(folder);
    }

    /**
     * The Java estimators give scikit-image's sigma, and Python's binned and flat-patch
     * RMS, on the same pixels.
     */
    @Test
    public void sigmaMatchesScikitImage() throws IOException {
        BufferedReader in = new BufferedReader(new FileReader(
                new File(reference(), "levels_reference.txt")));
        try {
            int cases = Integer.parseInt(in.readLine().trim());
            for (int n = 0; n < cases; n++) {
                String[] head = in.readLine().trim().split(" ");
                int h = Integer.parseInt(head[0]);
                int w = Integer.parseInt(head[1]);
                int c = Integer.parseInt(head[2]);
                double expected = Double.parseDouble(head[3]);
                String[] values = in.readLine().trim().split(" ");
                float[] image = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    image[i] = Float.parseFloat(values[i]);
                }
                double got = Levels.estimateSigma(image, h, w, c);
                assertEquals("case " + n, expected, got, 1e-9 * Math.max(1, expected));
                // the binned estimator: Python bins in float64, Java in float32 pixels
                double rms = Double.parseDouble(head[4]);
                assertEquals("rms case " + n, rms, Levels.estimateNoiseRms(image, h, w, c),
                        1e-5 * Math.max(1, rms));
                // the flat-patch estimator, and the camera one that picks between the two
                double flat = Double.parseDouble(head[5]);
                assertEquals("flat case " + n, flat, Levels.estimateFlatRms(image, h, w, c),
                        1e-6 * Math.max(1, flat));
                assertEquals(Levels.estimateFlatRms(image, h, w, c),
                        Levels.estimateCameraNoise(image, h, w, c, false), 0);
                assertEquals(Levels.estimateNoiseRms(image, h, w, c),
                        Levels.estimateCameraNoise(image, h, w, c, true), 0);
            }
        } finally {
            in.close();
        }
    }

    /** The quality read from JPEG files is the Python reader's (none for a PNG). */
    @Test
    public void jpegQualityMatchesPython() throws IOException {
        BufferedReader in = new BufferedReader(new FileReader(
                new File(reference(), "levels_reference.txt")));
        try {
            int cases = Integer.parseInt(in.readLine().trim());
            for (int n = 0; n < 2 * cases; n++) {
                in.readLine();
            }
            int files = Integer.parseInt(in.readLine().trim());
            assertTrue(files >= 3);
            for (int n = 0; n < files; n++) {
                String[] row = in.readLine().trim().split(" ");
                byte[] bytes = Files.readAllBytes(new File(reference(), row[0]).toPath());
                int[] got = Levels.jpegQuality(bytes);
                if (Integer.parseInt(row[1]) < 0) {
                    assertNull(row[0], got);
                } else {
                    assertArrayEquals(row[0], new int[] {Integer.parseInt(row[1]),
                        Integer.parseInt(row[2])}, got);
                }
            }
        } finally {
            in.close();
        }
    }

    @Test
    public void ijgTableAtFiftyIsTheBaseTable() {
        int[] table = Levels.ijgTable(50);
        assertEquals(16, table[0]);
        assertEquals(99, table[63]);
        assertEquals(1, Levels.ijgTable(100)[0]);
    }

    @Test
    public void levelMapAppendsOneConstantChannel() {
        float[] rgb = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 0.25f, 0.4f, 0.5f, 0.6f, 0.25f},
                Pixels.withLevelMap(rgb, 3, 0.25f), 0f);
    }

    /** Half the pixels lose 3 levels: the RMS of what was taken out is 3 / sqrt(2). */
    @Test
    public void removedRmsIsTheRmsOfWhatARestorationTookOut() {
        float[] noisy = new float[4 * 6 * 3];
        Arrays.fill(noisy, 0.5f);
        float[] restored = noisy.clone();
        for (int i = 0; i < restored.length / 2; i++) {
            restored[i] -= 3 / 255.0f;
        }
        assertEquals(3 / Math.sqrt(2), Levels.removedRms(noisy, restored), 1e-5);
    }

    /** A stand-in denoiser that takes out {@code fraction} of what it is told, evenly. */
    private static double[] settle(final double fraction, int rechecks, final List<Double> calls,
                                   float[][] last) {
        final float[] noisy = new float[8 * 8 * 3];
        Arrays.fill(noisy, 0.5f);
        Levels.Settled settled = Levels.settleLevel(new Levels.RestoreAt() {
            @Override
            public float[] at(double sigma) {
                calls.add(sigma);
                float[] out = new float[noisy.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (noisy[i] - fraction * sigma / 255.0);
                }
                return out;
            }
        }, noisy, 10.0, rechecks);
        last[0] = settled.restored;
        return settled.told;
    }

    /** The Java twin of test_settle_level_looks_again_where_the_model_removes_little. */
    @Test
    public void settleLevelLooksAgainWhereTheModelRemovesLittle() {
        double[][] cases = {{0.8, 10.0}, {Levels.RECHECK_RATIO + 0.01, 10.0},
                            {0.3, 10.0, 3.0, 0.9}};
        for (double[] c : cases) {
            List<Double> calls = new ArrayList<Double>();
            float[][] last = new float[1][];
            double[] told = settle(c[0], Levels.RECHECKS, calls, last);
            double[] expected = Arrays.copyOfRange(c, 1, c.length);
            assertArrayEquals("fraction " + c[0], expected, told, 1e-5);
            assertEquals(expected.length, calls.size());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], calls.get(i), 1e-5);
            }
            double lastTold = expected[expected.length - 1];
            assertEquals(0.5 - c[0] * lastTold / 255.0, last[0][0], 1e-6);
            assertArrayEquals(new double[] {10.0},
                    settle(c[0], 0, new ArrayList<Double>(), last), 0);
        }
    }

    /**
     * The JPEG grid finder gives Python's fractions and verdict on the same pixels: never
     * compressed (none), JPEG'd (0, 0), cropped after (5, 3), gray, too small (none).
     */
    @Test
    public void jpegGridMatchesPython() throws IOException {
        BufferedReader in = new BufferedReader(new FileReader(
                new File(reference(), "grid_reference.txt")));
        try {
            int cases = Integer.parseInt(in.readLine().trim());
            assertTrue(cases >= 5);
            for (int n = 0; n < cases; n++) {
                String[] head = in.readLine().trim().split(" ");
                int h = Integer.parseInt(head[0]);
                int w = Integer.parseInt(head[1]);
                int c = Integer.parseInt(head[2]);
                String[] fractions = in.readLine().trim().split(" ");
                String[] values = in.readLine().trim().split(" ");
                float[] image = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    image[i] = Integer.parseInt(values[i]) / 255f;
                }
                double[] got = Levels.gridZeroFractions(image, h, w, c);
                if (fractions.length == 1) {
                    assertNull("case " + n, got);
                } else {
                    for (int i = 0; i < 64; i++) {
                        assertEquals("case " + n + " offset " + i,
                                Double.parseDouble(fractions[i]), got[i], 1e-9);
                    }
                }
                int[] grid = Levels.jpegGrid(image, h, w, c);
                if (Integer.parseInt(head[3]) < 0) {
                    assertNull("case " + n, grid);
                } else {
                    assertArrayEquals("case " + n, new int[] {Integer.parseInt(head[3]),
                        Integer.parseInt(head[4])}, grid);
                }
            }
        } finally {
            in.close();
        }
    }
}
