package org.nsrtf.photo;

import java.util.Locale;

/**
 * What the app decides for one photo before it runs a model, the twin of the Python
 * library's {@code nsr_tf.photo} (what nsr-restore does): the level a level-map model is
 * told ({@link #choose}, {@code choose_level}), whether a camera-noise denoiser looks again
 * ({@link #settles}, {@code settle_level}), and which member of a model family runs on a
 * gray or a colour photo ({@link #member}, {@code nsr_tf.pretrained.pick}). Pure Java, so
 * JUnit tests it on the JVM.
 */
public final class LevelPolicy {
    private LevelPolicy() {}

    /** A level and how it was chosen ("set", "estimated", "applied", "read from the file"...). */
    public static final class Choice {
        public final double level;
        public final String how;

        public Choice(double level, String how) {
            this.level = level;
            this.how = how;
        }

        public boolean estimated() {
            return "estimated".equals(how);
        }
    }

    /**
     * The level a level-map model of {@code task} ("denoise" or "jpeg") is told for
     * {@code image} (h x w x channels, [0, 1]): the slider once the user moved it
     * ({@code slider} non-null); else for a denoiser the estimate of the estimator its
     * training noise calls for ({@code estimator}: "camera", "binned" or "wavelet"; a
     * camera-noise photo that was a JPEG file, or whose pixels show a JPEG's grid, is read
     * as JPEG-compressed); for a JPEG model the quality applied ({@code addDegradation}:
     * {@code trainedQuality}), else read from the file ({@code fileQuality}: {quality,
     * 1 if exact IJG}), else the slider's value {@code sliderValue}.
     */
    public static Choice choose(String task, String estimator, int channels, int trainedQuality,
                                float[] image, int h, int w, boolean addDegradation,
                                int[] fileQuality, Double slider, double sliderValue) {
        if (slider != null) {
            return new Choice(slider, "set");
        }
        if ("denoise".equals(task)) {
            double sigma;
            if ("camera".equals(estimator)) {
                boolean jpeg = !addDegradation && (fileQuality != null
                        || Levels.jpegGrid(image, h, w, channels) != null);
                sigma = Levels.estimateCameraNoise(image, h, w, channels, jpeg);
            } else if ("binned".equals(estimator)) {
                sigma = Levels.estimateNoiseRms(image, h, w, channels);
            } else {
                sigma = Levels.estimateSigma(image, h, w, channels);
            }
            // a flat photo shows no noise: told 0, as nsr-restore says "the photo is flat"
            return new Choice(Double.isNaN(sigma) ? 0.0 : sigma, "estimated");
        }
        if (addDegradation) {
            return new Choice(trainedQuality, "applied");
        }
        if (fileQuality != null) {
            return new Choice(fileQuality[0],
                    fileQuality[1] == 1 ? "read from the file" : "nearest IJG, read");
        }
        return new Choice(sliderValue, "not a JPEG file: the slider's");
    }

    /** Whether the model looks again after {@code choice} (Levels.settleLevel): a
     *  camera-noise denoiser told an estimate. */
    public static boolean settles(Choice choice, String task, String estimator) {
        return choice.estimated() && "denoise".equals(task) && "camera".equals(estimator);
    }

    /** What the status line adds after a second look told {@code told} in turn, or "". */
    public static String settledNote(double[] told) {
        if (told.length < 2) {
            return "";
        }
        StringBuilder found = new StringBuilder();
        for (int i = 1; i < told.length; i++) {
            found.append(i > 1 ? ", then " : "").append(String.format(Locale.US, "%.1f",
                    told[i]));
        }
        return String.format(Locale.US, "; read %.1f, the model found only %s to remove: "
                + "texture, not noise, so it restored again", told[0], found);
    }

    /**
     * The index of the model to run on a photo: the one of the photo's channels (1 for a
     * gray photo, 3 for a colour one) among those of the chosen model's family (the same
     * {@code families[i]}: task, level map, scale, form, quantization), where one is
     * packed; else {@code chosen} itself (a gray model on a colour photo restores its
     * luminance).
     */
    public static int member(int chosen, boolean grayPhoto, int[] channels, String[] families) {
        int wanted = grayPhoto ? 1 : 3;
        if (channels[chosen] == wanted) {
            return chosen;
        }
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == wanted && families[i].equals(families[chosen])) {
                return i;
            }
        }
        return chosen;
    }
}
