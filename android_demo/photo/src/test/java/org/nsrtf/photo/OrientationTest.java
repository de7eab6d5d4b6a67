package org.nsrtf.photo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.Test;

public class OrientationTest {

    /** The orientation read from files Pillow's EXIF writer made is Pillow's reading. */
    @Test
    public void matchesPillow() throws IOException {
        String folder = System.getProperty("levels.reference");
        assertTrue("pass -Dlevels.reference=DIR (scripts/make_levels_reference.py)",
                folder != null);
        BufferedReader in = new BufferedReader(new FileReader(
                new File(folder, "orientation_reference.txt")));
        try {
            int files = Integer.parseInt(in.readLine().trim());
            assertTrue(files >= 9);
            for (int n = 0; n < files; n++) {
                String[] row = in.readLine().trim().split(" ");
                byte[] bytes = Files.readAllBytes(new File(folder, row[0]).toPath());
                assertEquals(row[0], Integer.parseInt(row[1]),
                        Orientation.exifOrientation(bytes));
            }
        } finally {
            in.close();
        }
    }
}
