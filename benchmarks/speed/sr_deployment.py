"""The upscalers on LiteRT, side by side in one run: latency per LR tile (1 and 2 threads)
of every export form of the shipped sparse model against its dense same-FLOPs twin and
against a dense model of its size, GPU coverage, and the exported files' Set5 PSNR.

    python benchmarks/speed/sr_deployment.py [--models sr-x2 sr-x4] [--tiles 48 96] [--rounds 5]
        [--markdown docs/sr_deployment.md] [--pause PID]

Rows per scale: the shipped model (`compact`: C=32, k=4, at its trained depth) in the CPU
form (rowhybrid), dynamic int8, the native form (nsr-tf's kernel, float and dynamic int8)
and the GPU form; the dense twin (`compact-dense`, the same MACs) and the same-size dense
model (`edsr-s`, 4x the MACs) at the same depth, in float32 and dynamic int8. The dense
models are untrained presets: latency does not depend on the weights, and their rows carry
no PSNR. Timed round-robin (median of rounds), the CPU and its SIMD flags named; do not
run it beside a training job (``--pause PID`` holds one stopped while the files are
timed). The GPU column is coverage only (Mesa's lavapipe has no meaningful timings).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile


import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsr_tf.benchmarking import add_pause_flag, emit, header as machine_line, paused
CPU_FORMS = [("cpu", "none"), ("cpu", "dynamic"), ("native", "none"), ("native", "dynamic")]


def set5_psnr(content, info, tile):
    """Mean Y PSNR (shaved) of a .tflite on the repository's Set5 at the model's scale."""
    from nsr_tf import metrics, model_io
    from nsr_tf.data.images import list_images, load_images
    from nsr_tf.data.sources import bundled_testset
    from nsr_tf.export.litert import LiteRTPredictor
    from nsr_tf.inference import restore
    degradation = model_io.degradation_of(info)
    scale = degradation.scale
    lite = LiteRTPredictor(content, threads=os.cpu_count())
    images, _ = load_images(list_images(bundled_testset("set5")), 3)
    scores = []
    for path, image in images.items():
        lr = degradation.degrade_file(image, path)
        out = restore(lite, lr, tile_size=tile, overlap=tile // 4, scale=scale)
        scores.append(metrics.psnr(degradation.target_of(image), out, scale, True))
    return float(np.mean(scores))


def gpu_coverage(rows, run_on_gpu):
    """{row index: what LiteRT's GPU accelerator did with it} for the GPU-form rows."""
    gpu = {}
    with tempfile.TemporaryDirectory(prefix="nsr_tf_sr_gpu_") as folder:
        paths = {}
        for index, row in enumerate(rows):
            if row["form"] == "gpu":
                path = os.path.join(folder, f"{index}.tflite")
                with open(path, "wb") as handle:
                    handle.write(row["content"])
                paths[path] = index
        for path, (status, _) in run_on_gpu(list(paths)).items():
            gpu[paths[path]] = status
    return gpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["sr-x2", "sr-x4"])
    parser.add_argument("--tiles", nargs="+", type=int, default=[48, 96])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10, help="invokes per round")
    parser.add_argument("--markdown")
    add_pause_flag(parser, ", and let go on for the GPU check and the PSNR scoring")
    args = parser.parse_args(argv)
    from nsr_tf import build_model, macs_per_pixel, model_io, pretrained
    from nsr_tf.export.converter import ExportError, convert
    from nsr_tf.export.gpu import run_on_gpu, vulkan_available
    from nsr_tf.export.litert import latency, outside_xnnpack
    from nsr_tf.export.native import NativeUnavailable

    rows = []   # dicts: model, tile, form, quantize, content, info, psnr?
    for name in args.models:
        try:
            model, info = model_io.load(name)
            trained = True
            # the dense models at the shipped model's depth (the 32-block upscalers)
            with open(pretrained.path(name, ".json")) as handle:
                blocks = json.load(handle)["config"].get("num_blocks")
        except model_io.ModelError:   # not shipped yet: its preset, for latency only
            scale = int(name[-1])
            model = build_model("sr", "compact", scale=scale)
            info = model_io.ModelInfo(scale=scale)
            name, trained, blocks = f"{name} (untrained compact, latency only)", False, None
        scale = info.scale
        depth = {"num_blocks": blocks} if blocks else {}
        sources = [(name, model, trained),
                   ("compact-dense (twin)",
                    build_model("sr", "compact-dense", scale=scale, **depth), False),
                   ("edsr-s (same size)", build_model("sr", "edsr-s", scale=scale, **depth),
                    False)]
        for tile in args.tiles:
            for label, keras_model, trained in sources:
                sparse = label.startswith("sr-")
                forms = CPU_FORMS + [("gpu", "float16")] if sparse else CPU_FORMS[:2]
                for form, quantize in forms:
                    try:
                        content = convert(keras_model, form, quantize, tile=tile, batch=1)
                    except (ExportError, NativeUnavailable) as error:
                        print(f"skipping {label} {form}: {error}", file=sys.stderr)
                        continue
                    rows.append({"model": label, "scale": scale, "tile": tile,
                                 "form": form, "quantize": quantize, "content": content,
                                 "info": info if trained else None,
                                 "macs": macs_per_pixel(keras_model, tile),
                                 "times": {1: [], 2: []}})
    timed = [row for row in rows if row["form"] != "gpu"]
    with paused(args.pause):
        for _ in range(args.rounds):      # round-robin: the machine's noise hits every row
            for row in timed:
                for threads in (1, 2):
                    row["times"][threads].append(latency(row["content"], threads,
                                                         runs=args.runs))
    # coverage, not a timing: the held runs go on meanwhile
    gpu = gpu_coverage(rows, run_on_gpu) if vulkan_available() else {}
    command = " ".join(argv or sys.argv[1:])
    header = [machine_line(), "", f"command: python benchmarks/speed/sr_deployment.py {command}",
              "", "Runtime (the machine above): LiteRT + "
              f"XNNPACK (native: nsr-tf's kernel on Debian's XNNPACK), batch 1, median of "
              f"{args.rounds} rounds of {args.runs} invokes, interleaved. GPU: LiteRT's GPU "
              f"accelerator on {'Mesa lavapipe (coverage only)' if gpu else 'none'}. "
              "PSNR: the exported file on Set5 (Y, shaved), tiled at its tile, overlap 1/4.",
              ""]
    lines = ["| model | x | LR tile | form | quantize | M MACs/LR px | ms 1 thread | "
             "ms 2 threads | vs twin (1 t) | vs same size (1 t) | XNNPACK / GPU | "
             "Set5 PSNR |", "|---" * 12 + "|"]
    reference = {}
    for row in timed:
        row["ms"] = {t: statistics.median(v) * 1e3 for t, v in row["times"].items()}
        if row["model"].startswith(("compact-dense", "edsr-s")):
            reference[(row["model"].split()[0], row["scale"], row["tile"],
                       row["quantize"])] = row["ms"][1]
    for index, row in enumerate(rows):
        key = (row["scale"], row["tile"], row["quantize"])
        twin = reference.get(("compact-dense", *key))
        size = reference.get(("edsr-s", *key))
        if row["form"] == "gpu":
            where = gpu.get(index, "not checked")
            ms1 = ms2 = vs_twin = vs_size = ""
        else:
            outside, partitions = outside_xnnpack(row["content"])
            where = "custom op (kernel library)" if partitions is None else \
                ("all" if not outside else "outside: " + ", ".join(outside))
            ms1, ms2 = f"{row['ms'][1]:.2f}", f"{row['ms'][2]:.2f}"
            vs_twin = f"{row['ms'][1] / twin:.2f}" if twin else ""
            vs_size = f"{row['ms'][1] / size:.2f}" if size else ""
        psnr = f"{set5_psnr(row['content'], row['info'], row['tile']):.2f}" \
            if row["info"] and row["form"] != "gpu" else ""
        form = {"cpu": "rowhybrid", "gpu": "direct", "native": "native"}[row["form"]]
        lines.append(f"| {row['model']} | {row['scale']} | {row['tile']} | {form} | "
                     f"{row['quantize']} | {row['macs'] / 1e6:.3f} | {ms1} | {ms2} | "
                     f"{vs_twin} | {vs_size} | {where} | {psnr} |")
        print(lines[-1], flush=True)
    emit(header + lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
