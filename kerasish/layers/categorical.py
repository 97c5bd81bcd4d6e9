"""Numeric categorical preprocessing: ``CategoryEncoding`` (integer ids -> one-hot,
multi-hot or count vectors) and ``Discretization`` (floats -> bucket ids, with
``adapt`` for quantile boundaries). Both compute with jax.numpy, so they also run
inside a compiled model.

>>> import numpy as np, kerasish
>>> np.asarray(kerasish.layers.CategoryEncoding(4, output_mode="count")([[0, 1, 1, 3]]))
array([[1., 2., 0., 1.]], dtype=float32)
>>> np.asarray(kerasish.layers.Discretization(bin_boundaries=[0.0, 1.0])([-1.0, 0.5, 2.0]))
array([0, 1, 2], dtype=int32)
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.layers.base import Layer

_MODES = ("one_hot", "multi_hot", "count")


def _no_sparse(cls, sparse):
    if sparse:
        raise ValueError(
            f"{cls}: `sparse=True` cannot be used with kerasish (JAX arrays are dense, as "
            "Keras's JAX backend for these layers). Received: sparse=True. Leave "
            "sparse=False.")


def encode(indices, output_mode, depth, dtype, count_weights=None):
    """Keras's categorical encoding of integer ``indices`` (ids outside ``[0, depth)``
    encode to zeros): ``int`` casts; ``one_hot`` adds an axis (replacing a trailing
    axis of size 1); ``multi_hot``/``count`` reduce the last axis of a batch."""
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return jax.nn.one_hot(indices, depth, dtype=dtype)
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return jnp.max(jax.nn.one_hot(indices, depth, dtype=dtype), axis=axis)
    if count_weights is not None:
        hot = jax.nn.one_hot(indices, depth, dtype=count_weights.dtype)
        return jnp.sum(hot * count_weights[..., None], axis=axis)
    return jnp.sum(jax.nn.one_hot(indices, depth, dtype=dtype), axis=axis)


def _encoded_shape(input_shape, output_mode, depth):
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if input_shape[-1] == 1 and len(input_shape) > 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


class CategoryEncoding(Layer):
    """Encodes integer ids in ``[0, num_tokens)`` as dense vectors of ``num_tokens``.

    ``output_mode``: ``"multi_hot"`` (default; ``"binary"`` is its old name) marks
    each id present in a sample; ``"one_hot"`` encodes each id on its own axis;
    ``"count"`` counts each id per sample (weighted by ``count_weights`` when given
    to the call).

    Args:
        num_tokens: the number of ids (the output size).
        output_mode: ``"multi_hot"``, ``"one_hot"`` or ``"count"``.
        sparse: must be False (dense arrays).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.CategoryEncoding(num_tokens=3, output_mode="one_hot")
    >>> np.asarray(layer([0, 2]))
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """

    _autocast_inputs = False  # ids stay integers

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}. Expected one of "
                             f"{list(_MODES)}.")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not "
                "known beforehand, use the IntegerLookup layer instead.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, (int, np.integer)) \
                or num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        _no_sparse("CategoryEncoding", sparse)
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` is not used when `output_mode` is not `'count'`. "
                    f"Received `count_weights={count_weights}`.")
            count_weights = jnp.asarray(count_weights, self.compute_dtype)
        inputs = jnp.asarray(inputs)
        if not jnp.issubdtype(inputs.dtype, jnp.integer):
            inputs = inputs.astype("int32")
        return encode(inputs, self.output_mode, self.num_tokens, self.compute_dtype,
                      count_weights)

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode)
        return config


class Discretization(Layer):
    """Buckets floats by boundaries: id ``i`` for ``boundaries[i-1] <= x <
    boundaries[i]`` (0 below the first, ``len(boundaries)`` from the last on).

    Give ``bin_boundaries``, or ``num_bins`` and call ``adapt(data)``, which finds
    approximate quantiles with Keras's algorithm (a summary of the sorted data kept
    within ``epsilon``), so the boundaries equal Keras's. ``output_mode`` other than
    ``"int"`` encodes the bucket ids as :class:`CategoryEncoding` does.

    Args:
        bin_boundaries: sorted list of boundaries.
        num_bins: number of buckets that ``adapt`` finds.
        epsilon: error tolerance of ``adapt``'s quantiles.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: must be False (dense arrays).
        dtype, name: as every layer.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Discretization(num_bins=4, epsilon=0.01)
    >>> layer.adapt(np.arange(100.0))
    >>> [round(b, 2) for b in layer.bin_boundaries]  # approximate quantiles, as Keras's
    [24.0, 49.0, 74.0]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        _no_sparse("Discretization", sparse)
        if output_mode not in ("int",) + _MODES:
            raise ValueError(
                "Unknown value for `output_mode`. Allowed values are: 'int', 'one_hot', "
                f"'multi_hot', 'count'. Received: output_mode={output_mode}")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
            raise ValueError(f"`epsilon` must be in (0, 1). Received: epsilon={epsilon!r}")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, False
        self.summary = None if self.bin_boundaries else np.zeros((2, 0), "float32")

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    # -- adapt: Keras's streaming quantile summary ---------------------------------------
    def adapt(self, data, steps=None):
        """Find ``num_bins - 1`` boundaries from ``data`` (an array, or an iterable of
        batches; ``steps`` batches at most)."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with "
                "`bin_boundaries`, use `num_bins` instead.")
        self.summary = np.zeros((2, 0), "float32")
        if isinstance(data, (np.ndarray, jax.Array)) or not hasattr(data, "__iter__"):
            batches = [data]
        else:
            batches = data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, tuple):
                batch = batch[0]
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        values = np.sort(np.asarray(data, "float32").reshape(-1))
        step = max(values.size / (1.0 / self.epsilon), 1)  # one kept value per `step`
        kept = values[int(step - 1)::int(step)]
        summary = np.stack([kept, np.full_like(kept, step)])
        merged = np.concatenate([summary, self.summary], axis=1)
        merged = merged[:, np.argsort(merged[0], kind="quicksort")]
        self.summary = _compress(merged, self.epsilon)

    def finalize_state(self):
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = np.zeros((2, 0), "float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction "
                "time or call `adapt(dataset)` before you can start using the "
                "`Discretization` layer.")
        boundaries = jnp.asarray(self.bin_boundaries, inputs.dtype)
        ids = jnp.digitize(inputs, boundaries).astype("int32")
        return encode(ids, self.output_mode, len(self.bin_boundaries) + 1, self.output_dtype)

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None \
            else self.num_bins
        return _encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": False,
                "name": self.name, "dtype": self.dtype_policy.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")  # an adapted layer: both are saved
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


def _compress(summary, epsilon):
    """Keras's summary compression: the values at the quantiles ``epsilon, 2 epsilon,
    ... 1`` of the weighted summary, each with the weight between it and the previous."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    where = cum / cum[-1]
    values = np.interp(percents, where, summary[0])
    cum = np.interp(percents, where, cum)
    weights = cum - np.concatenate(([0.0], cum[:-1]))
    return np.stack((values, weights)).astype("float32")
