"""Train a sparse restoration network: python training/train.py --help"""

import sys

from nsr_tf.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
