"""``Layer(autocast=False)`` under a mixed-precision policy, against Keras 3: what
dtype the layer's ``call`` sees for its input and its variable, alone and inside a
model (where Keras clears the model's autocast scope for such a layer)."""

import numpy as np
import pytest

import kerasish


def _probe_class(base):
    class Probe(base.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = []

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            w = self.w.value if hasattr(self.w, "value") else self.w
            w = base.ops.convert_to_tensor(self.w)
            self.seen.append((str(x.dtype), str(w.dtype)))
            return x * w

    return Probe


def _seen(base, autocast, inside_model):
    probe = _probe_class(base)(autocast=autocast)
    x = np.ones((2, 3), "float32")
    if inside_model:
        model = base.Sequential([base.Input((3,)), probe])
        out = model(x)
    else:
        out = probe(x)
    return probe.seen[-1], str(out.dtype)


@pytest.mark.parametrize("inside_model", [False, True])
@pytest.mark.parametrize("autocast", [True, False])
def test_autocast_false_matches_keras_under_mixed_float16(keras, autocast, inside_model):
    results = []
    for base in (kerasish, keras):
        base.mixed_precision.set_global_policy("mixed_float16")
        try:
            results.append(_seen(base, autocast, inside_model))
        finally:
            base.mixed_precision.set_global_policy("float32")
    assert results[0] == results[1]
    if not autocast and inside_model:
        assert results[0] == (("float32", "float32"), "float32")


def test_autocast_is_an_argument_not_a_refusal():
    layer = kerasish.layers.Dense(2, autocast=False)
    assert layer.autocast is False
    assert kerasish.layers.Dense(2).autocast is True
