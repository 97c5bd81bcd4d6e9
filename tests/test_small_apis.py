"""Small Keras names: layers.serialize/deserialize, models.save_model,
distribution.get_device_count, version() and device() — against Keras where it runs."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_layer_configs_move_between_kerasish_and_keras(keras):
    ours = layers.serialize(layers.Dense(3, activation="relu", name="d"))
    theirs = keras.layers.serialize(keras.layers.Dense(3, activation="relu", name="d"))
    assert ours["class_name"] == theirs["class_name"] == "Dense"
    assert keras.layers.deserialize(ours).get_config()["units"] == 3
    again = layers.deserialize(theirs)
    assert isinstance(again, layers.Dense) and again.activation.__name__ == "relu"


def test_deserialize_custom_objects_and_refusals():
    config = layers.serialize(Scale(3.0, name="s"))
    with pytest.raises((ValueError, TypeError), match="Scale"):
        layers.deserialize(config)
    layer = layers.deserialize(config, custom_objects={"Scale": Scale})
    assert isinstance(layer, Scale) and layer.factor == 3.0
    with pytest.raises(ValueError, match="not a layer"):
        layers.deserialize(kerasish.losses.serialize(kerasish.losses.MeanSquaredError()))


def test_models_save_model_is_saving_save_model(tmp_path):
    assert kerasish.models.save_model is kerasish.saving.save_model
    model = kerasish.Sequential([kerasish.Input((2,)), layers.Dense(1)])
    kerasish.models.save_model(model, tmp_path / "m.keras")
    np.testing.assert_allclose(kerasish.models.load_model(tmp_path / "m.keras").get_weights()[0],
                               model.get_weights()[0])


def test_get_device_count(keras):
    assert kerasish.distribution.get_device_count() == keras.distribution.get_device_count()
    assert kerasish.distribution.get_device_count(device_type="cpu") == len(
        jax.devices("cpu"))


def test_version_and_device():
    assert kerasish.version() == kerasish.__version__
    with kerasish.device("cpu:0"):
        y = kerasish.ops.ones((2,))
    assert next(iter(y.devices())).platform == "cpu"
    with pytest.raises(ValueError, match="out of range"):
        with kerasish.device("cpu:99"):
            pass
    with pytest.raises(ValueError, match="device_name"):
        with kerasish.device(3):
            pass


def test_variable_assign_add_and_sub_take_lists():
    from kerasish.variables import Variable

    v = Variable(np.array([1.0, 2.0]), name="w")
    v.assign_add([1.0, 1.0])
    v.assign_sub((0.5, 0.25))
    np.testing.assert_array_equal(v.numpy(), [1.5, 2.75])
