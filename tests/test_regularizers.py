"""kerasish.regularizers against real Keras 3 (penalties and configs), under jit and
grad, plus lookup, argument checks and their messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish import regularizers

_rng = np.random.default_rng(0)
W = jnp.asarray(_rng.normal(0, 3, (6, 4)).astype("float32"))
W_ZERO_ROW = W.at[2].set(0.0)  # a zero row must not turn the orthogonal penalty NaN
W_LARGE = W * 1e4


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("L1", {}),
        ("L1", {"l1": 0.3}),
        ("L2", {}),
        ("L2", {"l2": 1e-4}),
        ("L1L2", {"l1": 0.02, "l2": 0.5}),
        ("L1L2", {"l1": 0.0, "l2": 0.1}),
        ("L1L2", {}),
        ("OrthogonalRegularizer", {}),
        ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
    ],
)
@pytest.mark.parametrize("x", [W, W_ZERO_ROW, W_LARGE], ids=["normal", "zero_row", "large"])
def test_penalties_match_keras(keras, name, kwargs, x):
    ours = getattr(regularizers, name)(**kwargs)(x)
    theirs = getattr(keras.regularizers, name)(**kwargs)(x)
    assert isinstance(ours, jax.Array) and ours.shape == () and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)
    assert bool(jnp.isfinite(ours))


def test_formulas_by_hand():
    x = np.array([[1.0, -2.0], [3.0, 0.0]])
    assert float(regularizers.L1(0.5)(x)) == pytest.approx(0.5 * 6)
    assert float(regularizers.L2(0.5)(x)) == pytest.approx(0.5 * 14)
    assert float(regularizers.L1L2(0.5, 0.25)(x)) == pytest.approx(3 + 3.5)
    # Rows (1, -2) and (3, 0): |cos| = 3 / (sqrt(5) * 3); one pair.
    ortho = regularizers.OrthogonalRegularizer(factor=1.0)(x)
    assert float(ortho) == pytest.approx(1 / np.sqrt(5), rel=1e-6)


def test_orthogonal_single_row_has_no_penalty_instead_of_nan():
    assert float(regularizers.OrthogonalRegularizer()(np.ones((1, 4)))) == 0.0
    assert float(regularizers.OrthogonalRegularizer(mode="columns")(np.ones((4, 1)))) == 0.0


def test_accepts_lists_and_ints():
    assert float(regularizers.L2(1.0)([1, 2, 3])) == 14.0
    assert regularizers.L1(1.0)(np.arange(3)).dtype == jnp.float32


@pytest.mark.parametrize(
    "reg, expected_grad",
    [
        (regularizers.L1(0.3), lambda x: 0.3 * jnp.sign(x)),
        (regularizers.L2(0.3), lambda x: 2 * 0.3 * x),
        (regularizers.L1L2(0.1, 0.2), lambda x: 0.1 * jnp.sign(x) + 0.4 * x),
    ],
    ids=["l1", "l2", "l1_l2"],
)
def test_jit_and_grad(reg, expected_grad):
    np.testing.assert_allclose(jax.jit(reg)(W), reg(W), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(jax.grad(reg))(W), expected_grad(W), rtol=1e-5)


def test_orthogonal_gradient_matches_keras_and_stays_finite_on_a_zero_row(keras):
    ours = jax.jit(jax.grad(regularizers.OrthogonalRegularizer(0.1)))(W_ZERO_ROW)
    theirs = jax.jit(jax.grad(keras.regularizers.OrthogonalRegularizer(0.1)))(W_ZERO_ROW)
    # Keras's gradient is NaN on the zero row (a flaw we fix: that row, having no
    # direction, gets no gradient) and equal elsewhere.
    assert bool(jnp.all(jnp.isnan(theirs[2])))
    np.testing.assert_array_equal(ours[2], 0.0)
    np.testing.assert_allclose(np.delete(ours, 2, 0), np.delete(theirs, 2, 0), rtol=1e-5)


def test_lowercase_names_are_the_classes(keras):
    assert regularizers.l1 is regularizers.L1 and keras.regularizers.l1 is keras.regularizers.L1
    assert regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert type(regularizers.get("l2")) == regularizers.l2
    reg = regularizers.l2(0.1)
    assert isinstance(reg, regularizers.L2) and isinstance(reg, regularizers.Regularizer)


def test_factors_are_plain_floats():
    assert type(regularizers.L1(0.1).l1) is float and regularizers.L1(0.1).l1 == 0.1
    assert type(regularizers.L2(1).l2) is float
    reg = regularizers.L1L2(l1=np.float32(0.5), l2=2)
    assert (reg.l1, reg.l2) == (0.5, 2.0) and type(reg.l1) is float


@pytest.mark.parametrize(
    "name, kwargs",
    [("L1", {"l1": 0.25}), ("L2", {"l2": 0.125}), ("L1L2", {"l1": 0.5, "l2": 0.25}),
     ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"})],
)
def test_configs_round_trip_and_equal_keras(keras, name, kwargs):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras.regularizers, name)(**kwargs)
    assert regularizers.serialize(ours) == keras.regularizers.serialize(theirs)
    clone = regularizers.deserialize(regularizers.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()
    loaded = regularizers.deserialize(keras.regularizers.serialize(theirs))
    assert loaded.get_config() == ours.get_config()


def test_get_resolves_every_kind_of_identifier():
    assert regularizers.get(None) is None
    assert regularizers.get("l1").l1 == 0.01
    assert regularizers.get("L2").l2 == 0.01
    # Keras documents the string "l1_l2" as l1 = l2 = 0.01 (a named penalty penalises);
    # the class itself keeps Keras's constructor defaults of 0.
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get(regularizers.L1L2).get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    reg = regularizers.L1(0.2)
    assert regularizers.get(reg) is reg

    def penalty(x):
        return 1e-3 * jnp.sum(x)

    assert regularizers.get(penalty) is penalty


def test_none_and_functions_in_serialization():
    assert regularizers.serialize(None) is None and regularizers.deserialize(None) is None
    with pytest.raises(ValueError, match=r"`get_config\(\)`.*subclass Regularizer"):
        regularizers.serialize(lambda x: jnp.sum(x))


def test_unknown_identifier_messages():
    with pytest.raises(ValueError, match=r"Did you mean 'l2' or 'l1'\?.*Expected one of \[.*"
                       r"Received: regularizer='l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match=r"Could not interpret.*Received: 0.01 of type float"):
        regularizers.get(0.01)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: regularizers.L1(-0.1), r"Invalid value for `l1`. Expected a non-negative, "
         r"finite float.*Received: l1=-0.1"),
        (lambda: regularizers.L2("0.01"), r"`l2`.*Received: l2='0.01'"),
        (lambda: regularizers.L2(float("nan")), r"`l2`.*Received: l2=nan"),
        (lambda: regularizers.L1L2(l2=float("inf")), r"`l2`.*Received: l2=inf"),
        (lambda: regularizers.L1L2(l1=True), r"`l1`.*Received: l1=True"),
        (lambda: regularizers.OrthogonalRegularizer(factor=-1), r"`factor`.*Received: factor=-1"),
        (lambda: regularizers.OrthogonalRegularizer(mode="row"),
         r"Invalid value for `mode`. Did you mean 'rows'\?.*Received: mode='row'"),
        (lambda: regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2))),
         r"needs a 2D weight.*shape \(2, 2, 2\)"),
    ],
)
def test_bad_arguments_are_explained(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_base_class_explains_missing_get_config():
    class Custom(regularizers.Regularizer):
        def __call__(self, x):
            return jnp.sum(x)

    assert float(regularizers.Regularizer()(W)) == 0.0
    with pytest.raises(NotImplementedError, match=r"Custom must implement `get_config\(\)`"):
        Custom().get_config()
