"""Evaluate a trained model on benchmark folders: python training/evaluate.py --help"""

import sys

from nsr_tf.cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
