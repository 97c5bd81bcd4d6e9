"""``StringLookup`` and ``IntegerLookup``: map tokens to integer ids through a
vocabulary (given, or learned with ``adapt``), with Keras 3's index layout, output
modes and configs.

Ids are laid out as in Keras: ``0`` is the mask token (when ``mask_token`` is set and
``output_mode="int"``), then ``num_oov_indices`` out-of-vocabulary ids (``[UNK]``),
then the vocabulary. ``adapt`` orders the learned vocabulary by frequency, ties by
the token in descending order (Keras's ``lexsort``).

Tokens are looked up on the host (numpy); the ids come back as JAX arrays (int32, or
float32 for ``tf_idf``), ready for a model. Keras needs TensorFlow for these layers;
kerasish does not.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.StringLookup(vocabulary=["a", "b", "c"])
>>> np.asarray(layer([["a", "c", "z"]]))
array([[1, 3, 0]], dtype=int32)
>>> layer.get_vocabulary()
['[UNK]', 'a', 'b', 'c']
"""

import collections
import itertools
import os

import jax.numpy as jnp
import numpy as np

from kerasish.layers.base import KerasTensor, Layer, _leaves
from kerasish.layers.categorical import encode
from kerasish.layers.lookup_saving import VocabularyFiles, saving_to_assets
from kerasish.layers.string_hashes import check_salt, hash_buckets

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
class HostLayer(Layer):
    """A layer that computes on the host, on strings or tokens: called on arrays (or
    lists), or at the front of a model, whose ``fit``/``evaluate``/``predict`` run it
    on the data before the compiled step (``kerasish.models.host_inputs``)."""

    runs_on_host = True

    def __call__(self, inputs, *args, **kwargs):
        symbolic = [t for t in _leaves((inputs, args, kwargs)) if isinstance(t, KerasTensor)]
        if symbolic and any(t.dtype != "string" for t in symbolic):
            # Only text is unambiguous: a model given numbers could not tell raw ids
            # from this layer's output, so numeric symbolic inputs stay refused.
            raise NotImplementedError(
                f"Layer {self.name!r} ({type(self).__name__}) works on the host and can "
                "start a model only on text (`Input(..., dtype='string')`); received a "
                f"symbolic input of dtype {symbolic[0].dtype}. Apply it to the data "
                "before fit/predict, e.g. `x = layer(values)`, then feed `x` to the model.")
        if symbolic:
            out = Layer.__call__(self, inputs, *args, **kwargs)
            out.dtype = self._host_output_dtype()
            return out
        if not self.built:
            self.built = True
        return self.call(inputs, *args, **kwargs)

    def _host_output_dtype(self):
        """The dtype of the arrays the layer returns: ids (int32) or encodings (float32)."""
        mode = getattr(self, "output_mode", None) or getattr(self, "_output_mode", "int")
        return "int32" if mode == "int" else "float32"


def _strings(values, encoding):
    """A numpy array of Python str (bytes decoded with ``encoding``)."""
    arr = np.asarray(values, dtype=object)
    if arr.size and any(isinstance(v, bytes) for v in arr.flat):
        arr = np.vectorize(lambda v: v.decode(encoding) if isinstance(v, bytes) else v,
                           otypes=[object])(arr)
    return arr


class _IndexLookup(VocabularyFiles, HostLayer):
    """Keras's IndexLookup: the shared machinery of StringLookup and IntegerLookup."""

    _is_string = True
    # Keras's configs carry the frozen vocabulary size (and its wrapper a flag).
    _allowed_kwargs = Layer._allowed_kwargs | {"vocabulary_size", "has_input_vocabulary"}

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                 idf_weights, invert, output_mode, pad_to_max_tokens, sparse, salt,
                 oov_method="floormod", name=None, **kwargs):
        frozen = kwargs.pop("vocabulary_size", None)
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(name=name, **kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if isinstance(num_oov_indices, bool) or not isinstance(num_oov_indices, int) \
                or num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError("Unknown value for `oov_method`. Allowed values are: "
                             f"'floormod', 'farmhash'. Received: oov_method={oov_method}")
        if salt is not None and not self._is_string and oov_method != "farmhash":
            raise ValueError("`salt` can only be used when `oov_method='farmhash'`. "
                             f"Received: oov_method={oov_method}")
        salt = check_salt(salt, "IndexLookup")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in _MODES:
            raise ValueError(
                "Unknown value for `output_mode`. Allowed values are: 'int', 'one_hot', "
                f"'multi_hot', 'count', 'tf_idf'. Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(
                "`sparse=True` can only be used with the TensorFlow backend (kerasish's "
                "arrays are dense). Received: sparse=True.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        if output_mode == "tf_idf" and has_vocabulary and idf_weights is None:
            raise ValueError(
                "When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                "`idf_weights` argument must also be provided.")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = bool(invert), output_mode
        self.pad_to_max_tokens, self.sparse = bool(pad_to_max_tokens), False
        self.oov_method, self.salt = oov_method, salt
        # A vocabulary file is read once and then travels as an asset, as in Keras.
        self.input_vocabulary = None if isinstance(vocabulary, (str, os.PathLike)) \
            else vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_vocabulary
        self._frozen_vocab_size = frozen
        self._tokens, self._index = [], {}
        self.idf_weights = None
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- the vocabulary -----------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _as_token(self, value):
        return value

    def vocabulary_size(self):
        """The number of ids: special tokens and vocabulary."""
        return self._token_start_index() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary by id (mask and OOV tokens first unless
        ``include_special_tokens=False``)."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list, an array, or a text file's path: one token a
        line), with ``idf_weights`` in ``tf_idf`` mode; special tokens may lead it,
        in Keras's order (mask, then OOV)."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            if not os.path.exists(vocabulary):
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a "
                                 "vocabulary from file.")
            with open(vocabulary, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines if self._is_string else [int(v) for v in lines]
        vocabulary = [self._as_token(v) for v in np.asarray(vocabulary, object).ravel()]
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:start] == special
        tokens = vocabulary[start:] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are: {repeated}")
        for token, what in ((self.mask_token, "mask_token"), (self.oov_token, "oov_token")):
            if token is not None and token in tokens and (what == "mask_token" or self.invert):
                raise ValueError(
                    f"Found reserved {'mask' if what == 'mask_token' else 'OOV'} token at "
                    "unexpected location in `vocabulary`. Note that passed `vocabulary` does "
                    "not need to include the OOV and mask tokens. Either remove all mask and "
                    "OOV tokens, or include them only at the start of the vocabulary in "
                    f"precisely this order: {special}. Received: {what}={token!r} at "
                    f"vocabulary index {len(vocabulary) - 1 - vocabulary[::-1].index(token)}")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {start + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        if self.output_mode == "tf_idf":
            weights = np.asarray(idf_weights, "float64")
            if weights.ndim != 1:
                raise ValueError("TF-IDF data must be a 1-index array. Received: "
                                 f"type(idf_weights)={type(idf_weights)}")
            if len(weights) != len(vocabulary):
                raise ValueError(
                    "`idf_weights` must be the same length as vocabulary. len(idf_weights) "
                    f"is {len(weights)}; len(vocabulary) is {len(vocabulary)}")
            front = 0 if found_special else start
            front_value = 0.0 if found_special else float(np.average(weights))
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            weights = np.concatenate([np.full(front, front_value), weights, np.zeros(back)])
            self.idf_weights = weights.astype("float32")
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        vocab_size = self._token_start_index() + len(tokens)
        if self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._frozen_vocab_size is not None \
                and vocab_size != self._frozen_vocab_size:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {vocab_size}")
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = vocab_size

    # -- adapt -------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data`` (an array or list: each row a document;
        or an iterable of batches, ``steps`` at most)."""
        self.reset_state()
        if isinstance(data, (list, tuple)) and data and all(
                isinstance(row, (list, tuple)) for row in data):
            self.update_state([list(row) for row in data])  # documents, maybe ragged
        elif isinstance(data, (list, tuple, np.ndarray)) or not hasattr(data, "__iter__"):
            arr = np.asarray(data, dtype=object)
            self.update_state(arr[:, None] if arr.ndim == 1 else arr)
        else:
            for batch in itertools.islice(data, steps):
                self.update_state(batch[0] if isinstance(batch, tuple) else batch)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of a batch of documents (rows)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method.")
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) \
            else None
        if rows is None:
            arr = np.asarray(data, dtype=object)
            arr = arr.reshape(1, -1) if arr.ndim <= 1 else arr.reshape(arr.shape[0], -1)
            rows = [list(r) for r in arr]
        rows = [[self._as_token(t) for t in row] for row in rows]
        for row in rows:
            self._counts.update(row)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(row))
        self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            return
        for special in (self.mask_token, self.oov_token):
            self._counts.pop(special, None)
        tokens = list(self._counts)
        counts = [self._counts[t] for t in tokens]
        order = np.lexsort((np.array(tokens, dtype=object), np.array(counts)))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        tokens = [tokens[i] for i in order]
        if self.output_mode == "tf_idf":
            docs = np.array([self._doc_counts[t] for t in tokens], "float64")
            idf = np.log(1 + self._num_documents / (1 + docs)).astype("float32")
            front = np.full(self._token_start_index(), idf.mean() if idf.size else 0.0,
                            "float32")
            idf = np.concatenate([front, idf])
            if self.pad_to_max_tokens:
                idf = np.concatenate([idf, np.zeros(self.max_tokens - idf.size, "float32")])
            self.idf_weights = idf
        self._set_tokens(tokens)
        self.reset_state()

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._counts, self._doc_counts = collections.Counter(), collections.Counter()
        self._num_documents = 0

    # -- the lookup ----------------------------------------------------------------------
    def _lookup(self, tokens):
        """Ids of a numpy object array of tokens (host)."""
        oov_start = self._oov_start_index()
        mask_value = 0 if self.output_mode == "int" else -1  # -1 encodes to nothing
        default = oov_start if self.num_oov_indices == 1 else -1

        hashed = self._is_string or self.oov_method == "farmhash"

        def one(t):
            if self.mask_token is not None and t == self.mask_token:
                return mask_value
            found = self._index.get(t)
            if found is not None:
                return found
            if self.num_oov_indices > 1:
                if hashed:  # FarmHash64 (SipHash with a salt) of the token's text
                    return oov_start + int(hash_buckets([t], self.num_oov_indices,
                                                        self.salt)[0])
                return oov_start + int(t) % self.num_oov_indices  # floormod
            return default

        ids = np.vectorize(one, otypes=[np.int64])(tokens) if tokens.size else \
            np.zeros(tokens.shape, np.int64)
        if self.num_oov_indices == 0:
            missing = [t for t, i in zip(tokens.ravel(), ids.ravel()) if i == -1
                       and not (self.mask_token is not None and t == self.mask_token)]
            if missing:
                raise ValueError(
                    "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    f"values {missing}, consider setting `num_oov_indices=1`.")
        return ids

    def _invert(self, ids):
        lookup = {i: t for t, i in self._index.items()}

        def one(i):
            if self.mask_token is not None and i == 0:
                return self.mask_token
            return lookup.get(int(i), self.oov_token)

        return np.vectorize(one, otypes=[object])(ids) if ids.size else \
            np.empty(ids.shape, object)

    def _check_ready(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")

    def _encode(self, ids, scalar):
        if self.output_mode == "int":
            return jnp.asarray(ids[..., 0] if scalar else ids, "int32")
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        ids = jnp.asarray(ids, "int32")
        if self.output_mode == "tf_idf":
            counts = encode(ids, "count", depth, "float32")
            return counts * jnp.asarray(self.idf_weights[:depth], "float32")
        return encode(ids, self.output_mode, depth, "int32")

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot" and not (len(input_shape) > 1
                                                  and input_shape[-1] == 1):
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def get_config(self):
        config = super().get_config()
        vocabulary, idf = self.input_vocabulary, self.input_idf_weights
        if vocabulary is None and self._tokens and not saving_to_assets():
            # An adapted vocabulary: in the config, so that from_config and clone_model
            # rebuild the layer; .keras files keep it in their assets, as Keras does.
            vocabulary = self.get_vocabulary()
            if self.output_mode == "tf_idf":
                idf = self.idf_weights[:len(vocabulary)]
        if isinstance(vocabulary, np.ndarray):
            vocabulary = vocabulary.tolist()
        if isinstance(idf, np.ndarray):
            idf = idf.tolist()
        config.update(
            invert=self.invert, max_tokens=self.max_tokens,
            num_oov_indices=self.num_oov_indices, oov_token=self.oov_token,
            mask_token=self.mask_token, output_mode=self.output_mode, sparse=False,
            pad_to_max_tokens=self.pad_to_max_tokens, idf_weights=idf,
            vocabulary=vocabulary, vocabulary_size=self._frozen_vocab_size,
            oov_method=self.oov_method, salt=self.salt)
        return config


class StringLookup(_IndexLookup):
    """Maps strings to integer ids through a vocabulary (Keras's ``StringLookup``).

    Args:
        max_tokens: the most ids (special tokens included) ``adapt`` may learn.
        num_oov_indices: ids for out-of-vocabulary strings (several: FarmHash64 of
            the string modulo their number, as Keras).
        mask_token: a string that maps to id 0 (padding), or None.
        oov_token: the string ``get_vocabulary``/``invert`` show for OOV ids.
        vocabulary: a list/array of strings, or a text file's path (one a line).
        idf_weights: the inverse document frequencies (``tf_idf`` mode).
        invert: map ids back to strings.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"``,
            ``"tf_idf"``.
        pad_to_max_tokens: encode to ``max_tokens`` columns, whatever the vocabulary.
        sparse: must be False (dense arrays).
        encoding: how bytes inputs are decoded.
        name: the layer's name.
        salt: hash OOV strings with SipHash-2-4 keyed by this (an integer, or two).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.StringLookup(output_mode="multi_hot")
    >>> layer.adapt([["b", "a", "b"], ["c", "b", "a"]])
    >>> layer.get_vocabulary(), np.asarray(layer([["a", "z"]]))
    (['[UNK]', 'b', 'a', 'c'], array([[1, 0, 1, 0]], dtype=int32))
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, salt,
                         name=name, **kwargs)

    def _as_token(self, value):
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        return str(value)

    def call(self, inputs):
        self._check_ready()
        if self.invert:
            ids = np.asarray(inputs)
            if not np.issubdtype(ids.dtype, np.integer):
                raise TypeError(f"StringLookup(invert=True) maps integer ids to strings. "
                                f"Received dtype {ids.dtype}.")
            return self._invert(ids)
        tokens = _strings(inputs, self.encoding)
        scalar = tokens.ndim == 0
        if scalar:
            tokens = tokens[None]
        bad = [t for t in tokens.ravel() if not isinstance(t, str)]
        if bad:
            raise TypeError(f"Layer {self.name!r} (StringLookup) takes strings. Received "
                            f"{type(bad[0]).__name__} values, e.g. {bad[0]!r}.")
        return self._encode(self._lookup(tokens), scalar)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(_IndexLookup):
    """Maps integers to contiguous ids through a vocabulary (Keras's
    ``IntegerLookup``).

    Args:
        max_tokens: as :class:`StringLookup`, with integer tokens; so are
            ``num_oov_indices``, ``mask_token``, ``oov_token`` (``-1``), ``vocabulary``,
            ``idf_weights``, ``invert``, ``output_mode``, ``pad_to_max_tokens``,
            ``sparse`` and ``name``.
        vocabulary_dtype: must be ``"int64"`` (as in Keras).
        oov_method: how several OOV ids are chosen: ``"floormod"`` (``value %
            num_oov_indices``) or ``"farmhash"`` (FarmHash64 of the decimal text).
        salt: with ``"farmhash"``, SipHash-2-4 keyed by this instead.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> np.asarray(layer([[12, 1138, 42], [42, 1000, 36]]))
    array([[1, 3, 4],
           [4, 0, 2]], dtype=int32)
    """

    _is_string = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        if isinstance(num_oov_indices, int) and num_oov_indices < 0:
            raise ValueError(
                "The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. "
                f"Received: num_oov_indices={num_oov_indices}")
        self.vocabulary_dtype = "int64"
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, salt,
                         oov_method=oov_method, name=name, **kwargs)

    def _as_token(self, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            if isinstance(value, (float, np.floating)) and float(value).is_integer():
                return int(value)
            raise TypeError(f"IntegerLookup takes integers. Received {value!r} "
                            f"(of type {type(value).__name__}).")
        return int(value)

    def call(self, inputs):
        self._check_ready()
        arr = np.asarray(inputs)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.integer)
                                       or np.issubdtype(arr.dtype, np.floating)):
            raise TypeError(f"Layer {self.name!r} (IntegerLookup) takes integers. Received "
                            f"dtype {arr.dtype}.")
        if self.invert:
            return self._invert(arr.astype(np.int64)).astype(np.int64)  # int64 tokens
        scalar = arr.ndim == 0
        tokens = arr.astype(np.int64).astype(object)
        if scalar:
            tokens = tokens[None]
        return self._encode(self._lookup(tokens), scalar)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = "int64"
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
