"""Fills an assets folder for the demo APK: exported models with their metadata JSON and
a sample photo.

    python android_demo/scripts/make_demo_assets.py ASSETS_DIR [--model M.keras ...]

Each model is exported twice: NAME.tflite in the CPU form (rowhybrid, XNNPACK) and
NAME_gpu.tflite in the GPU form (direct, batch 1), which the app runs when the user picks
the GPU, and NAME_native.tflite in the native form (nsr-tf's custom op, run through the
app's libnsr_native.so: listed as its own entry, "native"), and NAME_native_dynamic.tflite,
the same in int8 (--quantize dynamic: listed as "native, dynamic", the entry to pick for
int8 on the CPU). Without --model it exports the project's shipped models (the sigma-25 denoiser,
the level-conditioned ones, gray and colour (the app runs the colour member of a family on
colour photos), and the upscalers sr-x2 and sr-x4, listed as "Upscale x2/x4"), else a small untrained Sparse- network
(enough to check the packaging, not to look at).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("assets")
    parser.add_argument("--model", action="append", default=[])
    args = parser.parse_args(argv)
    os.makedirs(args.assets, exist_ok=True)
    from nsr_tf.data.sources import sample_files
    from nsr_tf.export.model_export import export_model

    models = list(args.model)
    if not models:
        from nsr_tf import pretrained
        models = [pretrained.path(name) for name in ("denoise-sigma25", "denoise-blind",
                                                     "denoise-color", "jpeg", "jpeg-color",
                                                     "sr-x2", "sr-x4")
                  if name in pretrained.available()]
    if not models:
        from nsr_tf import build_model
        scratch = tempfile.mkdtemp()
        build_model("denoise", "sparse-", num_blocks=1).save(os.path.join(scratch, "demo.keras"))
        with open(os.path.join(scratch, "demo.json"), "w") as handle:
            json.dump({"config": {"task": "denoise", "sigma": 25, "variant": "sparse-"},
                       "tile_size": 64, "overlap": 16}, handle)
        models.append(os.path.join(scratch, "demo.keras"))
    for path in models:
        name = os.path.splitext(os.path.basename(path))[0]
        for form, quantize, suffix in (("cpu", "none", ""), ("gpu", "none", "_gpu"),
                                       ("native", "none", "_native"),
                                       ("native", "dynamic", "_native_dynamic")):
            out = os.path.join(args.assets, f"{name}{suffix}.tflite")
            if not export_model(path, form, quantize, out=out).parity["passed"]:
                print(f"error: {out}: the export failed its parity check with Keras",
                      file=sys.stderr)
                return 1
    samples = {os.path.basename(f): f for f in sample_files()}
    shutil.copy(samples["coffee.png"], os.path.join(args.assets, "sample.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
