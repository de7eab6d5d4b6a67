"""Restoring a photo on the desktop CPU: dense baseline vs Sparse- vs Sparse+ on the same
image in one run, per tile size, precision and backend; the nsr-restore path per stage;
repeated ``restore(model, image)`` calls; peak memory on a 4000x3000 photo.

Models: the shipped dense baseline and Sparse+ (nsr_tf.pretrained) and an untrained
Sparse- preset (timing only: the computation does not depend on the weights). Image: a
1024x644 gray photograph (scikit-image's retina, centre crop). Times are the best of
``--rounds`` after a warm-up call (tracing excluded); "today" is the path before this
benchmark's issue (Keras, float32, tile 64, overlap 16, batch 16).

    python benchmarks/speed/restore_speed.py [--rounds 2] [--markdown docs/restore_speed.md]
        [--memory]
    python benchmarks/speed/restore_speed.py --per-tile [--rounds 7]
        [--markdown docs/restore_per_tile.md]

``--per-tile``: the sparse models' batch of tiles as one batched call against one graph
of per-tile calls (``TiledPredictor(per_tile=...)``), beside the dense baseline, timed
interleaved (nsr_tf/benchmarking.py) at the default tiling of float32 and, where the CPU
has it, of bfloat16; first calls (tracing) apart.
"""

import argparse
import os
import subprocess
import sys
import time


from nsr_tf import build_model, model_io  # noqa: I100  (quiet TensorFlow first)
from nsr_tf.export.converter import convert
from nsr_tf.export.litert import LiteRTPredictor
from nsr_tf.inference import (DEFAULT_OVERLAP, DEFAULT_TILE, TiledPredictor,
                              auto_batch_size, default_tiling, restore)
from nsr_tf.precision import choose, cpu_name, with_policy

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.data.sources import sample_photo as photo
from nsr_tf.benchmarking import emit, header, interleaved, write

MODELS = {"dense baseline": lambda: model_io.load("denoise-sigma25-baseline")[0],
          "Sparse- (untrained)": lambda: build_model("denoise", "sparse-"),
          "Sparse+": lambda: model_io.load("denoise-sigma25")[0]}
TODAY = {"backend": "keras", "precision": "float32", "tile": 64, "overlap": 16, "batch": 16}


def best_time(function, rounds):
    function()   # warm-up: tracing, interpreter allocation
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


PATHS = ["keras:float32:64:16", "keras:float32:128:16", "keras:mixed_bfloat16:64:16",
         "keras:mixed_bfloat16:128:16", "keras:mixed_bfloat16:128:24",
         "keras:mixed_bfloat16:112:16", "litert:float32:64:16", "litert:float32:128:16"]


def configurations(paths, bfloat16):
    rows = [TODAY]
    for path in paths:
        backend, precision, tile, overlap = path.split(":")
        if precision == "mixed_bfloat16" and not bfloat16:
            continue
        rows.append({"backend": backend, "precision": precision, "tile": int(tile),
                     "overlap": int(overlap)})
    return rows


def predictor_for(model, config, threads):
    if config["backend"] == "keras":
        return TiledPredictor.of(model, config["precision"])
    return LiteRTPredictor(convert(model, form="rowhybrid", tile=config["tile"]), threads)


def label(config):
    today = " (today)" if config is TODAY else ""
    return (f"{config['backend']} {config['precision']} tile {config['tile']}/"
            f"{config['overlap']}{today}")


def stages(model, image, rounds):
    """Seconds per stage of nsr-restore's path on one PNG: read, restore (of which the
    model), write."""
    import tempfile

    from nsr_tf.data.images import read_image
    from nsr_tf.photo import save
    folder = tempfile.mkdtemp()
    source = os.path.join(folder, "in.png")
    save(source, image)
    predictor = TiledPredictor.of(model)
    model_time = []

    def timed(tiles, batch_size):
        start = time.perf_counter()
        result = predictor(tiles, batch_size)
        model_time.append(time.perf_counter() - start)
        return result

    restore(timed, image)
    result = {"read": [], "restore": [], "model": [], "write": []}
    for _ in range(rounds):
        model_time.clear()
        start = time.perf_counter()
        loaded = read_image(source, keep_alpha=True)[..., 0]
        result["read"].append(time.perf_counter() - start)
        start = time.perf_counter()
        restored = restore(timed, loaded)
        result["restore"].append(time.perf_counter() - start)
        result["model"].append(sum(model_time))
        start = time.perf_counter()
        save(os.path.join(folder, "out.png"), restored)
        result["write"].append(time.perf_counter() - start)
    return {k: min(v) for k, v in result.items()}


def peak_memory_mb(tile, overlap):
    """Peak RSS (MB) that restoring a 4000x3000 gray photo with the shipped Sparse+ adds
    (the 48 MB input included) to a warm process that restored a small image: the peak
    is reset (/proc/self/clear_refs) after the warm-up, whose tracing peaks higher."""
    code = f"""
import numpy as np
from nsr_tf import model_io
from nsr_tf.inference import restore
def status(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key))
model = model_io.load("denoise-sigma25")[0]
restore(model, np.random.rand(300, 300).astype(np.float32), {tile}, {overlap})
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS:")
image = np.random.default_rng(0).random((3000, 4000), dtype=np.float32)
restore(model, image, {tile}, {overlap})
print((status("VmHWM:") - before) / 1024)
"""
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    return float(output.strip().splitlines()[-1])


def per_tile_report(rounds, markdown):
    """Batched against per-tile graphs of the sparse models, the dense baseline beside."""
    image = photo()
    policy, reason = choose("auto")
    policies = ["float32"] + (["mixed_bfloat16"] if policy == "mixed_bfloat16" else [])
    models = {name: make() for name, make in MODELS.items()}
    lines = ["# Restore: batched against per-tile graphs", "", header(), "",
             f"Command: `python benchmarks/speed/restore_speed.py --per-tile --rounds {rounds}`. "
             f"1024x644 gray photo, nsr-restore's tiling per precision, tiles per batch "
             f"by `auto_batch_size`; median seconds of {rounds} interleaved rounds, ratio "
             f"to the dense baseline (batched) of the same precision; first call "
             f"(tracing) apart.", "",
             "| precision, tiling | model | graph | seconds | / dense | first call (s) |",
             "|---|---|---|---|---|---|"]
    data = []
    for name in policies:
        tile, overlap = default_tiling(64, name)
        batch = auto_batch_size(tile)
        runs = {}
        for model_name, model in models.items():
            copy = with_policy(model, name)
            graphs = [False] if model_name == "dense baseline" else [False, True]
            for per_tile in graphs:
                predictor = TiledPredictor(copy, per_tile=per_tile)
                start = time.perf_counter()
                restore(predictor, image, tile, overlap, batch)
                runs[(model_name, per_tile)] = (predictor, time.perf_counter() - start)
        medians = interleaved(
            {key: (lambda p=p: restore(p, image, tile, overlap, batch))
             for key, (p, _) in runs.items()}, rounds=rounds, warmup=0)
        dense = medians[("dense baseline", False)]
        for (model_name, per_tile), seconds in medians.items():
            graph = "per-tile" if per_tile else "batched"
            lines.append(f"| {name} {tile}/{overlap}, batch {batch} | {model_name} | {graph} "
                         f"| {seconds:.2f} | {seconds / dense:.2f} | "
                         f"{runs[(model_name, per_tile)][1]:.1f} |")
            data.append({"precision": name, "tile": tile, "overlap": overlap,
                         "batch": batch, "model": model_name, "graph": graph,
                         "seconds": seconds, "ratio_to_dense": seconds / dense,
                         "first_call_s": runs[(model_name, per_tile)][1]})
        print("\n".join(lines[-len(medians):]), file=sys.stderr, flush=True)   # progress
    emit(lines, markdown, data)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--paths", nargs="*", default=PATHS,
                        help="BACKEND:PRECISION:TILE:OVERLAP (bfloat16 only where the CPU "
                             "has it)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="LiteRT threads (default: all cores, as Keras uses)")
    parser.add_argument("--memory", action="store_true",
                        help="also measure the peak memory of a 4000x3000 photo")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the memory measurement (not a timing: may run beside "
                             "other work)")
    parser.add_argument("--per-tile", action="store_true",
                        help="only the batched / per-tile comparison (see above)")
    parser.add_argument("--markdown", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.per_tile:
        per_tile_report(args.rounds, args.markdown)
        return 0
    if args.memory_only:
        print("Peak extra memory, 4000x3000 gray photo, Sparse+: " + ", ".join(
            f"tile {t}/{o}: {peak_memory_mb(t, o):.0f} MB"
            for t, o in ((64, 16), (DEFAULT_TILE, DEFAULT_OVERLAP))))
        return 0
    image = photo()
    megapixels = image.size / 1e6
    policy, reason = choose("auto")
    bfloat16 = policy == "mixed_bfloat16"
    lines = [f"CPU: {cpu_name()}, {os.cpu_count()} cores; auto precision: {policy} "
             f"({reason})",
             f"command: python benchmarks/speed/restore_speed.py {' '.join(argv or sys.argv[1:])}",
             "", "1024x644 gray photo; seconds (megapixels/s); ratio to today's path",
             "", "| path | " + " | ".join(MODELS) + " | Sparse- / dense | Sparse+ / dense |",
             "|---|" + "---|" * (len(MODELS) + 2)]
    print("\n".join(lines), flush=True)
    models = {name: make() for name, make in MODELS.items()}
    today = {}
    for config in configurations(args.paths, bfloat16):
        seconds = {}
        for name, model in models.items():
            predictor = predictor_for(model, config, args.threads)
            batch = config.get("batch") or auto_batch_size(config["tile"])
            seconds[name] = best_time(lambda: restore(predictor, image, config["tile"],
                                                      config["overlap"], batch), args.rounds)
            if config is TODAY:
                today[name] = seconds[name]
        dense = seconds["dense baseline"]
        cells = [f"{s:.2f} s ({megapixels / s:.3f}) x{today[n] / s:.2f}"
                 for n, s in seconds.items()]
        line = (f"| {label(config)} | " + " | ".join(cells) +
                f" | {seconds['Sparse- (untrained)'] / dense:.2f} | "
                f"{seconds['Sparse+'] / dense:.2f} |")
        print(line, flush=True)
        lines.append(line)

    sparse = models["Sparse+"]
    fresh = model_io.load("denoise-sigma25")[0]
    calls = []
    for _ in range(4):
        start = time.perf_counter()
        restore(fresh, image, 64, 16, 16)
        calls.append(time.perf_counter() - start)
    predictor_path = best_time(lambda: restore(TiledPredictor.of(sparse), image, 64, 16, 16),
                               args.rounds)
    part = ["", "Repeated `restore(model, image)` with a fresh Sparse+ (tile 64/16, batch "
            f"16): calls {', '.join(f'{c:.2f}' for c in calls)} s; one reused predictor "
            f"{predictor_path:.2f} s (best later call / predictor: "
            f"{min(calls[1:]) / predictor_path:.2f})", ""]
    profile = stages(sparse, image, args.rounds)
    part += [f"nsr-restore stages, Sparse+, default tiling ({DEFAULT_TILE}/{DEFAULT_OVERLAP}), "
             f"float32: read {profile['read'] * 1e3:.0f} ms, restore "
             f"{profile['restore']:.2f} s (of which the model {profile['model']:.2f} s, "
             f"tiling and blending {profile['restore'] - profile['model']:.2f} s), write "
             f"{profile['write'] * 1e3:.0f} ms"]
    if args.memory:
        part += ["", "Peak extra memory, 4000x3000 gray photo, Sparse+: " + ", ".join(
            f"tile {t}/{o}: {peak_memory_mb(t, o):.0f} MB"
            for t, o in ((64, 16), (DEFAULT_TILE, DEFAULT_OVERLAP)))]
    print("\n".join(part), flush=True)
    lines += part
    write(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
