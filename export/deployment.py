"""The deployment table of the shipped models on this machine: for each exported file,
CPU latency (LiteRT + XNNPACK, 1 and 2 threads, one tile of the file: the phone tile, 128
px, LR for the upscalers; docs/photo_latency.md times whole photos) and its
ratio to the dense baseline's dynamic-int8 file, whether LiteRT's GPU accelerator takes
it, the PSNR of the exported file itself on the repository's gray test set, its export
parity and its size. Which file to use where: docs/deployment_notes.md (by hand).

    python export/deployment.py [--models denoise-sigma25 ...] [--rounds 5] [--int8]
        [--native] [--markdown docs/deployment.md] [--pause PID]

--int8 adds full-integer files (the static-weight mixture form, int8 weights and
activations, calibrated on 64 training-style tiles of scikit-image's photographs) of each
model and of an untrained Sparse- preset (latency only: it has the baseline's MACs).

Latency is timed round-robin over all files (median of rounds) in one run, with the CPU
named: do not run it beside a training job (``--pause PID`` holds one stopped while the
files are timed). The GPU column needs a Vulkan driver (without a
GPU, Mesa's lavapipe; its timings mean nothing, so none are taken there).
"""

import argparse
import os
import statistics
import sys

from nsr_tf import pretrained  # (quiet TF first)
from nsr_tf.benchmarking import add_pause_flag, emit, header, paused

FILES = {".tflite": "CPU float32", "_dynamic.tflite": "CPU dynamic int8",
         "_gpu.tflite": "GPU float16"}
NATIVE_FILES = {"_native.tflite": "CPU float32, native kernel",
                "_native_dynamic.tflite": "CPU dynamic int8, native kernel"}
# the row every CPU file is compared with: the dense baseline's dynamic-int8 file
REFERENCE = ("denoise-sigma25-baseline", "_dynamic.tflite")


def exported_psnr(content, info, tile, overlap):
    """Mean PSNR of the .tflite on the model's gray test set at its trained level (LiteRT
    on every core, tiled as training/evaluate.py tiles); None for colour and SR models."""
    from nsr_tf.evaluation import gray_testset_psnr
    from nsr_tf.export.litert import LiteRTPredictor
    return gray_testset_psnr(LiteRTPredictor(content, threads=os.cpu_count()), info, tile,
                             overlap)


def int8_sources(models, scratch):
    """[(name, .keras path, info, untrained)] to make full-int8 files of: the shipped
    models, and an untrained Sparse- preset (saved to ``scratch``; latency only)."""
    from nsr_tf import build_model, metadata as records, model_io
    out = [(name, pretrained.path(name), model_io.load(pretrained.path(name))[1], False)
           for name in models]
    path = os.path.join(scratch, "sparse_minus.keras")
    build_model("denoise", "sparse-").save(path)
    records.write(records.TrainingRecord(
        config={"task": "denoise", "sigma": 25, "variant": "sparse-"}, tile_size=64,
        overlap=16), os.path.join(scratch, "sparse_minus.json"))
    return out + [("Sparse- (untrained)", path, model_io.load(path)[1], True)]


def export_int8(model_path, out):
    """The full-int8 mixture-form export (its parity check, reported only, included)."""
    from nsr_tf.export.model_export import export_model
    return export_model(model_path, "mixture", "int8", out=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=pretrained.available())
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10, help="invokes per round")
    parser.add_argument("--int8", action="store_true",
                        help="also full-int8 mixture-form files, made here")
    parser.add_argument("--native", action="store_true",
                        help="also the native-form files (nsr-tf's sparse-conv kernel, "
                             "docs/native.md), float and dynamic int8, of the sparse models")
    parser.add_argument("--markdown")
    add_pause_flag(parser, ", and let go on for the GPU check and the PSNR scoring")
    args = parser.parse_args(argv)
    import tempfile

    from nsr_tf import metadata as records, model_io
    from nsr_tf.export.catalogue import exported
    from nsr_tf.export.gpu import run_on_gpu, vulkan_available
    from nsr_tf.export.litert import latency

    rows = {}
    for name in args.models:
        _, info = model_io.load(pretrained.path(name))
        for suffix, what in FILES.items():
            path = exported(name, suffix)   # made on demand, cached
            meta = records.read(records.ExportMetadata, path + ".json")
            rows[(name, suffix)] = {"what": what, "path": path, "meta": meta, "info": info,
                                    "times": {1: [], 2: []}}
    scratch = tempfile.TemporaryDirectory(prefix="nsr_tf_deployment_")   # int8 files
    if args.int8:
        for name, model_path, info, untrained in int8_sources(args.models, scratch.name):
            path = os.path.join(scratch.name, f"{name.split()[0]}_int8.tflite")
            meta = export_int8(model_path, path)
            rows[(name, "_int8")] = {"what": "CPU full int8", "path": path, "info": info,
                                     "meta": meta,
                                     "times": {1: [], 2: []}, "untrained": untrained}
    if args.native:     # nsr-tf's sparse-conv kernel, float and dynamically quantized
        for name in args.models:
            for suffix, what in NATIVE_FILES.items():
                path = exported(name, suffix)   # made on demand, parity-checked, cached
                meta = records.read(records.ExportMetadata, path + ".json")
                if meta.custom_ops:             # a dense model has nothing to gain
                    rows[(name, suffix)] = {"what": what, "path": path, "meta": meta,
                                            "info": rows[(name, ".tflite")]["info"],
                                            "times": {1: [], 2: []}}
    gpu = {}
    with paused(args.pause):
        for _ in range(args.rounds):    # round-robin: the machine's noise hits every row
            for row in rows.values():
                content = open(row["path"], "rb").read()
                for threads in (1, 2):
                    row["times"][threads].append(latency(content, threads, runs=args.runs))
    if vulkan_available():      # coverage, not a timing: the held runs go on meanwhile
        for name in args.models:
            files = [rows[(name, s)]["path"] for s in FILES]
            gpu.update({path: status for path, (status, _) in run_on_gpu(files).items()})
    lines = [header(), "",
             f"command: python export/deployment.py {' '.join(argv or sys.argv[1:])}", "",
             "Runtime (the machine above): LiteRT/XNNPACK, one tile of the "
             f"file (its phone tile, `nsr_tf.inference.phone_tile`: 128 px, LR for the "
             f"upscalers, and 256 for the restoration models' float32 files), "
             f"median of {args.rounds} rounds of {args.runs} invokes. GPU: LiteRT's GPU "
             f"accelerator on {'Mesa lavapipe' if gpu else 'none (no Vulkan driver)'} "
             "(coverage only). PSNR: the exported file itself on the gray test set at the "
             "model's trained level (Set12 / classic5); parity: the file's worst PSNR "
             "change against Keras on two real photos (its export check). Ratio: per input "
             "pixel of the tile, to the dense baseline's dynamic-int8 file, same threads.",
             "", "| model | file | form | tile | ms 1 thread | ms 2 threads | / dense int8 "
             "per pixel, 1 / 2 threads | GPU accelerator | PSNR of the file | parity (dB) "
             "| MB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    medians = {key: {t: statistics.median(row["times"][t]) for t in (1, 2)}
               for key, row in rows.items()}
    # per input pixel of the file's tile: the files' tiles differ
    per_pixel = {key: {t: ms / rows[key]["meta"].tile ** 2 for t, ms in times.items()}
                 for key, times in medians.items()}
    reference = per_pixel.get(REFERENCE)
    data = []
    for (name, suffix), row in rows.items():
        meta = row["meta"]
        psnr = None if row.get("untrained") else exported_psnr(
            open(row["path"], "rb").read(), row["info"], meta.tile, meta.overlap)
        parity = meta.parity or {}
        ms = medians[(name, suffix)]
        ratios = None if reference is None or row["what"].startswith("GPU") else \
            {t: per_pixel[(name, suffix)][t] / reference[t] for t in (1, 2)}
        data.append({"model": name, "file": os.path.basename(row["path"]),
                     "what": row["what"], "form": meta.form, "tile": meta.tile,
                     "ms": {t: ms[t] * 1e3
                                                                       for t in (1, 2)},
                     "ratio_to_dense_int8": ratios, "gpu": gpu.get(row["path"]),
                     "psnr": psnr, "parity_worst_db": parity.get("worst"),
                     "megabytes": os.path.getsize(row["path"]) / 1e6})
        psnr = "untrained" if row.get("untrained") else \
            "colour/SR: see parity" if psnr is None else f"{psnr:.2f}"
        worst = f"{parity['worst']:.3f}" if "worst" in parity else "-"
        ratio = "-" if ratios is None else f"{ratios[1]:.2f} / {ratios[2]:.2f}"
        lines.append(f"| {name} | `{os.path.basename(row['path'])}` ({row['what']}) | "
                     f"{meta.form} | {meta.tile} | {ms[1] * 1e3:.1f} | {ms[2] * 1e3:.1f} | "
                     f"{ratio} | "
                     f"{gpu.get(row['path'], 'not checked')} | {psnr} | {worst} | "
                     f"{os.path.getsize(row['path']) / 1e6:.2f} |")
        print(lines[-1], file=sys.stderr, flush=True)     # progress: PSNR takes a while
    scratch.cleanup()
    emit(lines, args.markdown, data)     # the markdown and a .json of the numbers beside it
    return 0


if __name__ == "__main__":
    sys.exit(main())
