"""Mixed precision: float32 master weights, float16/bfloat16 compute, loss scaling."""

import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import mixed_precision
from kerasish.layers import Dense
from kerasish.optimizers import LossScaleOptimizer, OptimizerState


@pytest.fixture(autouse=True)
def reset_policy():
    yield
    mixed_precision.set_global_policy(None)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype("float32")
    return x, (x[:, 0] - x[:, 1] > 0).astype("float32")


def _train(policy, data):
    x, y = data
    mixed_precision.set_global_policy(policy)
    kerasish.utils.set_random_seed(0)
    model = kerasish.Sequential([kerasish.Input((6,)), Dense(16, activation="relu"),
                                 Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.Adam(0.01))
    history = model.fit(x, y, epochs=8, verbose=0)
    return model, history.history["loss"]


def test_policies():
    p = mixed_precision.DTypePolicy("mixed_float16")
    assert (p.compute_dtype, p.variable_dtype) == ("float16", "float32")
    assert mixed_precision.global_policy().name == "float32"
    with pytest.raises(ValueError, match="mixed_float16"):
        mixed_precision.DTypePolicy("mixed_float8")


@pytest.fixture(scope="module")
def reference(data):
    losses = _train(None, data)[1]
    mixed_precision.set_global_policy(None)
    return losses


@pytest.mark.slow
@pytest.mark.parametrize("policy,compute,tolerance", [("mixed_bfloat16", "bfloat16", 0.05),
                                                      ("mixed_float16", "float16", 0.01)])
def test_mixed_training_tracks_float32(data, reference, policy, compute, tolerance):
    model, losses = _train(policy, data)
    layer = model.layers[0]
    assert layer.kernel.dtype == "float32" and layer.compute_dtype == compute
    assert model.predict(data[0][:3], verbose=0).dtype == np.dtype(compute)
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(losses, reference, atol=tolerance)
    if compute == "float16":
        assert isinstance(model.optimizer, LossScaleOptimizer)
        assert float(model.get_optimizer_state().slots.scale) >= 1.0


def test_layer_dtype_argument_overrides_global():
    layer = Dense(3, dtype="mixed_bfloat16")
    out = layer(np.ones((2, 4), "float32"))
    assert out.dtype == jnp.bfloat16 and layer.kernel.dtype == "float32"
    assert Dense(3)(np.ones((2, 4))).dtype == jnp.float32


def test_loss_scale_skips_non_finite_steps_and_halves_the_scale():
    opt = LossScaleOptimizer(kerasish.optimizers.SGD(0.1), initial_scale=8.0,
                             dynamic_growth_steps=2)
    params = {"d": {"w": jnp.ones(3)}}
    state = opt.init(params)
    bad = {"d": {"w": jnp.array([1.0, jnp.inf, 0.0])}}
    updates, state2 = opt.update(bad, state, params)
    assert float(jnp.abs(updates["d"]["w"]).sum()) == 0.0
    assert float(state2.slots.scale) == 4.0
    good = {"d": {"w": jnp.full(3, 8.0)}}  # = gradient 1.0 at scale 8... now 4 -> 2.0
    updates, state3 = opt.update(good, state2, params)
    np.testing.assert_allclose(updates["d"]["w"], -0.1 * 2.0)
    _, state4 = opt.update(good, state3, params)
    assert float(state4.slots.scale) == 8.0  # two finite steps in a row: doubled
    assert isinstance(state4, OptimizerState)
