"""Every loss class of tests/test_losses_more.py trained by ``fit`` against Keras 3's
``fit``: three epochs, ``shuffle=False``, 50 samples in batches of 16 (a short last
batch), with and without ``sample_weight``; then History, weights, ``predict`` and
``evaluate`` (with and without sample weights) must agree within 1e-4 (1e-5 before
training). Both models start from Keras's initial weights. The pattern of
``test_parity_gaps.test_fit_evaluate_and_history_match_keras``, for this area's losses.
"""

import numpy as np
import pytest

import kerasish

N, N_IN, BATCH, EPOCHS = 50, 4, 16, 3
T, C = 5, 4  # CTC: time steps and classes (0 is the blank)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(N, N_IN)).astype("float32")
    cls = np.digitize(x[:, 0] - 0.5 * x[:, 2], [-0.6, 0.6]).astype("int32")
    regression = (x @ np.array([[0.5, -1.0], [1.0, 0.2], [0.0, 0.3], [-0.7, 0.0]])
                  ).astype("float32")
    lengths = 1 + (np.abs(x[:, 1]) > 0.7) + (np.abs(x[:, 3]) > 1.0)
    ctc = np.zeros((N, 3), "int32")
    for i, n in enumerate(lengths):
        ctc[i, :n] = 1 + (np.arange(n) + cls[i]) % (C - 1)
    ys = {
        "binary": (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32"),
        "onehot": np.eye(3, dtype="float32")[cls],
        "sparse": cls,
        "regression": regression,
        "positive": np.abs(regression),
        "counts": rng.poisson(np.exp(0.3 * regression)).astype("float32"),
        "ctc": ctc,
    }
    sw = rng.uniform(0.1, 2.0, size=(N,)).astype("float32")
    return x, ys, sw


def _case(loss, target, units, activation, optimizer, sample_weight, by_name=None,
          batch_size=BATCH):
    case = dict(loss=loss, target=target, units=units, activation=activation,
                optimizer=optimizer, sample_weight=sample_weight, by_name=by_name,
                batch_size=batch_size)
    logits = "logits" if loss[1].get("from_logits") else "probs"
    return pytest.param(case, id=f"{loss[0]}-{logits}-{'sw' if sample_weight else 'nosw'}"
                                 f"-{optimizer[0]}{'-' + by_name if by_name else ''}")


SGD = ("SGD", {"learning_rate": 0.05, "momentum": 0.9})
ADAM = ("Adam", {"learning_rate": 0.01})
RMS = ("RMSprop", {"learning_rate": 0.01})
FIT_CASES = [
    _case(("Hinge", {}), "binary", 1, "linear", SGD, True),
    _case(("SquaredHinge", {}), "binary", 1, "tanh", RMS, False),
    _case(("CategoricalHinge", {}), "onehot", 3, "linear", ADAM, True),
    _case(("KLDivergence", {}), "onehot", 3, "softmax", ADAM, False, by_name="kld"),
    _case(("Poisson", {}), "counts", 2, "softplus", SGD, True, by_name="poisson"),
    _case(("LogCosh", {}), "regression", 2, "linear", RMS, True),
    _case(("CosineSimilarity", {}), "regression", 2, "linear", ADAM, False),
    _case(("MeanAbsolutePercentageError", {}), "regression", 2, "linear", ADAM, True,
          by_name="mape"),
    _case(("MeanSquaredLogarithmicError", {}), "positive", 2, "softplus", RMS, False,
          by_name="msle"),
    _case(("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4}),
          "binary", 1, "sigmoid", SGD, True),
    _case(("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 1.5,
                                       "label_smoothing": 0.1}),
          "binary", 1, "linear", ADAM, False),
    _case(("CategoricalFocalCrossentropy", {}), "onehot", 3, "softmax", RMS, True),
    _case(("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.5}), "onehot", 3,
          "linear", SGD, False),
    _case(("Dice", {"axis": -1}), "binary", 1, "sigmoid", ADAM, True),
    _case(("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": -1}), "binary", 1, "sigmoid", RMS,
          False),
    _case(("CategoricalGeneralizedCrossEntropy", {"q": 0.7}), "sparse", 3, "softmax", ADAM,
          True),
    _case(("CTC", {}), "ctc", T * C, "linear", ADAM, True),
    # Losses that mix the rows of a batch (Dice/Tversky over the whole batch, Circle's
    # pairs), on whole batches of 10; test_batch_level_losses_on_a_short_last_batch
    # covers a padded last batch.
    _case(("Dice", {}), "binary", 1, "sigmoid", SGD, False, batch_size=10),
    _case(("Tversky", {}), "binary", 1, "sigmoid", ADAM, False, batch_size=10),
    _case(("Circle", {"gamma": 4.0}), "sparse", 3, "linear", SGD, False, batch_size=10),
]


def _build(ns, name, kwargs, group):
    return getattr(getattr(ns, group), name)(**kwargs)


def _fit_model(ns, case):
    layers = [ns.Input(shape=(N_IN,)), ns.layers.Dense(6, activation="tanh"),
              ns.layers.Dense(case["units"], activation=case["activation"])]
    if case["target"] == "ctc":
        layers.append(ns.layers.Reshape((T, C)))
    if case["loss"][0] == "Circle":  # unit-length embeddings, as the loss expects
        layers.append(ns.layers.UnitNormalization())
    model = ns.Sequential(layers)
    loss = case["by_name"] or _build(ns, *case["loss"], "losses")
    model.compile(loss=loss, optimizer=_build(ns, *case["optimizer"], "optimizers"))
    return model


def _close(ours, theirs, msg="", rtol=1e-5, atol=1e-6):
    # NaN equals NaN for assert_allclose: a case that diverges would compare nothing.
    assert np.isfinite(np.asarray(theirs)).all(), f"{msg}: Keras's values are not finite"
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol,
                               err_msg=msg)


def _compare_with_keras(keras, data, case):
    x, ys, sw = data
    y = ys[case["target"]]
    keras.utils.set_random_seed(0)
    km = _fit_model(keras, case)
    om = _fit_model(kerasish, case)
    om.set_weights(km.get_weights())
    _close(om.predict(x, verbose=0), km.predict(x, verbose=0), "forward pass before training")

    kwargs = dict(batch_size=case["batch_size"], epochs=EPOCHS, shuffle=False, verbose=0,
                  sample_weight=sw if case["sample_weight"] else None)
    kh, oh = km.fit(x, y, **kwargs), om.fit(x, y, **kwargs)
    assert list(oh.history) == list(kh.history)
    for key in kh.history:
        _close(oh.history[key], kh.history[key], f"History[{key!r}]", rtol=1e-4)
    for ow, kw in zip(om.get_weights(), km.get_weights(), strict=True):
        _close(ow, kw, "weights after fit", rtol=1e-4)
    _close(om.predict(x, verbose=0), km.predict(x, verbose=0), "predict after fit", rtol=1e-4)
    evaluate = dict(batch_size=case["batch_size"], verbose=0)
    _close(om.evaluate(x, y, **evaluate), km.evaluate(x, y, **evaluate), "evaluate()",
           rtol=1e-4)
    _close(om.evaluate(x, y, sample_weight=sw, **evaluate),
           km.evaluate(x, y, sample_weight=sw, **evaluate), "evaluate(sample_weight=...)",
           rtol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_evaluate_and_history_match_keras(keras, data, case):
    _compare_with_keras(keras, data, case)


# The losses that mix the rows of a batch, on batches of 16: the last batch (2 rows) is
# padded to 16 with zero-weight rows, which the engine leaves out of the loss itself
# (LossTerm.rows: Dice/Tversky zero the padded rows' labels and predictions, Circle
# leaves them out of every pair), so the numbers are Keras's for its 2-row batch.
SHORT_LAST_BATCH = [
    _case(("Dice", {}), "binary", 1, "sigmoid", SGD, True),
    _case(("Tversky", {"alpha": 0.7, "beta": 0.3}), "binary", 1, "sigmoid", ADAM, False),
    _case(("Dice", {"axis": (0, 1)}), "binary", 1, "sigmoid", RMS, False),
    _case(("Circle", {"gamma": 4.0}), "sparse", 3, "linear", SGD, True),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", SHORT_LAST_BATCH)
def test_batch_level_losses_on_a_short_last_batch(keras, data, case):
    _compare_with_keras(keras, data, case)
