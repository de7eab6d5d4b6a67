"""Finding test images inside a training set, by content rather than by name or hash.

The standard sets are copies of copies: B100 ships as ``img_001.png`` while CBSD432 holds
the same BSDS photo as ``3096.jpg``, Set5's ``woman`` is BSDS ``302003``. A SHA-256 or a
file name cannot see that, so each image is reduced to a small gray thumbnail (landscape,
zero mean, unit norm) and two images are the same photo when the thumbnails correlate
above ``THRESHOLD`` in any of the 8 flips and rotations. Different photos measured here
stay below 0.94 (CBSD68 against CBSD432); the same photo through JPEG, a crop of a few
pixels or a colour change stays above 0.97.
"""

import os

import numpy as np
from PIL import Image

THUMBNAIL = (48, 32)    # width, height of the landscape thumbnail
THRESHOLD = 0.95


def thumbnail(path):
    """The zero-mean, unit-norm gray thumbnail of an image, landscape."""
    with Image.open(path) as image:
        gray = image.convert("L")
        if gray.size[0] < gray.size[1]:
            gray = gray.transpose(Image.Transpose.ROTATE_90)
        array = np.asarray(gray.resize(THUMBNAIL, Image.Resampling.BILINEAR), np.float64)
    array = array - array.mean()
    return array / (np.linalg.norm(array) + 1e-12)


def _orientations(thumb):
    """The thumbnails of the 8 flips and rotations that keep it landscape (4 for a
    non-square thumbnail: 0 and 180 degrees, each flipped either way)."""
    return [thumb, thumb[::-1, ::-1], thumb[:, ::-1], thumb[::-1, :]]


def find_overlaps(train_files, test_files, threshold=THRESHOLD):
    """[(test file, train file, correlation)] for each test image found in the training
    files, the best match for each, above ``threshold``."""
    if not train_files or not test_files:
        return []
    train = np.stack([thumbnail(path).ravel() for path in train_files])
    found = []
    for path in test_files:
        scores = np.max([train @ view.ravel() for view in _orientations(thumbnail(path))],
                        axis=0)
        best = int(np.argmax(scores))
        if scores[best] > threshold:
            found.append((path, train_files[best], float(scores[best])))
    return found


def _link(path, folder):
    """A symbolic link to ``path`` in ``folder`` (one left there before is replaced)."""
    link = os.path.join(folder, os.path.basename(path))
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.abspath(path), link)


def clean_folder(train_files, test_files, folder, threshold=THRESHOLD):
    """A folder of symbolic links to the training files that are in no test set; returns
    (the kept files, the overlaps left out). Links already there are replaced, and those
    to files now found in a test set removed."""
    overlaps = find_overlaps(train_files, test_files, threshold)
    dropped = {train for _, train, _ in overlaps}
    os.makedirs(folder, exist_ok=True)
    kept = []
    for path in train_files:
        if path in dropped:     # a link left by an earlier run goes too
            link = os.path.join(folder, os.path.basename(path))
            if os.path.islink(link):
                os.remove(link)
            continue
        _link(path, folder)
        kept.append(path)
    return kept, overlaps


def split_folder(test_files, overlaps, seen, unseen):
    """Links to the test files found in training (``overlaps``, as ``find_overlaps``
    returns them) in folder ``seen`` and to the rest in ``unseen``: a test set scored in
    two parts (docs/super_resolution.md: B100's 32 images inside CBSD432 and its 68
    others). Returns (the seen files, the unseen files)."""
    found = {test for test, _, _ in overlaps}
    parts = ([path for path in test_files if path in found],
             [path for path in test_files if path not in found])
    for folder, files in zip((seen, unseen), parts):
        os.makedirs(folder, exist_ok=True)
        for stale in set(os.listdir(folder)) - {os.path.basename(p) for p in files}:
            if os.path.islink(os.path.join(folder, stale)):    # an earlier split's link
                os.remove(os.path.join(folder, stale))
        for path in files:
            _link(path, folder)
    return parts


def main(argv=None):
    """python -m nsr_tf.data.overlap: which training images are test images."""
    import argparse
    import sys

    from nsr_tf.data.images import list_images
    from nsr_tf.errors import NsrError

    p = argparse.ArgumentParser(
        prog="python -m nsr_tf.data.overlap",
        description="Find the images of test sets inside training folders by content (a "
                    "thumbnail's correlation over flips and turns, not names or hashes), "
                    "and optionally write a folder of links to the training images that "
                    "are in no test set.")
    p.add_argument("--train", action="append", required=True, metavar="FOLDER")
    p.add_argument("--test", action="append", required=True, metavar="FOLDER")
    p.add_argument("--clean", metavar="FOLDER",
                   help="write links to the training images in no test set here (one "
                        "--train folder)")
    p.add_argument("--seen", metavar="FOLDER",
                   help="write links to the test images found in training here (one "
                        "--test folder; with --unseen)")
    p.add_argument("--unseen", metavar="FOLDER",
                   help="and links to the test images not found in training here")
    p.add_argument("--threshold", type=float, default=THRESHOLD)
    args = p.parse_args(argv)
    if args.clean and len(args.train) != 1:
        p.error("--clean takes one --train folder")
    if (args.seen is None) != (args.unseen is None):
        p.error("--seen and --unseen go together")
    if args.seen and len(args.test) != 1:
        p.error("--seen / --unseen take one --test folder")
    try:
        train = [path for folder in args.train for path in list_images(folder)]
        test = [path for folder in args.test for path in list_images(folder)]
    except NsrError as error:
        print(f"overlap: error: {error}", file=sys.stderr)
        return 1
    if args.clean:
        kept, found = clean_folder(train, test, args.clean, args.threshold)
    else:
        found = find_overlaps(train, test, args.threshold)
    if args.seen:
        seen, unseen = split_folder(test, found, args.seen, args.unseen)
        print(f"{len(seen)} linked in {args.seen}, {len(unseen)} in {args.unseen}",
              file=sys.stderr)
    for test_file, train_file, score in found:
        print(f"{test_file}\t{train_file}\t{score:.3f}")
    print(f"{len(found)} of {len(test)} test images are in the {len(train)} training images"
          + (f"; {len(kept)} linked in {args.clean}" if args.clean else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
