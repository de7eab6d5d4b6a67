package org.nsrtf.photo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import org.junit.Test;

public class ResizeTest {

    private static float[] floats(String line) {
        String[] values = line.trim().split(" ");
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.parseFloat(values[i]);
        }
        return out;
    }

    /** The Java bicubic upscale equals the Python MATLAB-compatible imresize. */
    @Test
    public void bicubicMatchesPythonImresize() throws IOException {
        String path = System.getProperty("resize.reference");
        assertTrue("pass -Dresize.reference=FILE (scripts/make_resize_reference.py)",
                path != null);
        BufferedReader in = new BufferedReader(new FileReader(path));
        try {
            int cases = Integer.parseInt(in.readLine().trim());
            for (int n = 0; n < cases; n++) {
                String[] head = in.readLine().trim().split(" ");
                int h = Integer.parseInt(head[0]);
                int w = Integer.parseInt(head[1]);
                int c = Integer.parseInt(head[2]);
                int scale = Integer.parseInt(head[3]);
                float[] image = floats(in.readLine());
                float[] expected = floats(in.readLine());
                float[] got = Resize.bicubic(image, h, w, c, scale);
                assertEquals("case " + n, expected.length, got.length);
                for (int i = 0; i < got.length; i++) {
                    assertEquals("case " + n + " value " + i, expected[i], got[i], 2e-6);
                }
            }
        } finally {
            in.close();
        }
    }

    /** A constant image stays constant (the weights are normalised). */
    @Test
    public void constantStaysConstant() {
        float[] image = new float[5 * 3 * 3];
        java.util.Arrays.fill(image, 0.25f);
        for (float v : Resize.bicubic(image, 5, 3, 3, 4)) {
            assertEquals(0.25f, v, 1e-6);
        }
    }
}
