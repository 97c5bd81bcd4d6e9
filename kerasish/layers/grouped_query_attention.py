"""``GroupQueryAttention``: attention whose key/value heads are shared by groups of
query heads (Ainslie et al., 2023), with Keras 3's arguments, weights and numbers.

>>> import numpy as np, kerasish
>>> gqa = kerasish.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
...                                           num_key_value_heads=2)
>>> x = np.ones((2, 5, 8), "float32")
>>> gqa(x, x).shape, gqa._key_dense.kernel.shape
((2, 5, 8), (8, 2, 4))
"""

from kerasish.layers.multi_head_attention import MultiHeadAttention, _positive_int


class GroupedQueryAttention(MultiHeadAttention):
    """Grouped-query attention: ``num_query_heads`` query heads of ``head_dim``, and
    ``num_key_value_heads`` key/value heads, each repeated for
    ``num_query_heads // num_key_value_heads`` consecutive query heads. Inputs are
    ``(batch, length, features)``; the output has the query's shape. Masks, causal
    and sliding-window masking, dropout and ``return_attention_scores`` work as in
    :class:`MultiHeadAttention`; weights are saved under Keras's paths
    (``_query_dense/vars/0`` ...).

    Args:
        head_dim: size of each attention head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key and value heads (divides
            ``num_query_heads``).
        dropout, use_bias, sliding_window, flash_attention, kernel_initializer,
        bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint, use_gate, seed: as in
            :class:`MultiHeadAttention`.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.GroupQueryAttention(2, num_query_heads=2,
    ...                                             num_key_value_heads=1)
    >>> out, scores = layer(np.ones((1, 3, 4)), np.ones((1, 6, 4)),
    ...                     return_attention_scores=True)
    >>> out.shape, scores.shape
    ((1, 3, 4), (1, 2, 3, 6))
    """

    # Keras 3.15 writes the class as "GroupQueryAttention" (its export name) in .keras
    # files and cannot read "GroupedQueryAttention"; the class keeps Keras's class name
    # for weight paths ("grouped_query_attention"). Files naming either load here.
    _keras_class_name = "GroupQueryAttention"

    _ATTRS = {"query": "_query_dense", "key": "_key_dense", "value": "_value_dense",
              "gate": "_gate_dense", "output": "_output_dense"}

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        _positive_int("num_query_heads", num_query_heads)
        _positive_int("num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. "
                             f"Received: num_query_heads={num_query_heads}, "
                             f"num_key_value_heads={num_key_value_heads}")
        super().__init__(
            num_heads=num_query_heads, key_dim=head_dim, dropout=dropout, use_bias=use_bias,
            sliding_window=sliding_window, flash_attention=flash_attention,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, use_gate=use_gate, seed=seed, **kwargs)
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads

    def _heads(self):
        return self.num_query_heads, self.num_key_value_heads, self.head_dim, self.head_dim

    def build(self, query_shape, value_shape, key_shape=None):
        for name, shape in (("query", query_shape), ("value", value_shape),
                            ("key", key_shape)):
            if shape is not None and len(shape) != 3:
                raise ValueError(
                    f"GroupQueryAttention takes inputs of shape (batch, length, features). "
                    f"Received: {name}_shape={tuple(shape)}")
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but "
                f"are {query_shape[-1]}, {value_shape[-1]}. Received: "
                f"query_shape={tuple(query_shape)}, value_shape={tuple(value_shape)}")
        self.feature_dim = query_shape[-1]
        super().build(query_shape, value_shape, key_shape)

    def get_config(self):
        config = super().get_config()
        for key in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            del config[key]
        config.update(head_dim=self.head_dim, num_query_heads=self.num_query_heads,
                      num_key_value_heads=self.num_key_value_heads)
        return config


GroupQueryAttention = GroupedQueryAttention  # Keras's public name for the class
