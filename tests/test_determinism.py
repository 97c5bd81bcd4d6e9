"""Same seed, same numbers: bit-identical training across fresh processes on CPU.

``kerasish.utils.set_random_seed(s)`` seeds everything random in kerasish: weight
initialisation, the shuffle of every epoch, dropout masks (and Python's ``random`` and
numpy's global generator). Each run here is a *fresh Python process* (nothing shared but
the files on disk), training a model that uses all of those (shuffled batches, a short
last batch, Dropout, BatchNormalization's moving statistics, Adam, a validation split);
the weights, the optimizer state, the whole ``History`` and the predictions must agree
bit for bit. The two runs get their compiled programs both ways a process can: the first
compiles them (into an empty persistent compilation cache), the second loads them back
from that cache. A third run, with another seed and the cache off, must differ (else the
test proves nothing).

What this does *not* promise, and why (see ``docs/reliability.md``):

* **GPUs.** XLA on GPU may pick a different algorithm per run (autotuning of
  convolutions and matmuls), and some reductions and every scatter-add (the gradient of
  a gather, e.g. of ``Embedding``) use atomic additions whose order varies between runs,
  so float sums differ in the last bits and training drifts apart. Set
  ``XLA_FLAGS=--xla_gpu_deterministic_ops=true`` before JAX starts: XLA then uses only
  deterministic implementations (no atomics-based scatters or reductions, no
  non-deterministic autotuned kernels), at some cost in speed.
  ``--xla_gpu_exclude_nondeterministic_ops=true`` is the narrower form (it keeps
  autotuning but leaves non-deterministic algorithms out of it). Even then, bit-identity
  holds for one GPU model, driver and CUDA/cuDNN version. TF32 matmuls (JAX's default
  precision for float32 on Ampere and newer) change the numbers relative to CPU but not
  between runs; ``jax.config.update("jax_default_matmul_precision", "highest")`` turns
  them off.
* **Several devices.** The order in which an all-reduce (NCCL, or the CPU collectives
  under ``--xla_force_host_platform_device_count``) adds the per-device gradients may
  depend on the topology: the same seed on a different number of devices gives
  different numbers.
* **Other machines and versions.** A different CPU (AVX-512 vs AVX2 changes how XLA
  vectorises a sum), jax/jaxlib or XLA version, or number of threads XLA's CPU backend
  uses can change the last bits; bit-identity holds for one machine and one install.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

WORKER = textwrap.dedent("""
    import json, sys
    import numpy as np
    import jax
    import kerasish
    from kerasish.layers import BatchNormalization, Dense, Dropout

    seed, out = int(sys.argv[1]), sys.argv[2]
    kerasish.utils.set_random_seed(seed)
    data = np.random.default_rng(1234)  # the data is fixed; only the seed varies
    x = data.normal(size=(203, 6)).astype("float32")
    y = (x[:, :3].sum(1) > 0).astype("int32") + (x[:, 3] > 1).astype("int32")
    model = kerasish.Sequential([
        kerasish.Input(shape=(6,)),
        Dense(16, activation="relu"),
        BatchNormalization(),
        Dropout(0.3),
        Dense(3),
    ])
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=16, epochs=4, validation_split=0.25, shuffle=True,
                        verbose=0)
    arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    arrays.update({f"opt{i}": np.asarray(a)
                   for i, a in enumerate(jax.tree_util.tree_leaves(model.get_optimizer_state()))})
    arrays["predict"] = model.predict(x[:50], verbose=0)
    np.savez(out + ".npz", **arrays)
    with open(out + ".json", "w") as f:
        # repr round-trips a float exactly: History compared to the last bit.
        json.dump({"history": {k: [repr(v) for v in vs] for k, vs in history.history.items()},
                   "iterations": int(model.optimizer.iterations.numpy()),
                   "devices": [str(d) for d in jax.devices()]}, f)
""")


def _start(tmp_path, name, seed, cache):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XLA_", "JAX_COMPILATION_CACHE", "KERASISH_CACHE"))}
    env["JAX_PLATFORMS"] = "cpu"
    if cache is None:
        env["KERASISH_COMPILATION_CACHE"] = "0"
    else:
        env["KERASISH_COMPILATION_CACHE"] = "1"
        env["KERASISH_CACHE_DIR"] = str(cache)
    out = tmp_path / name
    proc = subprocess.Popen([sys.executable, str(tmp_path / "worker.py"), str(seed), str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, out


def _finish(started):
    results = {}
    for name, (proc, out) in started.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"run {name!r} failed:\n{stderr[-3000:]}"
        with np.load(str(out) + ".npz") as arrays:
            results[name] = {"arrays": {k: arrays[k] for k in arrays.files},
                             **json.loads((out.parent / (out.name + ".json")).read_text())}
    return results


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("determinism")
    (tmp_path / "worker.py").write_text(WORKER)
    cache = tmp_path / "jax-cache"
    # The compiling run must finish before the one that loads from its cache starts.
    results = _finish({"compiled": _start(tmp_path, "compiled", 7, cache),
                       "other_seed": _start(tmp_path, "other_seed", 8, None)})
    results.update(_finish({"from_cache": _start(tmp_path, "from_cache", 7, cache)}))
    assert any(cache.rglob("*")), "the first run wrote no compiled programs"
    return results


def _assert_identical(a, b, label):
    assert a["devices"] == b["devices"] and all("cpu" in d.lower() for d in a["devices"]), \
        f"{label}: not both on the CPU: {a['devices']} vs {b['devices']}"
    assert sorted(a["arrays"]) == sorted(b["arrays"])
    for key in a["arrays"]:
        x, y = a["arrays"][key], b["arrays"][key]
        assert x.dtype == y.dtype and x.shape == y.shape, f"{label}: {key} differs in kind"
        assert x.tobytes() == y.tobytes(), (
            f"{label}: {key} differs (max |diff| {np.max(np.abs(x.astype(float) - y)):.3g})")
    assert a["history"] == b["history"], f"{label}: History differs"
    assert a["iterations"] == b["iterations"]


@pytest.mark.slow
def test_same_seed_is_bit_identical_across_processes(runs):
    _assert_identical(runs["compiled"], runs["from_cache"], "two processes, seed 7")


@pytest.mark.slow  # its fixture runs whole training processes
def test_history_is_complete(runs):
    history = runs["compiled"]["history"]
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 4 for v in history.values())
    assert runs["compiled"]["iterations"] == 4 * 10  # 152 training rows / 16 -> 10 steps


def test_another_seed_gives_other_numbers(runs):
    same, other = runs["compiled"]["arrays"], runs["other_seed"]["arrays"]
    assert not np.array_equal(same["w0"], other["w0"]), "the seed does not reach the weights"
    assert runs["compiled"]["history"] != runs["other_seed"]["history"]
