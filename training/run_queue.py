"""Run the training queue (docs/training_queue.md): python training/run_queue.py --help"""

import sys

from nsr_tf.cli.queue import main

if __name__ == "__main__":
    sys.exit(main())
