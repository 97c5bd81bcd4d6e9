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


INPUTS = {"ids_categorical": np.array([[1, 2, 0, 9, 4], [0, 0, 3, 5, 7]], dtype="int32")}

# class name -> (constructor arguments, input key)
LAYER_SETUP = {
    "CategoryEncoding": (dict(num_tokens=10), "ids_categorical"),
    "Discretization": (dict(bin_boundaries=[0.0, 1.0]), "x2"),
    "MultiHeadAttention": (dict(num_heads=2, key_dim=3), "x3"),
    "GroupedQueryAttention": (dict(head_dim=3, num_query_heads=4, num_key_value_heads=2),
                              "x3"),
    "Attention": ({}, "pair3"),
    "AdditiveAttention": ({}, "pair3"),
}
THROUGH = {"MultiHeadAttention": _SelfAttention, "GroupedQueryAttention": _SelfAttention}

OVERRIDES = {
    ("CategoryEncoding", "num_tokens"): 12, ("CategoryEncoding", "output_mode"): "count",
    ("CategoryEncoding", "sparse"): True, ("Discretization", "sparse"): True,
    ("Discretization", "bin_boundaries"): [0.5], ("Discretization", "output_mode"): "one_hot",
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
    **{(cls, "seed"): {"dropout": 0.5}
       for cls in ("MultiHeadAttention", "GroupedQueryAttention", "Attention")},
    # int ids are int32 whatever the dtype; an encoded output takes it
    ("Discretization", "dtype"): {"output_mode": "one_hot"},
}

# Dense arrays only (JAX), as Keras's JAX backend.
REFUSED = {("CategoryEncoding", "sparse"), ("Discretization", "sparse")}

_TEXT = "tests/test_text_layers.py::"
_LOOKUP_TESTS = {  # argument -> the test that exercises it (with Keras's documented values)
    "max_tokens": "test_string_lookup_options", "num_oov_indices": "test_string_lookup_options",
    "mask_token": "test_string_lookup_options", "oov_token": "test_string_lookup_options",
    "pad_to_max_tokens": "test_string_lookup_options", "encoding": "test_string_lookup_options",
    "vocabulary": "test_string_lookup_follows_keras_documented_examples",
    "idf_weights": "test_string_lookup_follows_keras_documented_examples",
    "invert": "test_string_lookup_follows_keras_documented_examples",
    "output_mode": "test_string_lookup_follows_keras_documented_examples",
    "sparse": "test_lookup_refusals_name_the_argument",
    "salt": "test_several_oov_ids_are_hashed_like_keras",
    "oov_method": "test_several_oov_ids_are_hashed_like_keras",
    "vocabulary_dtype": "test_lookup_refusals_name_the_argument",
    "name": "test_lookup_configs_have_keras_keys_and_round_trip",
}
_TEXT_TESTS = {
    "max_tokens": "test_text_vectorization_int_sequences",
    "output_sequence_length": "test_text_vectorization_int_sequences",
    "vocabulary": "test_text_vectorization_int_sequences",
    "standardize": "test_text_vectorization_standardize_split_ngrams",
    "split": "test_text_vectorization_standardize_split_ngrams",
    "ngrams": "test_text_vectorization_standardize_split_ngrams",
    "output_mode": "test_text_vectorization_bag_of_words_modes",
    "pad_to_max_tokens": "test_text_vectorization_bag_of_words_modes",
    "idf_weights": "test_text_vectorization_bag_of_words_modes",
    "sparse": "test_text_vectorization_adapt_batches_and_refusals",
    "ragged": "test_text_vectorization_adapt_batches_and_refusals",
    "encoding": "test_lookup_configs_have_keras_keys_and_round_trip",
    "name": "test_lookup_configs_have_keras_keys_and_round_trip",
}
_MHA = "layers.multi_head_attention.MultiHeadAttention"
_GQA = "layers.grouped_query_attention.GroupedQueryAttention"
_TESTS = "tests/test_attention.py::"
ELSEWHERE = {
    # stateful=True: seen from the second call on (with a fixed batch size), in fit too.
    **{(f"layers.recurrent.{cls}", "stateful"):
       "tests/test_stateful_rnn.py::test_states_carry_from_call_to_call_like_keras"
       for cls in ("RNN", "SimpleRNN", "LSTM", "GRU")},
    # Weight constraints act in fit, after every optimizer step.
    **{(key, arg): _TESTS + "test_weight_constraints_act_in_fit_like_keras"
       for key in (_MHA, _GQA) for arg in ("kernel_constraint", "bias_constraint")},
    # The default already attends over the one sequence axis of a 3-D input.
    (_MHA, "attention_axes"): _TESTS + "test_multi_head_attention_over_two_axes_matches_keras",
    # cuDNN's kernel: GPU only (a clear error elsewhere), and Keras's refusals around it.
    (_MHA, "flash_attention"): _TESTS + "test_flash_attention_is_asked_of_the_cudnn_kernel",
    (_GQA, "flash_attention"): _TESTS + "test_flash_attention_is_asked_of_the_cudnn_kernel",
    # Host layers (strings): Keras needs TensorFlow for them, so their tests check
    # Keras's documented values; the generic probe cannot adapt or pass strings.
    **{("layers.lookup.StringLookup", arg): _TEXT + test for arg, test in _LOOKUP_TESTS.items()
       if arg not in ("oov_method", "vocabulary_dtype")},
    **{("layers.lookup.IntegerLookup", arg): _TEXT + (
        "test_integer_lookup_follows_keras_documented_examples"
        if arg in ("vocabulary", "invert", "mask_token", "num_oov_indices", "oov_token",
                   "output_mode") else test)
       for arg, test in _LOOKUP_TESTS.items() if arg != "encoding"},
    **{("layers.text_vectorization.TextVectorization", arg): _TEXT + test
       for arg, test in _TEXT_TESTS.items()},
    **{("layers.hashing.Hashing", arg): _TEXT + "test_hashing_output_modes_and_config"
       for arg in ("num_bins", "mask_value", "salt", "output_mode", "sparse")},
    **{("layers.hashing.HashedCrossing", arg):
       _TEXT + "test_hashed_crossing_follows_keras_documented_examples"
       for arg in ("num_bins", "output_mode", "sparse", "name", "dtype")},
    ("layers.categorical.CategoryEncoding.call", "count_weights"):
        _TEXT + "test_category_encoding_matches_keras",
    ("layers.categorical.Discretization.adapt", "steps"):
        _TEXT + "test_discretization_adapt_matches_keras",
    ("layers.lookup._IndexLookup.adapt", "steps"):
        _TEXT + "test_vocabulary_file_and_adapt_by_batches",
    ("layers.lookup._IndexLookup.get_vocabulary", "include_special_tokens"):
        _TEXT + "test_string_lookup_options",
    ("layers.lookup._IndexLookup.set_vocabulary", "idf_weights"):
        _TEXT + "test_string_lookup_follows_keras_documented_examples",
    ("layers.text_vectorization.TextVectorization.adapt", "batch_size"):
        _TEXT + "test_text_vectorization_adapt_batches_and_refusals",
    ("layers.text_vectorization.TextVectorization.adapt", "steps"):
        _TEXT + "test_text_vectorization_adapt_batches_and_refusals",
    ("layers.text_vectorization.TextVectorization.get_vocabulary", "include_special_tokens"):
        _TEXT + "test_text_vectorization_bag_of_words_modes",
    ("layers.text_vectorization.TextVectorization.set_vocabulary", "idf_weights"):
        _TEXT + "test_text_vectorization_bag_of_words_modes",
    # adapt from numbers: only num_bins/epsilon with adapt show anything
    ("layers.categorical.Discretization", "num_bins"):
        _TEXT + "test_discretization_adapt_matches_keras",
    ("layers.categorical.Discretization", "epsilon"):
        _TEXT + "test_discretization_adapt_matches_keras",
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

    @h.probe("layers.lookup.StringLookup", "**kwargs")
    @h.probe("layers.lookup.IntegerLookup", "**kwargs")
    @h.probe("layers.text_vectorization.TextVectorization", "**kwargs")
    @h.probe("layers.hashing.Hashing", "**kwargs")
    @h.probe("layers.hashing.HashedCrossing", "**kwargs")
    def _host_unknown_keyword(key, arg):
        cls = getattr(layers, key.rsplit(".", 1)[-1])
        args = {"num_bins": 3} if cls in (layers.Hashing, layers.HashedCrossing) else {}
        return h._refuses(lambda: cls(**args, **{h.BOGUS: 1}), h.BOGUS)

    @h.probe("layers.lookup.HostLayer.__call__", "**kwargs")
    def _host_dunder(arg):
        return h._refuses(lambda: layers.StringLookup(vocabulary=["a"])(["a"], **{h.BOGUS: 1}),
                          h.BOGUS)

    @h.probe("layers.attention.Attention.__call__", "inputs", "**kwargs")
    def _attention_dunder(arg):
        if arg == "inputs":  # by keyword, as Keras's `layer(inputs=...)`
            return h._differ(layers.Attention()(inputs=[q, v]),
                             layers.Attention()([q, q]), arg)
        return h._refuses(lambda: layers.Attention()([q, v], **{h.BOGUS: 1}), h.BOGUS)


# -- tests/test_saving.py ---------------------------------------------------------------
LAYER_SAMPLES = {
    "Attention": [({"use_scale": True, "score_mode": "concat"}, [(4, 3), (5, 3)])],
    "AdditiveAttention": [({}, [(4, 3), (5, 3)])],
    "CategoryEncoding": [({"num_tokens": 10, "output_mode": "count"}, (4,), "int32")],
    "Discretization": [({"bin_boundaries": [-0.5, 0.0, 0.5]}, (5,))],
}
SAVED_ELSEWHERE = {
    # called with (query, value) arguments, not one input or a list
    "MultiHeadAttention": "tests/test_attention.py::test_attention_files_load_both_ways",
    "GroupQueryAttention": "tests/test_attention.py::test_group_query_attention_files",
    # Keras needs TensorFlow for these: configs with Keras's keys, kerasish both ways
    **{name: "tests/test_text_layers.py::test_lookup_configs_have_keras_keys_and_round_trip"
       for name in ("StringLookup", "IntegerLookup", "TextVectorization")},
    "Hashing": "tests/test_text_layers.py::test_hashing_output_modes_and_config",
    "HashedCrossing":
        "tests/test_text_layers.py::test_hashed_crossing_follows_keras_documented_examples",
}
