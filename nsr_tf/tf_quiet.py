"""Importing this module imports TensorFlow without its start-up chatter
(``nsr_tf.quiet``): every module of the package that needs TensorFlow or Keras imports it
first, so that a library user's ``from nsr_tf.inference import restore`` is as quiet as
the commands are."""

from nsr_tf.quiet import import_tensorflow

import_tensorflow()
