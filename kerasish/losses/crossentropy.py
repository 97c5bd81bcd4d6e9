"""Cross-entropy losses: binary, categorical, sparse categorical and their focal forms.

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



def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary cross-entropy scaled by ``(1 - p_t) ** gamma``, averaged over ``axis``.

    ``p_t`` is the probability given to the true label, so confident right answers
    weigh little. With ``apply_class_balancing``, entries of class 1 are also scaled by
    ``alpha`` and those of class 0 by ``1 - alpha``.

    Args:
        y_true: 0/1 labels.
        y_pred: probabilities, or logits with ``from_logits=True``.
        apply_class_balancing: weigh the classes by ``alpha`` / ``1 - alpha``.
        alpha: the weight of class 1 under class balancing.
        gamma: the focusing exponent; 0 gives plain binary cross-entropy.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: moves labels towards 0.5 by this fraction.
        axis: the axis to average over.

    >>> binary_focal_crossentropy([[0.0, 1.0]], [[0.6, 0.4]], gamma=2.0)
    Array([0.32986468], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Keras takes log(clip(sigmoid(x))) here; log_sigmoid is the same number for
        # moderate logits and stays exact (with a gradient) where sigmoid saturates.
        p = jax.nn.sigmoid(y_pred)
        bce = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(
            -y_pred
        )
    else:
        _warn_if_not_probabilities("binary_focal_crossentropy", y_pred)
        p = y_pred
        eps = config.epsilon()
        clipped = jnp.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * jnp.log(clipped) + (1.0 - y_true) * jnp.log(1.0 - clipped))
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Categorical cross-entropy with each class's term scaled by
    ``alpha * (1 - p) ** gamma``, summed over ``axis``.

    Args:
        y_true: one-hot (or soft) labels, the shape of ``y_pred``.
        y_pred: probabilities (renormalised to sum to 1), or logits with
            ``from_logits=True``.
        alpha: the weighting factor: a float, or one float per class.
        gamma: the focusing exponent.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: mixes the labels with the uniform distribution by this fraction.
        axis: the class axis.

    >>> categorical_focal_crossentropy([[0, 1, 0]], [[0.05, 0.9, 0.05]])
    Array([0.0002634], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape(
        "categorical_focal_crossentropy",
        y_true,
        y_pred,
        " If `y_true` holds integer class ids, one-hot encode them first.",
    )
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "`categorical_focal_crossentropy` over a single class is always 0: "
            f"y_pred.shape={y_pred.shape}. For two classes with one output, use "
            "`binary_focal_crossentropy`.",
            stacklevel=2,
        )
    if label_smoothing:
        # Keras counts the classes on the last axis, whatever `axis` is.
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    eps = config.epsilon()
    if from_logits:
        # log_softmax rather than Keras's log(clip(softmax)): equal for moderate logits,
        # exact beyond; the focal factor uses the clipped probabilities, as Keras's.
        log_p = jax.nn.log_softmax(y_pred, axis=axis)
        p = jnp.clip(jnp.exp(log_p), eps, 1.0 - eps)
    else:
        _warn_if_not_probabilities("categorical_focal_crossentropy", y_pred, upper=np.inf)
        p = jnp.clip(y_pred / jnp.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
        log_p = jnp.log(p)
    alpha = jnp.asarray(alpha, y_pred.dtype)
    focal = alpha * jnp.power(1.0 - p, gamma) * (-y_true * log_p)
    return jnp.sum(focal, axis=axis)



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



def _check_number(name, value, low=None, what="a float"):
    is_number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if not is_number or (low is not None and value < low):
        bound = f" >= {low}" if low is not None else ""
        raise ValueError(
            f"Received an invalid value for `{name}`, expected {what}{bound}. "
            f"Received: {name}={value!r}"
        )


def _check_alpha(alpha, per_class=False):
    values = alpha if per_class and isinstance(alpha, (list, tuple)) else [alpha]
    for value in values:
        _check_number(
            "alpha", value, what="a float (or a list of floats, one per class)"
            if per_class else "a float"
        )


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"Received an invalid value for `{name}`, expected True or False. "
            f"Received: {name}={value!r}"
        )


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy that down-weighs easy examples by ``(1 - p_t) ** gamma``.

    Args:
        apply_class_balancing: weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
        alpha: the weight of class 1 when balancing.
        gamma: the focusing exponent (0 gives `BinaryCrossentropy`).
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: moves labels towards 0.5 by this fraction.
        axis: the axis the per-sample mean runs over.
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> loss = BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
    >>> round(float(loss(np.array([[0.0, 1.0]]), np.array([[-1.0, 2.0]]))), 4)
    0.0122
    """

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        _check_bool("apply_class_balancing", apply_class_balancing)
        _check_alpha(alpha)
        _check_number("gamma", gamma, low=0)
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with each class's term scaled by
    ``alpha * (1 - p) ** gamma``, for imbalanced classes.

    Args:
        alpha: the weighting factor: a float, or a list of one float per class.
        gamma: the focusing exponent.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: mixes the labels with the uniform distribution by this fraction.
        axis: the class axis.
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> loss = CategoricalFocalCrossentropy()
    >>> round(float(loss(np.array([[0, 1, 0], [0, 0, 1]]),
    ...                  np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))), 4)
    0.2332
    """

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        _check_alpha(alpha, per_class=True)
        _check_number("gamma", gamma, low=0)
        _check_from_logits(from_logits)
        _check_label_smoothing(label_smoothing)
        _check_axis(axis)
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


bce = BCE = binary_crossentropy

for _fn, _cls, _aliases in (
    (binary_crossentropy, BinaryCrossentropy, ("bce", "BCE")),
    (categorical_crossentropy, CategoricalCrossentropy, ()),
    (sparse_categorical_crossentropy, SparseCategoricalCrossentropy, ()),
    (binary_focal_crossentropy, BinaryFocalCrossentropy, ()),
    (categorical_focal_crossentropy, CategoricalFocalCrossentropy, ()),
):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls, _aliases)
