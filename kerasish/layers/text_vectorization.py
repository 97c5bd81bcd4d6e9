"""``TextVectorization``: raw strings -> standardized, split, n-grammed tokens ->
ids (or multi-hot/count/tf-idf vectors), with Keras 3's arguments, defaults and
vocabulary layout (0 = padding, 1 = ``[UNK]``, then by frequency).

Text is processed on the host (numpy and Python strings); the result is a JAX array
ready for a model. Keras needs TensorFlow for this layer; kerasish does not.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.TextVectorization(output_sequence_length=4)
>>> layer.adapt(["The cat sat.", "The dog sat on the cat!"])
>>> layer.get_vocabulary()  # by count, ties in descending order
['', '[UNK]', 'the', 'sat', 'cat', 'on', 'dog']
>>> np.asarray(layer(["the cat ate"]))
array([[2, 4, 1, 0]], dtype=int32)
"""

import itertools
import re

import jax.numpy as jnp
import numpy as np

from kerasish.layers.lookup import HostLayer, StringLookup, _strings

# Keras's punctuation set for "strip_punctuation" (tf.strings.regex_replace).
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _check_choice(name, value, allowed):
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(
        f"Unknown value for `{name}`. Allowed values are: {', '.join(map(repr, allowed))}, "
        f"None or a callable. Received: {name}={value!r}")


class TextVectorization(HostLayer):
    """Turns strings into sequences of token ids, or into bag-of-tokens vectors.

    Each string is standardized (``"lower_and_strip_punctuation"`` by default, or
    ``"lower"``, ``"strip_punctuation"``, None, or a callable that takes and returns
    a numpy array of strings), split (``"whitespace"``, ``"character"``, None, or a
    callable that takes the numpy array of strings and returns one list of tokens per
    string), joined into n-grams (``ngrams=2`` gives the 1- and 2-grams, ``(2,)``
    only the 2-grams; joined by a space), then looked up in the vocabulary.

    Args:
        max_tokens: the most ids ``adapt`` may learn, padding and ``[UNK]`` included.
        standardize, split, ngrams: as above.
        output_mode: ``"int"`` (sequences of ids, padded with 0 to the longest
            sequence or to ``output_sequence_length``), ``"multi_hot"``, ``"count"``,
            ``"tf_idf"`` (``"one_hot"`` too, as Keras, for one token per sample).
        output_sequence_length: pad or truncate ``int`` outputs to this length.
        pad_to_max_tokens: encode to ``max_tokens`` columns.
        vocabulary: a list of strings, or a text file's path.
        idf_weights: the inverse document frequencies (``tf_idf`` with a vocabulary).
        sparse: must be False; ragged: must be False (kerasish's arrays are dense).
        encoding: how bytes inputs are decoded.
        name: the layer's name.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.TextVectorization(output_mode="count",
    ...                                           vocabulary=["red", "blue"])
    >>> np.asarray(layer(["Red, red and BLUE"]))
    array([[1, 2, 1]], dtype=int32)
    """

    _allowed_kwargs = HostLayer._allowed_kwargs | {"vocabulary_size", "has_input_vocabulary"}

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend "
                             "(kerasish's arrays are dense). Received: sparse=True.")
        if ragged:
            raise ValueError(
                "`ragged=True` can only be used with the TensorFlow backend (kerasish's "
                "arrays are dense: int outputs are padded with 0). Received: ragged=True.")
        _check_choice("standardize", standardize, _STANDARDIZE)
        _check_choice("split", split, _SPLIT)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise ValueError(
                "Unknown value for `output_mode`. Allowed values are: 'int', 'one_hot', "
                f"'multi_hot', 'count', 'tf_idf'. Received: output_mode={output_mode}")
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or (
                isinstance(output_sequence_length, int)
                and not isinstance(output_sequence_length, bool))):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when "
                "`output_mode` is 'int'. Received: "
                f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}.")
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize, self._split = standardize, split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, has_input_vocabulary=has_vocabulary,
            vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")

    # -- text -> tokens ------------------------------------------------------------------
    def _texts(self, inputs):
        texts = _strings(inputs, self._encoding)
        if texts.ndim > 1 and self._split is not None:
            if texts.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must "
                    "be 1 or the last shape dimension must be 1. Received: "
                    f"inputs.shape={texts.shape} with rank={texts.ndim}")
            texts = texts[..., 0]
        bad = [t for t in texts.ravel() if not isinstance(t, str)]
        if bad:
            raise TypeError(f"Layer {self.name!r} (TextVectorization) takes strings. "
                            f"Received {type(bad[0]).__name__} values, e.g. {bad[0]!r}.")
        return texts

    def _standardized(self, texts):
        if callable(self._standardize):
            out = np.asarray(self._standardize(texts), dtype=object)
            return _strings(out, self._encoding)
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            texts = np.vectorize(str.lower, otypes=[object])(texts) if texts.size else texts
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            texts = np.vectorize(lambda t: _PUNCTUATION.sub("", t), otypes=[object])(texts) \
                if texts.size else texts
        return texts

    def _tokens(self, inputs):
        """One list of tokens per string (rows), or the strings themselves (split=None)."""
        texts = self._standardized(self._texts(inputs))
        if self._split is None:
            rows = texts if texts.ndim > 1 else texts.reshape(-1, 1)
            rows = [list(r) for r in rows.reshape(rows.shape[0], -1)]
        elif self._split == "whitespace":
            rows = [t.split() for t in texts.ravel()]
        elif self._split == "character":
            rows = [list(t) for t in texts.ravel()]
        else:
            rows = [[self._lookup_layer._as_token(w) for w in row]
                    for row in self._split(texts)]
        if self._ngrams is not None:
            rows = [[" ".join(row[i:i + n]) for n in self._ngrams
                     for i in range(len(row) - n + 1)] for row in rows]
        return rows

    # -- vocabulary -------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data``: a list or array of strings, or an
        iterable of batches (``steps`` batches at most)."""
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError("`batch_size` must be a positive integer or None. Received: "
                             f"batch_size={batch_size!r}")
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, str)) or not hasattr(data, "__iter__"):
            texts = _strings(data, self._encoding)
            texts = texts.reshape(-1) if texts.ndim <= 1 else texts
            size = batch_size or max(len(texts), 1)
            for i, start in enumerate(range(0, len(texts), size)):
                if steps is not None and i >= steps:
                    break
                self.update_state(texts[start:start + size])
        else:
            for batch in itertools.islice(data, steps):
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        self.finalize_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._tokens(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary by id: ``""`` (padding), ``"[UNK]"``, then the tokens."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and ``idf_weights`` in ``tf_idf`` mode)."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # -- saving: Keras's layout (the lookup layer holds the state) ----------------------------
    def save_own_variables(self, store):
        """The idf weights (``tf_idf``), as the inner lookup layer writes them."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        """Read what ``save_own_variables`` wrote."""
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        """Write an adapted vocabulary to ``dir_path/vocabulary.txt`` (as Keras)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        """Read the vocabulary ``save_assets`` wrote (Keras's files too)."""
        self._lookup_layer.load_assets(dir_path)

    # -- the call ---------------------------------------------------------------------------
    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._check_ready()
        rows = self._tokens(inputs)
        if self._output_mode != "int":
            width = max([len(r) for r in rows] + [1])
            # Keras pads ragged token rows with the mask token "" (id 0, encodes to nothing).
            tokens = np.array([r + [""] * (width - len(r)) for r in rows] or [[""]],
                              dtype=object)
            return lookup._encode(lookup._lookup(tokens), False)
        length = self._output_sequence_length
        width = length if length is not None else max([len(r) for r in rows] + [0])
        ids = np.zeros((len(rows), width), np.int64)
        for i, row in enumerate(rows):
            row = row[:width]
            if row:
                ids[i, :len(row)] = lookup._lookup(np.array(row, dtype=object))
        return jnp.asarray(ids, "int32")

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        depth = self._lookup_layer.max_tokens if self._lookup_layer.pad_to_max_tokens \
            else self._lookup_layer._frozen_vocab_size
        return (input_shape[0], depth)

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer.get_config()
        config.update(
            max_tokens=lookup["max_tokens"], standardize=self._standardize, split=self._split,
            ngrams=self._ngrams_arg, output_mode=self._output_mode,
            output_sequence_length=self._output_sequence_length,
            pad_to_max_tokens=lookup["pad_to_max_tokens"], sparse=False, ragged=False,
            vocabulary=lookup["vocabulary"], idf_weights=lookup["idf_weights"],
            encoding=self._encoding, vocabulary_size=self.vocabulary_size())
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
