"""Sub-pixel upsampling (pixel shuffle) as a serialisable Keras layer."""

from nsr_tf.quiet import tf  # noqa: F401  (first: TensorFlow without its chatter)
import keras
from keras import ops

from nsr_tf.layers.checks import positive_int


@keras.saving.register_keras_serializable(package="nsr_tf")
class PixelShuffle(keras.layers.Layer):
    """Rearranges (b, h, w, c * s^2) into (b, h * s, w * s, c) (``depth_to_space``)."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        positive_int("scale", scale)
        self.scale = scale

    def call(self, inputs):
        if self.scale == 1:
            return inputs
        return ops.depth_to_space(inputs, self.scale)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        s = self.scale
        return (batch, None if height is None else height * s,
                None if width is None else width * s, channels // (s * s))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
