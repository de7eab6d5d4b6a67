"""The first channels of a tensor as a serialisable Keras layer."""

from nsr_tf.quiet import tf  # noqa: F401  (first: TensorFlow without its chatter)
import keras

from nsr_tf.layers.checks import positive_int


@keras.saving.register_keras_serializable(package="nsr_tf")
class ChannelSlice(keras.layers.Layer):
    """``inputs[..., :channels]``: the image of an input that carries extra channels
    (e.g. a noise-level map), for the residual connection to the image."""

    def __init__(self, channels, **kwargs):
        super().__init__(**kwargs)
        positive_int("channels", channels)
        self.channels = channels

    def call(self, inputs):
        return inputs[..., :self.channels]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}
