"""``callbacks.SwapEMAWeights`` against Keras 3: validation and evaluation use the
optimizer's moving averages; training goes on with the trained weights."""

import numpy as np
import pytest

import kerasish


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], "float32")) + 0.1


def _model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"),
                            lib.layers.Dense(1)])
    model.compile(optimizer=lib.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8),
                  loss="mse")
    return model


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_validation_and_weights_match_keras(keras, swap_on_epoch):
    x, y = _data()
    keras.utils.set_random_seed(0)
    theirs = _model(keras)
    ours = _model(kerasish)
    ours.set_weights(theirs.get_weights())
    fit = dict(batch_size=8, epochs=3, shuffle=False, verbose=0,
               validation_data=(x[:16], y[:16]))
    kh = theirs.fit(x, y, callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch)], **fit)
    oh = ours.fit(x, y, callbacks=[kerasish.callbacks.SwapEMAWeights(swap_on_epoch)], **fit)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(oh.history[key], kh.history[key], rtol=1e-5, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_validation_without_the_callback_uses_the_trained_weights(keras):
    x, y = _data()
    keras.utils.set_random_seed(0)
    theirs, ours = _model(keras), _model(kerasish)
    ours.set_weights(theirs.get_weights())
    fit = dict(batch_size=8, epochs=2, shuffle=False, verbose=0,
               validation_data=(x[:16], y[:16]))
    with_swap = _model(kerasish)
    with_swap.set_weights(theirs.get_weights())
    plain = ours.fit(x, y, **fit).history["val_loss"]
    swapped = with_swap.fit(x, y, callbacks=[kerasish.callbacks.SwapEMAWeights()],
                            **fit).history["val_loss"]
    np.testing.assert_allclose(plain, theirs.fit(x, y, **fit).history["val_loss"], rtol=1e-5)
    assert not np.allclose(plain, swapped)  # the averages differ from the weights


def test_evaluate_and_predict_swap_in_and_back():
    x, y = _data()
    model = _model(kerasish)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)  # ends with weights = averages
    before = model.get_weights()
    swap = kerasish.callbacks.SwapEMAWeights()
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, callbacks=[swap]),
                               model.evaluate(x, y, verbose=0), rtol=1e-6)
    model.predict(x, verbose=0, callbacks=[swap])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # swapped back after each call


def test_without_use_ema_it_is_refused():
    model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = _data()
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                  callbacks=[kerasish.callbacks.SwapEMAWeights()])
