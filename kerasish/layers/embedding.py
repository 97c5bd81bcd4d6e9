"""``Embedding`` (integer ids -> learned vectors) and ``Rescaling`` (``x * scale + offset``).

>>> import numpy as np, kerasish
>>> emb = kerasish.layers.Embedding(input_dim=10, output_dim=3)
>>> emb(np.array([[1, 2, 2, 9]])).shape, emb.embeddings.shape
((1, 4, 3), (10, 3))
>>> np.asarray(kerasish.layers.Rescaling(1 / 16)(np.array([0, 8, 16])))
array([0. , 0.5, 1. ], dtype=float32)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import initializers, regularizers
from kerasish.layers.base import Layer


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r} "
            f"(of type {type(value).__name__})."
        )
    return int(value)


class Embedding(Layer):
    """Maps each integer id in ``[0, input_dim)`` to a row of ``embeddings``
    ``(input_dim, output_dim)``: output shape is ``input_shape + (output_dim,)``.

    Inputs are taken as integers (float inputs are cast to int32, as in Keras). Ids
    out of range are refused with an error when the input is a concrete array.
    With ``mask_zero=True`` id 0 is padding: the output carries the mask ``ids != 0``
    for the layers after it (``GlobalAveragePooling1D`` averages the real steps only).

    >>> import numpy as np
    >>> layer = Embedding(input_dim=10, output_dim=4)
    >>> layer(np.array([[1, 2, 0]])).shape
    (1, 3, 4)
    >>> Embedding(10, 4, mask_zero=True).compute_mask(np.array([[1, 2, 0]])).tolist()
    [[True, True, False]]
    """

    _autocast_inputs = False  # ids stay integers; never cast to floatx

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, activity_regularizer=None, quantization_config=None, **kwargs):
        kwargs.pop("input_length", None)  # deprecated in Keras 3, ignored there too
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int("input_dim", input_dim)
        self.output_dim = _positive_int("output_dim", output_dim)
        unsupported = {"embeddings_constraint": embeddings_constraint,
                       "quantization_config": quantization_config}
        given = [k for k, v in unsupported.items() if v is not None]
        if given:
            raise NotImplementedError(
                f"Embedding: {', '.join(given)} not supported yet by kerasish "
                "(no constraints or quantization). Leave them as None.")
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, name="embeddings")
        self.built = True

    def call(self, inputs):
        ids = jnp.asarray(inputs)
        if not jnp.issubdtype(ids.dtype, jnp.integer):
            ids = ids.astype("int32")
        if not isinstance(ids, jax.core.Tracer):
            self.check_ids(ids)
        return jnp.take(self.embeddings.value, ids, axis=0)

    def check_ids(self, ids):
        """Refuse ids outside ``[0, input_dim)`` (a vocabulary larger than the layer):
        inside a compiled step they would silently look up nothing (JAX fills
        out-of-range gathers). ``fit`` checks the training ids with this first.

        >>> import numpy as np
        >>> Embedding(10, 2, name="emb").check_ids(np.array([[3, 12]]))
        Traceback (most recent call last):
        ...
        ValueError: Layer 'emb' (Embedding) received id 12, but ids must be in [0, input_dim=10). Increase input_dim to cover every id (vocabulary size), or map the ids into range first.
        """
        ids = np.asarray(ids)
        if not ids.size:
            return
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= self.input_dim:
            bad = low if low < 0 else high
            raise ValueError(
                f"Layer {self.name!r} (Embedding) received id {bad}, but ids must be in "
                f"[0, input_dim={self.input_dim}). Increase input_dim to cover every id "
                "(vocabulary size), or map the ids into range first."
            )

    def compute_mask(self, inputs, mask=None):
        """With ``mask_zero=True``, id 0 is padding: the mask is ``inputs != 0``."""
        if not self.mask_zero:
            return None
        return jnp.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            input_dim=self.input_dim,
            output_dim=self.output_dim,
            embeddings_initializer=initializers.serialize(self.embeddings_initializer),
            embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
            activity_regularizer=regularizers.serialize(self.activity_regularizer),
            embeddings_constraint=None,
            mask_zero=self.mask_zero,
            quantization_config=None,
        )
        return config


class Rescaling(Layer):
    """``inputs * scale + offset``, in the layer's compute dtype: e.g. ``Rescaling(1 / 255)``
    for pixel values, or ``Rescaling(1 / 127.5, offset=-1)`` for ``[-1, 1]``.

    ``scale`` and ``offset`` may be per-channel sequences (they broadcast over the
    last axis).

    >>> import numpy as np
    >>> Rescaling(1 / 127.5, offset=-1)(np.array([0.0, 127.5, 255.0])).tolist()
    [-1.0, 0.0, 1.0]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("scale", scale), ("offset", offset)):
            arr = np.asarray(value)
            if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
                raise ValueError(
                    f"Rescaling `{name}` must be a number or a sequence of numbers. "
                    f"Received: {name}={value!r}")
        self.scale, self.offset = scale, offset
        self.supports_masking = True  # as in Keras: element-wise, the mask passes

    def call(self, inputs):
        dtype = self.compute_dtype
        return inputs.astype(dtype) * jnp.asarray(self.scale, dtype) + jnp.asarray(self.offset,
                                                                                   dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()

        def plain(v):
            return np.asarray(v).tolist() if not isinstance(v, (int, float)) else v

        config.update(scale=plain(self.scale), offset=plain(self.offset))
        return config
