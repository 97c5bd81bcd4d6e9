"""``ReversibleEmbedding``: an ``Embedding`` that can also project back, from
``output_dim`` vectors to ``input_dim`` logits (a language model's output head), with
the embedding matrix itself ("tied", the default) or with a matrix of its own.

>>> import numpy as np, kerasish
>>> layer = ReversibleEmbedding(input_dim=100, output_dim=8)
>>> hidden = layer(np.array([[4, 7, 9]]))
>>> hidden.shape, layer(hidden, reverse=True).shape
((1, 3, 8), (1, 3, 100))
"""

import math
import numbers

import jax.numpy as jnp

from kerasish import constraints
from kerasish.layers.base import set_keras_mask
from kerasish.layers.embedding import Embedding
from kerasish.variables import standardize_dtype


def _refuse_quantization(**values):
    for name, value in values.items():
        if value is not None:
            raise ValueError(
                f"ReversibleEmbedding: `{name}` (LoRA / quantization) is not supported by "
                f"kerasish, which has no quantized or low-rank weights. Leave it at None. "
                f"Received: {name}={value!r}")


def _soft_cap(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(
            "Received an invalid value for `logit_soft_cap`, expected a positive finite "
            f"number (logits become tanh(logits / cap) * cap) or None. Received: "
            f"logit_soft_cap={value!r}")
    return value


class ReversibleEmbedding(Embedding):
    """An ``Embedding`` whose ``call(inputs, reverse=True)`` maps vectors of size
    ``output_dim`` to ``input_dim`` logits: ``inputs @ embeddings.T`` when
    ``tie_weights=True``, else ``inputs @ reverse_embeddings`` (a second trainable
    weight, ``(output_dim, input_dim)``, drawn with ``embeddings_initializer``). No bias.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: size of each embedding vector.
        tie_weights: reuse ``embeddings`` for the reverse projection.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint: for
            ``embeddings`` (the regularizer and constraint not for ``reverse_embeddings``,
            as in Keras).
        mask_zero: id 0 is padding; the forward output carries the mask ``ids != 0``.
        reverse_dtype: the dtype of the reverse matmul (both operands are cast to it);
            None computes in the inputs' and weights' own dtypes.
        logit_soft_cap: if set, reverse logits become ``tanh(logits / cap) * cap``.
        **kwargs: ``name``, ``dtype``, ``trainable``, ``weights`` (``[embeddings]``, or
            ``[embeddings, reverse_embeddings]`` untied) ...

    As in Keras, float inputs are not cast to the layer's compute dtype and the weights
    are read in their own dtype (``autocast=False``); forward outputs are cast to the
    compute dtype.

    >>> import numpy as np
    >>> layer = ReversibleEmbedding(10, 4, tie_weights=False, logit_soft_cap=30.0)
    >>> layer(np.ones((2, 4), "float32"), reverse=True).shape
    (2, 10)
    >>> [w.name for w in layer.weights]
    ['embeddings', 'reverse_embeddings']
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        _refuse_quantization(**{k: kwargs.pop(k, None) for k in
                                ("quantization_config", "lora_rank", "lora_alpha")})
        # Set after the reverse weight exists (Keras's own `weights=` fails here).
        weights = kwargs.pop("weights", None)
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer, mask_zero=mask_zero,
                         **kwargs)
        if not isinstance(tie_weights, bool):
            raise ValueError(f"`tie_weights` must be True or False. Received: "
                             f"tie_weights={tie_weights!r}")
        self.tie_weights = tie_weights
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.reverse_dtype = None if reverse_dtype is None else standardize_dtype(reverse_dtype)
        self.logit_soft_cap = _soft_cap(logit_soft_cap)
        self.autocast = False  # Keras's Embedding: the ids' layer never autocasts
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
            name="embeddings")
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, name="reverse_embeddings")
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            outputs = super().call(inputs).astype(self.compute_dtype)
            # The mask is set here, not by compute_mask: a reverse call has none.
            mask = super().compute_mask(inputs)
            if mask is not None:
                set_keras_mask(outputs, mask)
            return outputs
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(
                f"Layer {self.name!r} (ReversibleEmbedding) with reverse=True expects inputs "
                f"whose last dimension is output_dim={self.output_dim}. Received input with "
                f"shape {tuple(inputs.shape)}.")
        kernel = self.embeddings.value.T if self.tie_weights else self.reverse_embeddings.value
        if self.reverse_dtype is not None:
            inputs, kernel = inputs.astype(self.reverse_dtype), kernel.astype(self.reverse_dtype)
        # As Keras's matmul: int8 @ int8 accumulates in int32.
        both_int8 = inputs.dtype == jnp.int8 and kernel.dtype == jnp.int8
        logits = jnp.matmul(inputs, kernel, preferred_element_type=jnp.int32 if both_int8
                            else None)
        if self.logit_soft_cap is not None:
            logits = jnp.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        return None  # `call` sets the forward mask itself

    def _output_structure_depends_on(self, kwargs):
        return True  # `reverse` changes the output: symbolic calls trace `call`

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*input_shape[:-1], self.input_dim)
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            embeddings_constraint=constraints.serialize(self.embeddings_constraint),
            tie_weights=self.tie_weights,
            reverse_dtype=self.reverse_dtype,
            logit_soft_cap=self.logit_soft_cap,
        )
        return config
