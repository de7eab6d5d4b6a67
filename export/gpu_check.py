"""Runs .tflite files on LiteRT's GPU accelerator: python export/gpu_check.py --help
(the same as python -m nsr_tf.export.gpu_check)."""

import sys

from nsr_tf.export.gpu_check import main

if __name__ == "__main__":
    sys.exit(main())
