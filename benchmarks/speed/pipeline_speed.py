"""Does the input pipeline keep up with training? Patches/s the tf.data pipeline delivers
vs patches/s one training step of the denoise baseline consumes (batch 16, 64x64, sigma
25), measured in one run, alternating, median of rounds. Target: pipeline >= 3x.

    python benchmarks/speed/pipeline_speed.py [--data-dir ../shared/data/Train400] [--rounds 5]
"""

import argparse
import os
import statistics
import sys
import time

import nsr_tf  # noqa: F401  (imports TensorFlow without its start-up chatter)

import tensorflow as tf

from nsr_tf.data import Degradation, load_images, resolve_files, training_dataset
from nsr_tf.data.sources import shared_data
from nsr_tf.train import TrainConfig, Trainer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default_dir = shared_data("Train400")
    parser.add_argument("--data-dir", default=default_dir if os.path.isdir(default_dir)
                        else None, help="training images (default: Train400 if beside the "
                        "repository, else the scikit-image samples)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=40, help="pipeline batches per round")
    parser.add_argument("--steps", type=int, default=5, help="training steps per round")
    args = parser.parse_args(argv)

    images, _ = load_images(resolve_files(args.data_dir), channels=1, min_size=64)
    iterators = {name: iter(training_dataset(list(images.values()), degradation, 64, 16,
                                             100).repeat())
                 for name, degradation in (("AWGN sigma 25", Degradation("denoise", 25)),
                                           ("JPEG q10", Degradation("jpeg", quality=10)))}
    iterator = iterators["AWGN sigma 25"]
    config = TrainConfig(task="denoise", variant="baseline", data_dir=args.data_dir,
                         epochs=1, patches_per_image=4, job_dir="/tmp/nsr_pipeline_speed")
    trainer = Trainer(config, log=lambda *_: None)
    batch = next(iterator)
    trainer._train_step(*batch)  # trace

    def pipeline_rate(iterator):
        start = time.perf_counter()
        for _ in range(args.batches):
            next(iterator)[0].numpy()
        return args.batches * 16 / (time.perf_counter() - start)

    def model_rate():
        start = time.perf_counter()
        for _ in range(args.steps):
            float(trainer._train_step(*batch))
        return args.steps * 16 / (time.perf_counter() - start)

    pipeline, model = {name: [] for name in iterators}, []
    for _ in range(args.rounds):
        for name, it in iterators.items():
            pipeline[name].append(pipeline_rate(it))
        model.append(model_rate())
    m = statistics.median(model)
    print(f"{len(images)} images from {args.data_dir or 'scikit-image samples'}; "
          f"TF {tf.__version__}, {os.cpu_count()} CPUs")
    print(f"training: {m:8.1f} patches/s (denoise baseline, batch 16, fwd + bwd + Adam)")
    for name, rates in pipeline.items():
        p = statistics.median(rates)
        print(f"pipeline: {p:8.0f} patches/s (64x64 crop, flip/rot90, {name}): "
              f"{p / m:.0f}x the training rate (target >= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
