"""The activations Keras 3 added beyond the classic set (celu, glu, hard_shrink,
hard_tanh, log_sigmoid, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
squareplus, tanh_shrink, threshold) against real Keras 3: values with every option,
gradients, names, saved models; sparsemax also against an independent reference."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import activations

_rng = np.random.default_rng(0)
EDGES = [-1e4, -50, -3, -1, -0.5, -1e-3, -0.0, 0.0, 1e-3, 0.5, 1, 3, 50, 1e4]
X = np.concatenate([EDGES, _rng.uniform(-6, 6, 46), 3 * _rng.standard_normal(60)]
                   ).astype("float32").reshape(4, 5, 6)
# Rows whose largest entry leads the next by more than 1: sparsemax's support is one
# entry, where Keras 3.15's threshold is right (see test_sparsemax_is_a_projection).
S = np.array([[3.0, 0.5, -1.0, 1.2], [-2.0, 4.0, 2.5, 0.0], [0.0, -7.0, -5.0, -3.0]],
             "float32")

NEW = ["celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink",
       "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold"]
CASES = [
    ("celu", {}, X), ("celu", {"alpha": 0.5}, X),
    ("glu", {}, X), ("glu", {"axis": 0}, X),
    ("hard_shrink", {}, X), ("hard_shrink", {"threshold": 2.0}, X),
    ("hard_tanh", {}, X), ("log_sigmoid", {}, X),
    ("soft_shrink", {}, X), ("soft_shrink", {"threshold": 1.5}, X),
    ("sparse_plus", {}, X), ("sparse_sigmoid", {}, X),
    ("sparsemax", {}, S), ("sparsemax", {"axis": 0}, S.T),
    ("squareplus", {}, X), ("squareplus", {"b": 0.5}, X),
    ("tanh_shrink", {}, X),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}, X),
    ("threshold", {"threshold": -1.0, "default_value": 0.0}, X),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw, _ in CASES]


@pytest.mark.parametrize("name, kwargs, x", CASES, ids=IDS)
def test_values_match_keras(keras, name, kwargs, x):
    ours = getattr(activations, name)(x, **kwargs)
    theirs = getattr(keras.activations, name)(x, **kwargs)
    assert isinstance(ours, jax.Array) and ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6, atol=0)


def _grads(module):
    """{case id: gradient} of every case, computed in one jit (one compilation)."""
    def all_at_once(xs):
        out = {}
        for (name, kwargs, _), cid, x in zip(CASES, IDS, xs):
            weights = jnp.arange(x.size, dtype="float32").reshape(x.shape)
            fn = getattr(module, name)
            out[cid] = jax.grad(lambda v, fn=fn, kw=kwargs: jnp.sum(
                fn(v, **kw) * weights[tuple(slice(0, n) for n in fn(v, **kw).shape)]))(x)
        return out

    return jax.jit(all_at_once)([jnp.asarray(x) for _, _, x in CASES])


def test_gradients_match_keras(keras):
    ours, theirs = _grads(activations), _grads(keras.activations)
    for cid in IDS:
        np.testing.assert_allclose(ours[cid], theirs[cid], rtol=1e-6, atol=0, err_msg=cid)
        assert bool(jnp.all(jnp.isfinite(ours[cid]))), cid


def _sparsemax_reference(z):
    """The simplex projection by bisection on tau (sum(max(z - tau, 0)) = 1): no
    sorting, so independent of the closed form under test."""
    lo, hi = z.max() - 1.0, z.max()
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.maximum(z - mid, 0).sum() > 1 else (lo, mid)
    return np.maximum(z - (lo + hi) / 2, 0)


def test_sparsemax_is_a_projection(keras):
    z = np.random.default_rng(5).normal(0, 0.7, size=(20, 6)).astype("float32")
    ours = np.asarray(activations.sparsemax(z))
    np.testing.assert_allclose(ours.sum(axis=-1), 1.0, rtol=1e-6)
    expected = np.stack([_sparsemax_reference(row.astype("float64")) for row in z])
    np.testing.assert_allclose(ours, expected, atol=1e-6)
    np.testing.assert_allclose(activations.sparsemax([[1.0, 0.5, -2.0]]), [[0.75, 0.25, 0.0]])
    # Keras 3.15's JAX sparsemax sums the cumulative sums of the support (fixed upstream,
    # keras-team/keras#23469): its rows stop summing to 1 once two entries are supported.
    theirs = np.asarray(keras.activations.sparsemax(z))
    assert not np.allclose(theirs.sum(axis=-1), 1.0)


def test_glu_refuses_an_odd_axis():
    with pytest.raises(ValueError, match=r"`glu` splits `x` in two halves along `axis`.*"
                                         r"x.shape=\(2, 3\), axis=-1"):
        activations.glu(np.ones((2, 3)))


@pytest.mark.parametrize("name", NEW)
def test_names_signatures_get_and_serialize_mirror_keras(keras, name):
    ours, theirs = getattr(activations, name), getattr(keras.activations, name)
    assert ours.__name__ == theirs.__name__
    assert list(inspect.signature(ours).parameters.items()) == list(
        inspect.signature(theirs).parameters.items())
    assert activations.get(name) is ours
    assert activations.serialize(ours) == keras.activations.serialize(theirs)
    assert activations.deserialize(keras.saving.serialize_keras_object(theirs)) is ours


def test_elementwise_ones_accept_ints():
    # Keras keeps ints as ints (or fails inside jax); ours promote to floatx, like the
    # classic activations.
    ints = np.array([-2, 0, 3])
    for name in ("celu", "hard_shrink", "soft_shrink", "sparse_plus", "squareplus"):
        out = getattr(activations, name)(ints)
        assert out.dtype == jnp.float32, name
        np.testing.assert_array_equal(out, getattr(activations, name)(ints.astype("float32")))


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["sparse_plus", "celu", "squareplus"])
def test_dense_with_a_new_activation_saves_to_keras_and_back(keras, tmp_path, activation):
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    model = kerasish.Sequential([kerasish.Input(shape=(3,)),
                                 kerasish.layers.Dense(4, activation=activation)])
    model.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    theirs.save(tmp_path / "theirs.keras")
    back = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert back.layers[-1].activation is getattr(activations, activation)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-7)
