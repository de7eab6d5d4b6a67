package org.nsrtf.demo;

import android.graphics.Bitmap;
import android.graphics.BitmapFactory;
import android.graphics.Matrix;
import java.io.ByteArrayOutputStream;
import org.nsrtf.photo.Pixels;

/** The Android bitmap work around a restore: orientation, size caps, demo degradations. */
final class Bitmaps {
    /** Larger photos, and upscaler outputs larger than this, are scaled down first. */
    static final int MAX_SIDE = 4096;

    private Bitmaps() {}

    /** {@code bitmap} as EXIF {@code orientation} (1-8) says to display it. */
    static Bitmap upright(Bitmap bitmap, int orientation) {
        if (bitmap == null || orientation <= 1 || orientation > 8) {
            return bitmap;
        }
        Matrix m = new Matrix();
        switch (orientation) {
            case 2: m.setScale(-1, 1); break;
            case 3: m.setRotate(180); break;
            case 4: m.setScale(1, -1); break;
            case 5: m.setRotate(90); m.postScale(-1, 1); break;
            case 6: m.setRotate(90); break;
            case 7: m.setRotate(-90); m.postScale(-1, 1); break;
            default: m.setRotate(-90); break;   // 8
        }
        return Bitmap.createBitmap(bitmap, 0, 0, bitmap.getWidth(), bitmap.getHeight(), m, true);
    }

    /** {@code bitmap}, scaled down to MAX_SIDE on its long side where it is larger. */
    static Bitmap fitted(Bitmap bitmap) {
        int side = Math.max(bitmap.getWidth(), bitmap.getHeight());
        if (side <= MAX_SIDE) {
            return bitmap;
        }
        float s = MAX_SIDE / (float) side;
        return Bitmap.createScaledBitmap(bitmap, Math.round(bitmap.getWidth() * s),
                Math.round(bitmap.getHeight() * s), true);
    }

    /** {@code input}, scaled down first where an upscaler's output would pass MAX_SIDE. */
    static Bitmap capped(Bitmap input, int scale) {
        int outputSide = Math.max(input.getWidth(), input.getHeight()) * scale;
        if (scale == 1 || outputSide <= MAX_SIDE) {
            return input;
        }
        float s = MAX_SIDE / (float) outputSide;
        return Bitmap.createScaledBitmap(input, Math.max(1, (int) (input.getWidth() * s)),
                Math.max(1, (int) (input.getHeight() * s)), true);
    }

    /** Pixels.isGray a row at a time: a colour photo answers at its first colour pixel. */
    static boolean isGray(Bitmap bitmap) {
        int[] row = new int[bitmap.getWidth()];
        for (int y = 0; y < bitmap.getHeight(); y++) {
            bitmap.getPixels(row, 0, row.length, 0, y, row.length, 1);
            if (!Pixels.isGray(row)) {
                return false;
            }
        }
        return true;
    }

    /** The demo's degraded copy of a clean photo: a JPEG at the model's quality, or the
     *  photo scaled down by the upscaler's factor; a denoiser's noise is added later, to
     *  the float image. */
    static Bitmap degraded(ModelInfo info, Bitmap clean) {
        if ("jpeg".equals(info.task)) {
            ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
            clean.compress(Bitmap.CompressFormat.JPEG, info.quality, jpeg);
            byte[] bytes = jpeg.toByteArray();
            return BitmapFactory.decodeByteArray(bytes, 0, bytes.length)
                    .copy(Bitmap.Config.ARGB_8888, false);
        }
        if ("sr".equals(info.task)) {   // bilinear here, not MATLAB bicubic: a demo input
            return Bitmap.createScaledBitmap(clean, clean.getWidth() / info.scale,
                    clean.getHeight() / info.scale, true);
        }
        return clean;   // denoise: the noise is added to the float image
    }

    /** A float image (Pixels' layout) as an ARGB bitmap, with {@code alpha} where given. */
    static Bitmap toBitmap(float[] image, int channels, int[] alpha, int w, int h) {
        int[] pixels = Pixels.toArgb(image, channels, alpha);
        return Bitmap.createBitmap(pixels, w, h, Bitmap.Config.ARGB_8888);
    }
}
