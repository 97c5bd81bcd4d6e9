"""``kerasish.remat`` and ``kerasish.RematScope``: which layers a scope marks, that
their calls are rematerialised inside the compiled step (``checkpoint`` in the
jaxpr), and that training gives the same numbers as without."""

import re

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers
from kerasish.layers import remat as remat_module


def _model(scope):
    with scope:  # the layers are created in the scope, the model outside it
        stack = [layers.Dense(64, activation="gelu", name="wide"),
                 layers.Dense(4, activation="relu", name="narrow"),
                 layers.Dense(1, name="out")]
    model = kerasish.Sequential([kerasish.Input((6,))] + stack)
    model.compile(optimizer=kerasish.optimizers.SGD(0.1), loss="mse")
    return model


def _rematerialised(model, x, monkeypatch):
    """(functions rematerialised while the loss's gradient is traced, regions in its
    jaxpr)."""
    seen = []
    real = remat_module.remat

    def counting(f):
        seen.append(f)
        return real(f)

    monkeypatch.setattr(remat_module, "remat", counting)
    params = [v.value for v in model.trainable_variables]

    def loss(values):
        return model.stateless_call(values, [], x)[0].sum()

    text = str(jax.make_jaxpr(jax.grad(loss))(params))
    return len(seen), len(re.findall(r"\b(?:checkpoint|remat\w*)\[", text))


X = np.random.default_rng(0).normal(size=(32, 6)).astype("float32")
Y = X[:, :1] ** 2


@pytest.mark.parametrize("scope,expected", [
    (kerasish.RematScope(mode=None), 0),
    (kerasish.RematScope(mode="full"), 3),
    (kerasish.RematScope(mode="list_of_layers", layer_names=["narrow"]), 1),
    # batch 32: wide's output has 2,048 elements, narrow's 128, out's 32
    (kerasish.RematScope(mode="larger_than", output_size_threshold=1000), 1),
    (kerasish.RematScope(mode="larger_than", output_size_threshold=100), 2),
    (kerasish.RematScope(mode="activations"), 3),  # gelu, relu, and out's linear
], ids=["none", "full", "list_of_layers", "larger_than_1000", "larger_than_100",
        "activations"])
def test_scopes_mark_the_expected_layers_and_train_the_same(scope, expected, monkeypatch):
    kerasish.utils.set_random_seed(1)
    plain = _model(kerasish.RematScope(mode=None))
    kerasish.utils.set_random_seed(1)
    marked = _model(scope)
    count, regions = _rematerialised(marked, X, monkeypatch)
    assert count == expected and (regions > 0) == (expected > 0)
    h1 = plain.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0).history["loss"]
    h2 = marked.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h2, h1, rtol=1e-6)
    for a, b in zip(marked.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_remat_is_a_checkpoint_with_the_same_gradient():
    f = lambda x: jax.numpy.tanh(x) * x  # noqa: E731
    g = kerasish.remat(f)
    assert re.search(r"\b(?:checkpoint|remat\w*)\[", str(jax.make_jaxpr(jax.grad(g))(0.3)))
    assert float(jax.grad(g)(0.3)) == float(jax.grad(f)(0.3))


def test_layers_created_outside_a_scope_and_bad_modes():
    with kerasish.RematScope(mode="full"):
        inside = layers.Dense(2)
        with kerasish.RematScope(mode=None):
            off = layers.Dense(2)
    after = layers.Dense(2)
    assert inside.remat_mode.mode == "full" and off.remat_mode is None
    assert after.remat_mode is None
    with pytest.raises(ValueError, match="unknown mode 'some'"):
        kerasish.RematScope(mode="some")
    with pytest.raises(ValueError, match="output_size_threshold"):
        kerasish.RematScope(mode="larger_than", output_size_threshold=-1)
