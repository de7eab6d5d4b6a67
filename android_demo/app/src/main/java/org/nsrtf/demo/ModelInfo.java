package org.nsrtf.demo;

import org.json.JSONException;
import org.json.JSONObject;

/** What export/to_tflite.py writes beside each .tflite (FILE.tflite.json). */
public final class ModelInfo {
    /** The newest metadata schema this app reads (nsr_tf/metadata.py SCHEMA_VERSION). */
    public static final int SCHEMA_VERSION = 1;

    public final String file;
    /** The .keras model it was exported from: the CPU and GPU files of a model share it. */
    public final String model;
    /** The same model's GPU-form file (export --form gpu), if it was packed; else null. */
    public ModelInfo gpu;
    public final String task;
    public final String form;
    public final String quantization;
    public final int channels;
    public final int scale;
    public final int tile;
    public final int overlap;
    public final int batch;
    public final double sigma;
    public final int quality;
    /** A level-conditioned model: its last input channel is sigma / 255 or quality / 100. */
    public final boolean levelMap;
    /** The levels (sigma or quality) the model was trained on. */
    public final double levelLow;
    public final double levelHigh;
    /**
     * How to estimate a denoiser's sigma: "wavelet" (white noise: Levels.estimateSigma),
     * "camera" (trained on camera noise too: Levels.estimateCameraNoise, binned on a JPEG
     * file and by the flattest patches otherwise) or "binned" (exports made before
     * "camera": Levels.estimateNoiseRms on every photo).
     */
    public final String estimator;

    ModelInfo(String file, JSONObject json) throws JSONException {
        this.file = file;
        int version = json.optInt("schema_version", 0);   // files before versioning: 0
        if (version > SCHEMA_VERSION) {
            throw new JSONException(file + ": metadata schema " + version + " is newer than "
                    + "this app reads (" + SCHEMA_VERSION + "); rebuild the app");
        }
        model = json.optString("model", file);
        task = json.getString("task");
        form = json.optString("form", "rowhybrid");
        quantization = json.optString("quantization", "none");
        channels = json.getInt("channels");
        scale = json.getInt("scale");
        tile = json.getInt("tile");
        overlap = json.getInt("overlap");
        batch = json.optInt("batch", 1);
        sigma = json.isNull("sigma") ? 25.0 : json.optDouble("sigma", 25.0);
        quality = json.isNull("quality") ? 10 : json.optInt("quality", 10);
        JSONObject map = json.optJSONObject("level_map");
        levelMap = map != null;
        boolean noise = "denoise".equals(task);
        double low = noise ? 0 : 1;
        double high = noise ? 255 : 100;
        if (map != null && map.optJSONArray("trained_range") != null) {
            low = map.getJSONArray("trained_range").getDouble(0);
            high = map.getJSONArray("trained_range").getDouble(1);
        }
        estimator = map != null ? map.optString("estimator", "wavelet") : "wavelet";
        levelLow = low;
        levelHigh = high;
    }

    /** The values per input pixel: the image's channels, and the level map if any. */
    public int inputChannels() {
        return channels + (levelMap ? 1 : 0);
    }

    /** The map value of a sigma (denoise) or a JPEG quality. */
    public float mapValue(double level) {
        return (float) ("denoise".equals(task) ? level / 255.0 : level / 100.0);
    }

    /**
     * The GPU form ("direct", export --form gpu): one CONV_2D per sparse layer with the
     * per-sample kernel as a run-time filter, which LiteRT's GPU path takes in full at the
     * cost of one kernel bank (tests/export/test_gpu.py). The CPU forms are refused there.
     */
    public boolean isNativeForm() {   // export --form native: runs through NativeKernel
        return "native".equals(form);
    }

    public boolean isGpuForm() {
        return "direct".equals(form);
    }

    @Override
    public String toString() {
        String what = "sr".equals(task) ? "Upscale x" + scale : task;
        return what + ": " + file + " (" + form + ", " + quantization + ")";
    }
}
