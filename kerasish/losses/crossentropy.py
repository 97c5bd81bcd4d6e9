"""Cross-entropy losses: binary, categorical and sparse categorical.

On logits they work in log space (``log_sigmoid``, ``log_softmax``); on probabilities
they clip to ``[1e-7, 1 - 1e-7]`` as Keras does.

>>> float(binary_crossentropy([[1.0]], [[0.5]])[0]) == float(-np.log(np.float32(0.5)))
True
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.losses import registry
from kerasish.losses.base import (
    Loss,
    LossFunctionWrapper,
    _check_axis,
    _check_from_logits,
    _check_label_smoothing,
    _check_same_shape,
    _concrete,
    _float_pair,
    _warn_if_not_probabilities,
    squeeze_or_expand_to_same_rank,
)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``: one value per sample.

    Labels ``(N,)`` against predictions ``(N, 1)`` are accepted (Keras's function form
    rejects them; its class form accepts them).

    >>> binary_crossentropy([[0.0, 1.0]], [[0.6, 0.4]]).shape
    (1,)
    >>> float(binary_crossentropy([0.0], [[1e4]], from_logits=True)[0])
    10000.0
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # log(sigmoid(x)) rounds to log(0) = -inf once |x| > ~17 in float32;
        # log_sigmoid(x) and log_sigmoid(-x) stay exact, and so do their gradients.
        per_entry = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(
            -y_pred
        )
    else:
        _warn_if_not_probabilities("binary_crossentropy", y_pred)
        # Keras clips probabilities to [eps, 1 - eps] so log never sees 0.
        eps = config.epsilon()
        p = jnp.clip(y_pred, eps, 1.0 - eps)
        per_entry = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(per_entry, axis=axis)


def _log_probabilities(y_pred, from_logits, axis, fn_name):
    if from_logits:
        # log_softmax subtracts the max before exponentiating: exact for logits of 1e4.
        return jax.nn.log_softmax(y_pred, axis=axis)
    # Keras renormalises the outputs, so only negative values betray logits here.
    _warn_if_not_probabilities(fn_name, y_pred, upper=np.inf)
    # Keras renormalises the outputs to sum to 1, then clips to [eps, 1 - eps].
    eps = config.epsilon()
    p = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(p, eps, 1.0 - eps))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy against one-hot (or soft) labels of the same shape as ``y_pred``.

    >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    Array([0.05129331, 2.3025851 ], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape(
        "categorical_crossentropy",
        y_true,
        y_pred,
        " If `y_true` holds integer class ids, use `sparse_categorical_crossentropy`.",
    )
    if y_pred.shape[axis] == 1:
        warnings.warn(
            "`categorical_crossentropy` over a single class is always 0: "
            f"y_pred.shape={y_pred.shape}. For two classes with one output, use "
            "`binary_crossentropy`.",
            stacklevel=2,
        )
    if label_smoothing:
        # Keras counts classes on the last axis; we count them on `axis` (same when -1).
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[axis]
    log_prob = _log_probabilities(y_pred, from_logits, axis, "categorical_crossentropy")
    return -jnp.sum(y_true * log_prob, axis=axis)


def _sparse_labels(y_true, y_pred, axis):
    """Integer labels with the shape of ``y_pred`` minus its class axis."""
    if y_pred.ndim < 1:
        raise ValueError(
            "`sparse_categorical_crossentropy` expects `y_pred` with a class axis (rank >= 1). "
            f"Received: y_pred.shape={y_pred.shape}"
        )
    y_true = jnp.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis)
    expected = y_pred.shape[:axis % y_pred.ndim] + y_pred.shape[axis % y_pred.ndim + 1 :]
    if y_true.shape != expected:
        raise ValueError(
            "`sparse_categorical_crossentropy` expects integer class ids of shape "
            f"{expected} (or {expected + (1,)}) for y_pred.shape={y_pred.shape}. "
            f"Received: y_true.shape={y_true.shape}. If `y_true` is one-hot, use "
            "`categorical_crossentropy`."
        )
    return y_true


def _check_label_range(labels, num_classes, ignore_class):
    values = _concrete(labels)
    if values is None or not values.size:
        return
    if ignore_class is not None:
        values = values[values != ignore_class]
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"`sparse_categorical_crossentropy` expects class ids in [0, {num_classes}) for "
            f"{num_classes} classes. Received: min={values.min()}, max={values.max()}. Check "
            "the labels, the number of output units, or pass `ignore_class` for a void label."
        )


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy against integer class ids; labels ``(N,)`` or ``(N, 1)``.

    Entries whose label equals ``ignore_class`` get a loss of 0.

    >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    Array([0.05129331, 2.3025851 ], dtype=float32)
    >>> sparse_categorical_crossentropy([[1], [-1]], [[9.0, 0.0], [0.0, 9.0]], True, -1)
    Array([9.000123, 0.      ], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(config.floatx())
    y_true = _sparse_labels(y_true, y_pred, axis)
    num_classes = y_pred.shape[axis]
    _check_label_range(y_true, num_classes, ignore_class)
    labels = y_true.astype(jnp.int32)
    if ignore_class is not None:
        valid = y_true != ignore_class
        labels = jnp.where(valid, labels, 0)
    # Negative ids would wrap around to the last classes; send them out of range
    # instead, where the gather below fills NaN: a loud result under jit.
    labels = jnp.where(labels < 0, num_classes, labels)
    log_prob = _log_probabilities(y_pred, from_logits, axis, "sparse_categorical_crossentropy")
    picked = jnp.take_along_axis(log_prob, jnp.expand_dims(labels, axis), axis=axis)
    nll = -jnp.squeeze(picked, axis)
    if ignore_class is not None:
        nll = jnp.where(valid, nll, 0.0)
    return nll



class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 labels; ``y_pred`` are probabilities or, with
    ``from_logits=True``, logits.

    >>> bce = BinaryCrossentropy(from_logits=True)
    >>> round(float(bce(np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]]))), 4)
    0.8655
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy against one-hot labels of shape ``(N, num_classes)``.

    >>> cce = CategoricalCrossentropy()
    >>> round(float(cce(np.array([[0, 1, 0], [0, 0, 1]]),
    ...                 np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))), 4)
    1.1769
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy against integer class ids of shape ``(N,)`` or ``(N, 1)``.

    With ``ignore_class``, those entries are masked: the mean reductions average over
    the other entries only.

    >>> scce = SparseCategoricalCrossentropy(ignore_class=-1)
    >>> y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    >>> round(float(scce(np.array([0, -1, 2]), y_pred)), 4)
    1.2629
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        _check_from_logits(from_logits)
        _check_axis(axis)
        if ignore_class is not None and (
            isinstance(ignore_class, bool) or not isinstance(ignore_class, (int, np.integer))
        ):
            raise ValueError(
                "Received an invalid value for `ignore_class`, expected an int class id or "
                f"None. Received: ignore_class={ignore_class!r}"
            )
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def compute_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _sparse_labels(y_true, jnp.asarray(y_pred), self.axis) != self.ignore_class

    def get_config(self):
        config_ = {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
        }
        if self.axis != -1:  # Keras drops `axis` (its round trip resets it); we keep it
            config_["axis"] = self.axis
        return config_



bce = BCE = binary_crossentropy

for _fn, _cls, _aliases in (
    (binary_crossentropy, BinaryCrossentropy, ("bce", "BCE")),
    (categorical_crossentropy, CategoricalCrossentropy, ()),
    (sparse_categorical_crossentropy, SparseCategoricalCrossentropy, ()),
):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls, _aliases)
