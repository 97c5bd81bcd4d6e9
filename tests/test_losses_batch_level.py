"""The engine's handling of losses that are not "one value per sample, labels shaped
like the output" (issue 17), in the fast tier: CTC, Circle and
CategoricalGeneralizedCrossEntropy labels pass the host checks (and bad ones are
refused with a clear message); a loss giving one value per batch (Dice/Tversky with
``axis=None``) reduces as Keras's ``reduce_weighted_values``; Dice, Tversky and Circle
leave the padding of a short last batch out (numbers equal Keras's on its short
batch); a user's whole-batch loss without that ability is refused on a padded batch
and equals Keras on whole batches. The three-epoch ``fit`` grids are in
tests/test_losses_fit.py (slow tier).
"""

import numpy as np
import pytest

import kerasish

N, N_IN, T, C = 21, 4, 5, 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N, N_IN)).astype("float32")
    cls = np.digitize(x[:, 0] - 0.5 * x[:, 2], [-0.6, 0.6]).astype("int32")
    ctc = np.zeros((N, 3), "int32")
    for i, n in enumerate(1 + (np.abs(x[:, 1]) > 0.7) + (np.abs(x[:, 3]) > 1.0)):
        ctc[i, :n] = 1 + (np.arange(n) + cls[i]) % (C - 1)
    ys = {"binary": (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32"), "sparse": cls,
          "ctc": ctc}
    sw = rng.uniform(0.1, 2.0, size=(N,)).astype("float32")
    return x, ys, sw


def _model(ns, loss, units, activation, sequence=False):
    layers = [ns.Input(shape=(N_IN,)), ns.layers.Dense(units, activation=activation)]
    if sequence:
        layers.append(ns.layers.Reshape((T, C)))
    if getattr(loss, "name", None) == "circle":  # unit-length embeddings, as it expects
        layers.append(ns.layers.UnitNormalization())
    model = ns.Sequential(layers)
    model.compile(loss=loss, optimizer=ns.optimizers.SGD(0.1))
    return model


def _pair(keras, name, kwargs, units, activation, sequence=False):
    keras.utils.set_random_seed(1)
    km = _model(keras, getattr(keras.losses, name)(**kwargs), units, activation, sequence)
    om = _model(kerasish, getattr(kerasish.losses, name)(**kwargs), units, activation,
                sequence)
    om.set_weights(km.get_weights())
    return km, om


# (loss, kwargs, target, units, activation): batches of 8 over 21 samples end with a
# batch of 5, padded to 8 by the engine. The slower Keras compilations (CTC, a second
# Circle) are in the slow tier.
def _eval_case(name, kwargs, target, units, activation, slow=False):
    return pytest.param(name, kwargs, target, units, activation,
                        id=f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items())}",
                        marks=[pytest.mark.slow] if slow else [])


EVALUATE_CASES = [
    _eval_case("Dice", {}, "binary", 1, "sigmoid"),
    _eval_case("Dice", {"reduction": "sum"}, "binary", 1, "sigmoid"),
    _eval_case("Tversky", {"alpha": 0.7, "beta": 0.3}, "binary", 1, "sigmoid"),
    _eval_case("Dice", {"axis": (0, 1)}, "binary", 1, "sigmoid"),
    _eval_case("Circle", {"gamma": 4.0}, "sparse", 3, "linear"),
    _eval_case("Circle", {"gamma": 4.0, "reduction": "sum", "remove_diagonal": False},
               "sparse", 3, "linear", slow=True),
    _eval_case("CategoricalGeneralizedCrossEntropy", {"q": 0.6}, "sparse", 3, "softmax"),
    _eval_case("CTC", {}, "ctc", T * C, "linear", slow=True),
]


@pytest.mark.parametrize("name,kwargs,target,units,activation", EVALUATE_CASES)
def test_evaluate_on_a_padded_last_batch_matches_keras(keras, data, name, kwargs, target,
                                                       units, activation):
    x, ys, sw = data
    km, om = _pair(keras, name, kwargs, units, activation, sequence=target == "ctc")
    y = ys[target]
    for weights in (None, sw):
        ours = om.evaluate(x, y, sample_weight=weights, batch_size=8, verbose=0)
        theirs = km.evaluate(x, y, sample_weight=weights, batch_size=8, verbose=0)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6,
                                   err_msg=f"sample_weight={'sw' if weights is not None else None}")


@pytest.mark.parametrize("name,kwargs,target,units,activation", [
    ("Dice", {}, "binary", 1, "sigmoid"),
    pytest.param("Circle", {"gamma": 4.0}, "sparse", 3, "linear", marks=pytest.mark.slow),
])
def test_one_epoch_with_a_padded_last_batch_matches_keras(keras, data, name, kwargs, target,
                                                          units, activation):
    x, ys, sw = data
    km, om = _pair(keras, name, kwargs, units, activation)
    fit = dict(batch_size=8, epochs=1, shuffle=False, verbose=0, sample_weight=sw)
    kh, oh = km.fit(x, ys[target], **fit), om.fit(x, ys[target], **fit)
    assert np.isfinite(kh.history["loss"]).all()
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-5)
    for ow, kw in zip(om.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(ow, kw, rtol=1e-5, atol=1e-6)


def test_dice_over_the_batch_is_one_value_times_the_mean_weight(data):
    """Hand-computed: Keras multiplies a whole-batch value by each sample's weight and
    divides by the batch size; without weights the value is the loss."""
    x, ys, sw = data
    model = _model(kerasish, kerasish.losses.Dice(), 1, "sigmoid")
    p, y = model.predict(x, verbose=0), ys["binary"]
    dice = 1 - 2 * np.sum(p * y) / (np.sum(p) + np.sum(y) + 1e-7)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=N, verbose=0), dice,
                               rtol=1e-5)
    np.testing.assert_allclose(
        model.evaluate(x, y, sample_weight=sw, batch_size=N, verbose=0),
        dice * sw.mean(), rtol=1e-5)


def _mean_square(ops):
    def mean_square(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred))  # one value for the whole batch
    return mean_square


def test_a_users_whole_batch_loss_equals_keras_on_whole_batches(keras, data):
    x, ys, _ = data
    keras.utils.set_random_seed(2)
    km = _model(keras, _mean_square(keras.ops), 1, "linear")
    om = _model(kerasish, _mean_square(kerasish.ops), 1, "linear")
    om.set_weights(km.get_weights())
    fit = dict(batch_size=7, epochs=2, shuffle=False, verbose=0)  # 21 = 3 x 7
    kh, oh = km.fit(x, ys["binary"], **fit), om.fit(x, ys["binary"], **fit)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-5)


def test_a_loss_of_neither_shape_is_refused(data):
    x, ys, _ = data
    model = _model(kerasish, lambda y_true, y_pred: kerasish.ops.mean(y_pred, axis=0), 3,
                   "linear")
    with pytest.raises(ValueError, match=r"values of shape \(3,\) for a batch of 7 samples"):
        model.evaluate(x, np.zeros((N, 3), "float32"), batch_size=7, verbose=0)


@pytest.mark.parametrize("name,units,sequence,y,match", [
    ("CTC", T * C, True, np.full((N, 3), C, "int32"),
     r"CTC expects class ids in \[0, 4\) \(0 is the blank\).*from 1 to 4"),
    ("CTC", T * C, True, np.ones((N, 3, 1), "int32"),
     r"CTC expects label sequences of shape \(n, max_label_length\)"),
    ("CTC", T * C, True, np.full((N, 3), 1.5, "float32"), "CTC expects integer class ids"),
    ("CTC", 3, False, np.ones((N, 3), "int32"), "logits of shape \\(n, time_steps, classes\\)"),
    ("CategoricalGeneralizedCrossEntropy", 3, False, np.eye(3, dtype="float32")[np.zeros(N, int)],
     r"one integer label per sample.*one-hot encoded: pass y.argmax\(-1\)"),
    ("CategoricalGeneralizedCrossEntropy", 3, False, np.full(N, 3, "int32"),
     r"class ids in \[0, 3\).*from 3 to 3"),
    ("Circle", 3, False, np.zeros((N, 2), "int32"), "Circle expects one integer label"),
    ("Circle", 3, False, np.full(N, 0.5, "float32"), "Circle expects integer labels"),
])
def test_bad_labels_are_refused_before_training(data, name, units, sequence, y, match):
    x, ys, _ = data
    y = y.copy()
    if name == "CTC" and y.ndim == 2 and y.dtype.kind == "i" and y.max() == C:
        y[:, 0] = 1  # ids from 1 to 4: one past the last class
    model = _model(kerasish, getattr(kerasish.losses, name)(), units, "linear", sequence)
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_needs_real_rows_names_the_losses_that_need_exact_batches():
    from kerasish.engine.programs import needs_real_rows

    shapes = [(None, 3)]
    assert needs_real_rows([kerasish.losses.LossFunctionWrapper(_mean_square(kerasish.ops))],
                           shapes)
    assert not needs_real_rows([kerasish.losses.MeanSquaredError()], shapes)
    assert not needs_real_rows([kerasish.losses.Dice()], shapes)  # leaves padding out itself
    assert not needs_real_rows([kerasish.losses.SparseCategoricalCrossentropy()], shapes)
    assert not needs_real_rows([None], shapes)


def test_a_users_whole_batch_loss_equals_keras_on_a_short_batch(keras, data):
    """The model host runs exact batches for such a loss (``programs.needs_real_rows``
    in ``host.needs_exact_batches``): the short last batch runs at its own size, so the
    user's mean is Keras's."""
    x, ys, _ = data
    keras.utils.set_random_seed(2)
    km = _model(keras, _mean_square(keras.ops), 1, "linear")
    om = _model(kerasish, _mean_square(kerasish.ops), 1, "linear")
    om.set_weights(km.get_weights())
    fit = dict(batch_size=8, epochs=2, shuffle=False, verbose=0)  # 21 = 8 + 8 + 5
    kh, oh = km.fit(x, ys["binary"], **fit), om.fit(x, ys["binary"], **fit)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(om.evaluate(x, ys["binary"], batch_size=8, verbose=0),
                               km.evaluate(x, ys["binary"], batch_size=8, verbose=0), rtol=1e-5)
