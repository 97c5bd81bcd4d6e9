"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k, as
function forms (one value per sample) and as running means."""

import jax
import jax.numpy as jnp

from kerasish import config
from kerasish.losses import squeeze_or_expand_to_same_rank
from kerasish.metrics.base import Metric, MeanMetricWrapper, _register_functions

def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0.

    >>> accuracy([[1.0], [2.0]], [[1.0], [0.0]])
    Array([[1.],
           [0.]], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` matches the 0/1 label, with Keras's shapes:
    labels ``(N,)`` against ``(N, 1)`` give ``(N, 1)``.

    >>> binary_accuracy([1.0, 0.0], [[0.9], [0.8]]).shape
    (2, 1)
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of the one-hot label and of ``y_pred`` agree; one per sample.

    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    Array([0., 1.], dtype=float32)
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim < y_pred.ndim:
        # Keras would take the arg-max across the batch here and report nonsense.
        raise ValueError(
            "`categorical_accuracy` expects one-hot labels of the shape of y_pred. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. For integer class "
            "ids, use `sparse_categorical_accuracy`."
        )
    return sparse_categorical_accuracy(jnp.argmax(y_true, axis=-1), y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the arg-max of ``y_pred``; labels ``(N,)`` or
    ``(N, 1)`` both give ``(N,)``.

    >>> sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    Array([0., 1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    # Keras compares labels as floats of y_pred's dtype.
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    predicted = jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


# ---------------------------------------------------------------- accuracies


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (not what compile's 'accuracy' means:
    see `resolve`).

    >>> float(Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
    0.75
    """

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label.

    >>> float(BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]))
    0.75
    """

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(
                "Received an invalid value for `threshold`, expected a float (predictions "
                f"above it count as 1). Received: threshold={threshold!r}"
            )
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {**Metric.get_config(self), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` hits the one-hot label.

    >>> float(CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` equals the integer label.

    >>> float(SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


# ----------------------------------------------------------------- top-k accuracy


def _in_top_k(labels, y_pred, k):
    """True where ``y_pred``'s score for the integer label is among the ``k`` largest
    (ties count in the label's favour; a NaN score never does), as Keras on JAX."""
    at_label = jnp.take_along_axis(y_pred, labels[..., None], axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    rank = 1 + jnp.sum(y_pred > at_label, axis=-1)
    return rank <= k


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"Received an invalid value for `k`, expected an integer >= 1. "
                         f"Received: k={k!r}")
    return k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` highest scores.

    >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                            [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=2)
    Array([1., 1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true).astype(y_pred.dtype), axis=-1)
    shape = labels.shape
    matches = _in_top_k(labels.reshape(-1).astype(jnp.int32),
                        y_pred.reshape(-1, y_pred.shape[-1]), k)
    return matches.reshape(shape).astype(config.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest scores; labels ``(N, 1)``
    give ``(N, 1)``. With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by
    score and the label is looked up in its first ``k`` columns.

    >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)
    Array([0., 1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true)
    shape = y_true.shape
    labels = y_true.reshape(-1)
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        matches = jnp.any(labels.astype(y_pred.dtype)[:, None] == ids, axis=1)
    else:
        matches = _in_top_k(labels.astype(jnp.int32), y_pred.reshape(-1, y_pred.shape[-1]), k)
    return matches.reshape(shape).astype(config.floatx())


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest scores.

    >>> m = TopKCategoricalAccuracy(k=1)
    >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k))
        self.k = k

    def get_config(self):
        return {**Metric.get_config(self), "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest scores.

    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> float(m([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k(k), from_sorted_ids=bool(from_sorted_ids))
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)

    def get_config(self):
        config = {**Metric.get_config(self), "k": self.k}
        if self.from_sorted_ids:  # Keras writes the key only when it is set
            config["from_sorted_ids"] = True
        return config




_register_functions(accuracy, binary_accuracy, categorical_accuracy,
                    sparse_categorical_accuracy, top_k_categorical_accuracy,
                    sparse_top_k_categorical_accuracy)
