"""The command lines: each module parses its flags, calls the library and prints.

- ``train``: ``nsr-train`` / ``training/train.py``
- ``evaluate``: ``nsr-evaluate`` / ``training/evaluate.py``
- ``restore``: ``nsr-restore``
- ``export``: ``export/to_tflite.py``
- ``visualize``: ``nsr-visualize``
- ``demo``: ``nsr-demo``
- ``common``: the argument types and the error report they share

Every command parses before importing TensorFlow, so that ``--help`` answers at once (the
imports inside their functions are the ones that pull TensorFlow in: the model, data and
export modules), and catches ``NsrError`` only (``common.report``): a user error is one line, a bug keeps its
traceback.
"""
