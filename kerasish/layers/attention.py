"""``Attention`` (Luong-style dot-product or concat scores) and ``AdditiveAttention``
(Bahdanau-style), called on ``[query, value]`` or ``[query, value, key]`` as in Keras.

>>> import numpy as np, kerasish
>>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
>>> kerasish.layers.Attention()([q, v]).shape
(2, 3, 4)
>>> out, scores = kerasish.layers.AdditiveAttention()([q, v], return_attention_scores=True)
>>> scores.shape
(2, 3, 5)
"""

import jax
import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.layers.regularization import Dropout


class Attention(Layer):
    """Dot-product attention: ``softmax(query @ key^T) @ value``.

    ``score_mode="dot"`` scores with ``query @ key^T`` (times a learned scalar
    ``scale`` with ``use_scale=True``); ``score_mode="concat"`` with
    ``concat_score_weight * sum(tanh(scale * (query + key)))``. The value's mask (or
    ``use_causal_mask``) removes keys; the query's mask zeroes the output rows and is
    the output's mask. Masks come from the inputs (``Embedding(mask_zero=True)``) or
    ``mask=[query_mask, value_mask]``.

    Args:
        use_scale: learn a scalar ``scale`` for the scores.
        score_mode: ``"dot"`` or ``"concat"``.
        dropout: dropout rate on the attention weights (training only).
        seed: seed of the dropout.

    >>> import numpy as np, kerasish
    >>> q = np.array([[[1.0, 0.0]]], "float32")
    >>> v = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    >>> np.round(np.asarray(kerasish.layers.Attention()([q, v])), 4)
    array([[[0.7311, 0.2689]]], dtype=float32)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ValueError("Received an invalid value for argument `dropout`, expected a "
                             f"float in [0, 1]. Received: dropout={dropout!r}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = dropout, seed
        self._dropout_layer = Dropout(dropout, seed=seed) if dropout > 0 else None

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] "
                f"or [query, value, key]. Received: inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] "
                f"or [query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def build(self, input_shape):
        self._validate_inputs(list(input_shape))
        self.scale = self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def __call__(self, inputs=None, *args, **kwargs):
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        self._validate_inputs(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _output_structure_depends_on(self, kwargs):
        return bool(kwargs.get("return_attention_scores"))

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            return scores * self.scale.value if self.scale is not None else scores
        summed = jnp.expand_dims(query, -2) + jnp.expand_dims(key, -3)
        if self.scale is not None:
            summed = self.scale.value * summed
        return self.concat_score_weight.value * jnp.sum(jnp.tanh(summed), axis=-1)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._scores(query, key)
        if v_mask is not None:
            v_mask = jnp.asarray(v_mask).astype(bool)
        if use_causal_mask:
            t, s = scores.shape[-2], scores.shape[-1]
            causal = (jnp.arange(t)[:, None] >= jnp.arange(s)[None, :])[None]
            v_mask = causal if v_mask is None else jnp.logical_and(
                jnp.expand_dims(v_mask, -2), causal)
        if v_mask is not None:
            keep = jnp.expand_dims(v_mask, -2) if v_mask.ndim == 2 else v_mask
            big = 65504.0 if scores.dtype == jnp.float16 else 1.0e9
            scores = jnp.where(keep, scores, scores - big)  # Keras subtracts, not replaces
        weights = jax.nn.softmax(scores, axis=-1)
        used = weights
        if training and self._dropout_layer is not None:
            used = self._dropout_layer(weights, training=True)
        output = jnp.matmul(used, value)
        if q_mask is not None:
            output = jnp.where(jnp.expand_dims(jnp.asarray(q_mask).astype(bool), -1),
                               output, jnp.zeros((), output.dtype))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        """The query's mask (``mask[0]``), or None."""
        if mask is None or mask[0] is None:
            return None
        return jnp.asarray(mask[0])

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores ``sum(scale * tanh(query + key))``
    over the features, ``scale`` a learned vector of the query's last size
    (``use_scale=True``) or 1. Masks and outputs as :class:`Attention`.

    Args:
        use_scale: learn the per-feature ``scale`` (glorot-uniform initialised).
        dropout: dropout rate on the attention weights (training only).
        seed: seed of the dropout (a keyword argument, as in Keras).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.AdditiveAttention()
    >>> layer([np.ones((1, 2, 3)), np.ones((1, 4, 3))]).shape, layer.scale.shape
    ((1, 2, 3), (3,))
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(list(input_shape))
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(tuple(input_shape[0])[-1],),
                                         initializer="glorot_uniform")
        self.built = True

    def _scores(self, query, key):
        scale = self.scale.value if self.scale is not None else 1.0
        summed = jnp.tanh(jnp.expand_dims(query, -2) + jnp.expand_dims(key, -3))
        return jnp.sum(scale * summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
