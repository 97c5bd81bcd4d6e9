"""Eager random draws share a few compiled programs (kerasish/_sampling.py): the same
bits as ``jax.random`` for every shape, and no compilation per weight shape."""

import logging

import jax
import numpy as np
import pytest

from kerasish import _sampling, initializers

CASES = [((1,), "float32"), ((64, 25), "float32"), ((3, 3, 16, 32), "float32"),
         ((70_000,), "float32"), ((7, 1, 5), "bfloat16"), ((25,), "float16")]


@pytest.mark.parametrize("shape,dtype", CASES)
def test_draws_equal_jax_random_bit_for_bit(shape, dtype):
    key = jax.random.key(7)
    pairs = [
        (_sampling.uniform(key, shape, dtype, -0.3, 0.7),
         jax.random.uniform(key, shape, dtype, minval=-0.3, maxval=0.7)),
        (_sampling.normal(key, shape, dtype), jax.random.normal(key, shape, dtype)),
        (_sampling.truncated_normal(key, -2.0, 2.0, shape, dtype),
         jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(np.asarray(ours, np.float32),
                                      np.asarray(theirs, np.float32))


def test_inside_a_trace_the_draw_is_jax_randoms():
    @jax.jit
    def draw(key):
        return _sampling.uniform(key, (4, 5), "float32", 0.0, 1.0)

    key = jax.random.key(1)
    np.testing.assert_array_equal(draw(key), jax.random.uniform(key, (4, 5)))


def test_new_weight_shapes_compile_no_new_random_program(caplog):
    """Three kernels of new shapes: JAX's random programs compile at most once (the
    bucket's), not once per shape as plain ``jax.random.uniform`` would."""
    init = initializers.GlorotUniform(seed=3)
    init((11, 13))  # the bucket's program, compiled here if no test did before
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        for shape in [(17, 19), (23, 29), (3, 3, 5, 31)]:
            init(shape)
    compiled = [r.getMessage() for r in caplog.records if "Compiling" in r.getMessage()]
    assert not any("_uniform" in m for m in compiled), compiled


def test_glorot_uniform_equals_keras_for_a_seed(keras):
    for shape in [(64, 25), (25, 15), (3, 3, 8, 4)]:
        ours = initializers.GlorotUniform(seed=5)(shape)
        theirs = keras.initializers.GlorotUniform(seed=5)(shape)
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_optimizer_slots_for_new_shapes_compile_nothing(caplog):
    """An optimizer's first ``init`` makes its zero slots on the host (one eager
    ``broadcast_in_dim`` per weight shape compiled before); inside a trace, as before."""
    import jax.numpy as jnp

    from kerasish import optimizers

    opt = optimizers.Adam(amsgrad=True)
    opt.init({"w": jnp.ones((2, 2))})
    params = {"a": jnp.ones((19, 23)), "b": jnp.ones((29,), "bfloat16")}
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        state = opt.init(params)
    compiled = [r.getMessage() for r in caplog.records if "Compiling" in r.getMessage()]
    assert not any("broadcast_in_dim" in m for m in compiled), compiled
    for slot in state.slots[0]:
        assert slot["a"].shape == (19, 23) and slot["b"].dtype == jnp.bfloat16
        assert float(jnp.abs(slot["a"]).sum()) == 0.0
    traced = jax.jit(lambda p: optimizers.Adagrad(initial_accumulator_value=0.5).init(p))(params)
    np.testing.assert_array_equal(traced.slots[0][0]["a"], np.full((19, 23), 0.5, "float32"))


def test_a_concrete_key_inside_a_trace_draws_in_the_program():
    """A key closed over by a jitted function (a seeded layer called inside a compiled
    step) is concrete, but the draw is traced: it is sliced inside the program."""
    key = jax.random.key(4)
    draw = jax.jit(lambda scale: _sampling.uniform(key, (3, 7), "float32", 0.0, 1.0) * scale)
    np.testing.assert_array_equal(draw(2.0), jax.random.uniform(key, (3, 7)) * 2.0)
