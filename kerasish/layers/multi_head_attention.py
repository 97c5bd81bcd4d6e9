"""``MultiHeadAttention``: Keras 3's multi-head (dot-product) attention.

Weights live in four projection sub-layers named as in Keras (``query``, ``key``,
``value``, ``attention_output``; ``gate`` with ``use_gate=True``), each a ``kernel``
and a ``bias`` with Keras's ``EinsumDense`` shapes: ``(dim, num_heads, key_dim)`` for
the input projections, ``(num_heads, value_dim, out)`` for the output one. Saved
weights (``query_dense/vars/0`` ...) and configs move between Keras and kerasish.

>>> import numpy as np, kerasish
>>> mha = kerasish.layers.MultiHeadAttention(num_heads=2, key_dim=4)
>>> x = np.ones((3, 5, 8), "float32")
>>> mha(x, x).shape, mha.query_dense.kernel.shape
((3, 5, 8), (8, 2, 4))
>>> out, scores = mha(x, x, return_attention_scores=True)
>>> scores.shape
(3, 2, 5, 5)
"""

import math
import string

import jax
import jax.numpy as jnp

from kerasish import constraints, initializers, regularizers
from kerasish.layers.base import Layer, _shape_of
from kerasish.layers.regularization import Dropout
from kerasish.layers.rnn_cells import adopt, set_paths


def _positive_int(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        expected = "a positive integer or `None`" if allow_none else "a positive integer"
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected {expected}. "
            f"Received: {name}={value!r}")
    return value


class _Projection(Layer):
    """Keras's ``EinsumDense`` as multi-head attention uses it: the last ``bound``
    axes of the input are contracted with the kernel ``bound_dims + out_dims``; the
    bias has the shape ``out_dims``."""

    def __init__(self, bound, out_dims, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint,
                 activation=None, **kwargs):
        super().__init__(**kwargs)
        # Keras clears the inputs' masks before projecting; the attention applies them.
        # Passing them through (unused) keeps the "mask destroyed" warning away.
        self.supports_masking = True
        self.bound, self.out_dims, self.use_bias = bound, tuple(out_dims), use_bias
        self.activation = activation
        self._init = (kernel_initializer, bias_initializer)
        self._reg = (kernel_regularizer, bias_regularizer)
        self._con = (kernel_constraint, bias_constraint)

    def build(self, input_shape):
        bound_dims = tuple(input_shape[-self.bound:])
        if any(d is None for d in bound_dims):
            raise ValueError(
                f"Layer {self.name!r} needs known sizes on its last {self.bound} input "
                f"axes. Received input shape {tuple(input_shape)}.")
        # Keras gives each projection its own copy of the initializer.
        clone = lambda i: type(i).from_config(i.get_config())  # noqa: E731
        self.kernel = self.add_weight(
            shape=bound_dims + self.out_dims, initializer=clone(self._init[0]),
            regularizer=self._reg[0], constraint=self._con[0], name="kernel")
        self.bias = self.add_weight(
            shape=self.out_dims, initializer=clone(self._init[1]), regularizer=self._reg[1],
            constraint=self._con[1], name="bias") if self.use_bias else None
        self.built = True

    def call(self, inputs):
        y = jnp.tensordot(inputs, self.kernel.value, axes=self.bound)
        if self.bias is not None:
            y = y + self.bias.value
        return jax.nn.sigmoid(y) if self.activation == "sigmoid" else y


def _letters(n, start=0):
    return string.ascii_lowercase[start:start + n]


def attention_equations(rank, attention_axes):
    """The einsum equations of the scores and of the combination, for projected
    tensors of ``rank`` axes ``(batch, ..., heads, channels)``: every axis that is
    neither attended over nor the channels is a batch axis of the product, and the
    scores are ``(batch axes..., query attention axes..., key attention axes...)``."""
    target = _letters(rank)
    source = list(target)
    extra = iter(_letters(len(attention_axes), rank))
    for axis in attention_axes:
        source[axis] = next(extra)
    source = "".join(source)
    batch = [i for i in range(rank - 1) if i not in attention_axes]
    product = "".join([target[i] for i in batch] + [target[i] for i in attention_axes]
                      + [source[i] for i in attention_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), with Keras 3's arguments, weights
    and numbers.

    ``query`` ``(B, T, dim)`` and ``value``/``key`` ``(B, S, dim)`` are projected to
    ``num_heads`` heads of ``key_dim`` (``value_dim`` for values); each head attends
    with ``softmax(q k^T / sqrt(key_dim))``; the heads are projected back to the
    query's last size (or ``output_shape``).

    Masks: the Keras masks of ``query`` and ``value`` (and ``key``) — e.g. from
    ``Embedding(mask_zero=True)`` — are combined with ``attention_mask`` ``(B, T, S)``,
    ``use_causal_mask`` and ``sliding_window`` exactly as Keras does, and the output
    keeps the query's mask. As in Keras on JAX, when there is no dropout and no scores
    are returned the attention runs through ``jax.nn.dot_product_attention`` (a query
    row with every key masked then averages the values; with the explicit softmax, as
    when scores are returned, such a row is zero).

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        output_shape: output size(s) besides batch and sequence axes (int or tuple).
        attention_axes: axes attended over (default: all but batch, heads, features).
        sliding_window: a query attends only to keys less than this many steps away.
        flash_attention: ``True`` asks for the cuDNN kernel (GPU only; no dropout, no
            returned scores), ``False``/``None`` the XLA one.
        kernel_initializer: for every projection; so are ``bias_initializer``,
            ``kernel_regularizer``, ``bias_regularizer``, ``activity_regularizer``,
            ``kernel_constraint`` and ``bias_constraint``.
        use_gate: multiply the heads by ``sigmoid(gate(query))`` before the output
            projection (Keras's gated attention).
        seed: seed of the dropout.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=6)
    >>> q, v = np.ones((2, 4, 5), "float32"), np.ones((2, 7, 5), "float32")
    >>> layer(q, v).shape
    (2, 4, 6)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        _positive_int("num_heads", num_heads)
        _positive_int("key_dim", key_dim)
        _positive_int("value_dim", value_dim, allow_none=True)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ValueError(
                "Received an invalid value for argument `dropout`, expected a float in "
                f"[0, 1]. Received: dropout={dropout!r}")
        self._dropout = dropout
        self._use_bias, self._use_gate = bool(use_bias), bool(use_gate)
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(int(d) for d in output_shape)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the "
                    "`output_shape` should be of type tuple, list, or int.") from None
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        _positive_int("sliding_window", sliding_window, allow_none=True)
        self._sliding_window = sliding_window
        if flash_attention not in (None, True, False):
            raise ValueError("`flash_attention` must be None, True or False. Received: "
                             f"flash_attention={flash_attention!r}")
        self._flash_attention = bool(flash_attention)
        if self._flash_attention and self._dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. Please set "
                "dropout to 0.0 to use flash attention.")
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    # -- building ------------------------------------------------------------------
    def _projection(self, name, bound, out_dims, activation=None):
        layer = _Projection(
            bound, out_dims, self._use_bias, self._kernel_initializer,
            self._bias_initializer, self._kernel_regularizer, self._bias_regularizer,
            self._kernel_constraint, self._bias_constraint, activation=activation,
            activity_regularizer=self._activity_regularizer, name=name,
            dtype=self.dtype_policy.name)
        adopt(self.name, layer)
        return layer

    # Where each projection lives: Keras's saved paths are these attribute names.
    _ATTRS = {"query": "query_dense", "key": "key_dense", "value": "value_dense",
              "gate": "_gate_dense", "output": "output_dense"}

    def _sub(self, part):
        return getattr(self, self._ATTRS[part])

    def _heads(self):
        """(query heads, key/value heads, key size, value size) per head."""
        return self._num_heads, self._num_heads, self._key_dim, self._value_dim

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}")
        q_heads, kv_heads, key_dim, value_dim = self._heads()
        parts = [("query", q_heads, key_dim, query_shape, None),
                 ("key", kv_heads, key_dim, key_shape, None)]
        if self._use_gate:
            parts.append(("gate", q_heads, value_dim, query_shape, "sigmoid"))
        parts.append(("value", kv_heads, value_dim, value_shape, None))
        for part, heads, size, shape, activation in parts:  # Keras's build order
            layer = self._projection(part, 1, (heads, size), activation)
            setattr(self, self._ATTRS[part], layer)
            layer._maybe_build(tuple(shape))
        rank = len(query_shape) + 1  # projected: (batch, ..., heads, channels)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a
                                         for a in self._attention_axes)
        self._dot_equation, self._combine_equation, scores_rank = attention_equations(
            rank, self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._dropout_layer = Dropout(self._dropout, seed=self.seed,
                                      dtype=self.dtype_policy.name)
        adopt(self.name, self._dropout_layer)
        out = self._output_shape or (query_shape[-1],)
        layer = self._projection("attention_output", 2, out)
        setattr(self, self._ATTRS["output"], layer)
        layer._maybe_build(tuple(query_shape[:-1]) + (q_heads, value_dim))
        set_paths(self)
        self.built = True

    def __call__(self, *args, **kwargs):
        given = self._call_signature.bind_partial(*args, **kwargs).arguments
        if not self.built and "query" in given and "value" in given:
            key = given.get("key")
            self.build(_shape_of(given["query"]), _shape_of(given["value"]),
                       None if key is None else _shape_of(key))
        return super().__call__(*args, **kwargs)

    # -- the computation -------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if key is None:
            key = value
        # Keras reads the query's mask off the tensor; an explicit `query_mask` is used
        # here too (Keras 3.15 overwrites it with the tensor's own mask).
        causal_only = (use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None
                       and self._sliding_window is None)
        if not causal_only:
            attention_mask = self._attention_mask(query, value, query_mask, value_mask,
                                                  key_mask, attention_mask, use_causal_mask)
        gate = self._sub("gate")(query) if self._use_gate else None
        q = self._sub("query")(query)
        k, v = self._sub("key")(key), self._sub("value")(value)
        q_heads, kv_heads = self._heads()[:2]
        if q_heads != kv_heads:  # grouped-query attention: each key/value head serves
            k = jnp.repeat(k, q_heads // kv_heads, axis=2)  # a group of query heads
            v = jnp.repeat(v, q_heads // kv_heads, axis=2)
        output, scores = self._attend(q, k, v, attention_mask, training,
                                      return_attention_scores, causal_only)
        if gate is not None:
            output = output * gate
        output = self._sub("output")(output)
        if return_attention_scores:
            return output, scores
        return output

    def _attend(self, q, k, v, attention_mask, training, return_scores, causal_only):
        if self._flash_attention and return_scores:
            raise ValueError(
                "Returning attention scores is not supported when flash attention is "
                "enabled. Please disable flash attention to access attention scores.")
        if not (self._dropout > 0.0 or return_scores or q.ndim != 4
                or q.shape[-1] != v.shape[-1]):
            # (Keras 3.15 fails there when value_dim != key_dim; the explicit
            # softmax below gives its numbers.)
            # Keras on JAX: the fused kernel (XLA's; cuDNN's with flash_attention).
            mask = None
            if attention_mask is not None:
                mask = attention_mask
                while mask.ndim < 4:
                    mask = jnp.expand_dims(mask, -3)
                mask = mask.astype(bool)
            try:
                out = jax.nn.dot_product_attention(
                    q, k, v, mask=mask, scale=self._inverse_sqrt_key_dim,
                    is_causal=causal_only,
                    implementation="cudnn" if self._flash_attention else "xla")
            except RuntimeError as err:
                if not self._flash_attention:
                    raise
                raise RuntimeError(
                    f"Layer {self.name!r}: flash_attention=True asks for cuDNN's fused "
                    f"attention kernel, which is not available here ({err}). Pass "
                    "flash_attention=None (XLA's kernel), or run on a GPU with cuDNN.") \
                    from err
            return out, None
        if causal_only:
            attention_mask = self._causal_mask(q, v)
        q = q * jnp.asarray(self._inverse_sqrt_key_dim, q.dtype)
        scores = jnp.einsum(self._dot_equation, k, q)
        if attention_mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            while attention_mask.ndim < scores.ndim:
                attention_mask = jnp.expand_dims(attention_mask, axis)
            attention_mask = attention_mask.astype(bool)
            # Keras's masked Softmax: -1e9 (-3e4 in float16) where masked, then 0 there.
            big = -3e4 if scores.dtype == jnp.float16 else -1e9
            scores = jnp.where(attention_mask, scores, jnp.asarray(big, scores.dtype))
        if len(self._norm_axes) > 1:
            probs = jnp.exp(scores - jax.scipy.special.logsumexp(
                scores, axis=self._norm_axes, keepdims=True))
        else:
            probs = jax.nn.softmax(scores, axis=self._norm_axes[0])
        if attention_mask is not None:
            probs = jnp.where(attention_mask, probs, jnp.zeros((), probs.dtype))
        dropped = self._dropout_layer(probs, training=training) if self._dropout > 0 \
            else probs
        return jnp.einsum(self._combine_equation, dropped, v), probs

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask,
                        attention_mask, use_causal_mask):
        auto = None

        def both(a, b):
            return b if a is None else jnp.logical_and(a, b)

        if query_mask is not None:
            auto = jnp.expand_dims(jnp.asarray(query_mask).astype(bool), -1)  # (B, T, 1)
        for mask in (value_mask, key_mask):
            if mask is not None:
                auto = both(auto, jnp.expand_dims(jnp.asarray(mask).astype(bool), -2))
        if use_causal_mask:
            auto = both(auto, self._causal_mask(query, value))
        if self._sliding_window is not None:
            t, s = query.shape[1], value.shape[1]
            distance = jnp.abs(jnp.arange(t)[:, None] - jnp.arange(s)[None, :])
            auto = both(auto, (distance < self._sliding_window)[None])
        if attention_mask is not None:
            attention_mask = jnp.asarray(attention_mask).astype(bool)
        if auto is not None:
            attention_mask = auto if attention_mask is None \
                else jnp.logical_and(attention_mask, auto)
        return attention_mask

    @staticmethod
    def _causal_mask(query, value):
        t, s = query.shape[1], value.shape[1]
        return (jnp.arange(t)[:, None] >= jnp.arange(s)[None, :])[None]  # (1, T, S)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self._num_heads, key_dim=self._key_dim, value_dim=self._value_dim,
            dropout=self._dropout, use_bias=self._use_bias, use_gate=self._use_gate,
            output_shape=self._output_shape, attention_axes=self._attention_axes,
            sliding_window=self._sliding_window,
            kernel_initializer=initializers.serialize(self._kernel_initializer),
            bias_initializer=initializers.serialize(self._bias_initializer),
            kernel_regularizer=regularizers.serialize(self._kernel_regularizer),
            bias_regularizer=regularizers.serialize(self._bias_regularizer),
            activity_regularizer=regularizers.serialize(self._activity_regularizer),
            kernel_constraint=constraints.serialize(self._kernel_constraint),
            bias_constraint=constraints.serialize(self._bias_constraint),
            seed=self.seed)
        return config
