package org.nsrtf.photo;

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
}
