"""``Hashing``: strings or integers -> one of ``num_bins`` bins, with the hashes
Keras uses (through TensorFlow): FarmHash's ``Fingerprint64`` by default, keyed
SipHash-2-4 with a ``salt``. Both are written in plain Python (string_hashes.py),
so the bins equal Keras's without TensorFlow.

>>> import numpy as np, kerasish
>>> np.asarray(kerasish.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]))
array([[1],
       [0],
       [1],
       [1],
       [2]], dtype=int32)
"""

import numpy as np

from kerasish.layers.categorical import encode
from kerasish.layers.lookup import HostLayer
from kerasish.layers.string_hashes import check_salt, cross_hash, hash_buckets

class Hashing(HostLayer):
    """Hashes each string or integer into ``num_bins`` bins, as Keras's ``Hashing``:
    FarmHash64 (``Fingerprint64``), or SipHash-2-4 keyed by ``salt``; integers are
    hashed as their decimal text. With ``mask_value``, that value goes to bin 0 and
    the others to ``1 .. num_bins - 1``.

    Args:
        num_bins: the number of bins (the mask's bin included).
        mask_value: a value mapped to bin 0, or None.
        salt: an integer, or two, for SipHash (None: FarmHash).
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: must be False (dense arrays).
        **kwargs: ``name``, ``dtype`` (of the output: int32/int64 for ``"int"``).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Hashing(num_bins=3, salt=[133, 137])
    >>> np.asarray(layer([["A"], ["B"], ["C"], ["D"], ["E"]])).ravel().tolist()
    [1, 2, 1, 0, 2]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else None
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or not isinstance(
                num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of ('int', "
                f"'one_hot', 'multi_hot', 'count'). Received: output_mode={output_mode}")
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'in64'. Received: dtype={kwargs['dtype']}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend "
                             "(kerasish's arrays are dense). Received: sparse=True.")
        self.num_bins, self.mask_value = int(num_bins), mask_value
        self.salt = check_salt(salt, "Hashing")
        self.strong_hash = self.salt is not None
        self.output_mode, self.sparse = output_mode, False

    def call(self, inputs):
        import jax.numpy as jnp

        values = np.asarray(inputs, dtype=object) if not isinstance(inputs, np.ndarray) \
            else inputs.astype(object)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == self.mask_value
        ids = hash_buckets(values, bins, self.salt)
        if masked is not None:
            ids = np.where(masked, 0, ids + 1)
        ids = jnp.asarray(ids, "int32")
        if self.output_mode == "int":
            return ids
        return encode(ids, self.output_mode, self.num_bins, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=False)
        return config


class HashedCrossing(HostLayer):
    """Crosses scalar categorical features with the hashing trick, as Keras's
    ``HashedCrossing`` (``tf.sparse.cross_hashed``): each row's features (strings by
    their FarmHash64, integers as themselves) are chained with ``FingerprintCat64``,
    then taken modulo ``num_bins``.

    Args:
        num_bins: the number of bins.
        output_mode: ``"int"`` or ``"one_hot"``.
        sparse: must be False (dense arrays).
        name, dtype: as every layer (``dtype`` of the output; int64 for ``"int"``).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.HashedCrossing(num_bins=5)
    >>> feat1 = np.array(["A", "B", "A", "B", "A"])
    >>> feat2 = np.array([101, 101, 101, 102, 102])
    >>> np.asarray(layer((feat1, feat2)))
    array([1, 4, 1, 1, 3], dtype=int32)
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend "
                             "(kerasish's arrays are dense). Received: sparse=True.")
        if output_mode not in ("int", "one_hot"):
            raise ValueError("Unknown value for `output_mode`. Allowed values are: 'int', "
                             f"'one_hot'. Received: output_mode={output_mode}")
        if num_bins is None or isinstance(num_bins, bool) or not isinstance(
                num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError("`num_bins` must be a positive integer. Received: "
                             f"num_bins={num_bins}")
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, False

    def call(self, inputs):
        import jax.numpy as jnp

        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError("`HashedCrossing` should be called on a list or tuple of at "
                             f"least two inputs. Received: inputs={inputs}")
        arrays = [np.asarray(x) for x in inputs]
        shape = arrays[0].shape
        for a in arrays:
            if a.shape != shape:
                raise ValueError("Expected the input tensors to have identical shapes. "
                                 f"Received shapes {[x.shape for x in arrays]}")
            if a.ndim > 2 or (a.ndim == 2 and a.shape[-1] != 1):
                raise ValueError("`HashedCrossing` only supports crossing scalar inputs, or "
                                 f"batches of scalar inputs. Received shape {a.shape}")
            if not (a.dtype.kind in "iuSUO"):
                raise ValueError("`HashedCrossing` only supports integer and string inputs. "
                                 f"Received dtype {a.dtype}")
        rows = zip(*[a.reshape(-1).tolist() for a in arrays])
        ids = np.array([cross_hash(r) % self.num_bins for r in rows], np.int64).reshape(shape)
        ids = jnp.asarray(ids, "int32")
        if self.output_mode == "int":
            return ids
        return encode(ids, "one_hot", self.num_bins, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] == 1:
            return first[:-1] + (self.num_bins,)
        return first + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": False,
                "name": self.name, "dtype": self.dtype_policy.name}
