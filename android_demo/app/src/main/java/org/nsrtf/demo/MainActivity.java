package org.nsrtf.demo;

import android.app.Activity;
import android.content.Intent;
import android.graphics.Bitmap;
import android.graphics.BitmapFactory;
import android.net.Uri;
import android.os.Bundle;
import android.view.View;
import android.widget.AdapterView;
import android.widget.ArrayAdapter;
import android.widget.CheckBox;
import android.widget.ProgressBar;
import android.widget.SeekBar;
import android.widget.Spinner;
import android.widget.TextView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.json.JSONException;
import org.json.JSONObject;
import org.nsrtf.photo.LevelPolicy;
import org.nsrtf.photo.Levels;
import org.nsrtf.photo.Orientation;
import org.nsrtf.photo.Pixels;
import org.nsrtf.photo.ProgressListener;
import org.nsrtf.photo.Resize;
import org.nsrtf.photo.Tiler;

/** Thin Android layer: pick a photo and a model, restore it tiled, compare before/after. */
public class MainActivity extends Activity {
    private static final int PICK = 1;

    private final List<ModelInfo> models = new ArrayList<ModelInfo>();
    private Bitmap photo;
    /** Whether the photo is gray (every pixel R == G == B): which family member runs. */
    private boolean photoGray;
    private Spinner modelSpinner;
    private Spinner threadSpinner;
    private CheckBox degrade;
    private CheckBox gpu;
    private ProgressBar progress;
    private TextView status;
    private CompareView compare;
    private SeekBar level;
    private TextView levelLabel;
    /** The user moved the strength slider since the photo or model changed. */
    private volatile boolean levelTouched;
    /** The picked file's JPEG quality {quality, exact}, or null (not a JPEG, or the sample). */
    private int[] fileQuality;
    private volatile boolean running;

    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        setContentView(R.layout.activity_main);
        modelSpinner = (Spinner) findViewById(R.id.model);
        threadSpinner = (Spinner) findViewById(R.id.threads);
        degrade = (CheckBox) findViewById(R.id.degrade);
        gpu = (CheckBox) findViewById(R.id.gpu);
        progress = (ProgressBar) findViewById(R.id.progress);
        status = (TextView) findViewById(R.id.status);
        compare = (CompareView) findViewById(R.id.compare);
        level = (SeekBar) findViewById(R.id.level);
        levelLabel = (TextView) findViewById(R.id.level_label);
        loadModels();
        modelSpinner.setAdapter(new ArrayAdapter<ModelInfo>(this,
                android.R.layout.simple_spinner_dropdown_item, models));
        modelSpinner.setOnItemSelectedListener(new AdapterView.OnItemSelectedListener() {
            @Override
            public void onItemSelected(AdapterView<?> parent, View view, int position, long id) {
                resetLevel();
            }

            @Override
            public void onNothingSelected(AdapterView<?> parent) {}
        });
        level.setOnSeekBarChangeListener(new SeekBar.OnSeekBarChangeListener() {
            @Override
            public void onProgressChanged(SeekBar bar, int value, boolean fromUser) {
                levelTouched |= fromUser;
                showLevel(null);
            }

            @Override
            public void onStartTrackingTouch(SeekBar bar) {}

            @Override
            public void onStopTrackingTouch(SeekBar bar) {}
        });
        threadSpinner.setAdapter(new ArrayAdapter<Integer>(this,
                android.R.layout.simple_spinner_dropdown_item, new Integer[] {1, 2, 4}));
        findViewById(R.id.pick).setOnClickListener(new View.OnClickListener() {
            @Override
            public void onClick(View v) {
                Intent intent = new Intent(Intent.ACTION_GET_CONTENT).setType("image/*");
                startActivityForResult(intent, PICK);
            }
        });
        findViewById(R.id.sample).setOnClickListener(new View.OnClickListener() {
            @Override
            public void onClick(View v) {
                try {
                    fileQuality = null;
                    setPhoto(BitmapFactory.decodeStream(getAssets().open("sample.png")));
                } catch (IOException e) {
                    status.setText("no bundled sample: " + e.getMessage());
                }
            }
        });
        findViewById(R.id.run).setOnClickListener(new View.OnClickListener() {
            @Override
            public void onClick(View v) {
                startRestore();
            }
        });
    }

    /**
     * One entry per CPU file, with its model's GPU-form file (same source model) attached as
     * ModelInfo.gpu; a model exported in the GPU form only is listed by itself.
     */
    private void loadModels() {
        try {
            List<ModelInfo> gpuFiles = new ArrayList<ModelInfo>();
            for (String name : getAssets().list("")) {
                if (!name.endsWith(".tflite")) {
                    continue;
                }
                try {
                    ModelInfo info = new ModelInfo(name, new JSONObject(readAsset(name + ".json")));
                    (info.isGpuForm() ? gpuFiles : models).add(info);
                } catch (IOException | JSONException e) {
                    // a model without readable metadata cannot be tiled correctly: skip it
                }
            }
            for (ModelInfo gpuFile : gpuFiles) {
                boolean paired = false;
                for (ModelInfo info : models) {   // float and int8 CPU files alike
                    if (info.model.equals(gpuFile.model) && info.task.equals(gpuFile.task)) {
                        info.gpu = gpuFile;
                        paired = true;
                    }
                }
                if (!paired) {
                    models.add(gpuFile);
                }
            }
        } catch (IOException e) {
            status.setText("cannot list assets: " + e.getMessage());
        }
        if (models.isEmpty()) {
            status.setText("no models in assets: run export/to_tflite.py, then build again");
        }
    }

    private String readAsset(String name) throws IOException {
        InputStream in = getAssets().open(name);
        try {
            return new String(readAll(in), "UTF-8");
        } finally {
            in.close();
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * The strength slider of a level-conditioned model: sigma for a denoiser, quality for a
     * JPEG model, over the levels it was trained on. Until the user moves it, a restore uses
     * the estimated sigma or the file's quality and shows it here.
     */
    private void resetLevel() {
        ModelInfo info = (ModelInfo) modelSpinner.getSelectedItem();
        levelTouched = false;
        boolean shown = info != null && info.levelMap;
        level.setVisibility(shown ? View.VISIBLE : View.GONE);
        levelLabel.setVisibility(shown ? View.VISIBLE : View.GONE);
        if (!shown) {
            return;
        }
        level.setMax((int) Math.round(info.levelHigh - info.levelLow));
        double start = "jpeg".equals(info.task) && fileQuality != null ? fileQuality[0]
                : "jpeg".equals(info.task) ? info.quality : info.sigma;
        setLevel(info, start);
        showLevel("denoise".equals(info.task) ? "auto: estimated per photo"
                : fileQuality != null ? "read from the file" : "the model's default");
    }

    private void setLevel(ModelInfo info, double value) {
        double clamped = Math.max(info.levelLow, Math.min(info.levelHigh, value));
        level.setProgress((int) Math.round(clamped - info.levelLow));
    }

    private double levelValue(ModelInfo info) {
        return info.levelLow + level.getProgress();
    }

    private void showLevel(String how) {
        ModelInfo info = (ModelInfo) modelSpinner.getSelectedItem();
        if (info == null || !info.levelMap) {
            return;
        }
        String what = "denoise".equals(info.task) ? "Strength (sigma)" : "JPEG quality";
        levelLabel.setText(String.format(Locale.US, "%s: %.0f%s", what, levelValue(info),
                how == null ? "" : " (" + how + ")"));
    }

    /** The level the model is told for {@code image} and how it was chosen
     *  (LevelPolicy.choose, the twin of nsr_tf.photo.choose_level). */
    private LevelPolicy.Choice chooseLevel(ModelInfo info, float[] image, int h, int w,
                                           boolean addDegradation) {
        return LevelPolicy.choose(info.task, info.estimator, info.channels, info.quality,
                image, h, w, addDegradation, fileQuality,
                levelTouched ? Double.valueOf(levelValue(info)) : null, levelValue(info));
    }

    @Override
    protected void onActivityResult(int request, int result, Intent data) {
        if (request == PICK && result == RESULT_OK && data != null) {
            Uri uri = data.getData();
            try {
                InputStream in = getContentResolver().openInputStream(uri);
                try {
                    byte[] bytes = readAll(in);
                    fileQuality = Levels.jpegQuality(bytes);   // the quality map's default
                    // BitmapFactory ignores the EXIF orientation: a portrait phone photo
                    // would be restored lying on its side
                    Bitmap decoded = BitmapFactory.decodeByteArray(bytes, 0, bytes.length);
                    setPhoto(Bitmaps.upright(decoded, Orientation.exifOrientation(bytes)));
                } finally {
                    in.close();
                }
            } catch (IOException e) {
                status.setText("cannot read " + uri + ": " + e.getMessage());
            }
        }
    }

    private void setPhoto(Bitmap bitmap) {
        if (bitmap == null) {
            status.setText("not an image");
            return;
        }
        photo = Bitmaps.fitted(bitmap).copy(Bitmap.Config.ARGB_8888, false);
        photoGray = Bitmaps.isGray(photo);
        resetLevel();
        compare.setImages(photo, null);
        status.setText(String.format(Locale.US, "%dx%d photo", photo.getWidth(),
                photo.getHeight()));
    }

    private void startRestore() {
        if (running || photo == null || models.isEmpty()) {
            return;
        }
        final ModelInfo info = (ModelInfo) modelSpinner.getSelectedItem();
        final int threads = (Integer) threadSpinner.getSelectedItem();
        final boolean addDegradation = degrade.isChecked();
        final boolean useGpu = gpu.isChecked();
        running = true;
        progress.setProgress(0);
        new Thread(new Runnable() {
            @Override
            public void run() {
                restore(info, threads, addDegradation, useGpu);
            }
        }).start();
    }

    /**
     * The model to run on this photo: a colour photo gets the colour member of the chosen
     * model's family (same task, level map, scale, form and quantization) and a gray photo
     * the gray one, where the other member is packed (LevelPolicy.member).
     */
    private ModelInfo forPhoto(ModelInfo chosen, boolean grayPhoto) {
        int[] channels = new int[models.size()];
        String[] families = new String[models.size()];
        for (int i = 0; i < channels.length; i++) {
            ModelInfo m = models.get(i);
            channels[i] = m.channels;
            families[i] = m.task + "|" + m.levelMap + "|" + m.scale + "|" + m.form + "|"
                    + m.quantization;
        }
        return models.get(LevelPolicy.member(models.indexOf(chosen), grayPhoto, channels,
                families));
    }

    private void restore(ModelInfo chosen, int threads, boolean addDegradation,
                         boolean useGpu) {
        try {
            boolean grayPhoto = photoGray;
            final ModelInfo info = forPhoto(chosen, grayPhoto);
            String pickNote = info == chosen ? ""
                    : ", " + info.file + " for this " + (grayPhoto ? "gray" : "colour") + " photo";
            Bitmap given = addDegradation ? Bitmaps.degraded(info, photo) : photo;
            Bitmap input = Bitmaps.capped(given, info.scale);
            String capNote = input == given ? "" : String.format(Locale.US,
                    ", input scaled to %dx%d so the x%d output stays <= %d px",
                    input.getWidth(), input.getHeight(), info.scale, Bitmaps.MAX_SIDE);
            final int w = input.getWidth();
            final int h = input.getHeight();
            int[] argb = new int[w * h];
            input.getPixels(argb, 0, w, 0, 0, w, h);
            float[] image = Pixels.toFloats(argb, info.channels);
            if (addDegradation && "denoise".equals(info.task)) {
                image = Pixels.addNoise(image, info.sigma, 1234L);
                input = Bitmaps.toBitmap(image, info.channels, argb, w, h);
            }
            final float[] photoPixels = image;   // what the model restores, without the map
            // the level map: one more input channel
            final LevelPolicy.Choice choice = info.levelMap
                    ? chooseLevel(info, image, h, w, addDegradation) : null;
            double told = choice == null ? Double.NaN : choice.level;
            // a camera-noise model looks again where it removes far less than the estimate
            // (texture read as noise), as nsr-restore --sigma auto: Levels.settleLevel
            boolean settle = choice != null && LevelPolicy.settles(choice, info.task,
                    info.estimator);
            final LiteRtTileModel model = new LiteRtTileModel(getAssets(), info, threads, useGpu);
            final long start = System.nanoTime();
            final int[] tiles = new int[2];   // tiles of the finished runs, of this run
            final ProgressListener listener = new ProgressListener() {
                @Override
                public void onProgress(final int done, final int total) {
                    tiles[1] = total;
                    showProgress(100 * done / total);
                }
            };
            Levels.RestoreAt restoreAt = new Levels.RestoreAt() {
                @Override
                public float[] at(double level) {
                    float[] input = info.levelMap
                            ? Pixels.withLevelMap(photoPixels, info.channels,
                                    info.mapValue(level)) : photoPixels;
                    float[] out = Tiler.restore(input, h, w, info.inputChannels(), model,
                            info.tile, info.overlap, info.batch, info.scale, info.channels,
                            listener);
                    tiles[0] += tiles[1];
                    return out;
                }
            };
            float[] restored;
            String lookedAgain = "";
            try {
                if (settle) {
                    Levels.Settled settled = Levels.settleLevel(restoreAt, photoPixels, told,
                            Levels.RECHECKS);
                    restored = settled.restored;
                    lookedAgain = LevelPolicy.settledNote(settled.told);
                    told = settled.told[settled.told.length - 1];
                } else {
                    restored = restoreAt.at(told);
                }
            } finally {
                model.close();
            }
            String note = "";
            if (info.levelMap) {
                note = String.format(Locale.US, ", %s %.1f (%s%s)",
                        "denoise".equals(info.task) ? "sigma" : "quality", told, choice.how,
                        lookedAgain);
                showLevelUsed(info, told, choice.how);
            }
            final String levelNote = pickNote + note + capNote;
            final double seconds = (System.nanoTime() - start) / 1e9;
            int[] alpha = info.scale == 1 ? argb : null;
            // an upscaler's "before" is MATLAB bicubic, the baseline it is scored against
            final Bitmap before = info.scale == 1 ? input : Bitmaps.toBitmap(
                    Resize.bicubic(Pixels.toFloats(argb, info.channels), h, w, info.channels,
                            info.scale), info.channels, null, w * info.scale, h * info.scale);
            final Bitmap after = Bitmaps.toBitmap(restored, info.channels, alpha,
                    w * info.scale, h * info.scale);
            showResult(before, after, String.format(Locale.US,
                    "%s%s: %.2f s for the photo, %d tiles of %d px (%.1f tiles/s), %s",
                    info.file, levelNote, seconds, tiles[0], info.tile,
                    tiles[0] / Math.max(seconds, 1e-9), model.accelerator));
        } catch (final Exception e) {
            showResult(null, null, "failed: " + e);
        } finally {
            running = false;
        }
    }

    // What the restoring thread shows: each posts to the UI thread.

    private void showProgress(final int percent) {
        runOnUiThread(new Runnable() {
            @Override
            public void run() {
                progress.setProgress(percent);
            }
        });
    }

    private void showLevelUsed(final ModelInfo info, final double level, final String how) {
        runOnUiThread(new Runnable() {
            @Override
            public void run() {
                setLevel(info, level);
                showLevel(how);
            }
        });
    }

    /** The status line and, unless null (a failure), the before/after pair. */
    private void showResult(final Bitmap before, final Bitmap after, final String text) {
        runOnUiThread(new Runnable() {
            @Override
            public void run() {
                if (after != null) {
                    compare.setImages(before, after);
                }
                status.setText(text);
            }
        });
    }
}
