"""Before/after crops of real noisy photographs (RNI15: no ground truth, so pictures, not
PSNR), restored as `nsr-restore PHOTO --model denoise --sigma auto` restores them.

    python benchmarks/experiments/real_noise_crops.py [--data-dir ../shared/data/RNI15]
        [--photos Dog.png Frog.png Postcards.png] [--crop 192] [--out docs/real_noise]

Writes OUT/NAME.png (the noisy crop left, the restored crop right, 1:1) for each photo and
OUT/README.md with the model that ran and the sigma it chose. The whole photo is restored
(the tiling and the estimate are the whole photo's); the crop is cut afterwards, at the
centre.
"""

import argparse
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.data.sources import shared_data
from nsr_tf.benchmarking import emit, header
DEFAULT_DATA = shared_data("RNI15")


def centre(image, side):
    top = max(0, (image.shape[0] - side) // 2)
    left = max(0, (image.shape[1] - side) // 2)
    return image[top:top + side, left:left + side]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA)
    parser.add_argument("--photos", nargs="+", default=["Dog.png", "Frog.png",
                                                         "Postcards.png"])
    parser.add_argument("--crop", type=int, default=192)
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "real_noise"))
    args = parser.parse_args(argv)
    from PIL import Image

    from nsr_tf import pretrained
    from nsr_tf.data.images import read_image
    from nsr_tf.data.sources import SHARED_DATA_HINT
    if not os.path.isdir(args.data_dir):
        print(f"real_noise_crops.py: error: {args.data_dir}: no such folder; "
              f"{SHARED_DATA_HINT}: pass --data-dir FOLDER holding RNI15", file=sys.stderr)
        return 1
    missing = [p for p in args.photos if not os.path.exists(os.path.join(args.data_dir, p))]
    if missing:
        print(f"real_noise_crops.py: error: not in {args.data_dir}: {', '.join(missing)}",
              file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    name, _ = pretrained.pick("denoise", 3)
    from nsr_tf import photo as photos
    options = photos.Options(precision="float32")
    model = photos.prepare(name, options)
    lines = ["# Real noisy photos, before and after", "",
             f"Command: `python benchmarks/experiments/real_noise_crops.py {' '.join(argv or sys.argv[1:])}`."
             f" Model: `{name}` (what `nsr-restore --model denoise` runs on a colour photo), "
             f"told the sigma `--sigma auto` estimates on the whole photo. RNI15 (Lebrun et "
             f"al.) has no ground truth: these are for the eye. Left: the photo; right: "
             f"restored; centre {args.crop}x{args.crop} crops at 1:1.", "", header(), ""]
    for photo in args.photos:
        path = os.path.join(args.data_dir, photo)
        noisy = read_image(path, 3)
        level = photos.choose_level(path, noisy, model, options)   # as nsr-restore
        restored, sigma = photos.restore_array(noisy, model, level), level.sigma
        pair = [centre(x, args.crop) for x in (noisy, restored)]
        gap = np.ones((pair[0].shape[0], 4, 3), np.float32)
        side = np.concatenate([pair[0], gap, np.clip(pair[1], 0, 1)], axis=1)
        stem = os.path.splitext(photo)[0]
        Image.fromarray(np.round(side * 255).astype(np.uint8)).save(
            os.path.join(args.out, f"{stem}.png"), optimize=True)
        lines += [f"## {photo}: sigma {sigma:.1f} (estimated)", "", f"![{stem}]({stem}.png)",
                  ""]
        print(f"{photo}: sigma {sigma:.1f}", flush=True)
    emit(lines, os.path.join(args.out, "README.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
