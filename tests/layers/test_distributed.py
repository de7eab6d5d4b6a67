"""The layer and a preset network train under MirroredStrategy (2 logical CPUs)."""

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
    with strategy.scope():
        model = build_model("denoise", "sparse+", num_blocks=2)
        optimizer = keras.optimizers.Adam(1e-3)
        optimizer.build(model.trainable_variables)
    rng = np.random.default_rng(0)
    clean = rng.uniform(size=(4, 16, 16, 1)).astype("float32")
    noisy = clean + rng.normal(scale=0.1, size=clean.shape).astype("float32")
    data = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((noisy, clean)).batch(4))

    @tf.function
    def step(x, y):
        def replica(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.abs(model(x, training=True) - y)) / (4 * 16 * 16)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        return strategy.reduce("SUM", strategy.run(replica, (x, y)), axis=None)

    gate = model.get_layer("block0_conv1").gate_kernel
    before = gate.numpy().copy()
    losses = [float(step(x, y)) for _ in range(5) for x, y in data]
    assert not np.allclose(gate.numpy(), before), "side network not trained"
    assert losses[-1] < losses[0], losses
    print("ok", losses)
""")


def test_trains_under_mirrored_strategy():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok")
