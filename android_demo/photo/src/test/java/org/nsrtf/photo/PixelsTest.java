package org.nsrtf.photo;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class PixelsTest {
    /** A photo is gray when red, green and blue agree in every pixel, whatever its alpha. */
    @Test
    public void grayPhotosAreTold() {
        assertTrue(Pixels.isGray(new int[] {0xff000000, 0x80808080, 0xffffffff, 0x00121212}));
        assertFalse(Pixels.isGray(new int[] {0xff808080, 0xff808081}));   // blue differs
        assertFalse(Pixels.isGray(new int[] {0xff817f80}));
        assertFalse(Pixels.isGray(new int[] {0xff7f8080}));               // red differs
        assertTrue(Pixels.isGray(new int[0]));
    }

    /** Mirrored indices as numpy pads with mode="reflect" (np.pad(np.arange(n), (0, 10 - n),
     * "reflect") for n = 3 and 2; a single pixel repeats). */
    @Test
    public void reflectMirrorsAsNumpyDoes() {
        int[] three = new int[10];
        int[] two = new int[10];
        int[] one = new int[10];
        for (int i = 0; i < 10; i++) {
            three[i] = Pixels.reflect(i, 3);
            two[i] = Pixels.reflect(i, 2);
            one[i] = Pixels.reflect(i, 1);
        }
        assertArrayEquals(new int[] {0, 1, 2, 1, 0, 1, 2, 1, 0, 1}, three);
        assertArrayEquals(new int[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, two);
        assertArrayEquals(new int[10], one);
    }
}
