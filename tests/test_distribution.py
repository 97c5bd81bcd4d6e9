"""kerasish.distribution on forced host devices.

JAX fixes its device count when it starts, so each check runs in a fresh subprocess
with ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` set before JAX is imported.
"""

import os
import socket
import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import os
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
import numpy as np, jax, kerasish
from kerasish import distribution as D
rng = np.random.default_rng(0)
x = rng.normal(size=(70, 6)).astype("float32")
y = (x[:, 0] > 0).astype("float32")

def model(seed=1, names=("dense_a", "dense_b"), units=1, act="sigmoid"):
    kerasish.utils.set_random_seed(seed)
    return kerasish.Sequential([
        kerasish.Input((6,)),
        kerasish.layers.Dense(8, activation="relu", name=names[0]),
        kerasish.layers.Dense(units, activation=act, name=names[1])])
"""


def run(body, timeout=240):
    env = dict(os.environ, JAX_PLATFORMS="cpu", KERASISH_COMPILATION_CACHE="0")
    proc = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


@pytest.mark.slow
def test_data_parallel_matches_one_device_and_shards_the_batch():
    out = run("""
        seen = []

        class Probe(kerasish.layers.Layer):
            def call(self, inputs):
                jax.debug.inspect_array_sharding(
                    inputs, callback=lambda s: seen.append(s.shard_shape(inputs.shape)))
                return inputs

        def train(dist):
            m = model()
            m.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
            if dist is None:
                return m, m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
            with dist.scope():
                m.layers  # noqa
                probe = kerasish.Sequential([kerasish.Input((6,)), Probe()])
                probe.compile(loss="mse", optimizer="sgd")
                probe.fit(x, x, batch_size=16, epochs=1, verbose=0)
                return m, m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

        m1, h1 = train(None)
        m4, h4 = train(D.DataParallel())
        diff = max(float(np.abs(a - b).max()) for a, b in zip(m1.get_weights(), m4.get_weights()))
        print("DIFF", diff)
        print("LOSSDIFF", max(abs(a - b) for a, b in zip(h1.history["loss"], h4.history["loss"])))
        print("SHARD", seen[0])
        print("DEVICES", len(m4.layers[0].kernel.value.sharding.device_set))
    """)
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    assert float(lines["DIFF"]) < 1e-5
    assert float(lines["LOSSDIFF"]) < 1e-5
    assert lines["SHARD"] == "(4, 6)"  # a batch of 16 rows: 4 rows on each of 4 devices
    assert lines["DEVICES"] == "4"      # weights replicated on all four


@pytest.mark.slow
def test_model_parallel_shards_a_kernel():
    out = run("""
        mesh = D.DeviceMesh((2, 2), ["batch", "model"])
        layout_map = D.LayoutMap(mesh)
        layout_map["dense_a/kernel"] = (None, "model")
        m = model(units=2, act="linear")
        m.compile(loss="mse", optimizer="adam")
        with D.ModelParallel(layout_map=layout_map, batch_dim_name="batch").scope():
            h = m.fit(x, np.zeros((70, 2), "float32"), batch_size=16, epochs=2, verbose=0)
        kernel = m.get_layer("dense_a").kernel.value
        print("SPEC", kernel.sharding.spec)
        print("SHARD", kernel.sharding.shard_shape(kernel.shape))
        print("FINITE", all(np.isfinite(v) for v in h.history["loss"]))
    """)
    assert "SPEC P(None, 'model')" in out or "SPEC PartitionSpec(None, 'model')" in out
    assert "SHARD (6, 4)" in out
    assert "FINITE True" in out


@pytest.mark.slow
def test_batch_size_must_divide_over_devices_and_weights_survive():
    out = run("""
        m = model()
        m.compile(loss="binary_crossentropy", optimizer="adam")
        before = [w.copy() for w in m.get_weights()]
        D.set_distribution(D.DataParallel())
        try:
            m.fit(x, y, batch_size=10, epochs=1, verbose=0)
        except ValueError as err:
            print("ERR", err)
        print("SAME", all((a == b).all() for a, b in zip(before, m.get_weights())))
        print("NAMES", D.list_devices())
    """)
    assert "must be a multiple of 4" in out and "batch_size=8" in out
    assert "SAME True" in out
    assert "NAMES ['cpu:0', 'cpu:1', 'cpu:2', 'cpu:3']" in out


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_initialize_on_localhost():
    port = _free_port()
    code = textwrap.dedent(f"""
        import sys, jax
        from kerasish import distribution as D
        D.initialize(job_addresses="127.0.0.1:{port}", num_processes=2,
                     process_id=int(sys.argv[1]))
        print("PROCS", jax.process_count(), "INDEX", jax.process_index(),
              "DEVICES", len(D.list_devices()))
    """)
    env = dict(os.environ, JAX_PLATFORMS="cpu", KERASISH_COMPILATION_CACHE="0")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for i in range(2)]
    outs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err[-3000:]
            outs.append(out)
    finally:
        for p in procs:
            p.kill()
    assert "PROCS 2 INDEX 0 DEVICES 2" in outs[0]
    assert "PROCS 2 INDEX 1 DEVICES 2" in outs[1]


def test_distribution_api_errors():
    from kerasish import distribution as D

    with pytest.raises(ValueError, match="same size"):
        D.DeviceMesh((2, 2), ["batch"])
    with pytest.raises(ValueError, match="layout_map"):
        D.ModelParallel()
    with pytest.raises(TypeError, match="Distribution"):
        D.set_distribution("data_parallel")
    assert D.distribution() is None
