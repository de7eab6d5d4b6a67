"""Fills an assets folder for the demo APK: exported models with their metadata JSON and
a sample photo.

    python android_demo/scripts/make_demo_assets.py ASSETS_DIR [--model M.keras ...]

Without --model it exports the project's shipped model if there is one, else a small
untrained Sparse- network (enough to check the packaging, not to look at).
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
    from nsr_tf.export import cli

    models = list(args.model)
    if not models:
        shipped = cli.default_model()
        if shipped and "pretrained" in shipped:
            models.append(shipped)
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
        status = cli.main(["--model", path, "--out", os.path.join(args.assets, f"{name}.tflite")])
        if status:
            return status
    samples = {os.path.basename(f): f for f in sample_files()}
    shutil.copy(samples["coffee.png"], os.path.join(args.assets, "sample.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
