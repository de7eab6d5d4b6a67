package org.nsrtf.demo;

import org.json.JSONException;
import org.json.JSONObject;

/** What export/to_tflite.py writes beside each .tflite (FILE.tflite.json). */
public final class ModelInfo {
    public final String file;
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

    ModelInfo(String file, JSONObject json) throws JSONException {
        this.file = file;
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
    }

    /** Only the static-weight mixture form can run on the GPU delegate. */
    public boolean gpuCapable() {
        return "mixture".equals(form);
    }

    @Override
    public String toString() {
        return file + " (" + task + ", " + form + ", " + quantization + ")";
    }
}
