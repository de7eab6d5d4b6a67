package org.nsrtf.photo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Random;
import org.junit.Test;

/** The app's per-photo decisions, as nsr_tf.photo makes them. */
public class LevelPolicyTest {

    private static float[] noisy(int h, int w, int c, double sigma, long seed) {
        Random random = new Random(seed);
        float[] image = new float[h * w * c];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) (0.5 + sigma / 255.0 * random.nextGaussian());
        }
        return image;
    }

    @Test
    public void theSliderWinsOnceMoved() {
        LevelPolicy.Choice choice = LevelPolicy.choose("denoise", "wavelet", 1, 10,
                noisy(32, 32, 1, 20, 1), 32, 32, false, null, 35.0, 12.0);
        assertEquals(35.0, choice.level, 0);
        assertEquals("set", choice.how);
        assertFalse(LevelPolicy.settles(choice, "denoise", "camera"));
    }

    @Test
    public void aDenoiserIsToldItsOwnEstimatorsReading() {
        float[] image = noisy(48, 40, 3, 20, 2);
        LevelPolicy.Choice white = LevelPolicy.choose("denoise", "wavelet", 3, 10, image, 48,
                40, false, null, null, 0);
        assertEquals(Levels.estimateSigma(image, 48, 40, 3), white.level, 0);
        assertTrue(white.estimated() && !LevelPolicy.settles(white, "denoise", "wavelet"));
        LevelPolicy.Choice binned = LevelPolicy.choose("denoise", "binned", 3, 10, image, 48,
                40, false, null, null, 0);
        assertEquals(Levels.estimateNoiseRms(image, 48, 40, 3), binned.level, 0);
        // a camera-noise model: a JPEG file's pixels are read as compressed, and it looks
        // again after the estimate
        LevelPolicy.Choice camera = LevelPolicy.choose("denoise", "camera", 3, 10, image, 48,
                40, false, new int[] {90, 1}, null, 0);
        assertEquals(Levels.estimateCameraNoise(image, 48, 40, 3, true), camera.level, 0);
        assertTrue(LevelPolicy.settles(camera, "denoise", "camera"));
        LevelPolicy.Choice demo = LevelPolicy.choose("denoise", "camera", 3, 10, image, 48,
                40, true, new int[] {90, 1}, null, 0);   // noise the app added: not a JPEG's
        assertEquals(Levels.estimateCameraNoise(image, 48, 40, 3, false), demo.level, 0);
    }

    @Test
    public void aFlatPhotoIsToldNoNoise() {
        float[] flat = new float[32 * 32];
        LevelPolicy.Choice choice = LevelPolicy.choose("denoise", "wavelet", 1, 10, flat, 32,
                32, false, null, null, 0);
        assertFalse(Double.isNaN(choice.level));
        assertEquals(0.0, choice.level, 1e-9);
    }

    @Test
    public void aJpegModelIsToldTheQualityAppliedReadOrSet() {
        float[] image = noisy(16, 16, 1, 5, 3);
        assertEquals(10, LevelPolicy.choose("jpeg", null, 1, 10, image, 16, 16, true,
                new int[] {40, 1}, null, 55).level, 0);
        LevelPolicy.Choice read = LevelPolicy.choose("jpeg", null, 1, 10, image, 16, 16,
                false, new int[] {40, 1}, null, 55);
        assertEquals(40, read.level, 0);
        assertEquals("read from the file", read.how);
        assertEquals("nearest IJG, read", LevelPolicy.choose("jpeg", null, 1, 10, image, 16,
                16, false, new int[] {41, 0}, null, 55).how);
        LevelPolicy.Choice png = LevelPolicy.choose("jpeg", null, 1, 10, image, 16, 16, false,
                null, null, 55);
        assertEquals(55, png.level, 0);
        assertEquals("not a JPEG file: the slider's", png.how);
    }

    @Test
    public void theSecondLookIsSaidAsNsrRestoreSaysIt() {
        assertEquals("", LevelPolicy.settledNote(new double[] {6.4}));
        assertEquals("; read 6.4, the model found only 1.2, then 1.1 to remove: texture, "
                + "not noise, so it restored again",
                LevelPolicy.settledNote(new double[] {6.4, 1.2, 1.1}));
    }

    @Test
    public void aPhotoGetsTheMemberOfItsChannels() {
        int[] channels = {1, 3, 1, 3};
        String[] families = {"denoise|map", "denoise|map", "jpeg|map", "sr"};
        assertEquals(1, LevelPolicy.member(0, false, channels, families));  // colour photo
        assertEquals(0, LevelPolicy.member(1, true, channels, families));   // gray photo
        assertEquals(0, LevelPolicy.member(0, true, channels, families));   // already gray
        assertEquals(2, LevelPolicy.member(2, false, channels, families));  // none packed
        assertEquals(3, LevelPolicy.member(3, true, channels, families));   // none packed
    }
}
