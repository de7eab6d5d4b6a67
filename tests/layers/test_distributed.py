"""A preset network trains under MirroredStrategy (2 logical CPUs) exactly as on one
device: after one step the weights agree with a single-device step."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import numpy as np, tensorflow as tf, keras
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from nsr_tf import build_model
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2

    def make(scope):
        with scope:
            model = build_model("denoise", "sparse+", num_blocks=2)
            optimizer = keras.optimizers.Adam(1e-3)
            optimizer.build(model.trainable_variables)  # inside the scope (docs/design.md, Runtimes)
        return model, optimizer

    model, optimizer = make(strategy.scope())
    single, single_optimizer = make(tf.device("/cpu:0"))
    single.set_weights(model.get_weights())
    rng = np.random.default_rng(0)
    clean = rng.uniform(size=(4, 16, 16, 1)).astype("float32")
    noisy = clean + rng.normal(scale=0.1, size=clean.shape).astype("float32")
    data = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((noisy, clean)).batch(4))

    def train_step(model, optimizer, x, y):
        with tf.GradientTape() as tape:
            # per-replica loss scaled to the global batch of 4
            loss = tf.reduce_sum(tf.abs(model(x, training=True) - y)) / (4 * 16 * 16)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def distributed_step(x, y):
        losses = strategy.run(train_step, (model, optimizer, x, y))
        return strategy.reduce("SUM", losses, axis=None)

    gate = model.get_layer("block0_conv1").gate_kernel
    before = gate.numpy().copy()
    for x, y in data:
        distributed_loss = float(distributed_step(x, y))
    single_loss = float(tf.function(train_step)(single, single_optimizer, noisy, clean))
    assert abs(distributed_loss - single_loss) < 1e-5, (distributed_loss, single_loss)
    assert not np.allclose(gate.numpy(), before), "side network not trained"
    for a, b in zip(model.get_weights(), single.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    print("ok", distributed_loss)
""")


def test_trains_under_mirrored_strategy_like_on_one_device():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok")
