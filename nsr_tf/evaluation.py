"""Scoring models (and classical baselines) on benchmark folders, as the paper does."""

import functools
import os
import sys

import numpy as np
from tqdm import tqdm

from nsr_tf import metrics
from nsr_tf.data import degradations
from nsr_tf.data.images import list_images, load_images
from nsr_tf.data.degradation import Degradation
from nsr_tf.errors import UsageError
from nsr_tf.estimation import compression_of, estimator_for, estimator_name, settle_level
from nsr_tf.inference import TiledPredictor, by_channels, restore
from nsr_tf.model_io import has_level_map

# The paper's protocol as trained: tiles of the training patch (64), overlap a quarter.
PROTOCOL_TILE = 64
PROTOCOL_OVERLAP = 16

# x8 self-ensemble: the dihedral group (rotations by 90 degrees, with and without a flip)
TRANSFORMS = [(turns, flip) for flip in (False, True) for turns in range(4)]


def _apply(image, turns, flip):
    image = np.rot90(image, turns, axes=(0, 1))
    return image[:, ::-1] if flip else image


def _invert(image, turns, flip):
    image = image[:, ::-1] if flip else image
    return np.rot90(image, -turns, axes=(0, 1))


def restore_ensemble(predictor, image, ensemble=False, **tiling):
    """Tiled restoration, optionally averaged over the 8 flips/rotations."""
    if not ensemble:
        return restore(predictor, image, **tiling)
    outputs = [_invert(restore(predictor, np.ascontiguousarray(_apply(image, t, f)),
                               **tiling), t, f) for t, f in TRANSFORMS]
    return np.mean(outputs, axis=0)


def baseline_output(degradation, degraded, method):
    """A classical method on the degraded input: "input" (the input itself; for SR
    bicubic upsampling, MATLAB-style, 8-bit) or "bicubic" (SR only)."""
    if degradation.task == "sr":
        return degradations.quantize(degradations.imresize(degraded, degradation.scale))
    if method == "bicubic":
        raise UsageError("the bicubic baseline only applies to --task sr")
    return degraded


def evaluate_folder(folder, degradation, model=None, baselines=(), channels=1,
                    tile_size=PROTOCOL_TILE, overlap=PROTOCOL_OVERLAP, ensemble=False,
                    batch_size=None, progress=None, precision="float32", map_level=None,
                    y_psnr=False):
    """Per-image PSNR/SSIM rows for every method on one folder.

    Returns a list of dicts: dataset, image, method, psnr, ssim. Gray data is scored on
    gray; RGB on the Y channel for SR, on RGB otherwise; SR shaves ``scale`` border
    pixels. A gray model on RGB data restores each channel on its own. ``precision``:
    what the model computes in (``nsr_tf.precision``). A level-map model
    (``model_io.has_level_map``) is told ``map_level``, a sigma or JPEG quality (default:
    the true one; "auto": a denoiser is told the sigma estimated on each noisy image, as
    ``nsr-restore --sigma auto``, with a camera-noise denoiser's second look,
    ``nsr_tf.estimation.settle_level``). ``y_psnr``: RGB rows also get "psnr_y", the PSNR on
    the Y channel (JPEG's own colour space).
    """
    images, problems = load_images(list_images(folder), channels)
    if problems:
        raise UsageError("; ".join(problems))
    dataset = os.path.basename(os.path.normpath(folder))
    shave = degradation.scale if degradation.task == "sr" else 0
    y_channel = degradation.task == "sr" and channels == 3
    predictor = TiledPredictor.of(model, precision) if model is not None else None
    level_map = model is not None and has_level_map(model)
    # a gray model on colour data restores each channel (``by_channels``)
    model_channels = None if model is None else int(model.input_shape[-1]) - level_map
    rows = []
    for path, image in images.items():
        degraded = degradation.degrade_file(image, path)
        clean = degradation.target_of(image)
        outputs = {method: baseline_output(degradation, degraded, method)
                   for method in baselines}
        if predictor is not None:
            # the test sets' noise is added to decoded pixels, after any JPEG their clean
            # images went through: a camera estimator looks at the pixels as nsr-restore
            # does on a PNG (compression_of), and finds no JPEG grid under that noise
            auto = map_level == "auto"
            camera = estimator_name(degradation.noise) == "camera"
            level = estimator_for(degradation.noise)(
                degraded, camera and compression_of(degraded, False) is not None) \
                if auto else map_level

            def run_at(level):
                def run(image):
                    if level_map:
                        image = degradations.with_level_map(image,
                                                            degradation.map_level(level))
                    return restore_ensemble(predictor, image, ensemble, tile_size=tile_size,
                                            overlap=overlap, batch_size=batch_size,
                                            scale=degradation.output_scale)
                return by_channels(run, degraded, model_channels)
            # a camera-noise denoiser's second look, as nsr-restore's
            outputs["model"] = settle_level(run_at, degraded, level)[0] \
                if auto and camera else run_at(level)
        for method, output in outputs.items():
            rows.append({"dataset": dataset, "image": os.path.basename(path),
                         "method": method,
                         "psnr": metrics.psnr(clean, output, shave, y_channel),
                         "ssim": metrics.ssim(clean, output, shave, y_channel)})
            if y_psnr and channels == 3:
                rows[-1]["psnr_y"] = metrics.psnr(clean, output, shave, True)
        if progress:
            progress()
    return rows


def gray_testset_psnr(predictor, info, tile_size, overlap):
    """Mean PSNR of ``predictor`` (a Keras model or any tile predictor, e.g. a LiteRT
    file's) on the repository's gray test set of ``info``'s task at its trained level:
    Set12 for a denoiser, classic5 for JPEG; None for colour and SR models."""
    from nsr_tf import model_io
    from nsr_tf.data.sources import bundled_testset
    if info.task == "sr" or (info.channels or 1) != 1:
        return None
    degradation = model_io.degradation_of(info)
    folder = bundled_testset("set12" if info.task == "denoise" else "classic5")
    images, _ = load_images(list_images(folder), 1)
    return float(np.mean([metrics.psnr(clean, restore(
        predictor, degradation.model_input(degradation.degrade_file(clean, path)),
        tile_size=tile_size, overlap=overlap)) for path, clean in images.items()]))


class _ScoringBar(tqdm):
    def say(self, line):
        """``line`` on stdout above the bar, flushed: a log the output goes to shows it at
        once (``tqdm.write`` does not flush)."""
        self.write(line, file=sys.stdout)
        sys.stdout.flush()

    def skip(self, folder):
        """A pass through ``folder`` not scored (its numbers come from a record): taken out
        of the total, so the rate and ETA stay those of the images scored."""
        self.total -= len(list_images(folder))
        self.refresh()


def scoring_bar(folders, desc):
    """A progress bar on stderr (images, rate, ETA) over one pass through the images of
    each of ``folders`` (a folder scored twice is listed twice): a release tool's scoring
    takes 20-40 min with the training run held, longer beside it. ``update()`` after each
    image (``evaluate_folder``'s ``progress``); ``say(line)`` prints a line above it;
    ``skip(folder)`` a pass not scored."""
    return _ScoringBar(total=sum(len(list_images(folder)) for folder in folders),
                       unit="image", desc=desc, file=sys.stderr)


def sr_scores(model, sets, baseline=False, loaded=None, partial=None):
    """{set: {"psnr", "ssim"[, "bicubic_psnr", "bicubic_ssim"]}} of an upscaler (a .keras
    path or a shipped name) on ``sets`` ({name: folder}) by the SR cards' protocol: Y
    PSNR with the scale shaved, tiles of the training patch (48 LR px) overlapping by
    the model's recorded overlap (else a quarter), float32; ``baseline``: bicubic too;
    ``loaded``: ``model_io.load(model)``'s (Keras model, info) where the caller has it;
    ``partial``: a ship's ``nsr_tf.partial_scores.PartialScores`` (rows a stopped ship of
    the same model kept are taken, and each new row kept)."""
    from nsr_tf import model_io
    from nsr_tf.partial_scores import KEPT, PartialScores
    partial = partial or PartialScores(None, None)
    # loaded on the first row scored, not for kept rows
    load = (lambda: loaded) if loaded else functools.cache(lambda: model_io.load(model))
    out = {}

    def scored(folder):
        keras_model, info = load()
        tile = info.tile_size or 48
        rows = evaluate_folder(folder, model_io.degradation_of(info), keras_model,
                               ["bicubic"] if baseline else [], channels=3,
                               tile_size=tile, progress=bar.update,
                               overlap=tile // 4 if info.overlap is None else info.overlap)
        summary = {row["method"]: row for row in summarise(rows)}
        row = {"psnr": summary["model"]["psnr"], "ssim": summary["model"]["ssim"]}
        if baseline:
            row.update(bicubic_psnr=summary["bicubic"]["psnr"],
                       bicubic_ssim=summary["bicubic"]["ssim"])
        return row

    with scoring_bar(sets.values(), f"scoring {model}") as bar:
        for name, folder in sets.items():
            out[name], kept = partial.score(
                f"{name} ({folder}){', bicubic too' if baseline else ''}", folder,
                lambda: scored(folder), bar)
            bar.say(f"{model} {name}: {out[name]['psnr']:.2f} dB{KEPT if kept else ''}")
    return out


def summarise(rows):
    """Mean PSNR/SSIM (and Y PSNR where scored) per (dataset, method)."""
    table = {}
    for row in rows:
        table.setdefault((row["dataset"], row["method"]), []).append(row)
    return [{"dataset": d, "method": m, "images": len(r),
             **{key: float(np.mean([x[key] for x in r]))
                for key in ("psnr", "ssim", "psnr_y") if key in r[0]}}
            for (d, m), r in table.items()]


__all__ = ["Degradation", "evaluate_folder", "gray_testset_psnr", "restore_ensemble",
           "scoring_bar", "sr_scores", "summarise"]
