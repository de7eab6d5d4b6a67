"""Where training and evaluation images come from: a folder, the scikit-image samples, or
a named standard dataset downloaded to a cache.

Named datasets download once into the package's cache (``nsr_tf.files.cache_root``),
are verified by SHA-256 and unpacked; offline they fail with one line naming the URL and
telling the user to pass ``--data-dir``.
"""

import dataclasses
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

from nsr_tf.data.images import BadImageError, list_images
from nsr_tf.errors import NsrError
from nsr_tf.files import cache_root, sha256_file

# Natural photographs shipped inside the scikit-image wheel (no network). `camera` is
# left out: it is also in Set12, the denoising test set.
SAMPLE_IMAGES = ("astronaut.png", "brick.png", "chelsea.png", "coffee.png", "coins.png",
                 "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png",
                 "motorcycle_left.png", "retina.jpg", "rocket.jpg")


class DatasetUnavailableError(NsrError, RuntimeError):
    """A dataset that cannot be had; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class RemoteDataset:
    url: str
    sha256: str | None   # None: not pinned yet (see ``fetch``)
    subfolder: str       # image folder inside the unpacked archive


# The public archives of the standard sets. Their checksums could not be computed where
# this was written (no network); an unpinned entry is verified against the checksum
# recorded at its first download (trust on first use), which a user can pin here.
REMOTE_DATASETS = {
    "div2k": RemoteDataset("http://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_train_HR.zip",
                           None, "DIV2K_train_HR"),
    "div2k-valid": RemoteDataset(
        "http://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_valid_HR.zip", None, "DIV2K_valid_HR"),
    "train400": RemoteDataset("https://github.com/cszn/DnCNN/archive/refs/heads/master.zip",
                              None, "DnCNN-master/TrainingCodes/DnCNN_TrainingCodes_v1.0/"
                              "data/Train400"),
    "set12": RemoteDataset("https://github.com/cszn/DnCNN/archive/refs/heads/master.zip",
                           None, "DnCNN-master/testsets/Set12"),
    "classic5": RemoteDataset("https://github.com/cszn/DnCNN/archive/refs/heads/master.zip",
                              None, "DnCNN-master/testsets/classic5"),
    "set5": RemoteDataset("https://github.com/cszn/DnCNN/archive/refs/heads/master.zip",
                          None, "DnCNN-master/testsets/Set5"),
}
DATASETS = ("samples", *REMOTE_DATASETS)

# The small standard test sets ship in the repository's testsets/ (a clone, or an
# editable install, has them); the named dataset uses that copy instead of downloading.
BUNDLED_TESTSETS = {"set12": "Set12", "classic5": "classic5", "set5": "Set5"}
TESTSETS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "testsets")


def bundled_testset(name):
    """The repository's copy of a standard test set, or None outside a clone."""
    folder = os.path.join(TESTSETS_DIR, BUNDLED_TESTSETS.get(name, ""))
    return folder if name in BUNDLED_TESTSETS and os.path.isdir(folder) else None


def sr_testsets(data_root):
    """{name: folder} of the SR cards' test sets: Set5 (the repository's copy), Set14 and
    BSD100 (B100) under ``data_root`` (``../shared/data`` in a clone)."""
    return {"Set5": bundled_testset("set5"), "Set14": os.path.join(data_root, "Set14"),
            "BSD100": os.path.join(data_root, "BSD100")}


def cache_dir():
    """Where downloaded datasets go: the package's cache root (``nsr_tf.files``)."""
    return cache_root()


def sample_files():
    """The scikit-image sample photographs (paths inside the installed package)."""
    try:
        import skimage      # optional: the samples are its photographs
    except ImportError:
        raise DatasetUnavailableError("--dataset samples needs scikit-image "
                                      "(pip install scikit-image)") from None
    folder = os.path.join(os.path.dirname(skimage.__file__), "data")
    return [os.path.join(folder, name) for name in SAMPLE_IMAGES
            if os.path.exists(os.path.join(folder, name))]


def fetch(name, registry=None, timeout=30):
    """Downloads (once) and unpacks a named dataset; returns its image folder."""
    registry = REMOTE_DATASETS if registry is None else registry
    if name not in registry:
        raise DatasetUnavailableError(f"unknown dataset {name!r}; known: "
                                      f"{', '.join(['samples', *registry])}")
    entry = registry[name]
    root = os.path.join(cache_dir(), hashlib.sha1(entry.url.encode()).hexdigest()[:16])
    folder = os.path.join(root, "unpacked", entry.subfolder)
    if os.path.isdir(folder):
        return folder
    os.makedirs(root, exist_ok=True)
    archive = os.path.join(root, os.path.basename(entry.url.split("?")[0]) or "archive")
    if not os.path.exists(archive):
        partial = archive + ".part"
        try:
            with urllib.request.urlopen(entry.url, timeout=timeout) as response, \
                    open(partial, "wb") as out:
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            if os.path.exists(partial):
                os.remove(partial)
            reason = getattr(error, "reason", error)
            raise DatasetUnavailableError(
                f"cannot download dataset {name!r} from {entry.url} ({reason}); download "
                f"it yourself and pass --data-dir FOLDER") from None
        os.replace(partial, archive)  # a half download never looks complete
    digest = sha256_file(archive)
    pinned = entry.sha256 or _read(os.path.join(root, "sha256"))
    if pinned and digest != pinned:
        os.remove(archive)
        raise DatasetUnavailableError(f"dataset {name!r} from {entry.url}: checksum "
                                      f"{digest} does not match {pinned}; removed it, try "
                                      f"again or pass --data-dir FOLDER")
    _write(os.path.join(root, "sha256"), digest)
    staging = os.path.join(root, "unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(staging)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tarred:
            tarred.extractall(staging, filter="data")
    else:
        raise DatasetUnavailableError(f"dataset {name!r}: {archive} is neither zip nor tar")
    shutil.rmtree(os.path.join(root, "unpacked"), ignore_errors=True)
    os.replace(staging, os.path.join(root, "unpacked"))
    if not os.path.isdir(folder):
        raise DatasetUnavailableError(f"dataset {name!r}: {entry.subfolder} not found in "
                                      f"{entry.url}")
    return folder


def sample_photo():
    """A 1024x644 gray photograph (scikit-image's retina, centre crop): the benchmarks'
    photo-sized input (no network)."""
    from nsr_tf.data.images import read_image
    image = read_image(os.path.join(os.path.dirname(sample_files()[0]), "retina.jpg"),
                       1)[..., 0]
    top, left = (image.shape[0] - 644) // 2, (image.shape[1] - 1024) // 2
    return image[top:top + 644, left:left + 1024]


def _read(path):
    return open(path).read().strip() if os.path.exists(path) else None


def _write(path, text):
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


def resolve_files(data_dir=None, dataset=None):
    """The image files of ``--data-dir`` (wins; one folder or a list of them) or
    ``--dataset``."""
    if data_dir:
        folders = [data_dir] if isinstance(data_dir, str) else list(data_dir)
        return [path for folder in folders for path in list_images(folder)]
    if dataset in (None, "samples"):
        files = sample_files()
        if not files:
            raise BadImageError("scikit-image ships none of its sample images here")
        return files
    return list_images(bundled_testset(dataset) or fetch(dataset))


def div2k_lr_folder(hr_folder, scale):
    """The bicubic LR folder of a DIV2K-style HR folder, if it is there:
    ``X_HR`` -> ``X_LR_bicubic/X{scale}`` beside it (e.g. DIV2K_train_HR)."""
    hr_folder = os.path.normpath(hr_folder)
    name = os.path.basename(hr_folder)
    if not name.endswith("_HR"):
        return None
    folder = os.path.join(os.path.dirname(hr_folder), name[:-3] + "_LR_bicubic", f"X{scale}")
    return folder if os.path.isdir(folder) else None


def lr_file_for(hr_path, lr_folder, scale):
    """DIV2K naming: 0001.png -> LR_FOLDER/0001x2.png."""
    stem, ext = os.path.splitext(os.path.basename(hr_path))
    return os.path.join(lr_folder, f"{stem}x{scale}{ext}")


# the maintainers' copy of the standard sets, relative to the repository
SHARED_DATA = os.path.join("..", "shared", "data")


def shared_data(name=""):
    """The maintainers' copy of the standard sets (``NSR_TF_DATA``, else ``../shared/data``
    beside the repository), or its folder ``name``: the default of the scripts under
    benchmarks/ and release/ (a user passes their own with --data-dir / --data-root)."""
    root = os.environ.get("NSR_TF_DATA") or os.path.join(os.path.dirname(TESTSETS_DIR),
                                                         SHARED_DATA)
    return os.path.join(root, name) if name else root


SHARED_DATA_HINT = ("the default is ../shared/data beside the repository, the maintainers' "
                    "copy of the standard sets (docs/training_data.md lists them)")


def require_folder(path, flag="--data-dir"):
    """``path`` if it is a folder; else DatasetUnavailableError in one line that says
    where the default points and how to give another (the scripts under benchmarks/ read
    the standard sets from ../shared/data, which a clone does not have)."""
    if path and os.path.isdir(path):
        return path
    raise DatasetUnavailableError(f"{path}: no such folder; {SHARED_DATA_HINT}: pass "
                                  f"{flag} FOLDER with your own copy (or set NSR_TF_DATA)")


# CBSD432 without the 34 images that are test images (docs/training_data.md)
CLEAN_TRAINING_SET = "CBSD432-clean"


def trains_on_clean_set(config):
    """Whether a training run's ``data_dir`` (one folder or a list, as train.py records
    it) includes ``CLEAN_TRAINING_SET``: the varied-data runs the cards describe apart."""
    folders = config.get("data_dir") or []
    folders = [folders] if isinstance(folders, str) else folders
    return any(os.path.basename(os.path.normpath(f)) == CLEAN_TRAINING_SET for f in folders)


def manifest_lines(folder):
    """One ``SHA256  NAME`` line per image in ``folder``, sorted (``sha256sum``'s format)."""
    return [f"{sha256_file(p)}  {os.path.basename(p)}" for p in list_images(folder)]


def images_digest(folder):
    """One SHA-256 over ``folder``'s images, their names and bytes (``manifest_lines``)."""
    return hashlib.sha256("\n".join(manifest_lines(folder)).encode()).hexdigest()


def write_manifest(folder, path):
    """Writes ``path``: ``manifest_lines(folder)`` (so ``sha256sum -c`` checks it too)."""
    lines = manifest_lines(folder)
    _write(path, "\n".join(lines) + "\n")
    return len(lines)


def check_manifest(folder, path):
    """Whether ``folder`` holds exactly the images the manifest ``path`` lists, byte for
    byte: returns their count, or raises DatasetUnavailableError in one line naming what
    is missing, extra or different (the first few of each)."""
    expected = {}
    for line in open(path).read().splitlines():
        if line.strip():
            digest, name = line.split(None, 1)
            expected[name.strip()] = digest
    found = {os.path.basename(p): p for p in list_images(folder)} if os.path.isdir(folder) \
        else {}
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    different = sorted(name for name in set(expected) & set(found)
                       if sha256_file(found[name]) != expected[name])
    problems = [f"{len(items)} {what} ({', '.join(items[:3])}"
                f"{', ...' if len(items) > 3 else ''})"
                for what, items in (("missing", missing), ("not in the manifest", extra),
                                    ("different", different)) if items]
    if problems:
        raise DatasetUnavailableError(f"{folder} does not match {path}: "
                                      f"{'; '.join(problems)}")
    return len(expected)
