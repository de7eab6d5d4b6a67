package org.nsrtf.photo;

/**
 * The EXIF orientation of a JPEG file (1-8; 1 when there is none), read from its APP1
 * segment. Hand-written: BitmapFactory ignores it, and android.media.ExifInterface's
 * stream constructor is API 24 while the tiling module stays plain Java.
 */
public final class Orientation {
    private Orientation() {}

    private static final int TAG = 0x0112;

    public static int exifOrientation(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xff || (b[1] & 0xff) != 0xd8) {
            return 1;
        }
        int p = 2;
        while (p + 4 <= b.length && (b[p] & 0xff) == 0xff) {
            int marker = b[p + 1] & 0xff;
            if (marker == 0xda || marker == 0xd9) {   // start of scan: no EXIF before it
                return 1;
            }
            int length = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
            int start = p + 4;
            if (marker == 0xe1 && start + 6 <= b.length && b[start] == 'E' && b[start + 1] == 'x'
                    && b[start + 2] == 'i' && b[start + 3] == 'f') {
                int value = fromTiff(b, start + 6, Math.min(b.length, p + 2 + length));
                if (value > 0) {
                    return value;
                }
            }
            p += 2 + length;
        }
        return 1;
    }

    /** IFD0's orientation entry of the TIFF block at {@code tiff}, or 0. */
    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 0;
        }
        boolean little = b[tiff] == 'I';
        int ifd = tiff + read(b, tiff + 4, 4, little);
        if (ifd + 2 > end) {
            return 0;
        }
        int entries = read(b, ifd, 2, little);
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + 12 * i;
            if (entry + 12 > end) {
                return 0;
            }
            if (read(b, entry, 2, little) == TAG) {
                int value = read(b, entry + 8, 2, little);   // SHORT, left-justified
                return value >= 1 && value <= 8 ? value : 0;
            }
        }
        return 0;
    }

    private static int read(byte[] b, int at, int bytes, boolean little) {
        int value = 0;
        for (int i = 0; i < bytes; i++) {
            int shift = little ? 8 * i : 8 * (bytes - 1 - i);
            value |= (b[at + i] & 0xff) << shift;
        }
        return value;
    }
}
