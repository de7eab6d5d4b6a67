package org.nsrtf.tiling;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.nio.file.Files;
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
}
