"""``InputSpec`` and the check every layer call makes against ``layer.input_spec``:
the same inputs are accepted and refused as by Keras 3 (each case run through both)."""

import numpy as np
import pytest

import kerasish

CASES = [
    # (spec kwargs, input shape, input dtype)
    (dict(ndim=3), (2, 4, 3), "float32"),
    (dict(ndim=3), (2, 4), "float32"),
    (dict(min_ndim=2), (2,), "float32"),
    (dict(min_ndim=2), (2, 3, 4), "float32"),
    (dict(max_ndim=2), (2, 3, 4), "float32"),
    (dict(axes={-1: 3}), (2, 3), "float32"),
    (dict(axes={-1: 3}), (2, 4), "float32"),
    (dict(ndim=2, axes={1: 3}), (5, 3), "float32"),
    (dict(shape=(None, 4)), (7, 4), "float32"),
    (dict(shape=(None, 4)), (7, 5), "float32"),
    (dict(shape=(None, 4, 1), allow_last_axis_squeeze=True), (7, 4), "float32"),
    (dict(shape=(None, 4), allow_last_axis_squeeze=True), (7, 4, 1), "float32"),
    (dict(shape=(None, 4), allow_last_axis_squeeze=True), (7, 5, 1), "float32"),
    (dict(dtype="int32"), (2, 3), "int32"),
    (dict(dtype="int32"), (2, 3), "float32"),
    (dict(dtype="float32"), (2, 3), "float64"),  # both cast floats to float32 first
]


def _layer_class(base):
    class Checked(base.layers.Layer):
        def __init__(self, spec, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = base.layers.InputSpec(**spec)

        def call(self, x):
            return x

    return Checked


@pytest.mark.parametrize("spec,shape,dtype", CASES)
def test_accepts_and_refuses_as_keras(keras, spec, shape, dtype):
    x = np.zeros(shape, dtype)
    verdicts = []
    for base in (kerasish, keras):
        try:
            _layer_class(base)(spec)(x)
            verdicts.append("accepted")
        except ValueError as e:
            verdicts.append("refused")
            if base is kerasish:
                assert "does not match its InputSpec" in str(e) and str(shape) in str(e)
    assert verdicts[0] == verdicts[1]


def test_symbolic_calls_are_checked_and_the_message_says_what_and_where():
    layer = _layer_class(kerasish)(dict(ndim=3, axes={-1: 2}), name="pairs")
    with pytest.raises(ValueError, match=r"Input 0 of layer 'pairs'.*rank 3.*\(None, 5\)"):
        layer(kerasish.Input((5,)))
    assert layer(kerasish.Input((4, 2))).shape == (None, 4, 2)


def test_several_inputs_by_list_and_by_name():
    class Two(kerasish.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = [kerasish.layers.InputSpec(ndim=2, name="a"),
                               kerasish.layers.InputSpec(ndim=3, name="b")]

        def call(self, inputs):
            return inputs

    two = Two(name="two")
    two([np.zeros((2, 3)), np.zeros((2, 3, 4))])
    two({"a": np.zeros((2, 3)), "b": np.zeros((2, 3, 4))})
    with pytest.raises(ValueError, match="expects 2 input"):
        two([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"no \['b'\]"):
        two({"a": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="Input 1 of layer 'two'.*rank 3"):
        two([np.zeros((2, 3)), np.zeros((2, 3))])
    two.input_spec[1] = kerasish.layers.InputSpec(ndim=3, name="b", optional=True)
    two([np.zeros((2, 3)), None])  # an optional input may be None
    two.input_spec[1] = kerasish.layers.InputSpec(ndim=3, name="b")
    with pytest.raises(ValueError, match="Input 1 of layer 'two' must be a tensor"):
        two([np.zeros((2, 3)), None])


def test_config_round_trip_and_repr(keras):
    spec = kerasish.InputSpec(dtype="float32", shape=(None, 8), axes={1: 8})
    again = kerasish.layers.InputSpec.from_config(spec.get_config())
    assert again.get_config() == spec.get_config()
    theirs = keras.InputSpec(dtype="float32", shape=(None, 8), axes={1: 8})
    assert repr(spec) == repr(theirs)
    assert spec.get_config() == {k: (tuple(v) if isinstance(v, list) else v)
                                 for k, v in theirs.get_config().items()}
    with pytest.raises(TypeError, match="integer axes"):
        kerasish.InputSpec(axes={"x": 1})
    with pytest.raises(ValueError, match="out of range"):
        kerasish.InputSpec(ndim=2, axes={2: 1})
