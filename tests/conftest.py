"""Shared fixtures. Real Keras 3 (JAX backend) is the oracle for parity tests; it is
installed by the ``test`` extra and the tests that need it skip with a visible reason
when it cannot be imported."""

import os

# Keras reads its backend once, at import: this must come before any import of keras.
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 module on the JAX backend, or a skip."""
    keras = pytest.importorskip("keras", reason="Keras 3 (the parity oracle) is not installed")
    if keras.backend.backend() != "jax":
        pytest.skip(f"Keras runs on {keras.backend.backend()!r}, the parity suite needs 'jax'")
    return keras


@pytest.fixture
def rng():
    return np.random.default_rng(0)
