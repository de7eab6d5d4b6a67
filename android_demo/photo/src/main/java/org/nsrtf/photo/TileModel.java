package org.nsrtf.photo;

/** A model that restores a batch of tiles (LiteRT on the phone, a plain function in tests). */
public interface TileModel {
    /**
     * Runs {@code count} tiles of {@code tileH x tileW x channels} floats (NHWC, packed one after
     * another in {@code tiles}) and returns their outputs, {@code count x tileH*scale x
     * tileW*scale x outChannels} floats.
     */
    float[] run(float[] tiles, int count, int tileH, int tileW, int channels);
}
