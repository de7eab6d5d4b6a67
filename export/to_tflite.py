"""Convert a trained model to .tflite: python export/to_tflite.py --help"""

import sys

from nsr_tf.cli.export import main

if __name__ == "__main__":
    sys.exit(main())
