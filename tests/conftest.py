"""Shared fixtures. Real Keras 3 (JAX backend) is the oracle for parity tests; it is
installed by the ``test`` extra and the tests that need it skip with a visible reason
when it cannot be imported."""

import os

# Keras reads its backend once, at import: this must come before any import of keras.
os.environ.setdefault("KERAS_BACKEND", "jax")
# No persistent compilation cache in the test process (read at kerasish's import): the
# suite compiles thousands of programs in one long process, and XLA:CPU's executable
# (de)serialization crashed it twice on this machine (a segfault in
# put/get_executable_and_time). tests/test_compilation_cache.py tests the cache itself;
# tests/test_determinism.py runs processes with it on.
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import gc
import zlib

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 module on the JAX backend, or a skip."""
    keras = pytest.importorskip("keras", reason="Keras 3 (the parity oracle) is not installed")
    if keras.backend.backend() != "jax":
        pytest.skip(f"Keras runs on {keras.backend.backend()!r}, the parity suite needs 'jax'")
    return keras


# Every XLA:CPU executable holds ~5 memory mappings until it is freed. In one long
# pytest process they piled up past Linux's vm.max_map_count (65530) about 30 minutes
# in, and XLA crashed (a segfault in compile or executable (de)serialization, wherever
# the next mmap failed): JAX's own caches keep every executable compiled for eager ops
# and module-level jitted functions (tests/test_arguments_honoured.py alone left 26,856
# mappings; jax.clear_caches() brought them to 1,070), and a model's compiled steps wait
# for Python's rare full collections. So: both after each module, and after any test
# that leaves more than _MAX_MAPS mappings.
_MAX_MAPS = 30_000
_tests_since_check = 0


def _mappings():
    try:
        with open("/proc/self/maps", "rb") as f:
            return sum(1 for _ in f)
    except OSError:  # not Linux: no such bound to guard
        return 0


def _free_compiled_programs():
    import jax

    gc.collect()
    jax.clear_caches()


@pytest.fixture(scope="module", autouse=True)
def _free_compiled_programs_after_each_module():
    yield
    _free_compiled_programs()


@pytest.fixture(autouse=True)
def _free_compiled_programs_when_many():
    global _tests_since_check
    yield
    _tests_since_check += 1
    if _tests_since_check >= 10:
        _tests_since_check = 0
        if _mappings() > _MAX_MAPS:
            _free_compiled_programs()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def keras_home(tmp_path_factory, keras):
    """A ~/.keras as a Keras user has it after downloading MobileNetV2's ImageNet
    weights: the file (here with random weights, written by Keras 3 in Keras's
    published format) sits in models/, so the examples find it without a network."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    home = tmp_path_factory.mktemp("keras_home")
    (home / "models").mkdir()
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35,
                                          include_top=False, weights=None)
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    with h5py.File(home / "models" / name, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, base)
    return home


# The full parity grids (every op row, every layer option, every optimizer option...):
# their slow-tier tests become the "exhaustive" tier, which the default run leaves out
# (pyproject's addopts) so that CI stays within its time; each public name keeps its
# own cases in the fast and slow tiers. Run them with `pytest -m exhaustive`.
EXHAUSTIVE_FILES = {
    "test_ops_parity_numpy.py", "test_ops_parity_nn.py", "test_ops_parity_core.py",
    "test_ops_image.py", "test_layers_more.py", "test_augmentation.py",
    "test_optimizers_more.py", "test_losses_more.py", "test_losses_fit.py",
    "test_metrics_more.py", "test_applications.py", "test_attention.py",
    # Moved when the default run passed 30 minutes on 2 workers (their fast-tier tests
    # stay in the default run): ~360 s of parity grids.
    "test_augmentation_batch.py", "test_augmentation_extra.py", "test_conv_lstm.py",
    "test_parity_gaps.py", "test_metrics_fit.py", "test_tf_keras2_files.py",
}

# tests/test_arguments_honoured.py probes every argument of every public name (1,800
# probes, ~480 s). The default run keeps a fixed quarter of them (chosen by a hash of
# the test id, so every run checks the same ones and each area keeps some); the
# exhaustive tier runs the rest. The accounting test (every argument has a probe or a
# documented reason) always runs.
_PROBE_TESTS = ("test_generic_probe", "test_explicit_probe")
_PROBE_SHARE = 4


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in EXHAUSTIVE_FILES and item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.exhaustive)
        elif (item.path.name == "test_arguments_honoured.py"
              and item.originalname in _PROBE_TESTS
              and zlib.crc32(item.nodeid.encode()) % _PROBE_SHARE):
            item.add_marker(pytest.mark.exhaustive)
