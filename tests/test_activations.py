"""kerasish.activations against real Keras 3 (values, gradients, names, signatures),
under jit and grad, plus the identifier helpers and their messages."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from kerasish import activations

ELEMENTWISE = [
    "linear", "relu", "relu6", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu",
    "softplus", "softsign", "silu", "swish", "exponential", "hard_sigmoid",
    "hard_silu", "hard_swish", "mish",
]
AXIS_WISE = ["softmax", "log_softmax"]
ALL = ELEMENTWISE + AXIS_WISE

# Kinks and saturation points of the piecewise functions, small and large
# magnitudes, both signs of zero, then ordinary values. One shape for every test
# keeps the number of XLA compilations (the cost of this file) small.
EDGES = [-1e4, -50, -20, -6, -3, -1, -1e-3, -0.0, 0.0, 1e-3, 1, 3, 6, 20, 50, 1e4]
_rng = np.random.default_rng(0)
X = np.concatenate(
    [EDGES, _rng.uniform(-60, 60, 74), 3 * _rng.standard_normal(30)]
).astype("float32").reshape(4, 5, 6)


def assert_same(ours, theirs):
    assert isinstance(ours, jax.Array)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", ALL)
def test_values_match_keras(keras, name):
    assert_same(getattr(activations, name)(X), getattr(keras.activations, name)(X))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"negative_slope": 0.1},
        {"max_value": 6.0},
        {"max_value": 2.5},
        {"threshold": 1.5},
        {"threshold": -1.0},
        {"negative_slope": 0.5, "max_value": 6.0, "threshold": 2.0},
        {"negative_slope": 0.3, "threshold": -2.0},
        {"max_value": 4.0, "threshold": -1.0},
    ],
)
def test_relu_options_match_keras(keras, kwargs):
    assert_same(activations.relu(X, **kwargs), keras.activations.relu(X, **kwargs))


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("leaky_relu", {"negative_slope": 0.01}),
        ("elu", {"alpha": 0.5}),
        ("gelu", {"approximate": True}),
    ],
)
def test_options_match_keras(keras, name, kwargs):
    ours = getattr(activations, name)(X, **kwargs)
    assert_same(ours, getattr(keras.activations, name)(X, **kwargs))


@pytest.mark.parametrize("name", AXIS_WISE)
@pytest.mark.parametrize("axis", [0, 1, (1, 2)])
def test_axis_matches_keras(keras, name, axis):
    ours = getattr(activations, name)(X, axis=axis)
    assert_same(ours, getattr(keras.activations, name)(X, axis=axis))


def test_softmax_is_a_distribution_even_for_huge_logits():
    p = activations.softmax(np.array([[1e4, -1e4, 0.0], [50.0, 50.0, 50.0]]))
    np.testing.assert_allclose(p.sum(axis=-1), [1.0, 1.0], rtol=1e-6)
    assert bool(jnp.all(jnp.isfinite(activations.log_softmax(X))))


def test_softmax_warns_on_a_size_one_axis():
    with pytest.warns(UserWarning, match="has size 1.*sigmoid"):
        out = activations.softmax(np.ones((4, 1)))
    np.testing.assert_array_equal(out, np.ones((4, 1)))


@pytest.mark.parametrize("name", ALL)
def test_names_aliases_and_signatures_mirror_keras(keras, name):
    ours, theirs = getattr(activations, name), getattr(keras.activations, name)
    assert ours.__name__ == theirs.__name__
    assert list(inspect.signature(ours).parameters.items()) == list(
        inspect.signature(theirs).parameters.items()
    )


def test_aliases_are_the_same_functions(keras):
    assert keras.activations.swish is keras.activations.silu
    assert activations.swish is activations.silu
    assert keras.activations.hard_swish is keras.activations.hard_silu
    assert activations.hard_swish is activations.hard_silu


def test_accepts_numpy_jax_and_int_arrays():
    # Ints are promoted to floatx (Keras's sigmoid, softmax, gelu... reject them).
    # X's shape, so that these reuse the compilations of the tests above.
    for name in ALL:
        for x in [X.astype("float64"), X.astype("int32"), jnp.asarray(X)]:
            out = getattr(activations, name)(x)
            assert isinstance(out, jax.Array) and out.dtype == jnp.float32, name
            assert out.shape == X.shape


@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu"])
def test_accepts_python_scalars_and_lists(name):
    fn = getattr(activations, name)
    assert fn(2.5).shape == () and fn(-3).dtype == jnp.float32
    np.testing.assert_array_equal(fn([1.0, 2.0]), fn(np.array([1.0, 2.0], "float32")))


def _jitted_values_and_grads(module):
    """{name: (value, gradient)} of every activation of `module` at X, all computed
    inside one jit: one compilation instead of forty keeps this file fast."""
    weights = jnp.arange(X.size, dtype="float32").reshape(X.shape)

    def all_at_once(x):
        out = {}
        for name in ALL:
            fn = getattr(module, name)
            out[name] = (fn(x), jax.grad(lambda v: jnp.sum(fn(v) * weights))(x))
        return out

    return jax.jit(all_at_once)(X)


@pytest.fixture(scope="module")
def jitted(keras):
    return _jitted_values_and_grads(activations), _jitted_values_and_grads(keras.activations)


@pytest.mark.parametrize("name", ALL)
def test_jit_matches_eager(jitted, name):
    value, _ = jitted[0][name]
    np.testing.assert_allclose(value, getattr(activations, name)(X), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ALL)
def test_gradients_match_keras(jitted, name):
    # Includes +-50 and +-1e4, where a naive formula gives NaN or overflows.
    (_, ours), (_, theirs) = jitted[0][name], jitted[1][name]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)
    if name != "exponential":  # exp(1e4) overflows by definition
        assert bool(jnp.all(jnp.isfinite(ours))), name


@pytest.mark.parametrize(
    "fn",
    [activations.mish, activations.log_softmax, lambda v: activations.relu(v, 0.2, 2.0, 0.5)],
    ids=["mish", "log_softmax", "relu_options"],
)
def test_gradients_match_finite_differences(fn):
    # Away from the kinks, so that finite differences are meaningful.
    x = jnp.array([-2.7, -1.3, -0.4, 0.7, 1.6, 2.2], "float32")
    check_grads(jax.jit(lambda v: fn(v) * jnp.arange(1.0, 7.0)), (x,), order=1,
                modes=["rev"], atol=1e-2, rtol=1e-2)


def test_get_resolves_names_callables_none_and_keras_configs(keras):
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get(activations.relu) is activations.relu
    assert activations.get(jnp.sin) is jnp.sin
    config = keras.saving.serialize_keras_object(keras.activations.gelu)
    assert activations.get(config) is activations.gelu
    for name in ALL:
        assert activations.get(name) is getattr(activations, name)


def test_serialize_round_trips_with_keras_names(keras):
    for name in ALL:
        fn = getattr(activations, name)
        assert activations.serialize(fn) == keras.activations.serialize(
            getattr(keras.activations, name)
        )
        assert activations.deserialize(activations.serialize(fn)) is fn


def test_deserialize_prefers_custom_objects():
    def custom(x):
        return x

    assert activations.deserialize("custom", custom_objects={"custom": custom}) is custom


def test_unknown_name_suggests_close_names_and_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Did you mean 'sigmoid'.*Expected one of \[.*'relu'.*"
                       r"Received: activation='sigmod'"):
        activations.get("sigmod")
    with pytest.raises(ValueError, match=r"Unknown activation function name\. Expected one of"):
        activations.get("zzzz")


def test_non_callable_identifier_is_refused():
    with pytest.raises(ValueError, match=r"Expected a name such as 'relu'.*Received: "
                       r"activation=3 of type int"):
        activations.get(3)


def test_serialize_refuses_custom_functions():
    with pytest.raises(ValueError, match=r"Only built-in activations.*custom_objects"):
        activations.serialize(lambda x: x)
