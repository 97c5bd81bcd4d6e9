"""Gate tables of the sequence layers of issue 15: attention (attention.py,
multi_head_attention.py, grouped_query_attention.py) and the text/categorical
preprocessing layers. See README.md here."""

import numpy as np

from kerasish import layers

_RNG = np.random.default_rng(15)


class _SelfAttention(layers.Layer):
    """Observes a layer that takes (query, value) on one sequence: ``inner(x, x)``."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x, training=None):
        return self.inner(x, x, training=training)


# class name -> (constructor arguments, input key)
LAYER_SETUP = {
    "MultiHeadAttention": (dict(num_heads=2, key_dim=3), "x3"),
    "GroupedQueryAttention": (dict(head_dim=3, num_query_heads=4, num_key_value_heads=2),
                              "x3"),
    "Attention": ({}, "pair3"),
    "AdditiveAttention": ({}, "pair3"),
}
THROUGH = {"MultiHeadAttention": _SelfAttention, "GroupedQueryAttention": _SelfAttention}

OVERRIDES = {
    ("MultiHeadAttention", "num_heads"): 3, ("MultiHeadAttention", "key_dim"): 2,
    ("MultiHeadAttention", "value_dim"): 5, ("MultiHeadAttention", "dropout"): 0.5,
    ("MultiHeadAttention", "output_shape"): 4, ("MultiHeadAttention", "sliding_window"): 2,
    ("MultiHeadAttention", "use_gate"): True,
    ("GroupedQueryAttention", "head_dim"): 2, ("GroupedQueryAttention", "num_query_heads"): 6,
    ("GroupedQueryAttention", "num_key_value_heads"): 1,
    ("GroupedQueryAttention", "dropout"): 0.5, ("GroupedQueryAttention", "sliding_window"): 2,
    ("GroupedQueryAttention", "use_gate"): True,
    ("Attention", "use_scale"): True, ("Attention", "score_mode"): "concat",
    ("Attention", "dropout"): 0.5, ("AdditiveAttention", "use_scale"): False,
    ("AdditiveAttention", "dropout"): 0.5,
}

CONTEXT = {  # a seed only shows in the dropout masks it draws
    (cls, "seed"): {"dropout": 0.5}
    for cls in ("MultiHeadAttention", "GroupedQueryAttention", "Attention")
}

_MHA = "layers.multi_head_attention.MultiHeadAttention"
_GQA = "layers.grouped_query_attention.GroupedQueryAttention"
_TESTS = "tests/test_attention.py::"
ELSEWHERE = {
    # Weight constraints act in fit, after every optimizer step.
    **{(key, arg): _TESTS + "test_weight_constraints_act_in_fit_like_keras"
       for key in (_MHA, _GQA) for arg in ("kernel_constraint", "bias_constraint")},
    # The default already attends over the one sequence axis of a 3-D input.
    (_MHA, "attention_axes"): _TESTS + "test_multi_head_attention_over_two_axes_matches_keras",
    # cuDNN's kernel: GPU only (a clear error elsewhere), and Keras's refusals around it.
    (_MHA, "flash_attention"): _TESTS + "test_flash_attention_is_asked_of_the_cudnn_kernel",
    (_GQA, "flash_attention"): _TESTS + "test_flash_attention_is_asked_of_the_cudnn_kernel",
}


def probes(h):
    """Explicit probes of the call arguments (tests/gates/README.md)."""
    q = _RNG.normal(size=(2, 4, 6)).astype("float32")
    v = _RNG.normal(size=(2, 5, 6)).astype("float32")
    k = _RNG.normal(size=(2, 5, 6)).astype("float32")
    q_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    v_mask = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 0, 0]], bool)

    def seeded(make):
        from kerasish import random

        random.set_seed(0)
        return make()

    @h.probe(f"{_MHA}.call", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
             "return_attention_scores", "training", "use_causal_mask")
    def _mha_call(arg):
        value = {"key": k, "query_mask": q_mask, "value_mask": v_mask, "key_mask": v_mask,
                 "attention_mask": _RNG.integers(0, 2, size=(2, 4, 5)).astype(bool),
                 "return_attention_scores": True, "training": True,
                 "use_causal_mask": True}[arg]

        def see(**kwargs):
            layer = seeded(lambda: layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1))
            return layer(q, v, **kwargs)

        return h._differ(see(**{arg: value}), see(), arg)

    @h.probe(f"{_MHA}.__call__", "**kwargs")
    def _mha_dunder(arg):
        return h._refuses(lambda: layers.MultiHeadAttention(2, 3)(q, v, **{h.BOGUS: 1}),
                          h.BOGUS)

    @h.probe("layers.attention.Attention.call", "mask", "training",
             "return_attention_scores", "use_causal_mask")
    def _attention_call(arg):
        value = {"mask": [q_mask, v_mask], "training": True, "return_attention_scores": True,
                 "use_causal_mask": True}[arg]

        def see(**kwargs):
            layer = seeded(lambda: layers.Attention(dropout=0.5, seed=1))
            return layer([q, v], **kwargs)

        return h._differ(see(**{arg: value}), see(), arg)

    @h.probe("layers.attention.Attention.__call__", "inputs", "**kwargs")
    def _attention_dunder(arg):
        if arg == "inputs":  # by keyword, as Keras's `layer(inputs=...)`
            return h._differ(layers.Attention()(inputs=[q, v]),
                             layers.Attention()([q, q]), arg)
        return h._refuses(lambda: layers.Attention()([q, v], **{h.BOGUS: 1}), h.BOGUS)
