package org.nsrtf.photo;

/** Told after every batch of tiles: {@code done} of {@code total} tiles. */
public interface ProgressListener {
    void onProgress(int done, int total);
}
