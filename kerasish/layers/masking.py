"""``Masking``: time steps whose features all equal ``mask_value`` are skipped downstream.

>>> import numpy as np, kerasish
>>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
>>> layer = kerasish.layers.Masking(mask_value=0.0)
>>> np.asarray(layer.compute_mask(x))
array([[ True, False,  True]])
>>> np.asarray(kerasish.layers.GlobalAveragePooling1D()(layer(x)))  # mean of steps 0 and 2
array([[2., 1.]], dtype=float32)
"""

import jax.numpy as jnp
import numpy as np

from kerasish.layers.base import Layer


class Masking(Layer):
    """Masks a sequence ``(batch, steps, features)``: a step whose features all equal
    ``mask_value`` gets mask ``False`` (skipped by the layers after it that support
    masking) and output zeros; the other steps pass unchanged, mask ``True``.

    Args:
        mask_value: the feature value that marks a padded step.
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    >>> Masking(mask_value=0.0).compute_mask(x).tolist()
    [[True, False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        arr = np.asarray(mask_value)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                       or arr.dtype == bool):
            raise ValueError(
                "Masking `mask_value` must be a number (the padding value of the steps to "
                f"skip). Received: mask_value={mask_value!r}")
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros((), inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(mask_value=self.mask_value)
        return config
