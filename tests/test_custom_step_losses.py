"""A custom ``train_step`` that calls ``super().train_step`` counts each loss once, as
Keras: the compiled loss, the weights' regularization penalties and the activity
regularizers' (``add_loss``) values — histories equal Keras 3's."""

import numpy as np
import pytest

import kerasish

X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
Y = np.ones((16, 1), "float32")


def history(fw, custom, activity):
    class Custom(fw.Model):
        def train_step(self, *args):
            return super().train_step(*args)

        def test_step(self, *args):
            return super().test_step(*args)

    inputs = fw.Input((3,))
    outputs = fw.layers.Dense(1, kernel_regularizer="l1", kernel_initializer="ones",
                              activity_regularizer="l2" if activity else None)(inputs)
    model = (Custom if custom else fw.Model)(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    h = model.fit(X, Y, epochs=2, batch_size=16, verbose=0, shuffle=False,
                  validation_data=(X, Y))
    return h.history


@pytest.mark.parametrize("activity", [False, True], ids=["weights", "weights+activity"])
@pytest.mark.parametrize("custom", [False, True], ids=["builtin", "super_train_step"])
def test_regularization_counted_once(keras, custom, activity):
    theirs, ours = history(keras, custom, activity), history(kerasish, custom, activity)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, err_msg=key)


def test_batch_level_loss_through_super_train_step_equals_keras(keras):
    """A loss giving one value per batch (Dice, reduction="sum") through a custom
    ``train_step`` without sample weights: Keras's value, not n times it."""
    def run(fw):
        class Custom(fw.Model):
            def train_step(self, *args):
                return super().train_step(*args)

        inputs = fw.Input((3,))
        outputs = fw.layers.Dense(1, activation="sigmoid", kernel_initializer="ones")(inputs)
        model = Custom(inputs, outputs)
        model.compile(optimizer="sgd", loss=fw.losses.Dice(reduction="sum"))
        return model.fit(X, (X[:, :1] > 0).astype("float32"), epochs=2, batch_size=8,
                         verbose=0, shuffle=False).history["loss"]

    np.testing.assert_allclose(run(kerasish), run(keras), rtol=1e-6)
